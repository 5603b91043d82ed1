import { Injectable, Logger } from '@nestjs/common';
import { Job, defineJob, type JobContext } from '../lib/index.js';

/** The job's name, payload and result, declared once for the handler and every enqueue. */
export const SendWelcome = defineJob<{ email: string }, { delivered: string }>('welcome.send');

@Injectable()
export class WelcomeJobs {
  private readonly logger = new Logger(WelcomeJobs.name);

  @Job(SendWelcome, { timeoutMs: 5000 })
  async send(data: { email: string }, ctx: JobContext): Promise<{ delivered: string }> {
    await ctx.log(`sending to ${data.email}`);
    // stands in for a call to a mail provider
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.logger.log(`Welcome mail sent to ${data.email} (job ${ctx.id}, attempt ${ctx.attempt})`);
    return { delivered: new Date().toISOString() };
  }
}
