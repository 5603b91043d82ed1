-- watch: registers a waitFor caller's interest in a job, in the same step as it reads the job, so
-- that a settlement cannot fall between the look and the registration (retention may delete a
-- settled job at once). Only a job that exists and is not final is registered: the settling
-- scripts publish it on base:settled (see notify_settled). An entry lives until the longest
-- waiter's deadline, so one whose process died does not stay; the key expires with its last entry.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] job id, ARGV[2] how long the caller waits, in ms
-- Returns { job hash (flat field/value list, empty if no such job), job log }
--@include lib
local GRACE_MS = 1000
local base = KEYS[1]
local id = ARGV[1]
local jk = base .. ':j:' .. id
local hash = redis.call('HGETALL', jk)
if #hash == 0 then return { hash, {} } end
local state = redis.call('HGET', jk, 's')
if state ~= 'completed' and state ~= 'dead' and state ~= 'cancelled' then
  local now = now_ms()
  local wk = base .. ':waiters'
  redis.call('ZREMRANGEBYSCORE', wk, '-inf', now)
  redis.call('ZADD', wk, 'GT', now + tonumber(ARGV[2]) + GRACE_MS, id)
  local last = redis.call('ZRANGE', wk, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', wk, last[2])
end
return { hash, redis.call('LRANGE', base .. ':l:' .. id, 0, -1) }
