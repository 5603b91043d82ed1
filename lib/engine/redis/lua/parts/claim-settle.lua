-- What the worker reports (part of claim): the reserved jobs it started since its last call, the
-- jobs it finished (completed, failed: retried or dead; handed back for want of a handler), whose
-- outcomes open and close their breakers, and the jobs it releases, which go back to the front.
-- KEYS  the worker's ak (base:a:<worker>, jobs it runs), rk (base:r:<worker>, jobs it reserved);
--       K.state, K.jobs, K.errors, K.completed, K.delayed, K.retry, K.dead, K.dn, K.waiters,
--       K.wait, K.waitp, K.meta, K.marker, K.idle; the breakers' keys (see claim-breakers)
-- ARGV  from ARGV[i], three lists, each a count and its items: ids of reserved jobs started,
--       settlements (4 each: id, kind ('s': skipped, its reason), result or error JSON, retry in ms; see claim.lua), ids to
--       release. Leaves i at the next list's count.
local NO_RETRY = { [-1] = 'unrecoverable', [-2] = 'retryIf', [-3] = 'attempts exhausted' }

-- the earliest due time before this call's retries, looked up at the first one, and theirs
local due_before, earliest = nil, math.huge
local function due_later(at)
  if not due_before then due_before = next_due() end
  earliest = math.min(earliest, at)
end

