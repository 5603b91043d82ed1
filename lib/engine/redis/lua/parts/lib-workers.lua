-- Workers: their leases, the jobs of one whose lease expired, its connection, what it hands back
-- (part of lib).
-- KEYS  K.workers (leases), K.lost, K.conn, K.state, K.jobs, K.marker, and the worker's own sets
--       given by the caller: base:a:<worker>, base:r:<worker>, base:x:<worker> (ak, rk, xk)
-- ARGV  none (cfg: see read_config)

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
