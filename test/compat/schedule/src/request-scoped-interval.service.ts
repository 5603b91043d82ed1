import { Injectable, Scope } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

@Injectable({ scope: Scope.REQUEST })
export class RequestScopedIntervalService {
  @Interval('test', 2500)
  handleInterval() {}
}
