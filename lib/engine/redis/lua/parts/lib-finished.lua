-- Jobs that finished: their errors, retention, the dead-letter queue and the callers of waitFor
-- (part of lib).
-- KEYS  K.jobs, K.state, K.logs, K.errors, K.completed, K.dead, K.dn (dead ids by name),
--       K.waiters (ids someone waits on; channel base:settled tells them)
-- ARGV  none (cfg: see read_config)

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

-- A job as the engine reads it (redis-job.mapper.ts): a flat field/value list, in the field names
-- of the layout in lib.lua, and its log lines; nil when there is no such job. Third, its state record.
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

-- reason: 'attempts exhausted' | 'unrecoverable' | 'retryIf' | 'stalled too often' | 'no handler' | 'child failed'
local function to_dead(id, st, now, cfg, reason)
  st.s, st.f, st.dr = 'dead', now, reason
  write_state(id, st)
  notify_settled(id)
  redis.call('ZADD', K.dead, now, id)
  redis.call('ZADD', K.dn, 0, dead_member(read_header(id, 1), now, id))
  trim(K.dead, cfg.dead_max, cfg.dead_age, now, true)
  if st.pa or st.fp then flow_ended(id, st, 'dead', nil, now, cfg) end
end
