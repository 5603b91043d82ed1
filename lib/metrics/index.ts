// The `nestjs-background/metrics` entry point: the only one that loads prom-client.
export { BackgroundMetricsModule } from './background-metrics.module.js';
export type { BackgroundMetricsOptions } from './metrics-options.interface.js';
