export const JOB_METADATA = 'nestjs-background:job';
export const BACKGROUND_CONFIG = Symbol('BACKGROUND_CONFIG');
