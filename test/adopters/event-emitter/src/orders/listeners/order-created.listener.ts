import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OrderCreatedEvent } from '../events/order-created.event.js';

// Unchanged from the adopter's app (nestjs/nest sample/30-event-emitter, re-typed): the decorator of @nestjs/event-emitter.
@Injectable()
export class OrderCreatedListener {
  readonly handled: OrderCreatedEvent[] = [];

  @OnEvent('order.created')
  handleOrderCreatedEvent(event: OrderCreatedEvent) {
    // the sample logs the event with console.log; kept in memory here, so that a test can read it without console noise
    this.handled.push(event);
  }
}
