import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Cron, CronExpression, Interval } from '@nestjs/schedule';

// A scheduler that emits events, as tutorials combine the two packages.
@Injectable()
export class DigestScheduler {
  private readonly logger = new Logger(DigestScheduler.name);
  digests = 0;
  cleanups = 0;

  constructor(private readonly events: EventEmitter2) {}

  @Cron(CronExpression.EVERY_30_SECONDS, { name: 'digest' })
  sendDigest() {
    this.digests++;
    this.logger.log(`digest #${this.digests}`);
    this.events.emit('digest.sent', { count: this.digests });
  }

  @Interval('cleanup', 60_000)
  cleanup() {
    this.cleanups++;
  }
}
