-- The line of waiting jobs, and waking the workers that wait for it (part of lib).
-- KEYS  K.jobs (a job's priority), K.state, K.wait, K.waitp, K.meta (waitp's sequences),
--       K.delayed, K.retry (due times), K.marker, K.idle (workers waiting for work)
-- ARGV  none

local function priority_of_score(score)
  return MAX_PRIORITY - math.floor(tonumber(score) / PRIORITY_UNIT)
end

-- Puts a job in line, at the back or (a job handed back) at the front of its priority.
local function push_waiting(id, p, front)
  p = tonumber(p)
  if p == 0 then
    redis.call(front and 'LPUSH' or 'RPUSH', K.wait, id)
  else
    local seq = front and SEQUENCE_MIDDLE - redis.call('HINCRBY', K.meta, 'fs', 1)
      or SEQUENCE_MIDDLE + redis.call('HINCRBY', K.meta, 'bs', 1)
    redis.call('ZADD', K.waitp, (MAX_PRIORITY - p) * PRIORITY_UNIT + seq, id)
  end
end

-- Puts a job back in line, as waiting with its state record `st` (changed as the caller needs):
-- at the front of its priority (a job handed back) or at the back (one that fell due).
local function back_in_line(id, st, front)
  st.s = 'waiting'
  write_state(id, st)
  local _, p = read_header(id, 2)
  push_waiting(id, p, front)
end

-- Takes a waiting job out of line.
local function remove_waiting(id, p)
  if tonumber(p) == 0 then
    redis.call('LREM', K.wait, 1, id)
  else
    redis.call('ZREM', K.waitp, id)
  end
end

-- The highest priority with waiting jobs, or nil.
local function top_priority()
  local head = redis.call('ZRANGE', K.waitp, 0, 0, 'WITHSCORES')
  local p = #head > 0 and priority_of_score(head[2]) or nil
  if (not p or p < 0) and redis.call('LLEN', K.wait) > 0 then return 0 end
  return p
end

local function any_waiting()
  return redis.call('EXISTS', K.wait, K.waitp) > 0
end

local function wake()
  if redis.call('LLEN', K.marker) == 0 then
    redis.call('RPUSH', K.marker, '1')
  end
end

-- The earliest due time of delayed and retrying jobs, or math.huge.
local function next_due()
  local first = math.huge
  for _, zkey in ipairs({ K.delayed, K.retry }) do
    local top = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
    if #top > 0 and tonumber(top[2]) < first then first = tonumber(top[2]) end
  end
  return first
end

-- Wakes every worker that waits for work, for a due time earlier than any they went to sleep
-- with: were only one told, and it died, the others would sleep through it.
local function wake_all(now)
  redis.call('ZREMRANGEBYSCORE', K.idle, '-inf', now)
  local missing = math.max(1, math.min(redis.call('ZCARD', K.idle), 100)) - redis.call('LLEN', K.marker)
  for _ = 1, missing do redis.call('RPUSH', K.marker, '1') end
end
