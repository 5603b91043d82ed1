/** Commands by how many of their first arguments are keys; -1: every argument is one. */
const KEY_ARGUMENTS: Readonly<Record<number, string>> = {
  [-1]: 'DEL EXISTS UNLINK',
  0: 'TIME PUBLISH PING',
  1:
    'HSET HGET HMGET HDEL HINCRBY HEXISTS HGETALL HLEN HSETNX HKEYS HVALS ' +
    'LPUSH RPUSH LPOP RPOP LLEN LINDEX LREM LRANGE LTRIM ' +
    'SADD SREM SMEMBERS SCARD SISMEMBER SMISMEMBER ' +
    'ZADD ZREM ZRANGE ZRANGEBYSCORE ZREVRANGE ZRANGEBYLEX ZLEXCOUNT ZCARD ZSCORE ZINCRBY ZPOPMIN ' +
    'ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX ZCOUNT ' +
    'GET SET INCR INCRBY PEXPIRE PEXPIREAT EXPIRE TTL PTTL TYPE',
  2: 'RPOPLPUSH LMOVE',
};

/** KEY_ARGUMENTS as a Lua table constructor: `{ DEL = -1, ..., HSET = 1, ... }`. */
const KEY_ARGUMENTS_LUA = `{ ${Object.entries(KEY_ARGUMENTS)
  .flatMap(([count, names]) => names.split(' ').map((name) => `${name} = ${count}`))
  .join(', ')} }`;

const CALL = /(?<![\w.])redis\s*\.\s*(p?call)\s*\(/g;
const OTHER_USE = /(?<![\w.])redis\s*\.\s*p?call\b/;

/**
 * For tests only: `lua` (a complete script, includes resolved) rewritten so that each
 * `redis.call`/`redis.pcall` first checks that every key it touches was passed in KEYS, which
 * Redis requires of scripts and Dragonfly and Redis proxies enforce. A call that touches another
 * key, or runs a command not classified here, raises a script error naming `scriptName`.
 * Switched on with `BACKGROUND_STRICT_KEYS=1` by strict-keys.setup.ts, through the engine's checkScriptsWith().
 *
 * The calls are rewritten in the text, since Redis 7 makes the `redis` table and the globals
 * read-only. The checker is one local (`__strict`, a script may have only 200), prepended to
 * the script's first line so that Redis reports errors at the script's own line numbers.
 */
export function strictKeys(lua: string, scriptName: string): string {
  // a `#!lua flags=...` line must stay first
  const shebang = lua.startsWith('#!') ? lua.slice(0, lua.indexOf('\n') + 1) : '';
  const body = lua.slice(shebang.length).replace(CALL, '__strict.$1(');
  // a call the rewrite did not see (`local call = redis.call`, `redis.call 'TIME'`) would escape the check
  const missed = body.split('\n').findIndex((line) => OTHER_USE.test(line.replace(/--.*$/, '')));
  if (missed >= 0) {
    throw new Error(
      `strict keys: ${scriptName}: line ${missed + 1 + (shebang ? 1 : 0)} uses redis.call or redis.pcall other than as redis.call(...); call it so, or the keys it touches go unchecked.`,
    );
  }
  return shebang + prelude(scriptName) + ' ' + body;
}

/** The checker, on one line. Its errors are raised at level 3: the script's line that made the call. */
function prelude(scriptName: string): string {
  return [
    `local __strict = { script = ${luaString(scriptName)}, keys = {}, keyArguments = ${KEY_ARGUMENTS_LUA} }`,
    'for _, key in ipairs(KEYS) do __strict.keys[key] = true end',
    'function __strict.check(command, ...)',
    '  local name = string.upper(tostring(command))',
    '  local count = __strict.keyArguments[name]',
    "  if count == nil then error('strict keys: ' .. __strict.script .. ': unclassified command ' .. name, 3) end",
    "  if count < 0 then count = select('#', ...) end",
    '  for i = 1, count do',
    '    local key = select(i, ...)',
    '    if key ~= nil and not __strict.keys[tostring(key)] then',
    `      error('strict keys: ' .. __strict.script .. ': ' .. name .. ' touches "' .. tostring(key) .. '", which is not in KEYS', 3)`,
    '    end',
    '  end',
    'end',
    'function __strict.call(...) __strict.check(...) return redis.call(...) end',
    'function __strict.pcall(...) __strict.check(...) return redis.pcall(...) end',
  ]
    .map((line) => line.trim())
    .join(' ');
}

/** `text` as a Lua string literal (decimal escapes, three digits so that a digit after one is not read into it). */
function luaString(text: string): string {
  return `"${text.replace(/[\\"\x00-\x1f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)}"`;
}
