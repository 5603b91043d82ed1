-- watch: registers a waitFor caller's interest in a job, in the same step as it reads the job, so
-- that a settlement cannot fall between the look and the registration (retention may delete a
-- settled job at once). Only a job that exists and is not final is registered: the settling
-- scripts publish it on channel base:settled (see notify_settled). An entry lives until the longest
-- waiter's deadline, so one whose process died does not stay; the key expires with its last entry.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] job id, ARGV[2] how long the caller waits, in ms
-- Returns { job (flat field/value list, see job_view; empty if no such job), job log }
--@include lib
local GRACE_MS = 1000
local id = ARGV[1]
local flat, logs, st = job_view(id)
if not flat then return { {}, {} } end
local state = st.s
if state ~= 'completed' and state ~= 'dead' and state ~= 'cancelled' then
  local now = now_ms()
  redis.call('ZREMRANGEBYSCORE', K.waiters, '-inf', now)
  redis.call('ZADD', K.waiters, 'GT', now + tonumber(ARGV[2]) + GRACE_MS, id)
  local last = redis.call('ZRANGE', K.waiters, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', K.waiters, last[2])
end
return { flat, logs }
