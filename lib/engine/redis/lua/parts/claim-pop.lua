-- The pop (part of claim): takes up to `max` jobs from the line, highest priority first, FIFO
-- within a priority; the first `start` start (an attempt begins), the others are reserved. Jobs of
-- a name at its handler's limit are skipped and go back first in line; a job reserved by a worker
-- that died is only claimed to start. A gated one (behind a breaker, a rate limit) may be parked
-- instead (see claim-park), and is reserved only while its gates cannot shut on it unseen: its
-- breaker closed (the worker starts it only after a recent look said so), each rate limit's
-- window with at least half its max left after counting it and 20 ms to go (counted now; the
-- worker starts it before the window ends, see `reserve_until`). Looks at no more than MAX_SCAN
-- jobs beyond `max`.
-- KEYS  the worker's ak, rk; K.wait, K.waitp, K.jobs, K.state, K.meta (paused), K.marker; the
--       gates' keys (see claim-park)
-- ARGV  none of its own: `start`, `max` and the handlers' `limit` are read by claim.lua
-- Gives `jobs` (CLAIMED_FIELDS strings each: the msgpack of id, attempt and priority, then the job's
-- header as stored), `paused`, `full` (stopped at a job only a free slot
-- may take), `skipped_at_limit` and `reserve_until` (when the first window that counted a reserved
-- job ends, Redis ms; nil if none did).
local MAX_SCAN = 500
local GATED_STEP = 16
local gates = guarded or #rates > 0
local reserve_until = nil
-- whether a rate limit lets `count` more jobs be counted now for jobs that start later (not
-- within RESERVE_WINDOW_MS of the window's end: they would go back before they could start)
local RESERVE_WINDOW_MS = 20
local function rate_reservable(gate, count)
  return not gate or (rate_room(gate) - count >= gate.max / 2 and (gate.window + 1) * gate.per - now >= RESERVE_WINDOW_MS)
end
local function window_end(gate)
  return gate and (gate.window + 1) * gate.per or math.huge
end
-- whether a gated job past `start` may be reserved (see the header)
local function gated_reservable(b, own_rate)
  return (not b or state_of(b) == 'closed') and rate_reservable(own_rate, 1) and rate_reservable(queue_rate, 1)
end
-- whether `count` more jobs of any name may be reserved: gated ones need not be taken a few at a time
local function all_reservable(count)
  for _, b in pairs(breakers) do
    if state_of(b) ~= 'closed' then return false end
  end
  for _, gate in ipairs(rates) do
    if not rate_reservable(gate, count) then return false end
  end
  return true
end
-- the changes of a state record this step makes to many jobs alike (see restate)
local function claimed_to_start(st)
  st.s, st.a, st.sa, st.w, st.rd = 'active', (st.a or 0) + 1, now, wid, nil
end
local function claimed_to_reserve(st)
  st.s, st.w, st.rd = 'reserved', wid, nil
end
local jobs = {}
local skipped_at_limit = false
-- stopped at a job that only a worker with a free slot may take (one a dead worker held reserved)
local full = false
local paused = redis.call('HEXISTS', K.meta, 'paused') == 1
if max > 0 and not paused then
  local got = 0
  local scanned = 0
  -- ids taken from the line but not claimed, in queue order, with (from waitp) their score:
  -- they go back in front
  local back = {}
  while got < max and not full and scanned < max + MAX_SCAN do
    local p = top_priority()
    if not p then break end
    local ids, scores
    -- a thousand at most a step: Lua passes at most about 8000 values to one call
    local take = math.min(max - got, 1000)
    -- a worker with gates stops at the first gated job past `start` (gated jobs only start): it
    -- takes what may start, then a few at a time, not its whole reserve only to put most of it back
    if gates and not all_reservable(take) then take = math.min(take, math.max(start - got, GATED_STEP)) end
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
          -- the header goes to the worker as stored: its data is not decoded here
          local _, name = cmsgpack.unpack_limit(headers[k], 1)
          -- shared with the jobs that have the same record: the gates edit a copy of their own
          local st = peek_state(states[k])
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
          if not skip and got >= start and (st.rs or st.st or (gated and not gated_reservable(b, own_rate))) then
            full = true
            skip = true
          elseif gated then
            st = cmsgpack.unpack(states[k])
            parked = parked_at_gates(id, st, b, own_rate)
          end
          if parked then
            -- waits behind its breaker or rate limit, not in the queue
            writes[#writes + 1] = id
            writes[#writes + 1] = cmsgpack.pack(st)
          elseif skip then
            back[#back + 1] = { id, scores and scores[k] }
          else
            if remaining then limit[name] = remaining - 1 end
            got = got + 1
            local attempt = (st.a or 0) + 1
            local change = got <= start and claimed_to_start or claimed_to_reserve
            if got <= start then
              started[#started + 1] = id
            else
              reserved[#reserved + 1] = id
            end
            writes[#writes + 1] = id
            if gated then
              change(st)
              -- a reserved job a rate limit counted starts before its window ends (see start_time)
              if got > start and (own_rate or queue_rate) then
                st.rd = math.min(window_end(own_rate), window_end(queue_rate))
                reserve_until = math.min(reserve_until or st.rd, st.rd)
              end
              writes[#writes + 1] = cmsgpack.pack(st)
            else
              writes[#writes + 1] = restate(states[k], change)
            end
            local n = #jobs
            jobs[n + 1] = cmsgpack.pack(id, attempt, p)
            jobs[n + 2] = headers[k]
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
  -- the last first: each goes to the front (or its own place in waitp), a batch a call
  local relist, rescore = {}, {}
  for k = #back, 1, -1 do
    local id, score = back[k][1], back[k][2]
    if score then
      rescore[#rescore + 1] = score
      rescore[#rescore + 1] = id
    else
      relist[#relist + 1] = id
    end
  end
  in_batches('LPUSH', K.wait, relist)
  in_batches('ZADD', K.waitp, rescore, 2)
  if any_waiting() then
    -- this worker is full and work remains: pass the wake-up on to another worker
    -- (not when it stopped at a job it may not reserve: it would wake itself, and spin)
    if got == max then wake() end
  else
    redis.call('DEL', K.marker)
  end
end
