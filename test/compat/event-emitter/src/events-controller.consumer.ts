import { Controller, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

@Controller()
export class EventsControllerConsumer {
  public eventPayload = {};

  @OnEvent('test.*')
  onTestEvent(payload: Record<string, any>) {
    this.eventPayload = payload;
  }
}
