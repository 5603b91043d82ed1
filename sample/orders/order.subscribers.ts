import { Injectable, Logger } from '@nestjs/common';
import { JobsService, OnEvent, type EventContext } from '../../lib/index.js';
import { SendConfirmation } from '../mail/mail.jobs.js';
import { OrderPlaced } from './order.events.js';

type Placed = { orderId: string; email: string; items: number };

/** What happens after an order is placed, each step a subscriber that retries on its own. */
@Injectable()
export class OrderSubscribers {
  private readonly logger = new Logger('Orders');
  /** Orders and items per day, as an analytics store would keep them. */
  readonly analytics = { orders: 0, items: 0 };
  readonly audit: string[] = [];

  constructor(private readonly jobs: JobsService) {}

  /** The mail itself is a job of its own, behind the SMTP breaker; the order id makes it idempotent. */
  @OnEvent(OrderPlaced, { name: 'orders.confirm' })
  async confirm(order: Placed) {
    const { id } = await this.jobs.enqueue(SendConfirmation, { orderId: order.orderId, email: order.email }, { jobId: `confirm:${order.orderId}` });
    return { mailJob: id };
  }

  @OnEvent(OrderPlaced, { name: 'orders.analytics' })
  count(order: Placed) {
    this.analytics.orders += 1;
    this.analytics.items += order.items;
  }

  @OnEvent('order.*', { name: 'orders.audit' })
  write(order: Placed, ctx: EventContext) {
    const line = `${new Date().toISOString()} ${ctx.event} ${order.orderId}`;
    this.audit.push(line);
    this.logger.log(`audit: ${line}`);
  }
}
