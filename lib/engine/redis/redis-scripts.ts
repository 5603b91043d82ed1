import { LUA_SOURCES } from './lua/scripts.generated.js';
import type { RedisClient } from './redis.connection.js';

/** The state transitions, one Lua script each (see `lua/`). */
export const SCRIPT_NAMES = ['enqueue', 'claim', 'heartbeat', 'cancel', 'annotate', 'set-paused', 'counts', 'watch', 'expire-workers', 'record-connection'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type Reply = unknown;
export type ScriptRunner = (name: ScriptName, base: string, args: (string | number)[]) => Promise<Reply>;

/**
 * A script's source, embedded in the build by scripts/embed-lua.mjs (bundles leave .lua files
 * behind), with each `--@include <name>` line replaced by that file's source.
 */
function load(name: string): string {
  const lua = LUA_SOURCES[name];
  if (lua === undefined) throw new Error(`${name}.lua is missing from the build: rebuild with npm run build.`);
  return lua.replace(/^--@include ([\w-]+)$/gm, (_line, included: string) => load(included));
}

/** Registers every script on `client` (EVALSHA, with EVAL on a server that lost them) and returns a runner. */
export function defineScripts(client: RedisClient): ScriptRunner {
  for (const name of SCRIPT_NAMES) client.defineCommand(commandName(name), { numberOfKeys: 1, lua: load(name) });
  return (name, base, args) =>
    (client as unknown as Record<string, (...a: (string | number)[]) => Promise<Reply>>)[commandName(name)]!(base, ...args);
}

/** Scripts given every key they touch in KEYS, however many (ioredis wants their count first). */
export const KEYED_SCRIPT_NAMES = ['dead-redrive', 'dead-purge', 'breaker-call', 'breaker-record', 'breaker-set', 'schedule-advance', 'schedule-start', 'schedule-hold'] as const;
export type KeyedScriptName = (typeof KEYED_SCRIPT_NAMES)[number];
export type KeyedScriptRunner = (name: KeyedScriptName, keys: string[], args: (string | number)[]) => Promise<Reply>;

export function defineKeyedScripts(client: RedisClient): KeyedScriptRunner {
  for (const name of KEYED_SCRIPT_NAMES) client.defineCommand(commandName(name), { lua: load(name) });
  return (name, keys, args) =>
    (client as unknown as Record<string, (...a: (string | number)[]) => Promise<Reply>>)[commandName(name)]!(
      keys.length,
      ...keys,
      ...args,
    );
}

/**
 * Scripts written to the socket at once, never held for ioredis' auto-pipelining (which sends
 * on a later turn of the event loop): a worker sends its claim while a burst of short jobs holds
 * the event loop, and storage should work on it while the burst runs, not after. A job's
 * progress and log lines go the same way, so that one a handler did not await still reaches
 * storage before the claim that settles the job (which would refuse it).
 */
export const IMMEDIATE_SCRIPTS: readonly string[] = [commandName('claim'), commandName('annotate')];

function commandName(name: string): string {
  return `bg_${name.replace('-', '_')}`;
}
