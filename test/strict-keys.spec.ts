import { Redis } from 'ioredis';
import { load } from '../lib/engine/redis/redis-scripts.js';
import { strictKeys } from './support/strict-keys.js';
import { RedisServer } from './support/redis-server.js';

/** A script checked by strictKeys, run with EVAL: its keys, then its arguments. */
type Run = (lua: string, keys: string[], args?: (string | number)[]) => Promise<unknown>;

describe('strictKeys: scripts that touch a key not in KEYS fail', () => {
  let server: RedisServer;
  let redis: Redis;
  const run: Run = (lua, keys, args = []) => redis.eval(strictKeys(lua, 'probe'), keys.length, ...keys, ...args);

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });
  beforeEach(() => redis.flushall());

  it('runs a script that touches only its declared keys and returns its value, whatever the case of its commands', async () => {
    redis.defineCommand('strictProbe', {
      numberOfKeys: 4,
      lua: strictKeys(
        [
          "redis.call('SET', KEYS[1], ARGV[1])",
          "redis.call('hset', KEYS[2], 'field', ARGV[1])",
          "redis.call('RPUSH', KEYS[3], 'a', 'b')",
          "redis.call('LMOVE', KEYS[3], KEYS[4], 'LEFT', 'RIGHT')",
          "redis.call('Del', KEYS[3], KEYS[4])",
          "return { redis.call('GET', KEYS[1]), redis.call('HGET', KEYS[2], 'field'), redis.pcall('EXISTS', KEYS[3], KEYS[4]) }",
        ].join('\n'),
        'probe',
      ),
    });
    const probe = (redis as unknown as { strictProbe: (...args: string[]) => Promise<unknown> }).strictProbe;

    await expect(probe.call(redis, 's', 'h', 'from', 'to', 'value')).resolves.toEqual(['value', 'value', 0]);
  });

  it('rejects a script that touches an undeclared key, naming the script, the command, the key and the line', async () => {
    const lua = ['-- a header comment', "redis.call('SET', KEYS[1], 'x')", "return redis.call('GET', KEYS[1] .. ':other')"].join('\n');

    await expect(run(lua, ['k'])).rejects.toThrow('strict keys: probe: GET touches "k:other", which is not in KEYS');
    // the check is on the script's first line, so Redis reports the script's own line numbers
    await expect(run(["redis.call('SET', KEYS[1], 'x')", "redis.call('GET', 'elsewhere')", 'return 1'].join('\n'), ['k'])).rejects.toThrow(
      'user_script:2: strict keys: probe: GET touches "elsewhere", which is not in KEYS',
    );
  });

  it('rejects DEL of one declared and one undeclared key, deleting neither', async () => {
    await redis.set('declared', '1');
    await redis.set('undeclared', '1');

    await expect(run("return redis.call('DEL', KEYS[1], 'undeclared')", ['declared'])).rejects.toThrow(
      'strict keys: probe: DEL touches "undeclared", which is not in KEYS',
    );
    expect(await redis.exists('declared', 'undeclared')).toBe(2);
  });

  it('rejects a command it does not classify', async () => {
    await expect(run("return redis.call('STRLEN', KEYS[1])", ['k'])).rejects.toThrow('strict keys: probe: unclassified command STRLEN');
    await expect(run("return redis.pcall('echo', 'hello')", [])).rejects.toThrow('strict keys: probe: unclassified command ECHO');
  });

  it('runs TIME, PUBLISH and PING, which touch no key', async () => {
    const lua = "local time = redis.call('TIME') return { #time, redis.call('PUBLISH', 'channel', 'message'), redis.call('PING')['ok'] }";

    await expect(run(lua, [])).resolves.toEqual([2, 0, 'PONG']);
  });

  it('raises for redis.pcall of an undeclared key instead of returning an error', async () => {
    const lua = "local reply = redis.pcall('HGET', 'elsewhere', 'field') return 'not reached'";

    await expect(run(lua, ['k'])).rejects.toThrow('strict keys: probe: HGET touches "elsewhere", which is not in KEYS');
  });

  it('refuses a script that uses redis.call other than as a call, which would escape the check', () => {
    expect(() => strictKeys("local call = redis.call\nreturn call('GET', 'elsewhere')", 'probe')).toThrow(
      'strict keys: probe: line 1 uses redis.call or redis.pcall other than as redis.call(...); call it so, or the keys it touches go unchecked.',
    );
  });

  it('is on for every script of the engine in this test suite (jest.config.js sets BACKGROUND_STRICT_KEYS=1)', () => {
    expect(process.env.BACKGROUND_STRICT_KEYS).toBe('1');
    for (const name of ['claim', 'enqueue', 'dead-redrive', 'breaker-call', 'schedule-start']) expect(load(name)).toContain('__strict.call(');
  });
});
