import { Injectable, Module, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BackgroundModule,
  BackgroundSchedulerRegistry,
  Cron,
  InvalidOptionsError,
  type BackgroundModuleAsyncOptions,
  type BackgroundOptionsFactory,
  type ScheduleOptionsFactory,
} from '../lib/index.js';

@Injectable()
class Reports {
  @Cron('0 0 * * *', { name: 'nightly' })
  nightly() {}
}

/** Whether the app made with `options` declared the `@Cron` (its cronJobs switch). */
async function declaresCron(options: BackgroundModuleAsyncOptions): Promise<boolean> {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRootAsync(options)], providers: [Reports] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  try {
    return app.get(BackgroundSchedulerRegistry).doesExist('cron', 'nightly');
  } finally {
    await app.close();
  }
}

describe('BackgroundModule.forRootAsync with a factory class', () => {
  it("calls the class's create() (useClass)", async () => {
    class Config implements BackgroundOptionsFactory {
      create() {
        return { storage: 'memory' as const, schedule: { cronJobs: false } };
      }
    }
    await expect(declaresCron({ useClass: Config })).resolves.toBe(false);
  });

  it("takes a ScheduleModule class's createScheduleOptions(): its switches become the schedule option (useExisting)", async () => {
    @Injectable()
    class ScheduleConfig implements ScheduleOptionsFactory {
      createScheduleOptions() {
        return { storage: 'memory' as const, cronJobs: false };
      }
    }
    @Module({ providers: [ScheduleConfig], exports: [ScheduleConfig] })
    class ConfigModule {}
    await expect(declaresCron({ imports: [ConfigModule], useExisting: ScheduleConfig })).resolves.toBe(false);
  });

  it('calls create() when the class has both methods', async () => {
    class Both implements BackgroundOptionsFactory, ScheduleOptionsFactory {
      create() {
        return { storage: 'memory' as const };
      }
      createScheduleOptions() {
        return { storage: 'memory' as const, cronJobs: false };
      }
    }
    await expect(declaresCron({ useClass: Both })).resolves.toBe(true);
  });

  it('fails the bootstrap naming both methods when the class has neither', async () => {
    class Neither {
      options() {
        return { storage: 'memory' };
      }
    }
    const compiling = Test.createTestingModule({
      imports: [BackgroundModule.forRootAsync({ useClass: Neither as unknown as Type<BackgroundOptionsFactory> })],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(compiling).rejects.toThrow(
      "BackgroundModule.forRootAsync() was given Neither, which has neither create() (returning the module's options) nor createScheduleOptions() (ScheduleModule's, returning its switches). Add create() to Neither, or pass useFactory.",
    );
  });
});
