import { Injectable, Scope } from '@nestjs/common';
import { Timeout } from '@nestjs/schedule';

@Injectable({ scope: Scope.REQUEST })
export class RequestScopedTimeoutService {
  @Timeout('test', 2500)
  handleTimeout() {}
}
