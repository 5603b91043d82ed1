import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where the blocks are written, inside the project so that its node_modules resolve. */
const DIR = resolve('dist-test/readme');

/** The README and every page of docs/, whose examples users copy. */
const PAGES = ['README.md', ...readdirSync('docs').filter((file) => file.endsWith('.md')).sort().map((file) => `docs/${file}`)];

/** The first app's files import one another: first-app.spec compiles them together, as one project. */
const PROJECT_PAGE = 'docs/first-app.md';

/** Every ```ts block of one page, each as the module a user would paste it into. */
function blocks(page: string): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const lines = readFileSync(page, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '```') i++;
    found.push({ line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return found;
}

describe('the README and docs/', () => {
  it('have TypeScript blocks that compile against the package as users import it', () => {
    const found = PAGES.filter((page) => page !== PROJECT_PAGE).flatMap((page) => blocks(page).map((block) => ({ ...block, page })));
    expect(found.filter(({ page }) => page === 'README.md').length).toBeGreaterThanOrEqual(3);
    expect(found.filter(({ page }) => page !== 'README.md').length).toBeGreaterThan(10);
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const files = found.map(({ page, line, code }) => {
      const file = join(DIR, `${page.replace(/\.md$/, '').replace('/', '-')}-line-${line}.ts`);
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
    // each error names the page and line of its block in the file name
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('link to pages that exist, and the README to every page of docs/', () => {
    const broken: string[] = [];
    const linked = new Set<string>();
    for (const page of PAGES) {
      for (const [, target] of readFileSync(page, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const path = join(dirname(page), target!);
        if (!existsSync(path)) broken.push(`${page} -> ${target}`);
        if (page === 'README.md') linked.add(path);
      }
    }
    expect(broken).toEqual([]);
    expect(PAGES.filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });
});
