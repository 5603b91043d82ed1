-- claim: one worker's round trip. Checks that what Redis lists as the worker's matches what the
-- worker says it holds, records which of its reserved jobs it started, settles the jobs it
-- finished, hands back jobs it releases, promotes due delayed and retry jobs, then claims up to
-- `start` + `reserve` jobs, highest priority first, FIFO within a priority. The first `start` jobs
-- count as started (an attempt begins). The others are reserved: held by the worker, shown as
-- waiting, neither an attempt nor a stall until it reports them started. A job that stalled, or
-- that a worker that died held reserved, is only claimed to start. Jobs of a name at its handler's limit in this worker
-- are skipped and stay first in line. The jobs of suspects (workers the last claim named) whose
-- lease expired go back first, to the front of the line; other workers whose lease expired are
-- named in the reply, and their jobs go back with the reap script, which is given their keys.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then base:a:<worker>, base:r:<worker>,
--       base:x:<worker>, then the same 3 of each suspect of ARGV,
--       then 4 per circuit breaker of ARGV (base:b:B, base:bf:B, base:bp:B,
--       base:bq:B), then 2 per rate limit of ARGV (base:rc:<name>, its parked list base:rq:<name>,
--       or base:rc: and base:rq for the queue's own)
-- ARGV[1] worker id, ARGV[2] start, ARGV[3] reserve, ARGV[4] held, ARGV[5] in flight,
-- ARGV[6..13] config (see read_config), then these lists, each a count and its items:
--   suspects: workers whose lease may have expired,
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
--           priority, trace context) x N, ms until the next wake-up or -1, cancelled ids,
--           reconcile (0 or 1),
--           highest priority still waiting ('' when none, the queue is paused, or jobs were
--           skipped for the worker's handler limits),
--           1 if another worker holds jobs else 0,
--           breaker transitions this call made, 2 each: breaker, 'open' | 'half-open' | 'closed',
--           workers whose lease expired (for the reap script),
--           parked lists no worker declared for three leases (for the unpark script),
--           the other worker whose lease ends first ('' none): a suspect for the next claim }
--@include lib
--@include breaker
local MAX_SCAN = 500
local NO_RETRY = { [-1] = 'unrecoverable', [-2] = 'retryIf', [-3] = 'attempts exhausted' }
local CLAIMED_FIELDS = 9
local now = now_ms()
local wid = ARGV[1]
local start = tonumber(ARGV[2])
local max = start + tonumber(ARGV[3])
local held = tonumber(ARGV[4])
local cfg = read_config(ARGV, 6)
local ak, rk, xk = KEYS[EXTRA_KEYS], KEYS[EXTRA_KEYS + 1], KEYS[EXTRA_KEYS + 2]
local next_key = EXTRA_KEYS + 3

-- the worker's lease expired and its jobs went to others, or a claim's reply never reached it
local stored = redis.call('SCARD', ak) + redis.call('SCARD', rk) + redis.call('SCARD', xk)
local reconcile = (stored < held or stored > held + tonumber(ARGV[5])) and 1 or 0
if redis.call('ZREM', K.lost, wid) == 1 then reconcile = 1 end

-- the earliest due time before this call's retries, looked up at the first one, and theirs
local due_before, earliest = nil, math.huge
local function due_later(at)
  if not due_before then due_before = next_due() end
  earliest = math.min(earliest, at)
end

