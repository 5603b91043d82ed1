import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackgroundHealthModule } from '../lib/health/index.js';
import { BackgroundDashboardModule } from '../lib/dashboard/index.js';
import { BackgroundModule, type BackgroundModuleOptions } from '../lib/index.js';
import { BackgroundMetricsModule } from '../lib/metrics/index.js';
import { AdminController } from './admin/admin.controller.js';
import { AdminTokenGuard } from './admin/admin-token.guard.js';
import { AdminLoginController } from './admin/admin-login.controller.js';
import { FakeSmtpClient } from './mail/fake-smtp.client.js';
import { HealthController } from './ops/health.controller.js';
import { MetricsController } from './ops/metrics.controller.js';
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
      imports: [
        BackgroundModule.forRoot({ ...storage, prefix: 'sample', enqueueTimeoutMs: 2000 }),
        TerminusModule,
        BackgroundHealthModule,
        BackgroundMetricsModule.forRoot(),
        // the jobs dashboard at /jobs-dashboard, behind the admin token (a browser logs in at /admin/login)
        BackgroundDashboardModule.forRoot({ guards: [AdminTokenGuard] }),
      ],
      controllers: [OrdersController, AdminController, AdminLoginController, HealthController, MetricsController],
      providers: [OrdersService, OrderSubscribers, FakeSmtpClient, MailJobs, ReportJobs],
    };
  }
}
