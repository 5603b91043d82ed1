import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { BackgroundModuleOptions } from './interfaces/background-options.interface.js';
import { SchedulerRegistryCompatModule } from './schedule/compat/scheduler-registry-compat.module.js';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<BackgroundModuleOptions>({ moduleName: 'Background' })
    .setClassMethodName('forRoot')
    // @nestjs/schedule's SchedulerRegistry is global there: it is provided only where this module is global too
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      imports: extras.isGlobal ? [...(definition.imports ?? []), SchedulerRegistryCompatModule.register()] : definition.imports,
    }))
    .build();

