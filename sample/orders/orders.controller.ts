import { Body, Controller, Get, NotFoundException, Param, Post } from '@nestjs/common';
import { JobsService } from '../../lib/index.js';
import { SendConfirmation } from '../mail/mail.jobs.js';
import { CreateOrderDto } from './create-order.dto.js';
import { OrdersService } from './orders.service.js';

@Controller()
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly jobs: JobsService,
  ) {}

  /** Stores the order; the confirmation mail goes out in the background. */
  @Post('orders')
  async place(@Body() dto: CreateOrderDto) {
    const order = this.orders.create(dto);
    const { id } = await this.jobs.enqueue(SendConfirmation, { orderId: order.id, email: order.email });
    return { order, jobs: [id] };
  }

  @Get('orders/:id')
  order(@Param('id') id: string) {
    const order = this.orders.find(id);
    if (!order) throw new NotFoundException(`No order has the id ${id}.`);
    return order;
  }

  @Get('jobs/:id')
  async job(@Param('id') id: string) {
    const job = await this.jobs.getJob(id);
    if (!job) throw new NotFoundException(`No job has the id ${id} (it may have been trimmed after it finished).`);
    return job;
  }
}
