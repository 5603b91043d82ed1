-- cancel: removes a waiting, delayed or retrying job, or takes an active one from its worker
-- (which is told at its next call and aborts ctx.signal).
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] now, ARGV[2] job id, ARGV[3..9] config (see read_config)
-- Returns 'cancelled', 'not-found' or 'finished'.
--@include lib
local base = KEYS[1]
local now = tonumber(ARGV[1])
local id = ARGV[2]
local cfg = read_config(ARGV, 3)
local jk = base .. ':j:' .. id
local v = redis.call('HMGET', jk, 's', 'p', 'w')
local state = v[1]
if not state then return 'not-found' end
if state == 'waiting' then
  local lk = base .. ':w:' .. v[2]
  redis.call('LREM', lk, 1, id)
  if redis.call('EXISTS', lk) == 0 then redis.call('ZREM', base .. ':prios', v[2]) end
elseif state == 'delayed' then
  redis.call('ZREM', base .. ':delayed', id)
elseif state == 'failed' then
  redis.call('ZREM', base .. ':retry', id)
elseif state == 'active' then
  local w = v[3]
  redis.call('SREM', base .. ':a:' .. w, id)
  redis.call('HDEL', jk, 'pf')
  local xk = base .. ':x:' .. w
  redis.call('SADD', xk, id)
  redis.call('PEXPIRE', xk, cfg.lease * 10)
  register(base, w, now, cfg)
else
  return 'finished'
end
redis.call('HSET', jk, 's', 'cancelled', 'f', now)
redis.call('ZADD', base .. ':cancelled', now, id)
trim(base, base .. ':cancelled', cfg.keep_count, cfg.keep_age, now)
return 'cancelled'
