import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JOB_METADATA } from './background.constants.js';
import type { JobMetadata } from './decorators/job.decorator.js';

@Injectable()
export class BackgroundMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobMetadata(target: Function): JobMetadata | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    return this.reflector.get<JobMetadata>(JOB_METADATA, target);
  }
}
