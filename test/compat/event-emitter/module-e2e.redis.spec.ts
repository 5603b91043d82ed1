// The peer's own e2e suite (e2e/module-e2e.suite.ts, from nestjs/event-emitter) on Redis: a server of this file's own, a
// fresh prefix per application.
import { RedisServer } from '../../support/redis-server.js';
import { useStorage } from './src/background.js';

let server: RedisServer;
let prefixes = 0;
beforeAll(async () => (server = await RedisServer.start()));
afterAll(async () => server.stop());

useStorage(() => ({ connection: server.url, prefix: `ee${++prefixes}` }));
await import('./e2e/module-e2e.suite.js');
