import { defineEvent } from '../../lib/index.js';

/** Emitted once an order is stored; every subscriber gets it as a durable job of its own. */
export const OrderPlaced = defineEvent<{ orderId: string; email: string; items: number }>('order.placed');
