import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { BackgroundHealthIndicator } from '../../lib/health/index.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly background: BackgroundHealthIndicator,
  ) {}

  /** 200 while Redis answers, the workers turn and nothing waits too long; 503 naming the figure otherwise. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.background.isHealthy('background', { maxWaitingMs: 60_000, maxDeadLetters: 100 })]);
  }
}
