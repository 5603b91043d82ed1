import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TasksService } from './src/tasks/tasks.service.js';

// The adopter's own unit test, unchanged but for `jest` from @jest/globals (ESM): it calls the methods directly.
describe('TasksService', () => {
  let service: TasksService;
  let loggerSpy: ReturnType<typeof jest.spyOn>;

  beforeEach(async () => {
    const module: TestingModule = await Test.createTestingModule({ providers: [TasksService] }).compile();
    service = module.get(TasksService);
    loggerSpy = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => loggerSpy.mockRestore());

  it('is defined', () => {
    expect(service).toBeDefined();
  });

  it('handleCron logs its line', () => {
    service.handleCron();
    expect(loggerSpy).toHaveBeenCalledWith('Called when the second is 45');
  });

  it('handleInterval logs its line', () => {
    service.handleInterval();
    expect(loggerSpy).toHaveBeenCalledWith('Called every 10 seconds');
  });

  it('handleTimeout logs its line', () => {
    service.handleTimeout();
    expect(loggerSpy).toHaveBeenCalledWith('Called once after 5 seconds');
  });
});
