import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs scripts/check-imports.mjs on `root` (lib/ unless given). */
function check(root?: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, ['scripts/check-imports.mjs', ...(root ? [root] : [])], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** Runs the check on a lib/ of the given files, in a folder of its own, removed afterwards. */
function checkLibrary(files: Record<string, string>): { status: number | null; output: string } {
  const folder = mkdtempSync(join(tmpdir(), 'check-imports-'));
  try {
    const root = join(folder, 'lib');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return check(root);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('the library’s imports', () => {
  it('run one way: no circle, nothing under lib/engine/ imports a feature folder, features use ports only', () => {
    const { status, output } = check();
    expect(output).toContain('no circle');
    expect(status).toBe(0);
  });

  it('are refused, naming the file and the import, when an engine imports a feature folder', () => {
    const { status, output } = checkLibrary({
      'breaker/breaker.registry.ts': 'export class BreakerRegistry {}\n',
      'engine/memory/memory.engine.ts': "import { BreakerRegistry } from '../../breaker/breaker.registry.js';\nexport const x = BreakerRegistry;\n",
      'engine/memory/memory-queue.ts': "import type { JobInfo } from '../../interfaces/job-info.interface.js';\nexport type Y = JobInfo;\n",
      'interfaces/job-info.interface.ts': 'export interface JobInfo {}\n',
    });
    expect(status).toBe(1);
    expect(output).toContain("memory.engine.ts imports '../../breaker/breaker.registry.js'");
    expect(output).not.toContain('memory-queue.ts');
  });

  it('are refused when a feature folder imports an engine rather than its ports', () => {
    const { status, output } = checkLibrary({
      'engine/redis/redis.engine.ts': 'export class RedisEngine {}\n',
      'engine/ports/breaker-store.interface.ts': 'export interface BreakerStore {}\n',
      'breaker/breaker.service.ts':
        "import type { BreakerStore } from '../engine/ports/breaker-store.interface.js';\nimport { RedisEngine } from '../engine/redis/redis.engine.js';\nexport const x: [BreakerStore?, unknown?] = [undefined, RedisEngine];\n",
      'background.module.ts': "import { RedisEngine } from './engine/redis/redis.engine.js';\nexport const y = RedisEngine;\n",
    });
    expect(status).toBe(1);
    expect(output).toContain("breaker.service.ts imports '../engine/redis/redis.engine.js'");
    expect(output).not.toContain('breaker-store.interface.js');
    expect(output).not.toContain('background.module.ts');
  });

  it('are refused when files import each other around a circle, type-only imports included', () => {
    const { status, output } = checkLibrary({
      'a.ts': "import type { B } from './feature/b.js';\nexport type A = B;\n",
      'feature/b.ts': "import type { C } from './c.js';\nexport type B = C;\n",
      'feature/c.ts': "export {\n  type A as C,\n} from '../a.js';\n",
    });
    expect(status).toBe(1);
    expect(output).toMatch(/Import circle among 3 files: .*a\.ts → .*b\.ts/);
  });
});