-- Each of `ids` in the set `key` (true or false, in their order), and the values of `ids` in the
-- hash `key` (false: none): one call per 500 ids, not one per id (a command a script calls costs
-- Redis about as much as the work it does for one job).
local function members_of(key, ids)
  local found = {}
  for from = 1, #ids, 500 do
    local part = redis.call('SMISMEMBER', key, unpack(ids, from, math.min(from + 499, #ids)))
    for k = 1, #part do found[from + k - 1] = part[k] == 1 end
  end
  return found
end
local function values_of(key, ids)
  local values = {}
  for from = 1, #ids, 500 do
    local part = redis.call('HMGET', key, unpack(ids, from, math.min(from + 499, #ids)))
    for k = 1, #part do values[from + k - 1] = part[k] end
  end
  return values
end

-- A reserved job starts now as far as Redis knows; one a rate limit counted (rd: the end of that
-- window, see claim-pop) started before its window ended, however late the worker tells of it.
local function start_reserved(st)
  st.a, st.sa, st.rd = (st.a or 0) + 1, st.rd and math.min(now, st.rd - 1) or now, nil
end
-- the changes of a state record this step makes to many jobs alike (see restate)
local function started_reserved(st)
  start_reserved(st)
  st.s = 'active'
end
local function completed_as(st, result)
  st.s, st.f, st.r = 'completed', now, result
end
local function started_and_completed_as(st, result)
  start_reserved(st)
  completed_as(st, result)
end

do
  local ids, moved, seen = {}, {}, {}
  for k = 1, tonumber(ARGV[i]) do ids[k] = ARGV[i + k] end
  i = i + #ids
  -- the job may have gone to another worker since (lease lost), or been cancelled
  local reserved = members_of(rk, ids)
  for k, id in ipairs(ids) do
    if reserved[k] and not seen[id] then
      seen[id] = true
      moved[#moved + 1] = id
    end
  end
  in_batches('SREM', rk, moved)
  in_batches('SADD', ak, moved)
  local states, writes = values_of(K.state, moved), {}
  for k, id in ipairs(moved) do
    if states[k] then
      writes[#writes + 1] = id
      writes[#writes + 1] = restate(states[k], started_reserved)
    end
  end
  in_batches('HSET', K.state, writes, 2)
end
i = i + 1
-- settlement k is ARGV[at - 3 .. at], at = first + 4k: id, kind, payload, retry ms
local first, settled = i, tonumber(ARGV[i])
i = i + 4 * settled
-- a job no longer in this worker's sets was cancelled or recovered: its outcome is void.
-- A reserved one started and finished since the last call (the worker says so with an upper
-- case kind, so it is looked for there first): its attempt counts now. An id told twice counts once.
local owned, started_now, from_r, from_a = {}, {}, {}, {}
do
  local ids, seen = {}, {}
  for k = 1, settled do ids[k] = ARGV[first + 4 * k - 3] end
  local in_r, in_a = members_of(rk, ids), members_of(ak, ids)
  for k, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      local upper = ARGV[first + 4 * k - 2] ~= string.lower(ARGV[first + 4 * k - 2])
      if in_r[k] and (upper or not in_a[k]) then
        from_r[#from_r + 1] = id
        owned[k], started_now[k] = #from_r, true
      elseif in_a[k] then
        from_a[#from_a + 1] = id
        owned[k] = -#from_a
      end
    end
  end
  in_batches('SREM', rk, from_r)
  in_batches('SREM', ak, from_a)
end
local states_r, states_a = values_of(K.state, from_r), values_of(K.state, from_a)
-- the job names of the settlements, for their breakers: one HMGET a call, not an HGET a job
local headers = {}
if guarded then
  local ids = {}
  for k = 1, settled do ids[k] = ARGV[first + 4 * k - 3] end
  headers = values_of(K.jobs, ids)
end
local function name_of(k)
  if not headers[k] then return nil end
  local _, name = cmsgpack.unpack_limit(headers[k], 1)
  return name
end
-- whether a closed breaker lists no probe: a success then has none to take off (probes are only
-- added while it is half-open, and all go when it closes or opens)
local function no_probes(b)
  if b.no_probes == nil then b.no_probes = redis.call('ZCARD', b.keys.probes) == 0 end
  return b.no_probes
end
local completed = {}
local writes = {}
-- a number given to a command is formatted each time (about 0.4 µs): once for the whole call
local now_text = string.format('%.0f', now)
for k = 1, settled do
  local at = first + 4 * k
  local id, kind, payload, retry_in = ARGV[at - 3], string.lower(ARGV[at - 2]), ARGV[at - 1], tonumber(ARGV[at])
  local packed = owned[k] and (owned[k] > 0 and states_r[owned[k]] or states_a[-owned[k]])
  -- decoded here unless completed (restate)
  local st = packed and (kind == 'c' or cmsgpack.unpack(packed))
  if st then
    if started_now[k] and kind ~= 'c' then start_reserved(st) end
    local b = guarded and kind ~= 'd' and behind(name_of(k))
    if b then
      if kind ~= 'f' then
        -- no probe to take off a closed breaker with none listed (read once a call)
        if not (state_of(b) == 'closed' and no_probes(b)) then noted(b, breaker_succeeded(b.keys, state_of(b), id)) end
      else
        noted(b, breaker_failed(b.keys, b.spec, state_of(b), now, id .. ':' .. now))
      end
    end
    if kind == 'd' then
      st.a = (st.a or 1) - 1
      local first_time = st.nh
      if not first_time then st.nh = now end
      if first_time and now - first_time >= cfg.no_handler_patience then
        append_error(id, st, payload)
        to_dead(id, st, now, cfg, 'no handler')
      else
        st.s, st.ra = 'delayed', now + retry_in
        write_state(id, st)
        due_later(now + retry_in)
        redis.call('ZADD', K.delayed, now + retry_in, id)
      end
    elseif kind == 'c' and not (peek_state(packed).pa or peek_state(packed).fp) then
      -- written together after the loop: no other step of this loop reads a completed job
      writes[#writes + 1] = id
      writes[#writes + 1] = restate(packed, started_now[k] and started_and_completed_as or completed_as, payload)
      completed[#completed + 1] = now_text
      completed[#completed + 1] = id
    elseif kind == 'c' or kind == 's' then
      -- 's': the handler skipped the job (payload: why); kept and trimmed with the completed. A job
      -- of a flow tells its flow now (which reads and writes the parent's state, never its own)
      if kind == 'c' then
        st = cmsgpack.unpack(packed)
        if started_now[k] then start_reserved(st) end
      end
      st.s, st.f = kind == 'c' and 'completed' or 'skipped', now
      if kind == 'c' then st.r = payload else st.sk = payload end
      writes[#writes + 1] = id
      writes[#writes + 1] = cmsgpack.pack(st)
      completed[#completed + 1] = now_text
      completed[#completed + 1] = id
      if st.pa or st.fp then flow_ended(id, st, st.s, payload, now, cfg) end
    else
      append_error(id, st, payload)
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
in_batches('HSET', K.state, writes, 2)
in_batches('ZADD', K.completed, completed, 2)
for k = 2, #completed, 2 do notify_settled(completed[k]) end
if #completed > 0 then
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
