// The notifications app on a Redis server of this file's own.
import { RedisServer } from '../../support/redis-server.js';

const server = await RedisServer.start();
process.env.REDIS_URL = server.url;
afterAll(async () => server.stop());
await import('./notifications.suite.js');
