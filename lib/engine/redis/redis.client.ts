import type { Cluster, Redis, RedisOptions } from 'ioredis';

/** A client of one Redis server, of a Sentinel group or of a Cluster. */
export type RedisClient = Redis | Cluster;

/** What the module's `connection` option (or REDIS_URL) may be: a URL, ioredis options, or a client of the caller's. */
export type ConnectionOption = string | RedisOptions | Redis | Cluster;
