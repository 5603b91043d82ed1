import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the README's blocks are written, inside the project so that its node_modules resolve. */
const DIR = resolve('dist-test/readme');

/** Every ```ts block of the README, each as the module a user would paste it into. */
function blocks(): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const lines = readFileSync('README.md', 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '```') i++;
    found.push({ line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return found;
}

describe('the README', () => {
  it('has TypeScript blocks that compile against the package as users import it', () => {
    const found = blocks();
    expect(found.length).toBeGreaterThan(5);
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const files = found.map(({ line, code }) => {
      const file = join(DIR, `readme-line-${line}.ts`);
      // a block without imports is still its own module, as in a user's file
      writeFileSync(file, /^\s*(import|export)\s/m.test(code) ? code : `${code}\nexport {};\n`);
      return file;
    });
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          // `nestjs-background` and its entry points, as the package's exports give them
          paths: { 'nestjs-background': [resolve('lib/index.ts')], 'nestjs-background/*': [resolve('lib/*/index.ts')] },
        },
        files,
      }),
    );
    const tsc = spawnSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', join(DIR, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    // each error names the README line of its block in the file name
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
