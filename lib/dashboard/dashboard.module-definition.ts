import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { BackgroundDashboardOptions } from './dashboard-options.interface.js';
import { DEFAULT_DASHBOARD_PATH } from './dashboard.constants.js';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<BackgroundDashboardOptions>({ moduleName: 'BackgroundDashboard' })
    .setClassMethodName('forRoot')
    .setExtras({ path: DEFAULT_DASHBOARD_PATH, guards: [] as any[] }, (definition) => definition)
    .build();

/**
 * What `BackgroundDashboardModule.forRootAsync()` takes: `imports`, `inject` and one of
 * `useFactory`, `useClass`, `useExisting`, plus `path` and `guards`.
 * @publicApi
 */
export type BackgroundDashboardAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
