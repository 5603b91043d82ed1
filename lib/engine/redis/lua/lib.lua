-- Shared helpers, prepended to the scripts that say `--@include lib`.
-- Key layout under one hash tag, base = "{prefix:queue}":
--   base:j:<id>  job hash    n name, d data, p priority, m max attempts, a attempts started,
--                            t enqueued at, s state ('reserved' = held by worker w, not started:
--                            shown as waiting), to timeout, ra run at, sa started at, w worker,
--                            rs times a worker died while it held the job reserved,
--                            nh when a worker without its handler first handed it back, dr why it is dead,
--                            r result, e errors (JSON array), f finished at, st stalls, pr progress,
--                            tc trace context of the enqueuing call (W3C carrier, JSON)
--   base:l:<id>  job log (list)
--   base:w:<p>   waiting ids of priority p (list, FIFO)    base:prios  priorities with waiting jobs (zset, score -p)
--   base:delayed / base:retry   ids by due time (zset)
--   base:workers  worker ids by lease expiry (zset)      base:lost  workers whose jobs were recovered, by when (zset)
--   base:conn  connection of each worker holding jobs, '<server run id>:<client id>' (hash)
--   base:a:<worker>  ids it runs (set)   base:r:<worker>  ids it reserved (set)   base:x:<worker>  ids cancelled under it (set)
--   base:completed / base:dead / base:cancelled  ids by finish time (zset)
--   base:dn:<name>  dead ids of one job name by finish time (zset), so a filtered dead-letter list is no scan
--   (a dead job also has rv: its earlier trips through the dead-letter queue, JSON array of [at, reason, errors])
--   base:marker  wakes one blocked worker (list)          base:meta  paused flag (hash)
--   base:idle  workers that went to wait for work, by when they wake on their own (zset)
--   base:waiters  ids someone waits on (waitFor), by deadline (zset); base:settled  channel telling them
--   base:cancelled  channel telling workers' processes of a cancel: '["<worker>","<id>"]'
-- Every time is Redis's own clock (TIME), so hosts whose clocks disagree still agree on leases and due times.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function push_waiting(base, id, p, front)
  if front then
    redis.call('LPUSH', base .. ':w:' .. p, id)
  else
    redis.call('RPUSH', base .. ':w:' .. p, id)
  end
  redis.call('ZADD', base .. ':prios', -tonumber(p), p)
end

local function wake(base)
  if redis.call('LLEN', base .. ':marker') == 0 then
    redis.call('RPUSH', base .. ':marker', '1')
  end
end

-- The earliest due time of delayed and retrying jobs, or math.huge.
local function next_due(base)
  local first = math.huge
  for _, zkey in ipairs({ base .. ':delayed', base .. ':retry' }) do
    local top = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
    if #top > 0 and tonumber(top[2]) < first then first = tonumber(top[2]) end
  end
  return first
end

-- Wakes every worker that waits for work, for a due time earlier than any they went to sleep
-- with: were only one told, and it died, the others would sleep through it.
local function wake_all(base, now)
  local idle = base .. ':idle'
  redis.call('ZREMRANGEBYSCORE', idle, '-inf', now)
  local missing = math.max(1, math.min(redis.call('ZCARD', idle), 100)) - redis.call('LLEN', base .. ':marker')
  for _ = 1, missing do redis.call('RPUSH', base .. ':marker', '1') end
end

