import { Injectable } from '@nestjs/common';
import { Job, defineJob, type JobContext, type JobData, type JobResult } from '../lib/index.js';
import { createTestApp } from './support/test-app.js';

// `npm test` type-checks this file with tsc before Jest runs it: the @ts-expect-error lines
// fail the build if the wrong payload ever stops being a compile error.
const ResizeImage = defineJob<{ url: string; width: number }, { resizedUrl: string }>('image.resize');

@Injectable()
class ImageJobs {
  @Job(ResizeImage)
  resize(data: { url: string; width: number }, _ctx: JobContext): { resizedUrl: string } {
    return { resizedUrl: `${data.url}?w=${data.width}` };
  }
}

@Injectable()
class MistypedImageJobs {
  // @ts-expect-error the handler's payload type does not match the definition
  @Job(ResizeImage)
  resize(data: { path: string }) {
    return { resizedUrl: data.path };
  }
}

describe('typed jobs', () => {
  it('ties a job name to its payload and result types for @Job and enqueue', async () => {
    const app = await createTestApp({ storage: 'memory' }, [ImageJobs]);
    const { id } = await app.jobs.enqueue(ResizeImage, { url: 'https://img/1.png', width: 64 });
    // @ts-expect-error width must be a number
    await expect(app.jobs.enqueue(ResizeImage, { url: 'x', width: '64' })).resolves.toHaveProperty('id');
    // @ts-expect-error url is missing
    await expect(app.jobs.enqueueMany([{ name: ResizeImage, data: { width: 1 } }]).then(() => 'untyped')).resolves.toBe('untyped');

    const result: JobResult<typeof ResizeImage> = await app.jobs.waitFor<JobResult<typeof ResizeImage>>(id);
    expect(result).toEqual({ resizedUrl: 'https://img/1.png?w=64' });
    const job = await app.jobs.getJob<JobData<typeof ResizeImage>>(id);
    expect(job?.data.width).toBe(64);
    expect(MistypedImageJobs).toBeDefined();
    await app.close();
  });
});
