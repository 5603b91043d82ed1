import type { Registry } from 'prom-client';

/**
 * Options of `BackgroundMetricsModule.forRoot()`.
 * @publicApi
 */
export interface BackgroundMetricsOptions {
  /** Where the metrics are registered. @default prom-client's default `register` */
  registry?: Registry;
  /** Histogram buckets of run and wait times, in seconds. @default [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] */
  buckets?: number[];
}
