import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CircuitBreakerService, JobsService, SchedulerService } from '../../lib/index.js';
import { FakeSmtpClient } from '../mail/fake-smtp.client.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { SmtpSwitchDto } from './smtp-switch.dto.js';

/** Operations a support engineer needs: dead letters, breakers, and a switch to break the fake SMTP server. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly jobs: JobsService,
    private readonly breakers: CircuitBreakerService,
    private readonly schedules: SchedulerService,
    private readonly smtp: FakeSmtpClient,
  ) {}

  @Get('schedules')
  listSchedules() {
    return this.schedules.list();
  }

  @Get('dead-letters')
  deadLetters(@Query('name') name?: string) {
    return this.jobs.listDead({ name: name || undefined, limit: 50 });
  }

  @Post('dead-letters/:id/redrive')
  @HttpCode(200)
  async redrive(@Param('id') id: string) {
    if (!(await this.jobs.redrive(id))) throw new NotFoundException(`No dead job has the id ${id}.`);
    return { redriven: id };
  }

  @Post('dead-letters/redrive')
  @HttpCode(200)
  async redriveAll(@Query('name') name?: string) {
    return { redriven: await this.jobs.redrive({ name: name || undefined }) };
  }

  @Get('breakers')
  listBreakers() {
    return this.breakers.list();
  }

  @Post('breakers/:name/reset')
  @HttpCode(200)
  async reset(@Param('name') name: string) {
    // breakers.reset of an undeclared name is a programming error (500); from a URL it is a 404
    const declared = (await this.breakers.list()).map((breaker) => breaker.name);
    if (!declared.includes(name)) throw new NotFoundException(`No circuit breaker is named ${name} (declared: ${declared.join(', ')}).`);
    await this.breakers.reset(name);
    return this.breakers.list();
  }

  /** `{ "failing": true }` makes every mail fail, as an SMTP outage would. */
  @Post('smtp')
  @HttpCode(200)
  setSmtp(@Body() body: SmtpSwitchDto) {
    this.smtp.failing = body.failing;
    return { failing: this.smtp.failing };
  }

  /** Sends a test mail now, through the smtp breaker: while it is open, a 503 (CircuitOpenFilter) without a call. */
  @Post('smtp/test')
  @HttpCode(200)
  async testSmtp() {
    await this.breakers.run('smtp', () => this.smtp.send('postmaster@example.com', 'Test', AbortSignal.timeout(10_000)));
    return { sent: true };
  }
}
