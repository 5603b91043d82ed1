-- claim: one worker's round trip. Records which of its reserved jobs it started, settles the
-- jobs it finished, recovers jobs of workers whose lease expired, promotes due delayed and retry
-- jobs, then claims up to `start` + `reserve` jobs, highest priority first, FIFO within a priority.
-- The first `start` jobs count as started (an attempt begins). The others are reserved: held by
-- the worker, but neither an attempt nor a stall until it reports them started.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] now, ARGV[2] worker id, ARGV[3] start, ARGV[4] reserve, ARGV[5..11] config (see read_config),
-- then a count and that many ids of reserved jobs started since the last call (a settlement
-- implies the start of its job, so finished ones need not be listed),
-- then a count and 4 per settlement: id, 'c' | 'f', result or error JSON, retry at (-1 = no retry)
-- Returns { flat claimed jobs (id, name, data, attempt, max attempts, timeout, enqueued at) x N,
--           next wake-up ms or -1, cancelled ids, lost (1 when this worker's lease had expired) }
--@include lib
local base = KEYS[1]
local now = tonumber(ARGV[1])
local wid = ARGV[2]
local start = tonumber(ARGV[3])
local max = start + tonumber(ARGV[4])
local cfg = read_config(ARGV, 5)
local ak = base .. ':a:' .. wid

local i = 5 + CONFIG_ARGS
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  local jk = base .. ':j:' .. ARGV[i]
  -- the job may have gone to another worker since (lease lost), which may have reserved it too
  if redis.call('SISMEMBER', ak, ARGV[i]) == 1 and redis.call('HDEL', jk, 'pf') == 1 then
    redis.call('HINCRBY', jk, 'a', 1)
    redis.call('HSET', jk, 'sa', now)
  end
end
i = i + 1
local settlement_count = tonumber(ARGV[i])
i = i + 1
local completed = 0
for _ = 1, settlement_count do
  local id, kind, payload, retry_at = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  i = i + 4
  -- a job no longer in this worker's set was cancelled or recovered: its outcome is void
  if redis.call('SREM', ak, id) == 1 then
    local jk = base .. ':j:' .. id
    -- a reserved job that started and finished since the last call: its attempt counts now
    if redis.call('HDEL', jk, 'pf') == 1 then redis.call('HINCRBY', jk, 'a', 1) end
    if kind == 'c' then
      redis.call('HSET', jk, 's', 'completed', 'f', now, 'r', payload)
      redis.call('ZADD', base .. ':completed', now, id)
      completed = completed + 1
    else
      append_error(jk, payload)
      local v = redis.call('HMGET', jk, 'a', 'm')
      if retry_at >= 0 and tonumber(v[1]) < tonumber(v[2]) then
        redis.call('HSET', jk, 's', 'failed', 'ra', retry_at)
        redis.call('ZADD', base .. ':retry', retry_at, id)
      else
        to_dead(base, jk, id, now, cfg)
      end
    end
  end
end
if completed > 0 then
  trim(base, base .. ':completed', cfg.keep_count, cfg.keep_age, now)
end

reap(base, now, wid, cfg)

for _, zkey in ipairs({ base .. ':delayed', base .. ':retry' }) do
  local due = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 1000)
  if #due > 0 then
    for _, id in ipairs(due) do
      local jk = base .. ':j:' .. id
      redis.call('HSET', jk, 's', 'waiting')
      push_waiting(base, id, redis.call('HGET', jk, 'p'), false)
    end
    redis.call('ZREM', zkey, unpack(due))
  end
end

local jobs = {}
local paused = redis.call('HEXISTS', base .. ':meta', 'paused') == 1
if max > 0 and not paused then
  local got = 0
  while got < max do
    local top = redis.call('ZRANGE', base .. ':prios', 0, 0)
    if #top == 0 then break end
    local p = top[1]
    local lk = base .. ':w:' .. p
    local ids = redis.call('LPOP', lk, max - got)
    if not ids or redis.call('EXISTS', lk) == 0 then
      redis.call('ZREM', base .. ':prios', p)
    end
    if ids then
      for k, id in ipairs(ids) do
        local jk = base .. ':j:' .. id
        local v = redis.call('HMGET', jk, 'n', 'd', 'm', 'to', 't', 'a')
        local attempt = tonumber(v[6] or '0') + 1
        if got + k <= start then
          redis.call('HSET', jk, 's', 'active', 'a', attempt, 'sa', now, 'w', wid)
        else
          redis.call('HSET', jk, 's', 'active', 'w', wid, 'pf', '1')
        end
        local n = #jobs
        jobs[n + 1] = id
        jobs[n + 2] = v[1]
        jobs[n + 3] = v[2]
        jobs[n + 4] = attempt
        jobs[n + 5] = v[3]
        jobs[n + 6] = v[4] or '0'
        jobs[n + 7] = v[5]
      end
      redis.call('SADD', ak, unpack(ids))
      got = got + #ids
    end
  end
  if redis.call('EXISTS', base .. ':prios') == 1 then
    -- this worker is full and work remains: pass the wake-up on to another worker
    if got == max then wake(base) end
  else
    redis.call('DEL', base .. ':marker')
  end
end
register(base, wid, now, cfg)

local next_wake = -1
for _, zkey in ipairs({ base .. ':delayed', base .. ':retry' }) do
  local first = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
  if #first > 0 and (next_wake < 0 or tonumber(first[2]) < next_wake) then next_wake = tonumber(first[2]) end
end
local leases = redis.call('ZRANGE', base .. ':workers', 0, 1, 'WITHSCORES')
for k = 1, #leases, 2 do
  if leases[k] ~= wid then
    local at = tonumber(leases[k + 1])
    if next_wake < 0 or at < next_wake then next_wake = at end
    break
  end
end

local lost = redis.call('DEL', base .. ':lost:' .. wid)
return { jobs, next_wake, take_cancelled(base, wid), lost }
