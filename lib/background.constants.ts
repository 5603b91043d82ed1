export const JOB_METADATA = 'nestjs-background:job';
export const BACKGROUND_CONFIG = Symbol('BACKGROUND_CONFIG');

/** Every process publishes its handlers' routes this often, so that live ones stay known. */
export const ROUTE_REFRESH_MS = 60_000;
/** A route no process has published for this long is forgotten: its handlers were deployed away. */
export const ROUTE_TTL_MS = 5 * 60_000;

/** The two parameters of a `@Job` method, as Nest's pipes see them (see `background-params.factory.ts`). */
export const JOB_ARGS_METADATA = 'nestjs-background:job-args';
