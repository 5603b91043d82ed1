-- cancel: removes a waiting (also for its children), parked (behind an open circuit breaker or a rate limit), delayed or
-- retrying job, or takes a reserved or active one from its worker, which aborts ctx.signal when
-- told: at once by a notice on channel base:cancelled (the worker's process listens there), and
-- for certain at its next call (the id stays in base:x:<worker> until then; a notice may be lost).
-- The worker's lease is left as it is: a cancel must not keep a dead worker's other jobs from
-- being recovered. The caller names the worker and parked list it expects (as read before); when
-- the job is with another one, nothing changes and the reply names it, to be asked again.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then base:a:<worker>, base:r:<worker>,
--       base:x:<worker> of ARGV[2], then the parked list of ARGV[3] (base:<list>)
-- ARGV[1] job id, ARGV[2] worker expected ('' none), ARGV[3] parked list expected ('' none),
-- ARGV[4..11] config (see read_config)
-- Returns 'cancelled' ('cancelled+' when base:fo has entries to drain), 'not-found' or 'finished', or { worker, parked list } to ask again with.
--@include lib
local now = now_ms()
local id, expected_worker, expected_list = ARGV[1], ARGV[2], ARGV[3]
local cfg = read_config(ARGV, 4)
local ak, rk, xk, lk = KEYS[EXTRA_KEYS], KEYS[EXTRA_KEYS + 1], KEYS[EXTRA_KEYS + 2], KEYS[EXTRA_KEYS + 3]
local st = read_state(id)
if not st then return 'not-found' end
local state = st.s
if state == 'waiting' then
  local _, p = read_header(id, 2)
  remove_waiting(id, p)
elseif state == 'parked' then
  if st.pk ~= expected_list then return { '', st.pk } end
  redis.call('LREM', lk, 1, id)
elseif state == 'delayed' then
  redis.call('ZREM', K.delayed, id)
elseif state == 'failed' then
  redis.call('ZREM', K.retry, id)
elseif state == 'active' or state == 'reserved' then
  local w = st.w
  if w ~= expected_worker then return { w, '' } end
  redis.call('SREM', state == 'active' and ak or rk, id)
  redis.call('SADD', xk, id)
  redis.call('PEXPIRE', xk, cfg.lease * 10)
  if redis.call('EXISTS', ak, rk) == 0 then
    redis.call('ZREM', K.workers, w)
  end
  redis.call('PUBLISH', base .. ':cancelled', cjson.encode({ w, id }))
elseif state == 'waiting-children' then
  redis.call('HINCRBY', K.meta, 'wch', -1)
else
  return 'finished'
end
st.s, st.f, st.pk = 'cancelled', now, nil
write_state(id, st)
notify_settled(id)
redis.call('ZADD', K.cancelled, now, id)
trim(K.cancelled, cfg.keep_count, cfg.keep_age, now)
if st.pa or st.fp then flow_ended(id, st, 'cancelled', 'cancelled', now, cfg) end
if flow_sent then return 'cancelled+' end
return 'cancelled'
