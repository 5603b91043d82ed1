// The `nestjs-background/health` entry point: the only one that loads @nestjs/terminus.
export { BackgroundHealthIndicator } from './background-health.indicator.js';
export { BackgroundHealthModule } from './background-health.module.js';
export type { BackgroundHealthThresholds } from '../monitor/health-thresholds.interface.js';
