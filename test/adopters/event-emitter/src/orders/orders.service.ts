import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { CreateOrderDto } from './dto/create-order.dto.js';
import { Order } from './entities/order.entity.js';
import { OrderCreatedEvent } from './events/order-created.event.js';

@Injectable()
export class OrdersService {
  orders: Order[] = [
    { id: 1, name: 'Order #1', description: 'Description order #1' },
    { id: 2, name: 'Order #2', description: 'Description order #2' },
  ];

  constructor(private readonly eventEmitter: EventEmitter2) {}

  create(createOrderDto: CreateOrderDto): Order {
    const order = { id: this.orders.length + 1, ...createOrderDto };
    this.orders.push(order);

    const event = new OrderCreatedEvent();
    event.name = order.name;
    event.description = order.description;
    this.eventEmitter.emit('order.created', event);

    return order;
  }
}
