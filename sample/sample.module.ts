import { Module, type DynamicModule } from '@nestjs/common';
import { BackgroundModule, type BackgroundModuleOptions } from '../lib/index.js';
import { AdminController } from './admin/admin.controller.js';
import { FakeSmtpClient } from './mail/fake-smtp.client.js';
import { MailJobs } from './mail/mail.jobs.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrderSubscribers } from './orders/order.subscribers.js';
import { OrdersService } from './orders/orders.service.js';
import { ReportJobs } from './reports/report.jobs.js';

/** The sample orders API; `storage` is where its jobs live (see storage.ts). */
@Module({})
export class SampleModule {
  static register(storage: BackgroundModuleOptions): DynamicModule {
    return {
      module: SampleModule,
      imports: [BackgroundModule.forRoot({ ...storage, prefix: 'sample', enqueueTimeoutMs: 2000 })],
      controllers: [OrdersController, AdminController],
      providers: [OrdersService, OrderSubscribers, FakeSmtpClient, MailJobs, ReportJobs],
    };
  }
}
