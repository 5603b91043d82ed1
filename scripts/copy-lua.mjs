// tsc does not copy non-TypeScript files; the Redis engine loads its Lua scripts from disk.
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const target = process.argv[2];
if (!target) throw new Error('usage: node scripts/copy-lua.mjs <outDir for lib>');

function copy(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) copy(path);
    else if (entry.endsWith('.lua')) {
      const destination = join(target, path.slice('lib/'.length));
      mkdirSync(dirname(destination), { recursive: true });
      cpSync(path, destination);
    }
  }
}
copy('lib');
