import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setUpApp } from './app.setup.js';
import { adminNote, routes } from './routes.js';
import { SampleModule } from './sample.module.js';
import { chooseStorage } from './storage.js';

const logger = new Logger('Sample');
const { options, note } = await chooseStorage();
logger.log(note);

const app = await NestFactory.create(SampleModule.register(options), { abortOnError: false }).catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
setUpApp(app);
const port = Number(process.env.PORT ?? 3000);
try {
  await app.listen(port);
} catch (error) {
  // Redis at REDIS_URL unreachable (the message names it), or the port is taken
  logger.error((error as Error).message);
  await app.close().catch(() => undefined);
  process.exit(1);
}
const base = `http://localhost:${port}`;
logger.log(`Listening on ${base}. Ctrl-C stops. ${adminNote(!!process.env.ADMIN_TOKEN)} Try:\n${routes(base).join('\n')}`);
