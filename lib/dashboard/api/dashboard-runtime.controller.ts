import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CircuitBreakerService } from '../../breaker/circuit-breaker.service.js';
import { SchedulerService } from '../../schedule/scheduler.service.js';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { asHttp } from './dashboard-request.checks.js';

/** `<path>/api/schedules` and `<path>/api/breakers`: the runtime services, over HTTP. */
@Controller()
export class DashboardRuntimeController {
  constructor(
    private readonly schedules: SchedulerService,
    private readonly breakers: CircuitBreakerService,
  ) {}

  @Get('schedules')
  @DashboardAccess('read', 'schedule')
  async listSchedules() {
    return { schedules: await asHttp(this.schedules.list()) };
  }

  /** Stored: it stays paused across restarts and deploys until resumed. */
  @Post('schedules/:name/pause')
  @HttpCode(200)
  @DashboardAccess('write', 'schedule', 'pause')
  async pauseSchedule(@Param('name') name: string) {
    await asHttp(this.schedules.pause(name));
    return { paused: true };
  }

  @Post('schedules/:name/resume')
  @HttpCode(200)
  @DashboardAccess('write', 'schedule', 'resume')
  async resumeSchedule(@Param('name') name: string) {
    await asHttp(this.schedules.resume(name));
    return { paused: false };
  }

  @Post('schedules/:name/trigger')
  @HttpCode(200)
  @DashboardAccess('write', 'schedule', 'trigger')
  triggerSchedule(@Param('name') name: string) {
    return asHttp(this.schedules.trigger(name));
  }

  @Get('breakers')
  @DashboardAccess('read', 'breaker')
  async listBreakers() {
    return { breakers: await asHttp(this.breakers.list()) };
  }

  @Post('breakers/:name/open')
  @HttpCode(200)
  @DashboardAccess('write', 'breaker', 'open')
  async openBreaker(@Param('name') name: string) {
    await asHttp(this.breakers.open(name));
    return { state: 'open' };
  }

  @Post('breakers/:name/reset')
  @HttpCode(200)
  @DashboardAccess('write', 'breaker', 'reset')
  async resetBreaker(@Param('name') name: string) {
    await asHttp(this.breakers.reset(name));
    return { state: 'closed' };
  }
}
