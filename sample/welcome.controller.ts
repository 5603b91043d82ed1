import { Body, Controller, Get, NotFoundException, Param, Post } from '@nestjs/common';
import { JobsService } from '../lib/index.js';
import { SendWelcome } from './welcome.jobs.js';

@Controller()
export class WelcomeController {
  constructor(private readonly jobs: JobsService) {}

  /** curl -X POST localhost:3000/welcome -H 'content-type: application/json' -d '{"email":"ada@example.com"}' */
  @Post('welcome')
  welcome(@Body() body: { email: string }) {
    return this.jobs.enqueue(SendWelcome, { email: body.email });
  }

  /** curl localhost:3000/jobs/<id> */
  @Get('jobs/:id')
  async job(@Param('id') id: string) {
    const job = await this.jobs.getJob(id);
    if (!job) throw new NotFoundException(`No job ${id}`);
    return job;
  }

  @Get('stats')
  stats() {
    return this.jobs.getStats();
  }
}
