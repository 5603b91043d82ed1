-- Parking (part of claim): a job behind a gate either passes (counted in its rate limits' windows,
-- or as a half-open breaker's probe) or waits in a parked list of its own until the gate lets it
-- start. Here parked jobs that may start go back to the front of the line, before the claim takes
-- any; the pop asks parked_at_gates of each gated job; the worker declares its lists alive
-- (declare_gates) and finds those no worker declares (orphaned_lists); parked_wake_at says when a
-- gate will let parked jobs start.
-- KEYS  the parked lists of the worker's gates, by name in parked_key ('bq:B' base:bq:B, 'rq:<name>'
--       base:rq:<name>, 'rq' base:rq; see claim-breakers, claim-rate-limits); the breakers' and
--       rate limits' keys; K.parkings, K.gates, K.state, K.jobs, K.wait, K.waitp, K.meta,
--       K.marker, K.idle
-- ARGV  none

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

-- Whether the job `id` (state record `st`) was parked rather than claimed, behind the breaker `b`
-- and the rate limit `own_rate` of its name (either may be nil) and the queue's
local function parked_at_gates(id, st, b, own_rate)
  -- a job sent back from a rate limit's list was counted in the window already
  local own_counted = own_rate and st.ru == rate_mark(own_rate)
  local queue_counted = queue_rate and st.ru == rate_mark(queue_rate)
  st.ru = nil
  local over = (own_rate and not own_counted and rate_room(own_rate) <= 0 and own_rate)
    or (queue_rate and not queue_counted and rate_room(queue_rate) <= 0 and queue_rate)
  if over then return park(id, st, over.list) end
  if b then
    local state = state_of(b)
    if state == 'open' or (state == 'half' and breaker_free_probes(b.keys, b.spec, now, running) <= 0) then
      return park(id, st, 'bq:' .. b.name)
    elseif state == 'half' then
      redis.call('ZADD', b.keys.probes, now, id)
    end
  end
  if own_rate and not own_counted then own_rate.used = own_rate.used + 1 end
  if queue_rate and not queue_counted then queue_rate.used = queue_rate.used + 1 end
  return false
end

-- the lists this worker's gates park jobs in, declared as alive (see orphaned_lists)
local function declare_gates()
  if guarded or #rates > 0 then
    local declared = {}
    for list in pairs(parked_key) do
      declared[#declared + 1] = list
      declared[#declared + 1] = now
    end
    redis.call('HSET', K.gates, unpack(declared))
  end
end

-- The parked lists that no worker has declared for three leases: their jobs, behind a breaker or
-- rate limit removed from the code (or renamed), would wait for good, so the worker sends them
-- back to the queue with the unpark script. A worker of another service on the same queue,
-- without that gate, leaves them be.
local function orphaned_lists()
  local orphans = {}
  if redis.call('EXISTS', K.parkings) == 1 then
    for _, list in ipairs(redis.call('SMEMBERS', K.parkings)) do
      if parked_key[list] then
        if redis.call('EXISTS', parked_key[list]) == 0 then redis.call('SREM', K.parkings, list) end
      elseif tonumber(redis.call('HGET', K.gates, list) or '0') < now - 3 * cfg.lease then
        orphans[#orphans + 1] = list
      end
    end
  end
  return orphans
end

-- a breaker with jobs parked behind it half-opens at a known time, a rate limit's window ends at
-- one: some worker must look then
local function parked_wake_at(next_wake)
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
  return next_wake
end
