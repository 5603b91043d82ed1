import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackgroundHealthIndicator } from './background-health.indicator.js';

/**
 * Provides `BackgroundHealthIndicator`. Import it beside `TerminusModule` in the module of your
 * health controller; `BackgroundModule` must be global (the default) or imported there too.
 * @publicApi
 */
@Module({
  imports: [TerminusModule],
  providers: [BackgroundHealthIndicator],
  exports: [BackgroundHealthIndicator],
})
export class BackgroundHealthModule {}
