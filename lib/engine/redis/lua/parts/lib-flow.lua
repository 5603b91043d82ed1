-- Flows (part of lib): jobs that wait for others to end (a flow's parent waits for its children; a
-- job enqueued with dependsOn waits for those jobs). Nothing here runs for a job in no flow: the
-- callers look at st.pa, which they read anyway, before calling in.
-- KEYS  K.flows, K.fo, K.meta, K.state, K.jobs and the line's keys (see lib-line), K.dead, K.dn
-- ARGV  none (cfg: see read_config)
-- Layout:
--   st.pa   on a child: the jobs waiting on it, JSON list of [parent id, parent's base, policy]
--           (policy 'f' fail the parent, 'i' ignore the failure, 'c' cancel the rest and fail the parent)
--   st.wc   on a parent ('waiting-children'): children not ended yet; st.fp 1 on a parent;
--           st.open 1 on a batch's parent while children may still be added (it waits until sealed)
--   base:fz     parents that ended, by when (zset): their records in base:flows are deleted as
--               finished jobs are (the larger of the completed and dead-letter limits)
--   base:flows  'c:<parent>' msgpack list of its children, 4 each: id, base, policy, name (a batch
--               adds more chunks, 'c:<parent>:2' on, and counts them in 'n:<parent>');
--               'o:<parent>:<child>' msgpack of how the child ended: state, result JSON or error message
--   base:meta   'wch': parents waiting on children
--   base:fo     what must reach another queue (a list of JSON): ['d', parent base, parent id, child id,
--               state, text, policy] an ended child whose parent is elsewhere, ['x', base, id] a job to cancel;
--               the engine drains it (flow-deliver) when a script says it sent there
local flow_sent = false

-- A parent's children, 4 each (id, base, policy, name), from every chunk its batch added.
local function flow_children(pid)
  local packed = redis.call('HGET', K.flows, 'c:' .. pid)
  if not packed then return {} end
  local list = cmsgpack.unpack(packed)
  local chunks = tonumber(redis.call('HGET', K.flows, 'n:' .. pid) or '1')
  for k = 2, chunks do
    local more = cmsgpack.unpack(redis.call('HGET', K.flows, 'c:' .. pid .. ':' .. k))
    for j = 1, #more do list[#list + 1] = more[j] end
  end
  return list
end

-- Stores `list` (4 per child) as the parent's first chunk of children, or as one more.
local function flow_add_children(pid, list)
  local field = 'c:' .. pid
  if redis.call('HEXISTS', K.flows, field) == 1 then
    local chunk = redis.call('HINCRBY', K.flows, 'n:' .. pid, 1)
    if chunk == 1 then chunk = redis.call('HINCRBY', K.flows, 'n:' .. pid, 1) end
    field = field .. ':' .. chunk
  end
  redis.call('HSET', K.flows, field, cmsgpack.pack(list))
end

-- The parent `pid` (state `pst`), once no child is pending or one just failed: dies if a child
-- failed under a policy that fails it (the first such, in the order of the flow), else runs once
-- none is pending.
local function flow_settle_parent(pid, pst, now, cfg)
  local kids = flow_children(pid)
  local failed, text
  local cancel_rest = false
  for k = 1, #kids, 4 do
    local packed = not failed and redis.call('HGET', K.flows, 'o:' .. pid .. ':' .. kids[k])
    if packed then
      local state, out = cmsgpack.unpack(packed)
      if (state == 'dead' or state == 'cancelled') and kids[k + 2] ~= 'i' then
        failed, text, cancel_rest = kids[k], out, kids[k + 2] == 'c'
      end
    end
  end
  if failed then
    redis.call('HINCRBY', K.meta, 'wch', -1)
    if cancel_rest then
      for k = 1, #kids, 4 do
        if redis.call('HEXISTS', K.flows, 'o:' .. pid .. ':' .. kids[k]) == 0 then
          redis.call('RPUSH', K.fo, cjson.encode({ 'x', kids[k + 1], kids[k] }))
          flow_sent = true
        end
      end
    end
    local message = 'Child job ' .. failed .. ' failed: ' .. (text or '')
    append_error(pid, pst, cjson.encode({ attempt = pst.a or 0, name = 'ChildFailedError', message = message, at = now }))
    to_dead(pid, pst, now, cfg, 'child failed')
  elseif pst.wc <= 0 and not pst.open then
    redis.call('HINCRBY', K.meta, 'wch', -1)
    pst.wc = nil
    back_in_line(pid, pst, false)
    wake()
  else
    write_state(pid, pst)
  end
end

-- Tells the parent `pid` of this queue that its child `cid` ended in `state` (`text`: its result
-- or its last error's message; `policy`: what its failure does to the parent). Told twice (an outbox entry sent again), it counts once.
local function flow_deliver(pid, cid, state, text, policy, now, cfg)
  if redis.call('HSETNX', K.flows, 'o:' .. pid .. ':' .. cid, cmsgpack.pack(state, text)) == 0 then return end
  local pst = read_state(pid)
  if not pst or not pst.wc then return end
  pst.wc = pst.wc - 1
  local failed = (state == 'dead' or state == 'cancelled') and policy ~= 'i'
  if pst.s == 'waiting-children' and (pst.wc <= 0 or failed) then
    flow_settle_parent(pid, pst, now, cfg)
  else
    write_state(pid, pst)
  end
end

-- A parent ended: its flow's records stay while finished jobs are kept, then go, oldest first.
local function flow_parent_ended(id, now, cfg)
  redis.call('ZADD', K.fz, now, id)
  local excess = redis.call('ZCARD', K.fz) - math.max(cfg.keep_count, cfg.dead_max)
  local old = excess > 0 and redis.call('ZRANGE', K.fz, 0, excess - 1)
    or redis.call('ZRANGEBYSCORE', K.fz, '-inf', now - math.max(cfg.keep_age, cfg.dead_age), 'LIMIT', 0, 100)
  for _, pid in ipairs(old) do
    local kids = flow_children(pid)
    local fields = { 'c:' .. pid, 'n:' .. pid }
    for k = 2, tonumber(redis.call('HGET', K.flows, 'n:' .. pid) or '1') do fields[#fields + 1] = 'c:' .. pid .. ':' .. k end
    for k = 1, #kids, 4 do fields[#fields + 1] = 'o:' .. pid .. ':' .. kids[k] end
    in_batches('HDEL', K.flows, fields)
    redis.call('ZREM', K.fz, pid)
  end
end

-- The job `id` (state `st`, with st.pa or st.fp) ended: each job waiting on it is told, here or
-- through base:fo; a parent's records join the retention of finished jobs.
flow_ended = function(id, st, state, text, now, cfg)
  if st.fp then flow_parent_ended(id, now, cfg) end
  if not st.pa then return end
  if not text then
    local e = redis.call('HGET', K.errors, id)
    local list = e and cjson.decode(e) or {}
    text = (list[#list] or {}).message or st.dr or state
  end
  for _, link in ipairs(cjson.decode(st.pa)) do
    if link[2] == base then
      flow_deliver(link[1], id, state, text, link[3], now, cfg)
    else
      redis.call('RPUSH', K.fo, cjson.encode({ 'd', link[2], link[1], id, state, text, link[3] }))
      flow_sent = true
    end
  end
end

-- The child `cid` of this queue's parent `pid` left the dead-letter queue: it is pending again, and
-- a parent that died for a failed child waits again.
local function flow_resume(pid, cid)
  if redis.call('HDEL', K.flows, 'o:' .. pid .. ':' .. cid) == 0 then return end
  local pst = read_state(pid)
  if not pst or not pst.wc then return end
  pst.wc = pst.wc + 1
  if pst.s == 'dead' and pst.dr == 'child failed' then
    redis.call('ZREM', K.fz, pid)
    redis.call('ZREM', K.dead, pid)
    redis.call('ZREM', K.dn, dead_member(read_header(pid, 1), pst.f, pid))
    pst.s, pst.dr, pst.f = 'waiting-children', nil, nil
    redis.call('HINCRBY', K.meta, 'wch', 1)
  end
  write_state(pid, pst)
end
