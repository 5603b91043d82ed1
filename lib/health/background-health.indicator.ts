import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { BackgroundMonitor, type BackgroundHealthReport } from '../monitor/background.monitor.js';
import type { BackgroundHealthThresholds } from '../monitor/health-thresholds.interface.js';

/**
 * Terminus health indicator of the background jobs (`import { BackgroundHealthModule } from
 * 'nestjs-background/health'`). Each call reads what it reports there and then: storage's PING,
 * this process's workers, one round trip per queue.
 * @publicApi
 */
@Injectable()
export class BackgroundHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly monitor: BackgroundMonitor,
  ) {}

  /**
   * Everything, each figure against its threshold: Redis reachable and its PING latency, this
   * process's workers turning, each queue's oldest waiting job, dead letters, circuit breakers
   * (an open one makes it `degraded` unless `maxOpenBreakers` says `down`).
   */
  async isHealthy<const Key extends string>(key: Key, thresholds?: BackgroundHealthThresholds): Promise<HealthIndicatorResult<Key>> {
    return this.result(key, await this.monitor.healthy(thresholds));
  }

  /** Liveness: this process's workers turn their claim loops (a blocked event loop does not). Storage is not asked. */
  isAlive<const Key extends string>(key: Key, thresholds?: Pick<BackgroundHealthThresholds, 'workerStallMs'>): HealthIndicatorResult<Key> {
    return this.result(key, this.monitor.alive(thresholds));
  }

  /** Readiness: Redis answers a PING within `maxPingMs`. */
  async isReady<const Key extends string>(key: Key, thresholds?: Pick<BackgroundHealthThresholds, 'maxPingMs'>): Promise<HealthIndicatorResult<Key>> {
    return this.result(key, await this.monitor.ready(thresholds));
  }

  private result<Key extends string>(key: Key, report: BackgroundHealthReport): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    if (report.status === 'down') return indicator.down({ ...report.figures, problems: report.problems });
    return report.status === 'degraded' ? indicator.degraded(report.figures) : indicator.up(report.figures);
  }
}
