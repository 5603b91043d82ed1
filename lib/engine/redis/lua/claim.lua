-- claim: one worker's round trip. Checks that what Redis lists as the worker's matches what the
-- worker says it holds, records which of its reserved jobs it started, settles the jobs it
-- finished, hands back jobs it releases, promotes due delayed and retry jobs, then claims up to
-- `start` + `reserve` jobs, highest priority first, FIFO within a priority. The first `start` jobs
-- count as started (an attempt begins). The others are reserved: held by the worker, shown as
-- waiting, neither an attempt nor a stall until it reports them started. A job that stalled, or
-- that a worker that died held reserved, is only claimed to start. Jobs of a name at its handler's limit in this worker
-- are skipped and stay first in line. The jobs of suspects (workers the last claim named) whose
-- lease expired go back first, to the front of the line; other workers whose lease expired are
-- named in the reply, and their jobs go back with the reap script, which is given their keys.
-- The steps are parts (lua/parts), pasted in where this script includes them: claim-breakers and
-- claim-rate-limits read the gates, claim-settle what the worker reports, claim-reap the jobs of
-- workers that are gone, claim-park the parked jobs, claim-pop the jobs claimed.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then base:a:<worker>, base:r:<worker>,
--       base:x:<worker>, then the same 3 of each suspect of ARGV,
--       then 4 per circuit breaker of ARGV (base:b:B, base:bf:B, base:bp:B,
--       base:bq:B), then 2 per rate limit of ARGV (base:rc:<name>, its parked list base:rq:<name>,
--       or base:rc: and base:rq for the queue's own)
-- ARGV[1] worker id, ARGV[2] start, ARGV[3] reserve, ARGV[4] held, ARGV[5] in flight,
-- ARGV[6..13] config (see read_config), then these lists, each a count and its items:
--   suspects: workers whose lease may have expired,
--   circuit breakers, 6 each: job name, breaker, failure threshold, window ms, reset timeout ms,
--     half-open probes (see breaker.lua: a job behind an open breaker is parked, not claimed; one
--     behind a half-open breaker runs only as one of its probes; jobs behind a breaker are only
--     claimed to start, never reserved, and their outcomes open and close it),
--   (each claim declares the parked lists of its gates in base:gates, list -> when)
--   rate limits, 3 each: job name ('' for every job of the queue), max jobs started, per ms (a
--     fixed window counted in base:rc:<name>; a job over its limit is parked in base:rq:<name>, or
--     base:rq for the queue's, until the next window; rate-limited jobs are only claimed to start),
--   ids of reserved jobs started since the last call (a settlement implies the start of its job),
--   settlements, 4 each: id, 'c' | 'f' | 'd' (upper case: started from the reserve since the last
--     call), result or error JSON, retry in ms (below 0: no retry, -1 unrecoverable, -2 retryIf,
--     -3 attempts exhausted);
--     'd': the worker has no handler for the job: delayed by the retry ms for another worker, no
--     attempt used, until `no_handler_patience` after the first time, then dead with the error
--   ids to release, limits, 2 each: job name, how many more of it the worker may take,
-- then '1' when the worker stops for good (all it still holds goes back, and another worker is
-- woken for delayed jobs) else '0',
-- then the worker's connection (see record_connection)
-- Returns { the claimed jobs, two strings each: the msgpack of id, attempt and priority, then its
--           header as stored in base:jobs (name, priority when enqueued, max attempts, timeout,
--           enqueued at, trace context, data; see lib.lua), ms until the next wake-up or -1, cancelled ids,
--           reconcile (0 or 1),
--           highest priority still waiting ('' when none, the queue is paused, or jobs were
--           skipped for the worker's handler limits),
--           1 if another worker holds jobs else 0,
--           breaker transitions this call made, 2 each: breaker, 'open' | 'reopened' | 'half-open' | 'closed',
--           workers whose lease expired (for the reap script),
--           parked lists no worker declared for three leases (for the unpark script),
--           the other worker whose lease ends first ('' none): a suspect for the next claim,
--           1 if a settled job's parent is in another queue (base:fo to drain; see lib-flow) else 0,
--           ms until the first rate limit window that counted a reserved job ends (the worker
--           hands back those it has not started by then), or -1,
--           this worker's breakers that are not closed (it hands back the jobs it reserved behind them) }
--@include lib
--@include breaker
local CLAIMED_FIELDS = 2
local now = now_ms()
local wid = ARGV[1]
local start = tonumber(ARGV[2])
local max = start + tonumber(ARGV[3])
local held = tonumber(ARGV[4])
local cfg = read_config(ARGV, 6)
local ak, rk, xk = KEYS[EXTRA_KEYS], KEYS[EXTRA_KEYS + 1], KEYS[EXTRA_KEYS + 2]
local next_key = EXTRA_KEYS + 3

-- the worker's lease expired and its jobs went to others, or a claim's reply never reached it
local stored = redis.call('SCARD', ak) + redis.call('SCARD', rk) + redis.call('SCARD', xk)
local reconcile = (stored < held or stored > held + tonumber(ARGV[5])) and 1 or 0
if redis.call('ZREM', K.lost, wid) == 1 then reconcile = 1 end

-- ARGV's lists, read in order: each step moves i on to the next list's count
local i = 6 + CONFIG_ARGS
local suspects = {}
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  suspects[#suspects + 1] = { ARGV[i], KEYS[next_key], KEYS[next_key + 1], KEYS[next_key + 2] }
  next_key = next_key + 3
end
i = i + 1
-- the key of each parked list this worker's gates use, by its name in pk ('bq:B', 'rq:<name>', 'rq')
local parked_key = {}
--@include claim-breakers
--@include claim-rate-limits
--@include claim-settle
local limit = {}
for _ = 1, tonumber(ARGV[i]) do
  limit[ARGV[i + 1]] = tonumber(ARGV[i + 2])
  i = i + 2
end
local leaving = ARGV[i + 1] == '1'
local conn = ARGV[i + 2] or ''

--@include claim-reap

-- due delayed and retry jobs go to the back of the line, as back_in_line puts them, read and
-- written with a few commands a call (values_of: see claim-settle)
local function to_waiting(st)
  st.s = 'waiting'
end
for _, zkey in ipairs({ K.delayed, K.retry }) do
  local due = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 1000)
  if #due > 0 then
    local states, headers, writes, listed = values_of(K.state, due), values_of(K.jobs, due), {}, {}
    for k, id in ipairs(due) do
      if states[k] and headers[k] then
        writes[#writes + 1] = id
        writes[#writes + 1] = restate(states[k], to_waiting)
        local _, _, p = cmsgpack.unpack_limit(headers[k], 2)
        if p == 0 then listed[#listed + 1] = id else push_waiting(id, p, false) end
      end
    end
    in_batches('HSET', K.state, writes, 2)
    in_batches('RPUSH', K.wait, listed)
    redis.call('ZREM', zkey, unpack(due))
  end
end

--@include claim-park
--@include claim-pop
count_window_use()
register(wid, ak, rk, now, cfg)
record_connection(wid, conn)
declare_gates()
-- given fewer jobs than it asked for, the worker waits for work until woken, or a lease from now
local orphans = {}
if max > 0 and #jobs < max * CLAIMED_FIELDS then
  -- a worker whose entry's time passed did not come back to wait again: it died
  redis.call('ZREMRANGEBYSCORE', K.idle, '-inf', now)
  redis.call('ZADD', K.idle, now + cfg.lease, wid)
  orphans = orphaned_lists()
end

local next_wake = -1
for _, zkey in ipairs({ K.delayed, K.retry }) do
  local first = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
  if #first > 0 and (next_wake < 0 or tonumber(first[2]) < next_wake) then next_wake = tonumber(first[2]) end
end
next_wake = parked_wake_at(next_wake)
local leases = redis.call('ZRANGE', K.workers, 0, 1, 'WITHSCORES')
local others = 0
local next_suspect = ''
for k = 1, #leases, 2 do
  if leases[k] ~= wid then
    others = 1
    next_suspect = leases[k]
    local at = tonumber(leases[k + 1])
    if next_wake < 0 or at < next_wake then next_wake = at end
    break
  end
end
if next_wake >= 0 then next_wake = math.max(0, next_wake - now) end
if leaving then redis.call('ZREM', K.idle, wid) end
-- this worker may be the one that was woken to wait for the next due job: pass that on
if leaving and redis.call('ZCARD', K.delayed) + redis.call('ZCARD', K.retry) > 0 then wake() end

-- jobs this worker skipped for its handler limits are no reason for it to hand back its reserve
-- nor is the job this worker stopped at, or one of a name at its limit that is first in line
local top = ''
if not paused and not skipped_at_limit and not full then
  local p = top_priority()
  if p then
    local head
    if p == 0 then
      head = redis.call('LINDEX', K.wait, 0)
    else
      head = redis.call('ZRANGE', K.waitp, 0, 0)[1]
    end
    local remaining = head and limit[read_header(head, 1)]
    if not (remaining and remaining <= 0) then top = p end
  end
end

local shut = {}
for name, b in pairs(breakers) do
  if state_of(b) ~= 'closed' then shut[#shut + 1] = name end
end
return { jobs, next_wake, take_cancelled(xk), reconcile, top, others, transitions, expired, orphans, next_suspect, flow_sent and 1 or 0,
         reserve_until and reserve_until - now or -1, shut }
