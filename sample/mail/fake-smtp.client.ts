import { Injectable } from '@nestjs/common';

/** Stands in for an SMTP server the sample sends through; `POST /admin/smtp` takes it down and brings it back. */
@Injectable()
export class FakeSmtpClient {
  failing = false;
  readonly sent: { to: string; subject: string }[] = [];

  async send(to: string, subject: string, signal: AbortSignal): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    signal.throwIfAborted();
    if (this.failing) throw new Error('SMTP server unavailable (421 Service not available)');
    this.sent.push({ to, subject });
  }
}
