import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { LUA_SOURCES } from '../lib/engine/redis/lua/scripts.generated.js';
import { load } from '../lib/engine/redis/redis-scripts.js';
import { RedisServer } from './support/redis-server.js';

const MAX_LINES = 250;
const EMBED = resolve('scripts/embed-lua.mjs');

/** Every .lua file under lib: the scripts of each lua folder and the parts of its parts folder. */
function luaFiles(dir = 'lib'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? luaFiles(join(dir, entry.name)) : entry.name.endsWith('.lua') ? [join(dir, entry.name)] : [],
  );
}

/** The comment lines a Lua file opens with. */
function header(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('--') || line.startsWith('--@include'));
  return lines.slice(0, end < 0 ? lines.length : end);
}

/** Runs the embed step in a folder of its own holding `files` (path under it: Lua text); its error output, or '' when it succeeds. */
function embedIn(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bg-embed-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    execFileSync(process.execPath, [EMBED], { cwd: root, stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('Lua scripts in parts', () => {
  it(`keeps every Lua file, script or part, to ${MAX_LINES} lines, opening with a header naming the KEYS and ARGV it uses`, () => {
    const files = luaFiles();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
      const opening = header(text);
      expect({ file, over: lines > MAX_LINES, keys: opening.some((line) => /^-- ?KEYS\b/.test(line)) }).toEqual({ file, over: false, keys: true });
      expect({ file, argv: opening.some((line) => /^-- ?ARGV\b/.test(line)) }).toEqual({ file, argv: true });
    }
    expect(files).toContain('lib/engine/redis/lua/parts/claim-pop.lua');
  });

  it('sends each script with its parts pasted in, and never a part as a script of its own', () => {
    for (const [name, lua] of Object.entries(LUA_SOURCES)) expect({ name, includes: /^--@include/m.test(lua) }).toEqual({ name, includes: false });
    expect(load('claim')).toContain('local function parked_at_gates(');
    expect(load('claim')).toContain('local function reap_worker(');
    for (const part of ['lib', 'lib-line', 'breaker', 'claim-pop']) {
      expect(() => load(part)).toThrow(`${part}.lua is missing from the build: rebuild with npm run build.`);
    }
  });

  it.each([
    ['an include of no part', { 'lib/engine/redis/lua/x.lua': '--@include nope\n' }, 'lib/engine/redis/lua/x.lua: "--@include nope": there is no lua/parts/nope.lua'],
    [
      'an include of a script',
      { 'lib/engine/redis/lua/x.lua': '--@include y\n', 'lib/engine/redis/lua/y.lua': 'return 1\n' },
      'lib/engine/redis/lua/x.lua: "--@include y": y is a script, not a part',
    ],
    [
      'a part included twice',
      { 'lib/engine/redis/lua/x.lua': '--@include p\n--@include p\n', 'lib/engine/redis/lua/parts/p.lua': 'local a = 1\n' },
      'lib/engine/redis/lua/x.lua: "--@include p": p is already in this script (included twice, or in a cycle)',
    ],
    [
      'parts that include each other',
      {
        'lib/engine/redis/lua/x.lua': '--@include p\n',
        'lib/engine/redis/lua/parts/p.lua': '--@include q\n',
        'lib/engine/redis/lua/parts/q.lua': '--@include p\n',
      },
      'lib/engine/redis/lua/parts/q.lua: "--@include p": p is already in this script',
    ],
    [
      'a part no script includes',
      { 'lib/engine/redis/lua/x.lua': 'return 1\n', 'lib/engine/redis/lua/parts/p.lua': 'local a = 1\n' },
      'No script includes these Lua parts: lib/engine/redis/lua/parts/p.lua',
    ],
  ])('fails the build on %s, naming the file', (_case, files, message) => {
    expect(embedIn(files)).toContain(message);
  });

  describe('on Redis', () => {
    let server: RedisServer;
    let redis: Redis;
    beforeAll(async () => {
      server = await RedisServer.start();
      redis = server.client();
    });
    afterAll(async () => {
      await redis.quit();
      await server.stop();
    });

    // Lua allows 200 locals and 60 upvalues a function: parts pasted into one script share its main chunk
    it('compiles every assembled script, as the strict-keys check rewrites it', async () => {
      for (const name of Object.keys(LUA_SOURCES)) {
        await expect(redis.script('LOAD', load(name)).then(() => name)).resolves.toBe(name);
      }
    });
  });
});
