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
      if kind ~= 'f' then
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
        append_error(id, st, payload)
        to_dead(id, st, now, cfg, 'no handler')
      else
        st.s, st.ra = 'delayed', now + retry_in
        write_state(id, st)
        due_later(now + retry_in)
        redis.call('ZADD', K.delayed, now + retry_in, id)
      end
    elseif kind == 'c' or kind == 's' then
      -- 's': the handler skipped the job (payload: why); kept and trimmed with the completed
      st.s, st.f = kind == 'c' and 'completed' or 'skipped', now
      if kind == 'c' then st.r = payload else st.sk = payload end
      write_state(id, st)
      notify_settled(id)
      redis.call('ZADD', K.completed, now, id)
      completed = completed + 1
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
