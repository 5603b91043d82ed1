import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression, Interval, type ScheduleTick } from '../../lib/index.js';
import { OrderSubscribers } from '../orders/order.subscribers.js';

/** Recurring work: a nightly report once for the whole cluster, and a cache every replica refreshes for itself. */
@Injectable()
export class ReportJobs {
  private readonly logger = new Logger('Reports');
  /** A per-process cache of the catalogue, as a real app would keep one. */
  catalogue: { refreshedAt?: string; skus: string[] } = { skus: [] };

  constructor(private readonly orders: OrderSubscribers) {}

  @Cron(CronExpression.EVERY_DAY_AT_MIDNIGHT, { name: 'reports.nightly', timeZone: 'UTC' })
  nightly(tick: ScheduleTick) {
    const { orders, items } = this.orders.analytics;
    this.logger.log(`Nightly report for ${new Date(tick.due).toISOString()}: ${orders} orders, ${items} items`);
    return { orders, items };
  }

  @Interval('catalogue.refresh', 60_000, { scope: 'instance', runOnStart: true })
  refreshCatalogue() {
    this.catalogue = { refreshedAt: new Date().toISOString(), skus: ['tea', 'coffee', 'cocoa'] };
  }
}
