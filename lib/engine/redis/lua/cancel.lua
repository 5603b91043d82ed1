-- cancel: removes a waiting, parked (behind an open circuit breaker or a rate limit), delayed or retrying job, or takes a reserved or active one from its
-- worker, which aborts ctx.signal when told: at once by a notice on base:cancelled (the worker's
-- process listens there), and for certain at its next call (the id stays in base:x:<worker> until
-- then; a notice may be lost). The worker's lease is left as it is: a cancel must not keep a dead
-- worker's other jobs from being recovered.
-- KEYS[1]  queue base "{prefix:queue}" (its keys, and the channel base:cancelled, are named from it)
-- ARGV[1] job id, ARGV[2..9] config (see read_config)
-- Returns 'cancelled', 'not-found' or 'finished'.
--@include lib
local base = KEYS[1]
local now = now_ms()
local id = ARGV[1]
local cfg = read_config(ARGV, 2)
local jk = base .. ':j:' .. id
local v = redis.call('HMGET', jk, 's', 'p', 'w', 'pk')
local state = v[1]
if not state then return 'not-found' end
if state == 'waiting' then
  local lk = base .. ':w:' .. v[2]
  redis.call('LREM', lk, 1, id)
  if redis.call('EXISTS', lk) == 0 then redis.call('ZREM', base .. ':prios', v[2]) end
elseif state == 'parked' then
  redis.call('LREM', base .. ':' .. v[4], 1, id)
elseif state == 'delayed' then
  redis.call('ZREM', base .. ':delayed', id)
elseif state == 'failed' then
  redis.call('ZREM', base .. ':retry', id)
elseif state == 'active' or state == 'reserved' then
  local w = v[3]
  redis.call('SREM', base .. ':' .. (state == 'active' and 'a' or 'r') .. ':' .. w, id)
  local xk = base .. ':x:' .. w
  redis.call('SADD', xk, id)
  redis.call('PEXPIRE', xk, cfg.lease * 10)
  if redis.call('EXISTS', base .. ':a:' .. w, base .. ':r:' .. w) == 0 then
    redis.call('ZREM', base .. ':workers', w)
  end
  redis.call('PUBLISH', base .. ':cancelled', cjson.encode({ w, id }))
else
  return 'finished'
end
redis.call('HSET', jk, 's', 'cancelled', 'f', now)
notify_settled(base, jk, id)
redis.call('ZADD', base .. ':cancelled', now, id)
trim(base, base .. ':cancelled', cfg.keep_count, cfg.keep_age, now)
return 'cancelled'
