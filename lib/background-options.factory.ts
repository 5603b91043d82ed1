import type { Provider, Type } from '@nestjs/common';
import { OPTIONS_FACTORY_METHOD_MISSING } from './background.messages.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import type { ASYNC_OPTIONS_TYPE } from './background.module-definition.js';
import type { BackgroundModuleOptions } from './interfaces/background-options.interface.js';
import type { ScheduleSwitches } from './schedule/schedule-options.interface.js';

/**
 * What a class given to `BackgroundModule.forRootAsync({ useClass })` implements: `create()`
 * returns the module's options (or a promise of them), once, at start-up.
 * @publicApi
 */
export interface BackgroundOptionsFactory {
  create(): BackgroundModuleOptions | Promise<BackgroundModuleOptions>;
}

/**
 * A class written for `ScheduleModule.forRootAsync({ useClass })`: its `createScheduleOptions()`
 * returns the switches (`cronJobs`, `intervals`, `timeouts`), which become the `schedule` option;
 * any of this module's own options returned beside them are taken as they are.
 * @publicApi
 */
export interface ScheduleOptionsFactory {
  createScheduleOptions(): ScheduleFactoryOptions | Promise<ScheduleFactoryOptions>;
}

/** What `createScheduleOptions()` returns: `ScheduleModule`'s switches, and possibly options of this module. */
export type ScheduleFactoryOptions = ScheduleSwitches & BackgroundModuleOptions;

type FactoryClass = Type<BackgroundOptionsFactory | ScheduleOptionsFactory>;

/**
 * What `BackgroundModule.forRootAsync()` takes: `imports`, `inject` and one of `useFactory`,
 * `useClass`, `useExisting` (a class with `create()`, or with `@nestjs/schedule`'s
 * `createScheduleOptions()`), plus `isGlobal`.
 * @publicApi
 */
export type BackgroundModuleAsyncOptions = Omit<typeof ASYNC_OPTIONS_TYPE, 'useClass' | 'useExisting'> & {
  useClass?: FactoryClass;
  useExisting?: FactoryClass;
};

/**
 * The async options with a factory class turned into a factory function, which calls the class's
 * `create()`, or else its `createScheduleOptions()` (a class moved over from `ScheduleModule`).
 */
export function withFactoryClass(options: BackgroundModuleAsyncOptions): typeof ASYNC_OPTIONS_TYPE {
  const { useClass, useExisting, ...rest } = options;
  const factoryClass = useClass ?? useExisting;
  if (!factoryClass) return rest;
  const provided: Provider[] = useClass ? [{ provide: useClass, useClass }] : [];
  return {
    ...rest,
    useFactory: (factory: object) => optionsOf(factory, factoryClass.name),
    inject: [factoryClass],
    provideInjectionTokensFrom: [...(rest.provideInjectionTokensFrom ?? []), ...provided],
  };
}

async function optionsOf(factory: object, className: string): Promise<BackgroundModuleOptions> {
  const { create, createScheduleOptions } = factory as Partial<BackgroundOptionsFactory & ScheduleOptionsFactory>;
  if (typeof create === 'function') return create.call(factory);
  if (typeof createScheduleOptions !== 'function') throw new InvalidOptionsError(OPTIONS_FACTORY_METHOD_MISSING(className));
  const { cronJobs, intervals, timeouts, ...own } = (await createScheduleOptions.call(factory)) ?? {};
  const switches = Object.fromEntries(Object.entries({ cronJobs, intervals, timeouts }).filter(([, on]) => on !== undefined));
  return Object.keys(switches).length === 0 ? own : { ...own, schedule: { ...own.schedule, ...switches } };
}
