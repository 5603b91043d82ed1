-- Circuit breakers of one queue, included by claim and the breaker-* scripts. Per breaker B:
--   base:b:B   state (hash): s 'open' | 'half' (no hash: closed), at when it opened, man '1' when
--              opened by hand (it then stays open until reset)
--   base:bf:B  failures while closed, by time (zset)    base:bp:B  probes under way while half-open, by start (zset)
--   base:bq:B  ids of jobs parked while it is open, in queue order (list); a parked job has s 'parked',
--              pk 'bq:B' (see park in claim-park.lua; base:parkings lists every such list, for counts)
-- KEYS  those its caller passes: a breaker's keys { state, failures, probes } (base:b:B, base:bf:B,
--       base:bp:B), base:marker and base:idle (breaker_wake_idle), base:state (breaker_job_runs)
-- ARGV  none (its spec, from its caller's: { threshold, window, reset, probes, lease })

local function breaker_keys(base, name)
  return { state = base .. ':b:' .. name, failures = base .. ':bf:' .. name, probes = base .. ':bp:' .. name }
end

-- The breaker's state now: an open one whose reset timeout has passed turns half-open. Returns the
-- state and the transition made ('half-open'), if any.
local function breaker_state(k, spec, now)
  local v = redis.call('HMGET', k.state, 's', 'at', 'man')
  if v[1] == 'open' and not v[3] and now >= tonumber(v[2]) + spec.reset then
    redis.call('HSET', k.state, 's', 'half')
    return 'half', 'half-open'
  end
  return v[1] or 'closed', nil
end

local function breaker_open(k, now)
  redis.call('HSET', k.state, 's', 'open', 'at', now)
  redis.call('DEL', k.failures, k.probes)
end

-- A call behind the breaker failed: `threshold` failures within `window` open a closed breaker;
-- any failure reopens a half-open one. Returns the new state and 'open' when it opened, 'reopened'
-- when a failed probe opened it again.
local function breaker_failed(k, spec, state, now, member)
  if state == 'half' then
    breaker_open(k, now)
    return 'open', 'reopened'
  elseif state == 'closed' then
    redis.call('ZADD', k.failures, now, member)
    redis.call('ZREMRANGEBYSCORE', k.failures, '-inf', now - spec.window)
    if redis.call('ZCARD', k.failures) >= spec.threshold then
      breaker_open(k, now)
      return 'open', 'open'
    end
  end
  return state, nil
end

-- A call behind the breaker succeeded: one of a half-open breaker's probes closes it (a call that
-- began before it opened proves nothing about the dependency now). Returns the new state and
-- 'closed' when it closed.
local function breaker_succeeded(k, state, member)
  local probe = redis.call('ZREM', k.probes, member) == 1
  if state == 'half' and probe then
    redis.call('DEL', k.state, k.failures, k.probes)
    return 'closed', 'closed'
  end
  return state, nil
end

-- Wakes the queue's idle workers (as wake_all in lib.lua does), so that the jobs parked behind a
-- breaker that closed run at once: `marker` is base:marker, `idle` base:idle.
local function breaker_wake_idle(marker, idle, now)
  redis.call('ZREMRANGEBYSCORE', idle, '-inf', now)
  local missing = math.max(1, math.min(redis.call('ZCARD', idle), 100)) - redis.call('LLEN', marker)
  for _ = 1, missing do redis.call('RPUSH', marker, '1') end
end

-- Whether a probe (a member of base:bp:B) is a job that runs now; `jobs_state` is base:state, which
-- holds each job's state as msgpack (see lib.lua). A call's token is no job: its caller renews it.
local function breaker_job_runs(jobs_state)
  return function(member)
    local packed = redis.call('HGET', jobs_state, member)
    return packed and cmsgpack.unpack(packed).s == 'active'
  end
end

-- Free probe slots of a half-open breaker. A probe that neither succeeded nor failed within a
-- lease no longer holds one (its worker died, it was cancelled, or a `run` caller went away),
-- unless `running(member)` says its job still runs: a slow probe keeps its slot (a `run` call
-- renews its own, see breaker-hold).
local function breaker_free_probes(k, spec, now, running)
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', k.probes, '-inf', now - spec.lease)) do
    if running and running(member) then
      redis.call('ZADD', k.probes, now, member)
    else
      redis.call('ZREM', k.probes, member)
    end
  end
  return spec.probes - redis.call('ZCARD', k.probes)
end
