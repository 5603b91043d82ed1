-- schedule-start: decides, as a tick of a decorated schedule starts, whether it runs the method;
-- if so the tick holds the schedule (for overlap: false) for ARGV[9] ms, renewed while it runs.
-- A tick that started before (a retry, or a rerun after its worker died) runs again whatever
-- came since, but still waits for no other tick.
-- KEYS[1] {prefix:schedules}:paused   KEYS[2] {prefix:schedules}:s:<name>
-- ARGV[1] name   ARGV[2] due (epoch ms)   ARGV[3] tick job id   ARGV[4] '1' triggered by hand
-- ARGV[5] '1' overlap allowed   ARGV[6] 'skip' | 'runOnce'   ARGV[7] due time of the next tick ('' none)
-- ARGV[8] limit of runs (0 = none)   ARGV[9] hold in ms
-- Returns 'run', 'paused', 'limit', 'missed' or 'overlap'.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = KEYS[2]
local f = redis.call('HMGET', s, 'tickId', 'tick', 'runs', 'active', 'until')
local id = ARGV[3]
local again = f[1] == id or f[4] == id
local manual = ARGV[4] == '1'
-- a skipped tick is the last one too, so that a listing shows it was skipped
local function skip(why)
  redis.call('HSET', s, 'last', ARGV[2], 'lastId', id)
  return why
end
if not manual and not again then
  if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 or redis.call('SISMEMBER', KEYS[1], '*') == 1 then
    return skip('paused')
  end
  local limit = tonumber(ARGV[8])
  if limit > 0 and tonumber(f[3] or '0') >= limit then return skip('limit') end
  -- a later tick started already, or (policy 'skip') the next one is due: this one's time is over
  if f[2] and tonumber(ARGV[2]) < tonumber(f[2]) then return skip('missed') end
  if ARGV[6] == 'skip' and ARGV[7] ~= '' and tonumber(ARGV[7]) <= now then return skip('missed') end
end
if ARGV[5] ~= '1' and f[4] and f[4] ~= id and tonumber(f[5]) > now then return skip('overlap') end
if not manual and not again then
  redis.call('HINCRBY', s, 'runs', 1)
  redis.call('HSET', s, 'tick', ARGV[2], 'tickId', id)
end
redis.call('HSET', s, 'active', id, 'until', now + tonumber(ARGV[9]), 'last', ARGV[2], 'lastId', id)
return 'run'
