-- Shared helpers, pasted into the scripts that say `--@include lib`.
-- Every script is given every key it touches in KEYS. The scripts that include this file get the
-- queue's fixed keys first, in the order of QUEUE_KEYS (redis-scripts.ts names them the same);
-- keys of one worker, breaker, rate limit or parked list follow, as each script's header says.
-- Key layout under one hash tag, base = "{prefix:queue}":
--   base:jobs    what a job was enqueued with, by id (hash): msgpack of name, priority, max attempts,
--                timeout (0 none), enqueued at, trace context of the enqueuing call ('' none), data
--   base:state   what happened to it since, by id (hash): msgpack map of
--                s state ('reserved' = held by worker w, not started: shown as waiting; 'parked' =
--                  waiting in the list pk behind a breaker or rate limit), a attempts started,
--                w worker, sa started at, ra run at, f finished at, st stalls, rs times a worker died
--                while it held the job reserved, nh when a worker without its handler first handed
--                it back, dr why it is dead, ru the rate limit window that counted it already,
--                pk its parked list, pr progress, r result,
--                rv its earlier trips through the dead-letter queue (JSON array of [at, reason, errors]),
--                ec errors recorded in all (base:errors keeps the last ERRORS_KEPT)
--   base:logs    log lines, by id (hash): msgpack of up to 100 strings
--   base:errors  errors of the last ERRORS_KEPT failed attempts, by id (hash): JSON array
--   base:wait    waiting ids of priority 0 (list, FIFO)
--   base:waitp   waiting ids of every other priority (zset): score (1000 - priority) * 2^42 + sequence,
--                so the highest priority comes first, FIFO within it (see push_waiting)
--   base:delayed / base:retry   ids by due time (zset)
--   base:workers  worker ids by lease expiry (zset)      base:lost  workers whose jobs were recovered, by when (zset)
--   base:conn  connection of each worker holding jobs, '<server run id>:<client id>' (hash)
--   base:a:<worker>  ids it runs (set)   base:r:<worker>  ids it reserved (set)   base:x:<worker>  ids cancelled under it (set)
--   base:completed / base:dead / base:cancelled  ids by finish time (zset)
--   base:dn  dead ids by job name, newest first (zset of equal scores, read by lex range; see dead_member)
--   base:marker  wakes one blocked worker (list)          base:meta  paused flag, sequences of waitp (hash)
--   base:idle  workers that went to wait for work, by when they wake on their own (zset; one that leaves or
--              whose time passed without its coming back is dropped)
--   base:waiters  ids someone waits on (waitFor), by deadline (zset); channel base:settled tells them
--   base:parkings  the parked lists that hold jobs (set)   base:gates  each parked list, by when a worker last declared it (hash)
--   channel base:cancelled  tells workers' processes of a cancel: '["<worker>","<id>"]'
-- Every time is Redis's own clock (TIME), so hosts whose clocks disagree still agree on leases and due times.

local QUEUE_KEYS = { 'jobs', 'state', 'logs', 'errors', 'wait', 'waitp', 'delayed', 'retry', 'workers', 'lost', 'conn',
  'completed', 'dead', 'dn', 'cancelled', 'marker', 'meta', 'idle', 'waiters', 'parkings', 'gates' }
