-- claim: one worker's round trip. Checks that what Redis lists as the worker's matches what the
-- worker says it holds, records which of its reserved jobs it started, settles the jobs it
-- finished, hands back jobs it releases, recovers jobs of workers whose lease expired, promotes
-- due delayed and retry jobs, then claims up to `start` + `reserve` jobs, highest priority
-- first, FIFO within a priority. The first `start` jobs count as started (an attempt begins).
-- The others are reserved: held by the worker, shown as waiting, neither an attempt nor a stall
-- until it reports them started. A job reserved by a worker that died is only claimed to start.
-- Jobs of a name at its handler's limit in this worker are skipped and stay first in line.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] worker id, ARGV[2] start, ARGV[3] reserve, ARGV[4] held, ARGV[5] in flight,
-- ARGV[6..13] config (see read_config), then these lists, each a count and its items:
--   circuit breakers, 6 each: job name, breaker, failure threshold, window ms, reset timeout ms,
--     half-open probes (see breaker.lua: a job behind an open breaker is parked, not claimed; one
--     behind a half-open breaker runs only as one of its probes; jobs behind a breaker are only
--     claimed to start, never reserved, and their outcomes open and close it),
--   (each claim declares the parked lists of its gates in base:gates, list -> when)
--   rate limits, 3 each: job name ('' for every job of the queue), max jobs started, per ms (a
--     fixed window counted in base:rc:<name>; a job over its limit is parked in base:rq:<name>, or
--     base:rq for the queue's, until the next window; rate-limited jobs are only claimed to start),
--   ids of reserved jobs started since the last call (a settlement implies the start of its job),
--   settlements, 4 each: id, 'c' | 'f' | 'd' (upper case: started from the reserve since the last
--     call), result or error JSON, retry in ms (below 0: no retry, -1 unrecoverable, -2 retryIf,
--     -3 attempts exhausted);
--     'd': the worker has no handler for the job: delayed by the retry ms for another worker, no
--     attempt used, until `no_handler_patience` after the first time, then dead with the error
--   ids to release, limits, 2 each: job name, how many more of it the worker may take,
-- then '1' when the worker stops for good (all it still holds goes back, and another worker is
-- woken for delayed jobs) else '0',
-- then the worker's connection (see record_connection)
-- Returns { flat claimed jobs (id, name, data, attempt, max attempts, timeout, enqueued at,
--           priority) x N, ms until the next wake-up or -1, cancelled ids, reconcile (0 or 1),
--           highest priority still waiting ('' when none, the queue is paused, or jobs were
--           skipped for the worker's handler limits),
--           1 if another worker holds jobs else 0,
--           breaker transitions this call made, 2 each: breaker, 'open' | 'half-open' | 'closed' }
--@include lib
--@include breaker
local MAX_SCAN = 500
local NO_RETRY = { [-1] = 'unrecoverable', [-2] = 'retryIf', [-3] = 'attempts exhausted' }
local CLAIMED_FIELDS = 9
local base = KEYS[1]
local now = now_ms()
local wid = ARGV[1]
local start = tonumber(ARGV[2])
local max = start + tonumber(ARGV[3])
local held = tonumber(ARGV[4])
local cfg = read_config(ARGV, 6)
local ak = base .. ':a:' .. wid
local rk = base .. ':r:' .. wid

-- the worker's lease expired and its jobs went to others, or a claim's reply never reached it
local stored = redis.call('SCARD', ak) + redis.call('SCARD', rk) + redis.call('SCARD', base .. ':x:' .. wid)
local reconcile = (stored < held or stored > held + tonumber(ARGV[5])) and 1 or 0
if redis.call('ZREM', base .. ':lost', wid) == 1 then reconcile = 1 end

local function count_start(jk)
  redis.call('HINCRBY', jk, 'a', 1)
  redis.call('HSET', jk, 's', 'active', 'sa', now)
end

-- the earliest due time before this call's retries, looked up at the first one, and theirs
local due_before, earliest = nil, math.huge
local function due_later(at)
  if not due_before then due_before = next_due(base) end
  earliest = math.min(earliest, at)
end

local i = 6 + CONFIG_ARGS
-- the breakers of this worker's handlers, by job name; each one's state is read when first needed
local breaker_of, breakers, transitions = {}, {}, {}
for _ = 1, tonumber(ARGV[i]) do
  local name = ARGV[i + 2]
  breaker_of[ARGV[i + 1]] = name
  breakers[name] = breakers[name] or {
    name = name,
    keys = breaker_keys(base, name),
    spec = { threshold = tonumber(ARGV[i + 3]), window = tonumber(ARGV[i + 4]), reset = tonumber(ARGV[i + 5]),
             probes = tonumber(ARGV[i + 6]), lease = cfg.lease },
  }
  i = i + 6
end
local guarded = next(breakers) ~= nil
local function noted(b, state, transition)
  b.state = state
  if transition then
    transitions[#transitions + 1] = b.name
    transitions[#transitions + 1] = transition
  end
end
local function state_of(b)
  if not b.state then noted(b, breaker_state(b.keys, b.spec, now)) end
  return b.state
end
-- the breaker a job of `name` runs behind, if any
local function behind(name)
  local b = guarded and breaker_of[name]
  return b and breakers[b]
end
-- whether a probe's job still runs (a slow probe keeps its slot beyond a lease)
local function running(id)
  return redis.call('HGET', base .. ':j:' .. id, 's') == 'active'
end

-- rate limits: per job name, and one for the whole queue ('' ), each counted in a fixed window
local rate_of, rates, queue_rate = {}, {}, nil
i = i + 1
for _ = 1, tonumber(ARGV[i]) do
  local key = ARGV[i + 1]
  local gate = { list = key == '' and 'rq' or ('rq:' .. key), counter = base .. ':rc:' .. key,
                 max = tonumber(ARGV[i + 2]), per = tonumber(ARGV[i + 3]), used = 0 }
  gate.window = math.floor(now / gate.per)
  rates[#rates + 1] = gate
  if key == '' then queue_rate = gate else rate_of[key] = gate end
  i = i + 3
end
-- jobs the gate still lets start in the current window
local function rate_room(gate)
  if gate.room == nil then
    local v = redis.call('HMGET', gate.counter, 'w', 'n')
    gate.fresh = tonumber(v[1]) ~= gate.window
    gate.room = gate.max - (gate.fresh and 0 or tonumber(v[2]))
  end
  return gate.room - gate.used
end

i = i + 1
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  local id = ARGV[i]
  -- the job may have gone to another worker since (lease lost), or been cancelled
  if redis.call('SREM', rk, id) == 1 then
    redis.call('SADD', ak, id)
    count_start(base .. ':j:' .. id)
  end
end
i = i + 1
local completed = 0
for _ = 1, tonumber(ARGV[i]) do
  local id, kind, payload, retry_in = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  i = i + 4
  local jk = base .. ':j:' .. id
  -- a job no longer in this worker's sets was cancelled or recovered: its outcome is void.
  -- A reserved one started and finished since the last call (the worker says so with an upper
  -- case kind, so it is looked for there first): its attempt counts now.
  local lower = string.lower(kind)
  local mine, started_now = false, false
  if kind ~= lower then
    if redis.call('SREM', rk, id) == 1 then
      mine, started_now = true, true
    else
      mine = redis.call('SREM', ak, id) == 1
    end
  else
    mine = redis.call('SREM', ak, id) == 1
    if not mine and redis.call('SREM', rk, id) == 1 then mine, started_now = true, true end
  end
  kind = lower
  if mine and started_now then
    redis.call('HINCRBY', jk, 'a', 1)
    -- a completed one records its start with its outcome, below
    if kind ~= 'c' then redis.call('HSET', jk, 's', 'active', 'sa', now) end
  end
  local b = mine and guarded and kind ~= 'd' and behind(redis.call('HGET', jk, 'n'))
  if b then
    if kind == 'c' then
      noted(b, breaker_succeeded(b.keys, state_of(b), id))
    else
      noted(b, breaker_failed(b.keys, b.spec, state_of(b), now, id .. ':' .. now))
    end
  end
  if mine then
    if kind == 'd' then
      redis.call('HINCRBY', jk, 'a', -1)
      local first = tonumber(redis.call('HGET', jk, 'nh') or '')
      if not first then redis.call('HSET', jk, 'nh', now) end
      if first and now - first >= cfg.no_handler_patience then
        append_error(jk, payload)
        to_dead(base, jk, id, now, cfg, 'no handler')
      else
        redis.call('HSET', jk, 's', 'delayed', 'ra', now + retry_in)
        due_later(now + retry_in)
        redis.call('ZADD', base .. ':delayed', now + retry_in, id)
      end
    elseif kind == 'c' then
      if started_now then
        redis.call('HSET', jk, 's', 'completed', 'f', now, 'r', payload, 'sa', now)
      else
        redis.call('HSET', jk, 's', 'completed', 'f', now, 'r', payload)
      end
      notify_settled(base, jk, id)
      redis.call('ZADD', base .. ':completed', now, id)
      completed = completed + 1
    else
      append_error(jk, payload)
      local v = redis.call('HMGET', jk, 'a', 'm')
      if retry_in >= 0 and tonumber(v[1]) < tonumber(v[2]) then
        redis.call('HSET', jk, 's', 'failed', 'ra', now + retry_in)
        due_later(now + retry_in)
        redis.call('ZADD', base .. ':retry', now + retry_in, id)
      else
        to_dead(base, jk, id, now, cfg, NO_RETRY[retry_in] or 'attempts exhausted')
      end
    end
  end
end
if completed > 0 then
  trim(base, base .. ':completed', cfg.keep_count, cfg.keep_age, now)
end
-- a retry due before any the sleeping workers know of: every one of them is told
if due_before and earliest < due_before then wake_all(base, now) end
i = i + 1
local release_to = i + tonumber(ARGV[i])
-- the last first: each goes to the front, so the first ends up first
for k = release_to, i + 1, -1 do
  local id = ARGV[k]
  if redis.call('SREM', ak, id) == 1 then
    requeue(base, id, true)
  elseif redis.call('SREM', rk, id) == 1 then
    requeue(base, id, false)
  end
end
if release_to > i then wake(base) end
i = release_to + 1
local limit = {}
for _ = 1, tonumber(ARGV[i]) do
  limit[ARGV[i + 1]] = tonumber(ARGV[i + 2])
  i = i + 2
end
local leaving = ARGV[i + 1] == '1'
-- a worker that leaves has settled what finished and aborted the rest: whatever is still listed
-- as its own (a claim that came in after it stopped waiting for it) goes back too
if leaving then
  local back = 0
  for _, id in ipairs(redis.call('SMEMBERS', ak)) do
    requeue(base, id, true)
    back = back + 1
  end
  for _, id in ipairs(redis.call('SMEMBERS', rk)) do
    requeue(base, id, false)
    back = back + 1
  end
  if back > 0 then
    redis.call('DEL', ak, rk)
    wake(base)
  end
end
local conn = ARGV[i + 2] or ''

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

-- A job that may not start now (its breaker is open, its rate limit used up) waits in a list of
-- its own, not in the queue: `list` is 'bq:<breaker>', 'rq:<job name>' or 'rq'.
local function park(id, jk, list)
  redis.call('RPUSH', base .. ':' .. list, id)
  redis.call('HSET', jk, 's', 'parked', 'pk', list)
  redis.call('SADD', base .. ':parkings', list)
  return true
end
-- Up to `count` parked jobs go back to the front of the queue, in order; `mark`, if given, is
-- the rate limit window that counted them already (field ru), so that they start in it.
local function unpark(list, count, mark)
  local ids = count > 0 and redis.call('LPOP', base .. ':' .. list, count)
  if not ids then return 0 end
  for k = #ids, 1, -1 do
    local jk = base .. ':j:' .. ids[k]
    redis.call('HSET', jk, 's', 'waiting')
    redis.call('HDEL', jk, 'pk')
    if mark then redis.call('HSET', jk, 'ru', mark) end
    push_waiting(base, ids[k], redis.call('HGET', jk, 'p'), true)
  end
  return #ids
end
-- a job's place in a rate limit's window, taken when it was sent back from the gate's list
local function rate_mark(gate)
  return gate.list .. '@' .. gate.window
end
-- behind a breaker that closed, all (a thousand a call) and every idle worker is told; behind a
-- half-open one, as many as it has probes to spare; behind a rate limit, what its window allows
for _, b in pairs(breakers) do
  local state = state_of(b)
  local count = state == 'closed' and 1000 or state == 'half' and breaker_free_probes(b.keys, b.spec, now, running) or 0
  if unpark('bq:' .. b.name, count) > 0 then wake_all(base, now) end
end
-- what a window still allows goes back counted in it: a later claim in the same window does not
-- send back more, and those sent back start even if other jobs of the name came first
for _, gate in ipairs(rates) do
  local moved = unpark(gate.list, rate_room(gate), rate_mark(gate))
  if moved > 0 then
    gate.used = gate.used + moved
    wake(base)
  end
end

local jobs = {}
local skipped_at_limit = false
-- stopped at a job that only a worker with a free slot may take (one a dead worker held reserved)
local full = false
local paused = redis.call('HEXISTS', base .. ':meta', 'paused') == 1
if max > 0 and not paused then
  local got = 0
  local scanned = 0
  -- ids taken from a list but not claimed, per priority, in queue order: they go back in front
  local back = {}
  while got < max and not full and scanned < max + MAX_SCAN do
    local top = redis.call('ZRANGE', base .. ':prios', 0, 0)
    if #top == 0 then break end
    local p = top[1]
    local lk = base .. ':w:' .. p
    local ids = redis.call('LPOP', lk, max - got)
    if not ids or redis.call('EXISTS', lk) == 0 then
      redis.call('ZREM', base .. ':prios', p)
    end
    if ids then
      scanned = scanned + #ids
      local started, reserved = {}, {}
      for _, id in ipairs(ids) do
        local jk = base .. ':j:' .. id
        local v = redis.call('HMGET', jk, 'n', 'd', 'm', 'to', 't', 'a', 'rs', 'tc', 'ru')
        local remaining = limit[v[1]]
        local at_limit = remaining ~= nil and remaining <= 0
        skipped_at_limit = skipped_at_limit or at_limit
        local skip = full or at_limit
        local b = not skip and behind(v[1])
        local own_rate = not skip and rate_of[v[1]]
        local gated = b or own_rate or (not skip and queue_rate)
        local parked = false
        -- a job reserved by a worker that died may be what killed it, and a job behind a breaker
        -- or a rate limit must not wait in a worker (while the breaker opens, or beyond its
        -- window): only claim them to start
        if not skip and got >= start and (v[7] or gated) then
          full = true
          skip = true
        elseif gated then
          -- a job sent back from a rate limit's list was counted in the window already
          local own_counted = own_rate and v[9] == rate_mark(own_rate)
          local queue_counted = queue_rate and v[9] == rate_mark(queue_rate)
          if v[9] then redis.call('HDEL', jk, 'ru') end
          local over = (own_rate and not own_counted and rate_room(own_rate) <= 0 and own_rate)
            or (queue_rate and not queue_counted and rate_room(queue_rate) <= 0 and queue_rate)
          if over then
            parked = park(id, jk, over.list)
          elseif b then
            local state = state_of(b)
            if state == 'open' or (state == 'half' and breaker_free_probes(b.keys, b.spec, now, running) <= 0) then
              parked = park(id, jk, 'bq:' .. b.name)
            elseif state == 'half' then
              redis.call('ZADD', b.keys.probes, now, id)
            end
          end
          if not parked then
            if own_rate and not own_counted then own_rate.used = own_rate.used + 1 end
            if queue_rate and not queue_counted then queue_rate.used = queue_rate.used + 1 end
          end
        end
        if parked then
          -- waits behind its breaker or rate limit, not in the queue
        elseif skip then
          back[p] = back[p] or {}
          table.insert(back[p], id)
        else
          if remaining then limit[v[1]] = remaining - 1 end
          got = got + 1
          local attempt = tonumber(v[6] or '0') + 1
          if got <= start then
            redis.call('HSET', jk, 's', 'active', 'a', attempt, 'sa', now, 'w', wid)
            started[#started + 1] = id
          else
            redis.call('HSET', jk, 's', 'reserved', 'w', wid)
            reserved[#reserved + 1] = id
          end
          local n = #jobs
          jobs[n + 1] = id
          jobs[n + 2] = v[1]
          jobs[n + 3] = v[2]
          jobs[n + 4] = attempt
          jobs[n + 5] = v[3]
          jobs[n + 6] = v[4] or '0'
          jobs[n + 7] = v[5]
          jobs[n + 8] = p
          jobs[n + 9] = v[8] or ''
        end
      end
      if #started > 0 then redis.call('SADD', ak, unpack(started)) end
      if #reserved > 0 then redis.call('SADD', rk, unpack(reserved)) end
    end
  end
  for p, ids in pairs(back) do
    for k = #ids, 1, -1 do push_waiting(base, ids[k], p, true) end
  end
  if redis.call('EXISTS', base .. ':prios') == 1 then
    -- this worker is full and work remains: pass the wake-up on to another worker
    -- (not when it stopped at a job it may not reserve: it would wake itself, and spin)
    if got == max then wake(base) end
  else
    redis.call('DEL', base .. ':marker')
  end
end
for _, gate in ipairs(rates) do
  if gate.used > 0 then
    if gate.fresh then
      redis.call('HSET', gate.counter, 'w', gate.window, 'n', gate.used)
    else
      redis.call('HINCRBY', gate.counter, 'n', gate.used)
    end
    redis.call('PEXPIRE', gate.counter, gate.per * 2)
  end
end
register(base, wid, now, cfg)
record_connection(base, wid, conn)
-- the lists this worker's gates park jobs in, declared as alive (see below)
if guarded or #rates > 0 then
  local declared = {}
  for name in pairs(breakers) do
    declared[#declared + 1] = 'bq:' .. name
    declared[#declared + 1] = now
  end
  for _, gate in ipairs(rates) do
    declared[#declared + 1] = gate.list
    declared[#declared + 1] = now
  end
  redis.call('HSET', base .. ':gates', unpack(declared))
end
-- given fewer jobs than it asked for, the worker waits for work until woken, or a lease from now
if max > 0 and #jobs < max * CLAIMED_FIELDS then
  redis.call('ZADD', base .. ':idle', now + cfg.lease, wid)
  -- jobs parked behind a breaker or rate limit that no worker has declared for three leases
  -- (removed from the code, or renamed) would wait for good: an idle worker sends them back to
  -- the queue. A worker of another service on the same queue, without that gate, leaves them be.
  if redis.call('EXISTS', base .. ':parkings') == 1 then
    for _, list in ipairs(redis.call('SMEMBERS', base .. ':parkings')) do
      local seen = tonumber(redis.call('HGET', base .. ':gates', list) or '0')
      if seen < now - 3 * cfg.lease and unpark(list, 1000) > 0 then wake(base) end
      if redis.call('EXISTS', base .. ':' .. list) == 0 then redis.call('SREM', base .. ':parkings', list) end
    end
  end
end

local next_wake = -1
for _, zkey in ipairs({ base .. ':delayed', base .. ':retry' }) do
  local first = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
  if #first > 0 and (next_wake < 0 or tonumber(first[2]) < next_wake) then next_wake = tonumber(first[2]) end
end
-- a breaker with jobs parked behind it half-opens at a known time, a rate limit's window ends at
-- one: some worker must look then
for _, b in pairs(breakers) do
  local v = redis.call('HMGET', b.keys.state, 's', 'at', 'man')
  if v[1] == 'open' and not v[3] and redis.call('EXISTS', base .. ':bq:' .. b.name) == 1 then
    local at = tonumber(v[2]) + b.spec.reset
    if next_wake < 0 or at < next_wake then next_wake = at end
  end
end
for _, gate in ipairs(rates) do
  if redis.call('EXISTS', base .. ':' .. gate.list) == 1 then
    local at = (gate.window + 1) * gate.per
    if next_wake < 0 or at < next_wake then next_wake = at end
  end
end
local leases = redis.call('ZRANGE', base .. ':workers', 0, 1, 'WITHSCORES')
local others = 0
for k = 1, #leases, 2 do
  if leases[k] ~= wid then
    others = 1
    local at = tonumber(leases[k + 1])
    if next_wake < 0 or at < next_wake then next_wake = at end
    break
  end
end
if next_wake >= 0 then next_wake = math.max(0, next_wake - now) end
-- this worker may be the one that was woken to wait for the next due job: pass that on
if leaving and redis.call('ZCARD', base .. ':delayed') + redis.call('ZCARD', base .. ':retry') > 0 then wake(base) end

-- jobs this worker skipped for its handler limits are no reason for it to hand back its reserve
-- nor is the job this worker stopped at, or one of a name at its limit that is first in line
local top = ''
if not paused and not skipped_at_limit and not full then
  local first = redis.call('ZRANGE', base .. ':prios', 0, 0)
  if #first > 0 then
    local head = redis.call('LINDEX', base .. ':w:' .. first[1], 0)
    local remaining = head and limit[redis.call('HGET', base .. ':j:' .. head, 'n')]
    if not (remaining and remaining <= 0) then top = first[1] end
  end
end

return { jobs, next_wake, take_cancelled(base, wid), reconcile, top, others, transitions }
