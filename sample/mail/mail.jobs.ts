import { Injectable, Logger } from '@nestjs/common';
import { CircuitBreaker, Job, Retry, defineJob, type JobContext } from '../../lib/index.js';
import { FakeSmtpClient } from './fake-smtp.client.js';

/** The job's name, payload and result, declared once for the handler and every enqueue. */
export const SendConfirmation = defineJob<{ orderId: string; email: string }, { sentTo: string }>('mail.confirmation');

/** Options of the breaker in front of the SMTP server, shared by every handler that uses it. */
export const SMTP_BREAKER = { failureThreshold: 3, windowMs: 30_000, resetTimeoutMs: 5_000 };

@Injectable()
export class MailJobs {
  private readonly logger = new Logger('Mail');

  constructor(private readonly smtp: FakeSmtpClient) {}

  @Job(SendConfirmation, { timeoutMs: 10_000 })
  @Retry({ attempts: 4, backoff: { type: 'exponential', delayMs: 500 } })
  @CircuitBreaker('smtp', SMTP_BREAKER)
  async sendConfirmation(data: { orderId: string; email: string }, ctx: JobContext): Promise<{ sentTo: string }> {
    await this.smtp.send(data.email, `Order ${data.orderId} confirmed`, ctx.signal);
    this.logger.log(`Confirmation of order ${data.orderId} sent to ${data.email} (attempt ${ctx.attempt})`);
    return { sentTo: data.email };
  }
}
