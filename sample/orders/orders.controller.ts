import { Body, Controller, Get, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { JobsService } from '../../lib/index.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';
import { CreateOrderDto } from './create-order.dto.js';
import { OrderPlaced } from './order.events.js';
import { OrdersService } from './orders.service.js';

@Controller()
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly jobs: JobsService,
  ) {}

  /** Stores the order and emits order.placed: when this returns, every subscriber's job is stored. */
  @Post('orders')
  async place(@Body() dto: CreateOrderDto) {
    const order = this.orders.create(dto);
    const items = order.lines.reduce((sum, line) => sum + line.quantity, 0);
    const event = await this.jobs.emit(OrderPlaced, { orderId: order.id, email: order.email, items }, { id: `order-${order.id}` });
    return { order, event };
  }

  @Get('orders/:id')
  order(@Param('id') id: string) {
    const order = this.orders.find(id);
    if (!order) throw new NotFoundException(`No order has the id ${id}.`);
    return order;
  }

  /** A job holds its payload (e-mail addresses), result and stack traces: for support staff only. */
  @Get('jobs/:id')
  @UseGuards(AdminTokenGuard)
  async job(@Param('id') id: string) {
    const job = await this.jobs.getJob(id);
    if (!job) throw new NotFoundException(`No job has the id ${id} (it may have been trimmed after it finished).`);
    return job;
  }
}
