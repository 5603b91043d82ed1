import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DashboardAccessGuard } from './access/dashboard-access.guard.js';
import { DashboardClusterController } from './api/dashboard-cluster.controller.js';
import { DashboardDeadLettersController } from './api/dashboard-dead-letters.controller.js';
import { DashboardFlowsController } from './api/dashboard-flows.controller.js';
import { DashboardJobsController } from './api/dashboard-jobs.controller.js';
import { DashboardOverviewController } from './api/dashboard-overview.controller.js';
import { DashboardQueuesController } from './api/dashboard-queues.controller.js';
import { DashboardRuntimeController } from './api/dashboard-runtime.controller.js';
import { DashboardAuditInterceptor } from './audit/dashboard-audit.interceptor.js';
import { DashboardAuditLog } from './audit/dashboard-audit.log.js';
import type { BackgroundDashboardOptions } from './dashboard-options.interface.js';
import { DASHBOARD_CONFIG, DEFAULT_DASHBOARD_PATH } from './dashboard.constants.js';
import { resolveDashboardConfig } from './dashboard.config.js';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE } from './dashboard.module-definition.js';
import { DashboardClusterReader } from './data/dashboard-cluster.reader.js';
import { DashboardFlowReader } from './data/dashboard-flow.reader.js';
import { DashboardJobsReader } from './data/dashboard-jobs.reader.js';
import { DashboardPoller } from './live/dashboard.poller.js';
import { DashboardPageController } from './page/dashboard-page.controller.js';

/** The JSON API's controllers, mounted under `<path>/api`. */
const API_CONTROLLERS: Type[] = [
  DashboardOverviewController,
  DashboardQueuesController,
  DashboardJobsController,
  DashboardFlowsController,
  DashboardDeadLettersController,
  DashboardRuntimeController,
  DashboardClusterController,
];

/**
 * The jobs dashboard as real controllers of the application: `BackgroundDashboardModule.forRoot({
 * path, guards, authorize, ... })` (or `forRootAsync`) serves its pages under `path` and its JSON
 * API under `<path>/api`, so the application's global prefix, guards, interceptors and filters
 * apply, then `guards`, then `authorize`. Needs `BackgroundModule` (global, the default).
 *
 * The routes' paths and guards are set as the module is built, before Nest reads them at
 * `app.init()`, on classes of this mount's own (subclasses of the controllers): set on the shared
 * classes, the last module built in a process gave its path and guards to every dashboard.
 * One dashboard per application.
 * @publicApi
 */
@Module({})
export class BackgroundDashboardModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE = {} as typeof OPTIONS_TYPE): DynamicModule {
    return mount(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return mount(super.forRootAsync(options), options);
  }
}

function mount(module: DynamicModule, extras: { path?: string; guards?: Type[] }): DynamicModule {
  const path = (extras.path ?? DEFAULT_DASHBOARD_PATH).replace(/^\/+|\/+$/g, '');
  const guards = extras.guards ?? [];
  const controllers = [...API_CONTROLLERS, DashboardPageController].map((controller) => {
    const mounted = class extends controller {};
    Object.defineProperty(mounted, 'name', { value: controller.name });
    Reflect.defineMetadata(PATH_METADATA, controller === DashboardPageController ? path || '/' : `${path}/api`.replace(/^\//, ''), mounted);
    Reflect.defineMetadata(GUARDS_METADATA, [...guards, DashboardAccessGuard], mounted);
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [DashboardAuditInterceptor], mounted);
    return mounted;
  });
  return {
    ...module,
    controllers,
    providers: [
      ...(module.providers ?? []),
      {
        provide: DASHBOARD_CONFIG,
        useFactory: (options: BackgroundDashboardOptions) => resolveDashboardConfig(options, guards.length > 0),
        inject: [MODULE_OPTIONS_TOKEN],
      },
      DashboardAccessGuard,
      DashboardAuditInterceptor,
      DashboardAuditLog,
      DashboardJobsReader,
      DashboardClusterReader,
      DashboardFlowReader,
      DashboardPoller,
    ],
  };
}
