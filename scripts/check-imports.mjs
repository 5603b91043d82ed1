// The library's import rule, checked: imports run one way, features → engine ports ← adapters.
// Nothing under lib/engine/ imports a feature folder (lib/<area>/ other than the shared floor:
// errors/, interfaces/, payload/, logging/): the stores' interfaces (ports) live in lib/engine/ports
// and the storage engine interface gathers them; features use the ports, never an engine
// (lib/engine/redis/, lib/engine/memory/), which only the module at the top of lib/ picks. And no two
// files of lib/ import each other, directly or around a circle (type-only imports count too:
// a circle of types is still two files that cannot be read apart).
// Usage: node scripts/check-imports.mjs [root]   (exit 1, naming each file and import, on a breach)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'lib');
const floor = new Set(['engine', 'errors', 'interfaces', 'payload', 'logging']);

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name) ? [path] : [];
  });
}

// `import … from '…'`, `export … from '…'` (over several lines) and `import '…'`
const pattern = /^\s*(?:import|export)\s+(?:[^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/gms;

function resolveImport(file, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const area = (file) => relative(root, file).split('/').slice(0, -1)[0];
const name = (file) => relative(process.cwd(), file);

const graph = new Map();
const breaches = [];
for (const file of sources(root)) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const match of text.matchAll(pattern)) {
    const target = resolveImport(file, match[1]);
    if (!target) continue;
    targets.push(target);
    const [from, to] = [area(file), area(target)];
    if (from === 'engine' && to !== undefined && !floor.has(to)) {
      breaches.push(`${name(file)} imports '${match[1]}': nothing under lib/engine/ imports a feature folder (lib/${to}/).`);
    }
    // a feature reaches storage through the ports; only the module's wiring at the top picks an engine
    if (from !== undefined && from !== 'engine' && /^engine\/(redis|memory)\//.test(relative(root, target))) {
      breaches.push(`${name(file)} imports '${match[1]}': a feature folder uses the engine's ports, not an engine (lib/engine/redis/, lib/engine/memory/).`);
    }
  }
  graph.set(file, targets);
}

// Tarjan's strongly connected components: each component of more than one file is a circle
let index = 0;
const order = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function visit(file) {
  order.set(file, index);
  low.set(file, index++);
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file) ?? []) {
    if (!order.has(next)) {
      visit(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(file, Math.min(low.get(file), order.get(next)));
    }
  }
  if (low.get(file) !== order.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1) {
    const members = new Set(component);
    const edges = component.flatMap((from) =>
      (graph.get(from) ?? []).filter((to) => members.has(to)).map((to) => `${name(from)} → ${name(to)}`),
    );
    breaches.push(`Import circle among ${component.length} files: ${edges.join(', ')}.`);
  }
}
for (const file of graph.keys()) if (!order.has(file)) visit(file);

if (breaches.length > 0) {
  console.error(breaches.join('\n'));
  process.exit(1);
}
console.log(`Imports of ${graph.size} files in ${name(root)}: no circle, lib/engine/ imports no feature folder, features import no engine.`);