local function delete_jobs(base, ids)
  local keys = {}
  for _, id in ipairs(ids) do
    keys[#keys + 1] = base .. ':j:' .. id
    keys[#keys + 1] = base .. ':l:' .. id
    if #keys >= 500 then
      redis.call('DEL', unpack(keys))
      keys = {}
    end
  end
  if #keys > 0 then redis.call('DEL', unpack(keys)) end
end

-- Dead jobs leave their name's index too.
local function unindex_dead(base, ids)
  for _, id in ipairs(ids) do
    local name = redis.call('HGET', base .. ':j:' .. id, 'n')
    if name then redis.call('ZREM', base .. ':dn:' .. name, id) end
  end
end

-- Trims a finished-jobs zset to `count` entries and drops entries older than `age_ms`, oldest first.
local function trim(base, zkey, count, age_ms, now, dead)
  local excess = redis.call('ZCARD', zkey) - count
  if excess > 0 then
    local ids = redis.call('ZRANGE', zkey, 0, excess - 1)
    if dead then unindex_dead(base, ids) end
    delete_jobs(base, ids)
    redis.call('ZREMRANGEBYRANK', zkey, 0, excess - 1)
  end
  local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now - age_ms, 'LIMIT', 0, 500)
  if #old > 0 then
    if dead then unindex_dead(base, old) end
    delete_jobs(base, old)
    redis.call('ZREM', zkey, unpack(old))
  end
end

local function append_error(jk, err)
  local e = redis.call('HGET', jk, 'e')
  if e then
    e = string.sub(e, 1, -2) .. ',' .. err .. ']'
  else
    e = '[' .. err .. ']'
  end
  redis.call('HSET', jk, 'e', e)
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

-- Whether base:waiters existed when first asked: one EXISTS per script call while nobody waits,
-- rather than a look per settled job. A script cannot interleave with the watch script.
local watched = nil

-- Tells waitFor callers, in every process, that a job they registered for reached a final state,
-- with the job as it is now: retention may delete it before they could read it.
local function notify_settled(base, jk, id)
  if watched == nil then watched = redis.call('EXISTS', base .. ':waiters') == 1 end
  if watched and redis.call('ZREM', base .. ':waiters', id) == 1 then
    local logs = redis.call('LRANGE', base .. ':l:' .. id, 0, -1)
    redis.call('PUBLISH', base .. ':settled', cjson.encode({ id, redis.call('HGETALL', jk), logs }))
  end
end

-- reason: 'attempts exhausted' | 'unrecoverable' | 'retryIf' | 'stalled too often' | 'no handler'
local function to_dead(base, jk, id, now, cfg, reason)
  redis.call('HSET', jk, 's', 'dead', 'f', now, 'dr', reason)
  notify_settled(base, jk, id)
  redis.call('ZADD', base .. ':dead', now, id)
  redis.call('ZADD', base .. ':dn:' .. redis.call('HGET', jk, 'n'), now, id)
  trim(base, base .. ':dead', cfg.dead_max, cfg.dead_age, now, true)
end

-- Hands the jobs of workers whose lease expired back to the queue (or to the dead-letter
-- queue once they stalled too often). A reserved job may have reached its handler just before
-- the worker died (the start is reported with the next round trip): it goes back unharmed, but
-- is marked so that it is never reserved again, and counts as a stall if its next worker dies too.
-- Returns how many went back to waiting.
local function reap(base, now, self, cfg)
  local expired = redis.call('ZRANGEBYSCORE', base .. ':workers', '-inf', now, 'LIMIT', 0, 10)
  local recovered = 0
  for _, w in ipairs(expired) do
    if w ~= self then
      local rk = base .. ':r:' .. w
      for _, id in ipairs(redis.call('SMEMBERS', rk)) do
        local jk = base .. ':j:' .. id
        redis.call('HINCRBY', jk, 'rs', 1)
        redis.call('HSET', jk, 's', 'waiting')
        push_waiting(base, id, redis.call('HGET', jk, 'p'), true)
        recovered = recovered + 1
      end
      for _, id in ipairs(redis.call('SMEMBERS', base .. ':a:' .. w)) do
        local jk = base .. ':j:' .. id
        local suspected = tonumber(redis.call('HGET', jk, 'rs') or '0')
        if suspected > 0 then redis.call('HDEL', jk, 'rs') end
        local stalls = redis.call('HINCRBY', jk, 'st', 1 + suspected)
        -- a stall does not use up an attempt: the attempt never got to finish
        local attempt = redis.call('HINCRBY', jk, 'a', -1) + 1
        if stalls > cfg.max_stalls then
          append_error(jk, cjson.encode({ attempt = attempt, name = 'StalledError', message = cfg.stall_message, at = now, worker = w }))
          to_dead(base, jk, id, now, cfg, 'stalled too often')
        else
          redis.call('HSET', jk, 's', 'waiting')
          push_waiting(base, id, redis.call('HGET', jk, 'p'), true)
          recovered = recovered + 1
        end
      end
      redis.call('DEL', base .. ':a:' .. w, rk, base .. ':x:' .. w)
      redis.call('ZREM', base .. ':workers', w)
      redis.call('HDEL', base .. ':conn', w)
      -- kept until the worker asks, however long its event loop was blocked; a worker that
      -- never comes back (killed) leaves it for a day
      redis.call('ZADD', base .. ':lost', now, w)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', base .. ':lost', '-inf', now - 86400000) end
  if recovered > 0 then wake(base) end
  return recovered
end

-- Keeps the worker in the lease registry exactly while it holds jobs. A worker that starts
-- holding jobs wakes an idle one, which so learns that it must watch this one's connection.
local function register(base, wid, now, cfg)
  if redis.call('EXISTS', base .. ':a:' .. wid, base .. ':r:' .. wid) > 0 then
    if redis.call('ZADD', base .. ':workers', now + cfg.lease, wid) == 1 then wake(base) end
  else
    redis.call('ZREM', base .. ':workers', wid)
  end
end

-- Records the connection the worker's scripts come through while it holds jobs, so that a
-- process that finds that connection closed (the worker was killed) can end its lease at once
-- (expire-workers). '' (not known) leaves the worker to its lease.
local function record_connection(base, wid, conn)
  if conn ~= '' and redis.call('ZSCORE', base .. ':workers', wid) then
    redis.call('HSET', base .. ':conn', wid, conn)
  else
    redis.call('HDEL', base .. ':conn', wid)
  end
end

-- Hands a job a worker held back to the front of its queue; a started one gives its attempt back.
local function requeue(base, id, started)
  local jk = base .. ':j:' .. id
  if started then redis.call('HINCRBY', jk, 'a', -1) end
  redis.call('HSET', jk, 's', 'waiting')
  push_waiting(base, id, redis.call('HGET', jk, 'p'), true)
end

local function take_cancelled(base, wid)
  local xk = base .. ':x:' .. wid
  local ids = redis.call('SMEMBERS', xk)
  if #ids > 0 then redis.call('DEL', xk) end
  return ids
end
