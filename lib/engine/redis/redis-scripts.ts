import { LUA_SOURCES } from './lua/scripts.generated.js';
import type { BackgroundConfig } from '../../background.config.js';
import { JOB_STALLED } from '../../background.messages.js';
import type { RedisClient } from './redis.client.js';

/**
 * The keys every queue script is given first, in this order (lua/parts/lib.lua's QUEUE_KEYS reads them so):
 * each script names every key it touches in KEYS, as Redis requires (Dragonfly and Redis proxies
 * refuse the rest), and these are the queue's fixed ones.
 */
export const QUEUE_KEYS = [
  'jobs',
  'state',
  'logs',
  'errors',
  'wait',
  'waitp',
  'delayed',
  'retry',
  'workers',
  'lost',
  'conn',
  'completed',
  'dead',
  'dn',
  'cancelled',
  'marker',
  'meta',
  'idle',
  'waiters',
  'parkings',
  'gates',
  'flows',
  'fo',
  'fz',
] as const;

/**
 * The state transitions of a queue, one Lua script each (see `lua/`), given the queue's keys
 * first, and how many keys of their own follow (null: as many as the call needs).
 */
const OWN_KEYS = {
  enqueue: 0,
  claim: null,
  heartbeat: 3,
  reap: null,
  unpark: null,
  cancel: 4,
  annotate: 0,
  'set-paused': 0,
  counts: null,
  watch: 0,
  read: 0,
  'expire-workers': 0,
  'record-connection': 0,
  'dead-redrive': 0,
  'dead-purge': 0,
  promote: 0,
  flow: null,
  'flow-deliver': 1,
  'flow-read': 0,
  'flow-seal': 0,
} as const satisfies Record<string, number | null>;
export type ScriptName = keyof typeof OWN_KEYS;

type Reply = unknown;
/**
 * Runs a queue script: `base` is "{prefix:queue}", `keys` the script's own after the queue's;
 * `reply` 'buffers' reads every string of the reply as a Buffer (binary values: the claim's jobs).
 */
export type ScriptRunner = (name: ScriptName, base: string, args: (string | number | Buffer)[], keys?: string[], reply?: 'text' | 'buffers') => Promise<Reply>;

/** A script's source, its parts (lua/parts) pasted in by scripts/embed-lua.mjs. */
function source(name: string): string {
  const lua = LUA_SOURCES[name];
  if (lua === undefined) throw new Error(`${name}.lua is missing from the build: rebuild with npm run build.`);
  return lua;
}

/** What a test suite does to each script before it is sent (see checkScriptsWith); nothing in an application. */
let checkScript: ((lua: string, name: string) => string) | undefined;

/**
 * For test suites, not exported by the package: each script loaded from now on is first given to
 * `check`, which returns the script to send. The suite's strict-keys check (test/support) goes
 * through here, so that the package ships none of it.
 */
export function checkScriptsWith(check: (lua: string, name: string) => string): void {
  checkScript = check;
}

/**
 * A script as it is sent, from the source embedded in the build by scripts/embed-lua.mjs (bundles
 * leave .lua files behind), through the test suite's check when one is set.
 */
export function load(name: string): string {
  const lua = source(name);
  return checkScript ? checkScript(lua, name) : lua;
}

type Command = (...args: (string | number | Buffer)[]) => Promise<Reply>;
type Call = (keys: string[], args: (string | number | Buffer)[]) => Promise<Reply>;

/**
 * Defines a script on `client` (EVALSHA, with EVAL on a server that lost it). A script of a fixed
 * number of keys is told it, so that its first argument is a key: ioredis' auto-pipelining on a
 * Cluster groups commands by the slot of their first argument. One of a varying number is given
 * the count first, and is never auto-pipelined (see UNPIPELINED_SCRIPTS). `buffers`: the call
 * that reads every string of the reply as a Buffer.
 */