local K = {}
for k, name in ipairs(QUEUE_KEYS) do K[name] = KEYS[k] end
-- the first key after the queue's own
local EXTRA_KEYS = #QUEUE_KEYS + 1
-- "{prefix:queue}": channels (not keys) are named from it
local base = string.sub(K.jobs, 1, -#':jobs' - 1)

local MAX_PRIORITY = 1000
local PRIORITY_UNIT = 2 ^ 42
local SEQUENCE_MIDDLE = 2 ^ 41

-- Runs `command key ...items` in batches: Lua passes at most about 8000 values to one call.
-- `step` keeps field/value pairs together (2 for HSET).
local function in_batches(command, key, items, step)
  local size = 500 * (step or 1)
  for from = 1, #items, size do
    redis.call(command, key, unpack(items, from, math.min(from + size - 1, #items)))
  end
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The first `count` fields of what the job was enqueued with: name, priority, max attempts,
-- timeout, enqueued at, trace context, data. The fields after them (the data) are not decoded.
local function read_header(id, count)
  local packed = redis.call('HGET', K.jobs, id)
  if packed then return select(2, cmsgpack.unpack_limit(packed, count)) end
end

local function read_state(id)
  local packed = redis.call('HGET', K.state, id)
  return packed and cmsgpack.unpack(packed)
end

local function write_state(id, st)
  redis.call('HSET', K.state, id, cmsgpack.pack(st))
end

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

local function read_logs(id)
  local packed = redis.call('HGET', K.logs, id)
  if not packed then return {} end
  return { cmsgpack.unpack(packed) }
end

local function delete_jobs(ids)
  for _, key in ipairs({ K.jobs, K.state, K.logs, K.errors }) do in_batches('HDEL', key, ids) end
end

-- A dead job's entry in base:dn: its name, the time it died in 13 digits, its id; read newest
-- first by a reversed lex range (ties as in base:dead: by id, descending). Names hold no NUL
-- (enqueue refuses them).
local function dead_member(name, at, id)
  return name .. '\0' .. string.format('%013.0f', at) .. id
end

-- Dead jobs leave the per-name index too.
local function unindex_dead(ids)
  for from = 1, #ids, 500 do
    local batch = { unpack(ids, from, math.min(from + 499, #ids)) }
    local headers = redis.call('HMGET', K.jobs, unpack(batch))
    local states = redis.call('HMGET', K.state, unpack(batch))
    for k, id in ipairs(batch) do
      if headers[k] and states[k] then
        local _, name = cmsgpack.unpack_limit(headers[k], 1)
        local st = cmsgpack.unpack(states[k])
        if st.f then redis.call('ZREM', K.dn, dead_member(name, st.f, id)) end
      end
    end
  end
end

-- Trims a finished-jobs zset to `count` entries and drops entries older than `age_ms`, oldest first.
local function trim(zkey, count, age_ms, now, dead)
  local excess = redis.call('ZCARD', zkey) - count
  if excess > 0 then
    local ids = redis.call('ZRANGE', zkey, 0, excess - 1)
    if dead then unindex_dead(ids) end
    delete_jobs(ids)
    redis.call('ZREMRANGEBYRANK', zkey, 0, excess - 1)
  end
  local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now - age_ms, 'LIMIT', 0, 500)
  if #old > 0 then
    if dead then unindex_dead(old) end
    delete_jobs(old)
    redis.call('ZREM', zkey, unpack(old))
  end
end

-- Errors kept per job, the latest (ERRORS_KEPT in storage-engine.interface.ts); st.ec counts them all.
local ERRORS_KEPT = 20

-- Records a failed attempt's error `err` (JSON) with the job; the caller writes its state `st`.
local function append_error(id, st, err)
  st.ec = (st.ec or 0) + 1
  local e = redis.call('HGET', K.errors, id)
  if not e then
    e = '[' .. err .. ']'
  elseif st.ec <= ERRORS_KEPT then
    e = string.sub(e, 1, -2) .. ',' .. err .. ']'
  else
    -- decoded only once a job has failed more often than that
    local kept = cjson.decode(e)
    local from = math.max(1, #kept - ERRORS_KEPT + 2)
    local parts = {}
    for k = from, #kept do parts[#parts + 1] = cjson.encode(kept[k]) end
    parts[#parts + 1] = err
    e = '[' .. table.concat(parts, ',') .. ']'
  end
  redis.call('HSET', K.errors, id, e)
end

-- cfg: lease, max_stalls, keep_count, keep_age, dead_max, dead_age, stall_message, no_handler_patience
local function read_config(argv, from)
  return {
    lease = tonumber(argv[from]),
    max_stalls = tonumber(argv[from + 1]),
    keep_count = tonumber(argv[from + 2]),
    keep_age = tonumber(argv[from + 3]),
    dead_max = tonumber(argv[from + 4]),
    dead_age = tonumber(argv[from + 5]),
    stall_message = argv[from + 6],
    no_handler_patience = tonumber(argv[from + 7]),
  }
end
local CONFIG_ARGS = 8

-- A job as the engine reads it (redis-job.mapper.ts): a flat field/value list, in the field names
-- of the layout above, and its log lines; nil when there is no such job. Third, its state record.
local function job_view(id)
  local packed = redis.call('HGET', K.jobs, id)
  if not packed then return nil end
  local n, p, m, to, t, tc, d = cmsgpack.unpack(packed)
  local flat = { 'n', n, 'p', p, 'm', m, 'to', to, 't', t, 'd', d }
  if tc ~= '' then
    flat[#flat + 1] = 'tc'
    flat[#flat + 1] = tc
  end
  local st = read_state(id) or {}
  for field, value in pairs(st) do
    flat[#flat + 1] = field
    flat[#flat + 1] = value
  end
  local e = redis.call('HGET', K.errors, id)
  if e then
    flat[#flat + 1] = 'e'
    flat[#flat + 1] = e
  end
  -- as strings, as a hash gave them: a reply would cut numbers to integers, JSON would round them
  for k = 1, #flat do
    if type(flat[k]) == 'number' then flat[k] = string.format('%.0f', flat[k]) end
  end
  return flat, read_logs(id), st
end

-- Whether base:waiters existed when first asked: one EXISTS per script call while nobody waits,
-- rather than a look per settled job. A script cannot interleave with the watch script.
local watched = nil

-- Tells waitFor callers, in every process, that a job they registered for reached a final state,
-- with the job as it is now: retention may delete it before they could read it.
local function notify_settled(id)
  if watched == nil then watched = redis.call('EXISTS', K.waiters) == 1 end
  if watched and redis.call('ZREM', K.waiters, id) == 1 then
    local flat, logs = job_view(id)
    redis.call('PUBLISH', base .. ':settled', cjson.encode({ id, flat, logs }))
  end
end

-- reason: 'attempts exhausted' | 'unrecoverable' | 'retryIf' | 'stalled too often' | 'no handler'
local function to_dead(id, st, now, cfg, reason)
  st.s, st.f, st.dr = 'dead', now, reason
  write_state(id, st)
  notify_settled(id)
  redis.call('ZADD', K.dead, now, id)
  redis.call('ZADD', K.dn, 0, dead_member(read_header(id, 1), now, id))
  trim(K.dead, cfg.dead_max, cfg.dead_age, now, true)
end

-- Workers whose lease expired, other than `self`, up to ten: their caller hands their jobs back
-- with the reap script, which must be given their keys.
local function expired_workers(now, self)
  local expired = {}
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', K.workers, '-inf', now, 'LIMIT', 0, 10)) do
    if w ~= self then expired[#expired + 1] = w end
  end
  return expired
end

-- Hands the jobs of worker `w`, whose lease expired, back to the queue (or to the dead-letter
-- queue once they stalled too often); ak, rk, xk are its sets. A reserved job may have reached its
-- handler just before the worker died (the start is reported with the next round trip): it goes
-- back unharmed, but is marked so that it is never reserved again, and counts as a stall if its
-- next worker dies too. Returns how many went back to waiting.
local function reap_worker(w, ak, rk, xk, now, cfg)
  local recovered = 0
  for _, id in ipairs(redis.call('SMEMBERS', rk)) do
    local st = read_state(id)
    if st then
      st.rs = (st.rs or 0) + 1
      back_in_line(id, st, true)
      recovered = recovered + 1
    end
  end
  for _, id in ipairs(redis.call('SMEMBERS', ak)) do
    local st = read_state(id)
    if st then
      local suspected = st.rs or 0
      st.rs = nil
      st.st = (st.st or 0) + 1 + suspected
      -- a stall does not use up an attempt: the attempt never got to finish
      local attempt = st.a or 1
      st.a = attempt - 1
      if st.st > cfg.max_stalls then
        append_error(id, st, cjson.encode({ attempt = attempt, name = 'StalledError', message = cfg.stall_message, at = now, worker = w }))
        to_dead(id, st, now, cfg, 'stalled too often')
      else
        back_in_line(id, st, true)
        recovered = recovered + 1
      end
    end
  end
  redis.call('DEL', ak, rk, xk)
  redis.call('ZREM', K.workers, w)
  redis.call('HDEL', K.conn, w)
  -- kept until the worker asks, however long its event loop was blocked; a worker that
  -- never comes back (killed) leaves it for a day
  redis.call('ZADD', K.lost, now, w)
  redis.call('ZREMRANGEBYSCORE', K.lost, '-inf', now - 86400000)
  return recovered
end

-- Keeps the worker in the lease registry exactly while it holds jobs. A worker that starts
-- holding jobs wakes an idle one, which so learns that it must watch this one's connection.
local function register(wid, ak, rk, now, cfg)
  if redis.call('EXISTS', ak, rk) > 0 then
    if redis.call('ZADD', K.workers, now + cfg.lease, wid) == 1 then wake() end
  else
    redis.call('ZREM', K.workers, wid)
  end
end

-- Records the connection the worker's scripts come through while it holds jobs, so that a
-- process that finds that connection closed (the worker was killed) can end its lease at once
-- (expire-workers). '' (not known) leaves the worker to its lease.
local function record_connection(wid, conn)
  if conn ~= '' and redis.call('ZSCORE', K.workers, wid) then
    redis.call('HSET', K.conn, wid, conn)
  else
    redis.call('HDEL', K.conn, wid)
  end
end

-- Hands a job a worker held back to the front of its queue; a started one gives its attempt back.
local function requeue(id, started)
  local st = read_state(id)
  if not st then return end
  if started then st.a = (st.a or 1) - 1 end
  back_in_line(id, st, true)
end

local function take_cancelled(xk)
  local ids = redis.call('SMEMBERS', xk)
  if #ids > 0 then redis.call('DEL', xk) end
  return ids
end
