import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CreateOrderDto } from './create-order.dto.js';

export interface Order {
  id: string;
  email: string;
  lines: { sku: string; quantity: number }[];
  placedAt: string;
}

/** The sample's order store: a map in memory, where a real app has its database. */
@Injectable()
export class OrdersService {
  private readonly orders = new Map<string, Order>();

  create(dto: CreateOrderDto): Order {
    const order = { id: randomUUID(), email: dto.email, lines: dto.lines.map(({ sku, quantity }) => ({ sku, quantity })), placedAt: new Date().toISOString() };
    this.orders.set(order.id, order);
    return order;
  }

  find(id: string): Order | undefined {
    return this.orders.get(id);
  }
}