function define(client: RedisClient, name: string, keyCount: number | null): { text: Call; buffers: Call } {
  client.defineCommand(commandName(name), keyCount === null ? { lua: load(name) } : { numberOfKeys: keyCount, lua: load(name) });
  const call = (command: Command): Call =>
    keyCount === null ? (keys, args) => command(keys.length, ...keys, ...args) : (keys, args) => command(...keys, ...args);
  const commands = client as unknown as Record<string, Command>;
  return { text: call(commands[commandName(name)]!.bind(client)), buffers: call(commands[`${commandName(name)}Buffer`]!.bind(client)) };
}

/** Registers every queue script on `client` and returns a runner. */
export function defineScripts(client: RedisClient): ScriptRunner {
  const scripts = new Map<ScriptName, { text: Call; buffers: Call }>();
  for (const [name, own] of Object.entries(OWN_KEYS) as [ScriptName, number | null][]) {
    scripts.set(name, define(client, name, own === null ? null : QUEUE_KEYS.length + own));
  }
  const fixed = new Map<string, string[]>();
  return (name, base, args, keys = [], reply = 'text') => {
    let queueKeys = fixed.get(base);
    if (!queueKeys) {
      queueKeys = QUEUE_KEYS.map((key) => `${base}:${key}`);
      fixed.set(base, queueKeys);
    }
    return scripts.get(name)![reply]([...queueKeys, ...keys], args);
  };
}

/** Scripts of other keys than a queue's (breakers, schedules), given every key they touch in KEYS, and how many. */
const KEYED_SCRIPTS = {
  'breaker-call': 4,
  'breaker-record': 5,
  'breaker-set': 5,
  'breaker-hold': 1,
  'schedule-advance': 3,
  'schedule-start': 2,
  'schedule-hold': 1,
} as const;
export type KeyedScriptName = keyof typeof KEYED_SCRIPTS;
export type KeyedScriptRunner = (name: KeyedScriptName, keys: string[], args: (string | number)[]) => Promise<Reply>;

export function defineKeyedScripts(client: RedisClient): KeyedScriptRunner {
  const scripts = new Map<KeyedScriptName, Call>();
  for (const [name, count] of Object.entries(KEYED_SCRIPTS) as [KeyedScriptName, number][]) scripts.set(name, define(client, name, count).text);
  return (name, keys, args) => scripts.get(name)!(keys, args);
}

/**
 * Scripts written to the socket at once, never held for ioredis' auto-pipelining (which sends
 * on a later turn of the event loop): a worker sends its claim while a burst of short jobs holds
 * the event loop, and storage should work on it while the burst runs, not after. A job's
 * progress and log lines go the same way, so that one a handler did not await still reaches
 * storage before the claim that settles the job (which would refuse it). Nor is an enqueue: the
 * engine gathers a tick's enqueues into one call already, and each auto-pipeline is an object of
 * its own that copies every script of the client (~10 KB a call, which a job enqueued alone paid
 * for, then waited a turn of the event loop). Nor are the scripts of a varying number of keys,
 * whose first argument is no key (see define).
 */
export const UNPIPELINED_SCRIPTS: readonly string[] = [
  commandName('annotate'),
  commandName('enqueue'),
  ...Object.entries(OWN_KEYS)
    .filter(([, own]) => own === null)
    .map(([name]) => commandName(name)),
];

function commandName(name: string): string {
  return `bg_${name.replace(/-/g, '_')}`;
}

/** The config values the scripts that say `read_config` are given, in lib.lua's order. */
export function scriptConfigArgs(config: BackgroundConfig): (string | number)[] {
  return [
    config.leaseMs,
    config.maxStalls,
    config.defaults.keepCompleted.count,
    config.defaults.keepCompleted.ageMs,
    config.deadLetter.maxSize,
    config.deadLetter.maxAgeMs,
    JOB_STALLED(config.maxStalls + 1),
    config.noHandlerPatienceMs,
  ];
}
