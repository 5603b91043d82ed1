import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from '../../lib/index.js';

/**
 * Stands in for an SMTP server the sample sends through; `POST /admin/smtp` takes it down and brings it back.
 * Addresses at invalid.example are refused for good.
 */
@Injectable()
export class FakeSmtpClient {
  failing = false;
  readonly sent: { to: string; subject: string }[] = [];

  async send(to: string, subject: string, signal: AbortSignal): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    signal.throwIfAborted();
    if (this.failing) throw new Error('SMTP server unavailable (421 Service not available)');
    // a mailbox that does not exist will not exist on the next attempt either
    if (to.endsWith('@invalid.example')) throw new UnrecoverableError(`550 No such mailbox: ${to}`);
    this.sent.push({ to, subject });
  }
}
