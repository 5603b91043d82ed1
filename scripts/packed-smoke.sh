#!/usr/bin/env bash
# Installs the packed package (npm pack of the build in dist/) into a scratch app that has none of
# the optional peers (@nestjs/terminus, prom-client, @opentelemetry/api) and boots it: the main
# entry point must need none of them, and the health and metrics entry points must say what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
npm pack --silent --pack-destination "$scratch" >/dev/null
tarball=$(ls "$scratch"/nestjs-background-*.tgz)
mkdir "$scratch/app"
cd "$scratch/app"
node -e '
const deps = require(process.argv[1]).devDependencies;
const pick = (name) => [name, deps[name]];
const app = { name: "scratch", private: true, type: "module", dependencies: Object.fromEntries([
  ["nestjs-background", "file:" + process.argv[2]],
  ...["@nestjs/common", "@nestjs/core", "reflect-metadata", "rxjs"].map(pick),
]) };
require("fs").writeFileSync("package.json", JSON.stringify(app, null, 2));
' "$root/package.json" "$tarball"
npm install --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
for peer in @nestjs/terminus prom-client @opentelemetry/api; do
  if [ -e "node_modules/$peer" ]; then echo "packed-smoke: $peer was installed, but it is an optional peer" >&2; exit 1; fi
done
cat > main.js <<'JS'
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, JobsService } from 'nestjs-background';

let JobsHere = class { double(data) { return data.n * 2; } };
JobsHere = Reflect.decorate([Injectable()], JobsHere);
const { Job } = await import('nestjs-background');
Reflect.decorate([Job('double')], JobsHere.prototype, 'double', Object.getOwnPropertyDescriptor(JobsHere.prototype, 'double'));

let AppModule = class {};
AppModule = Reflect.decorate([Module({ imports: [BackgroundModule.forRoot({ storage: 'memory' })], providers: [JobsHere] })], AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const jobs = app.get(JobsService);
const { id } = await jobs.enqueue('double', { n: 21 });
const result = await jobs.waitFor(id, { timeoutMs: 5000 });
await app.close();
if (result !== 42) throw new Error(`expected 42, got ${result}`);
for (const entry of ['nestjs-background/health', 'nestjs-background/metrics']) {
  const failure = await import(entry).then(() => null, (error) => error);
  if (!failure || !/terminus|prom-client/.test(failure.message)) throw new Error(`${entry} should fail naming its missing peer, got ${failure}`);
}
// the dashboard needs no optional peer: its entry point loads with the core peers alone
const { BackgroundDashboardModule } = await import('nestjs-background/dashboard');
if (typeof BackgroundDashboardModule?.forRoot !== 'function') throw new Error('nestjs-background/dashboard exports no BackgroundDashboardModule');
console.log('packed-smoke: the packed package boots without its optional peers');
JS
node main.js
