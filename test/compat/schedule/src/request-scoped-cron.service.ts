import { Injectable, Scope } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { CronExpression } from '@nestjs/schedule';

@Injectable({ scope: Scope.REQUEST })
export class RequestScopedCronService {
  @Cron(CronExpression.EVERY_MINUTE)
  handleCron() {}
}
