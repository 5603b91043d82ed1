export const RETRY_METADATA = 'nestjs-background:retry';
