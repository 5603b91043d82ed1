import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The page a new user follows from an empty folder; each of its file blocks names its file. */
const PAGE = 'docs/first-app.md';

/** How long the app's own `npm test` may take on a loaded machine (a cold Jest and swc start). */
const APP_TEST_TIMEOUT_MS = 150_000;

/** Each fenced block of the page that names its file: on its first line (`// src/x.ts`), or, for JSON, as the `` `file`: `` line above it. */
function documentedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const lines = readFileSync(PAGE, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```\w+$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    const body = lines.slice(start, i + 1);
    i++;
    const named = /^\/\/ (\S+)$/.exec(body[0]!)?.[1] ?? /^`([^`]+)`:$/.exec(lines[start - 3] ?? '')?.[1];
    if (named) files.set(named, `${body.join('\n')}\n`);
  }
  return files;
}

/** The process's environment without what Jest sets for its own workers, as a user's shell has it. */
function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('JEST_') || key === 'NODE_OPTIONS' || key === 'NODE_ENV' || key === 'BACKGROUND_STRICT_KEYS') delete env[key];
  return env;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: userEnvironment() });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), APP_TEST_TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('the first app of docs/first-app.md, written into an empty folder', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'first-app-'));
    for (const [file, text] of documentedFiles()) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    // the packages as npm would install them: this project's own, and the package built as `npm run build` builds it
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    for (const entry of readdirSync('node_modules')) symlinkSync(resolve('node_modules', entry), join(modules, entry));
    const pkg = join(modules, 'nestjs-background');
    mkdirSync(pkg);
    copyFileSync('package.json', join(pkg, 'package.json'));
    const build = spawnSync(
      process.execPath,
      [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist'), '--sourceMap', 'false'],
      { encoding: 'utf8' },
    );
    expect(build.stdout + build.stderr).toBe('');
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('has every file a project needs', () => {
    expect([...documentedFiles().keys()].sort()).toEqual([
      'jest.config.js',
      'package.json',
      'src/app.module.ts',
      'src/background.config.ts',
      'src/mailer.ts',
      'src/main.ts',
      'src/metrics.controller.ts',
      'src/signup.controller.ts',
      'src/welcome.job.ts',
      'src/welcome.jobs.ts',
      'test/welcome.spec.ts',
      'tsconfig.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.type).toBe('module');
    // every package it names is one this project is tested with
    const ours = JSON.parse(readFileSync('package.json', 'utf8'));
    const known = { ...ours.dependencies, ...ours.devDependencies, 'nestjs-background': ours.version };
    expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => !(name in known))).toEqual([]);
  });

  it('compiles under strict', () => {
    const tsc = spawnSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('passes its own job test with npm test', async () => {
    const { code, output } = await run('npm', ['test', '--silent'], dir);
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(code).toBe(0);
  }, APP_TEST_TIMEOUT_MS + 10_000);
});