local i = 6 + CONFIG_ARGS
local suspects = {}
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  suspects[#suspects + 1] = { ARGV[i], KEYS[next_key], KEYS[next_key + 1], KEYS[next_key + 2] }
  next_key = next_key + 3
end
i = i + 1
-- the breakers of this worker's handlers, by job name; each one's state is read when first needed
-- parked_key: the key of each parked list this worker's gates use, by its name in pk ('bq:B', 'rq:<name>', 'rq')
local breaker_of, breakers, transitions, parked_key = {}, {}, {}, {}
for _ = 1, tonumber(ARGV[i]) do
  local name = ARGV[i + 2]
  breaker_of[ARGV[i + 1]] = name
  breakers[name] = breakers[name] or {
    name = name,
    keys = { state = KEYS[next_key], failures = KEYS[next_key + 1], probes = KEYS[next_key + 2] },
    spec = { threshold = tonumber(ARGV[i + 3]), window = tonumber(ARGV[i + 4]), reset = tonumber(ARGV[i + 5]),
             probes = tonumber(ARGV[i + 6]), lease = cfg.lease },
  }
  parked_key['bq:' .. name] = KEYS[next_key + 3]
  next_key = next_key + 4
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
  local st = read_state(id)
  return st ~= nil and st.s == 'active'
end

-- rate limits: per job name, and one for the whole queue ('' ), each counted in a fixed window
local rate_of, rates, queue_rate = {}, {}, nil
i = i + 1
for _ = 1, tonumber(ARGV[i]) do
  local key = ARGV[i + 1]
  local gate = { list = key == '' and 'rq' or ('rq:' .. key), counter = KEYS[next_key],
                 max = tonumber(ARGV[i + 2]), per = tonumber(ARGV[i + 3]), used = 0 }
  parked_key[gate.list] = KEYS[next_key + 1]
  next_key = next_key + 2
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
    local st = read_state(id)
    if st then
      st.a, st.s, st.sa = (st.a or 0) + 1, 'active', now
      write_state(id, st)
    end
  end
end
i = i + 1
local completed = 0
for _ = 1, tonumber(ARGV[i]) do
  local id, kind, payload, retry_in = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  i = i + 4
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
  local st = mine and read_state(id)
  if st then
    if started_now then st.a, st.sa = (st.a or 0) + 1, now end
    local b = guarded and kind ~= 'd' and behind(read_header(id, 1))
    if b then
      if kind == 'c' then
        noted(b, breaker_succeeded(b.keys, state_of(b), id))
      else
        noted(b, breaker_failed(b.keys, b.spec, state_of(b), now, id .. ':' .. now))
      end
    end
    if kind == 'd' then
      st.a = (st.a or 1) - 1
      local first = st.nh
      if not first then st.nh = now end
      if first and now - first >= cfg.no_handler_patience then
        append_error(id, payload)
        to_dead(id, st, now, cfg, 'no handler')
      else
        st.s, st.ra = 'delayed', now + retry_in
        write_state(id, st)
        due_later(now + retry_in)
        redis.call('ZADD', K.delayed, now + retry_in, id)
      end
    elseif kind == 'c' then
      st.s, st.f, st.r = 'completed', now, payload
      write_state(id, st)
      notify_settled(id)
      redis.call('ZADD', K.completed, now, id)
      completed = completed + 1
    else
      append_error(id, payload)
      local _, _, max_attempts = read_header(id, 3)
      if retry_in >= 0 and st.a < max_attempts then
        st.s, st.ra = 'failed', now + retry_in
        write_state(id, st)
        due_later(now + retry_in)
        redis.call('ZADD', K.retry, now + retry_in, id)
      else
        to_dead(id, st, now, cfg, NO_RETRY[retry_in] or 'attempts exhausted')
      end
    end
  end
end
if completed > 0 then
  trim(K.completed, cfg.keep_count, cfg.keep_age, now)
end
-- a retry due before any the sleeping workers know of: every one of them is told
if due_before and earliest < due_before then wake_all(now) end
i = i + 1
local release_to = i + tonumber(ARGV[i])
-- the last first: each goes to the front, so the first ends up first
for k = release_to, i + 1, -1 do
  local id = ARGV[k]
  if redis.call('SREM', ak, id) == 1 then
    requeue(id, true)
  elseif redis.call('SREM', rk, id) == 1 then
    requeue(id, false)
  end
end
if release_to > i then wake() end
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
    requeue(id, true)
    back = back + 1
  end
  for _, id in ipairs(redis.call('SMEMBERS', rk)) do
    requeue(id, false)
    back = back + 1
  end
  if back > 0 then
    redis.call('DEL', ak, rk)
    wake()
  end
end
local conn = ARGV[i + 2] or ''

-- the jobs of a suspect whose lease expired go back before any job is claimed, ahead of those
-- that fell due since (a schedule's tick that died with its worker runs before the next tick)
local reaped = 0
for _, suspect in ipairs(suspects) do
  local lease = suspect[1] ~= wid and redis.call('ZSCORE', K.workers, suspect[1])
  if lease and tonumber(lease) <= now then
    reaped = reaped + reap_worker(suspect[1], suspect[2], suspect[3], suspect[4], now, cfg)
  end
end
if reaped > 0 then wake() end
local expired = expired_workers(now, wid)

for _, zkey in ipairs({ K.delayed, K.retry }) do
  local due = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 1000)
  if #due > 0 then
    for _, id in ipairs(due) do
      local st = read_state(id)
      if st then back_in_line(id, st, false) end
    end
    redis.call('ZREM', zkey, unpack(due))
  end
end

-- A job that may not start now (its breaker is open, its rate limit used up) waits in a list of
-- its own, not in the queue: `list` is 'bq:<breaker>', 'rq:<job name>' or 'rq'.
local function park(id, st, list)
  redis.call('RPUSH', parked_key[list], id)
  st.s, st.pk = 'parked', list
  redis.call('SADD', K.parkings, list)
  return true
end
-- Up to `count` parked jobs go back to the front of the queue, in order; `mark`, if given, is
-- the rate limit window that counted them already (field ru), so that they start in it.
local function unpark(list, count, mark)
  local ids = count > 0 and redis.call('LPOP', parked_key[list], count)
  if not ids then return 0 end
  for k = #ids, 1, -1 do
    local st = read_state(ids[k])
    if st then
      st.pk, st.ru = nil, mark
      back_in_line(ids[k], st, true)
    end
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
  if unpark('bq:' .. b.name, count) > 0 then wake_all(now) end
end
-- what a window still allows goes back counted in it: a later claim in the same window does not
-- send back more, and those sent back start even if other jobs of the name came first
for _, gate in ipairs(rates) do
  local moved = unpark(gate.list, rate_room(gate), rate_mark(gate))
  if moved > 0 then
    gate.used = gate.used + moved
    wake()
  end
end

local jobs = {}
local skipped_at_limit = false
-- stopped at a job that only a worker with a free slot may take (one a dead worker held reserved)
local full = false
local paused = redis.call('HEXISTS', K.meta, 'paused') == 1
if max > 0 and not paused then
  local got = 0
  local scanned = 0
  -- ids taken from the line but not claimed, in queue order, with their priority and (from
  -- waitp) score: they go back in front
  local back = {}
  while got < max and not full and scanned < max + MAX_SCAN do
    local p = top_priority()
    if not p then break end
    local ids, scores
    -- a thousand at most a step: Lua passes at most about 8000 values to one call
    local take = math.min(max - got, 1000)
    if p == 0 then
      ids = redis.call('LPOP', K.wait, take)
    else
      -- this priority only: the default list's jobs come before those of lower priorities
      local flat = redis.call('ZRANGEBYSCORE', K.waitp, '-inf', '(' .. string.format('%.0f', (MAX_PRIORITY - p + 1) * PRIORITY_UNIT),
        'WITHSCORES', 'LIMIT', 0, take)
      ids, scores = {}, {}
      for k = 1, #flat, 2 do
        ids[#ids + 1] = flat[k]
        scores[#scores + 1] = flat[k + 1]
      end
      in_batches('ZREM', K.waitp, ids)
    end
    if ids and #ids > 0 then
      scanned = scanned + #ids
      local started, reserved, writes = {}, {}, {}
      local headers = redis.call('HMGET', K.jobs, unpack(ids))
      local states = redis.call('HMGET', K.state, unpack(ids))
      for k, id in ipairs(ids) do
        -- a job deleted under its id (a purge racing a redrive) is dropped from the line
        if headers[k] and states[k] then
          local name, _, max_attempts, timeout, enqueued, trace, data = cmsgpack.unpack(headers[k])
          local st = cmsgpack.unpack(states[k])
          local remaining = limit[name]
          local at_limit = remaining ~= nil and remaining <= 0
          skipped_at_limit = skipped_at_limit or at_limit
          local skip = full or at_limit
          local b = not skip and behind(name)
          local own_rate = not skip and rate_of[name]
          local gated = b or own_rate or (not skip and queue_rate)
          local parked = false
          -- a job that stalled, or was reserved by a worker that died, may be what killed it (a
          -- death with it reserved would not count), and a job behind a breaker or a rate limit
          -- must not wait in a worker (while the breaker opens, or beyond its window): only claim
          -- them to start
          if not skip and got >= start and (st.rs or st.st or gated) then
            full = true
            skip = true
          elseif gated then
            -- a job sent back from a rate limit's list was counted in the window already
            local own_counted = own_rate and st.ru == rate_mark(own_rate)
            local queue_counted = queue_rate and st.ru == rate_mark(queue_rate)
            st.ru = nil
            local over = (own_rate and not own_counted and rate_room(own_rate) <= 0 and own_rate)
              or (queue_rate and not queue_counted and rate_room(queue_rate) <= 0 and queue_rate)
            if over then
              parked = park(id, st, over.list)
            elseif b then
              local state = state_of(b)
              if state == 'open' or (state == 'half' and breaker_free_probes(b.keys, b.spec, now, running) <= 0) then
                parked = park(id, st, 'bq:' .. b.name)
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
            writes[#writes + 1] = id
            writes[#writes + 1] = cmsgpack.pack(st)
          elseif skip then
            back[#back + 1] = { id, p, scores and scores[k] }
          else
            if remaining then limit[name] = remaining - 1 end
            got = got + 1
            local attempt = (st.a or 0) + 1
            if got <= start then
              st.s, st.a, st.sa, st.w = 'active', attempt, now, wid
              started[#started + 1] = id
            else
              st.s, st.w = 'reserved', wid
              reserved[#reserved + 1] = id
            end
            writes[#writes + 1] = id
            writes[#writes + 1] = cmsgpack.pack(st)
            local n = #jobs
            jobs[n + 1] = id
            jobs[n + 2] = name
            jobs[n + 3] = data
            jobs[n + 4] = attempt
            jobs[n + 5] = max_attempts
            jobs[n + 6] = timeout
            jobs[n + 7] = enqueued
            jobs[n + 8] = p
            jobs[n + 9] = trace
          end
        end
      end
      in_batches('HSET', K.state, writes, 2)
      in_batches('SADD', ak, started)
      in_batches('SADD', rk, reserved)
    else
      break
    end
  end
  -- the last first: each goes to the front (or its own place in waitp)
  for k = #back, 1, -1 do
    local id, p, score = back[k][1], back[k][2], back[k][3]
    if score then redis.call('ZADD', K.waitp, score, id) else redis.call('LPUSH', K.wait, id) end
  end
  if any_waiting() then
    -- this worker is full and work remains: pass the wake-up on to another worker
    -- (not when it stopped at a job it may not reserve: it would wake itself, and spin)
    if got == max then wake() end
  else
    redis.call('DEL', K.marker)
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
register(wid, ak, rk, now, cfg)
record_connection(wid, conn)
-- the lists this worker's gates park jobs in, declared as alive (see below)
if guarded or #rates > 0 then
  local declared = {}
  for list in pairs(parked_key) do
    declared[#declared + 1] = list
    declared[#declared + 1] = now
  end
  redis.call('HSET', K.gates, unpack(declared))
end
-- given fewer jobs than it asked for, the worker waits for work until woken, or a lease from now
local orphans = {}
if max > 0 and #jobs < max * CLAIMED_FIELDS then
  redis.call('ZADD', K.idle, now + cfg.lease, wid)
  -- jobs parked behind a breaker or rate limit that no worker has declared for three leases
  -- (removed from the code, or renamed) would wait for good: the worker sends them back to the
  -- queue with the unpark script. A worker of another service on the same queue, without that
  -- gate, leaves them be.
  if redis.call('EXISTS', K.parkings) == 1 then
    for _, list in ipairs(redis.call('SMEMBERS', K.parkings)) do
      if parked_key[list] then
        if redis.call('EXISTS', parked_key[list]) == 0 then redis.call('SREM', K.parkings, list) end
      elseif tonumber(redis.call('HGET', K.gates, list) or '0') < now - 3 * cfg.lease then
        orphans[#orphans + 1] = list
      end
    end
  end
end

local next_wake = -1
for _, zkey in ipairs({ K.delayed, K.retry }) do
  local first = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
  if #first > 0 and (next_wake < 0 or tonumber(first[2]) < next_wake) then next_wake = tonumber(first[2]) end
end
-- a breaker with jobs parked behind it half-opens at a known time, a rate limit's window ends at
-- one: some worker must look then
for _, b in pairs(breakers) do
  local v = redis.call('HMGET', b.keys.state, 's', 'at', 'man')
  if v[1] == 'open' and not v[3] and redis.call('EXISTS', parked_key['bq:' .. b.name]) == 1 then
    local at = tonumber(v[2]) + b.spec.reset
    if next_wake < 0 or at < next_wake then next_wake = at end
  end
end
for _, gate in ipairs(rates) do
  if redis.call('EXISTS', parked_key[gate.list]) == 1 then
    local at = (gate.window + 1) * gate.per
    if next_wake < 0 or at < next_wake then next_wake = at end
  end
end
local leases = redis.call('ZRANGE', K.workers, 0, 1, 'WITHSCORES')
local others = 0
local next_suspect = ''
for k = 1, #leases, 2 do
  if leases[k] ~= wid then
    others = 1
    next_suspect = leases[k]
    local at = tonumber(leases[k + 1])
    if next_wake < 0 or at < next_wake then next_wake = at end
    break
  end
end
if next_wake >= 0 then next_wake = math.max(0, next_wake - now) end
-- this worker may be the one that was woken to wait for the next due job: pass that on
if leaving and redis.call('ZCARD', K.delayed) + redis.call('ZCARD', K.retry) > 0 then wake() end

-- jobs this worker skipped for its handler limits are no reason for it to hand back its reserve
-- nor is the job this worker stopped at, or one of a name at its limit that is first in line
local top = ''
if not paused and not skipped_at_limit and not full then
  local p = top_priority()
  if p then
    local head
    if p == 0 then
      head = redis.call('LINDEX', K.wait, 0)
    else
      head = redis.call('ZRANGE', K.waitp, 0, 0)[1]
    end
    local remaining = head and limit[read_header(head, 1)]
    if not (remaining and remaining <= 0) then top = p end
  end
end

return { jobs, next_wake, take_cancelled(xk), reconcile, top, others, transitions, expired, orphans, next_suspect }
