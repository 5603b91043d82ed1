-- schedule-advance: claims the tick of a schedule due at ARGV[2] for the calling process, so that
-- of every process asking, one stores it; a schedule that is paused, at its limit or removed
-- claims it without storing it.
-- KEYS[1] {prefix:schedules}:defs   KEYS[2] {prefix:schedules}:paused   KEYS[3] {prefix:schedules}:s:<name>
-- ARGV[1] name   ARGV[2] due (epoch ms)   ARGV[3] limit of runs (0 = none)
-- ARGV[4] tick id prefix of a schedule added at runtime ('' for a decorated one)
-- Returns 'enqueue' (the caller stores the tick), 'taken', 'paused', 'limit' or 'removed'.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'removed' end
local due = tonumber(ARGV[2])
local gate = redis.call('HGET', KEYS[3], 'gate')
if gate and tonumber(gate) >= due then return 'taken' end
redis.call('HSET', KEYS[3], 'gate', ARGV[2])
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 or redis.call('SISMEMBER', KEYS[2], '*') == 1 then
  return 'paused'
end
local limit = tonumber(ARGV[3])
if limit > 0 and tonumber(redis.call('HGET', KEYS[3], 'runs') or '0') >= limit then return 'limit' end
if ARGV[4] ~= '' then
  -- the user's job runs the tick, with no start of ours: the tick stored before is the last run
  local ahead = redis.call('HGET', KEYS[3], 'ahead')
  if ahead then redis.call('HSET', KEYS[3], 'last', ahead, 'lastId', ARGV[4] .. ahead) end
  redis.call('HINCRBY', KEYS[3], 'runs', 1)
end
redis.call('HSET', KEYS[3], 'ahead', ARGV[2])
return 'enqueue'
