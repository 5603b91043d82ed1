import { Module, type DynamicModule } from '@nestjs/common';
import { BackgroundMetrics, METRICS_OPTIONS } from './background.metrics.js';
import type { BackgroundMetricsOptions } from './metrics-options.interface.js';

/**
 * Prometheus metrics of the background jobs, registered in `registry` (default: prom-client's
 * default registry) for your `/metrics` endpoint to serve. `BackgroundModule` must be global (the
 * default) or imported beside it.
 * @publicApi
 */
@Module({})
export class BackgroundMetricsModule {
  static forRoot(options: BackgroundMetricsOptions = {}): DynamicModule {
    return {
      module: BackgroundMetricsModule,
      providers: [{ provide: METRICS_OPTIONS, useValue: options }, BackgroundMetrics],
    };
  }
}
