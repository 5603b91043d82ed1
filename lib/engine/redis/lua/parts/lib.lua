-- Shared helpers, pasted into the scripts that say `--@include lib` (with its own parts:
-- lib-line, lib-finished and lib-workers, below). Here: the queue's keys, a job's records, the
-- config that scripts are given.
-- KEYS  the queue's fixed keys, first, in the order of QUEUE_KEYS (redis-scripts.ts names them the
--       same), read into K; keys of one worker, breaker, rate limit or parked list follow from
--       EXTRA_KEYS, as each script's header says. Read here: K.jobs, K.state
-- ARGV  none (read_config reads the 8 config values where a script's header puts them)
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
--   base:flows, base:fo, base:fz  parents, children and what they wait for (see lib-flow)
--   channel base:cancelled  tells workers' processes of a cancel: '["<worker>","<id>"]'
-- Every time is Redis's own clock (TIME), so hosts whose clocks disagree still agree on leases and due times.

local QUEUE_KEYS = { 'jobs', 'state', 'logs', 'errors', 'wait', 'waitp', 'delayed', 'retry', 'workers', 'lost', 'conn',
  'completed', 'dead', 'dn', 'cancelled', 'marker', 'meta', 'idle', 'waiters', 'parkings', 'gates', 'flows', 'fo', 'fz' }
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

-- A state record, encoded, after `change(st, arg)` edited it. The jobs of one script call often
-- have the same record (every new job, every job a worker reserved, those started in one call):
-- each distinct record is decoded and encoded once a call for a change and arg, not once a job
-- (each costs Redis about half a µs). `change` may read only the record, `arg` and what is the same
-- for the whole call (its time, its worker).
local restated = {}
local function restate(packed, change, arg)
  arg = arg or ''
  local by_arg = restated[change] or {}
  restated[change] = by_arg
  local memo = by_arg[arg] or {}
  by_arg[arg] = memo
  local out = memo[packed]
  if not out then
    local st = cmsgpack.unpack(packed)
    change(st, arg)
    out = cmsgpack.pack(st)
    memo[packed] = out
  end
  return out
end

-- A state record decoded once a call, shared by the jobs that have it: to read, never to edit.
local peeked = {}
local function peek_state(packed)
  local st = peeked[packed]
  if not st then
    st = cmsgpack.unpack(packed)
    peeked[packed] = st
  end
  return st
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

--@include lib-line
-- a job of a flow ended (set by lib-flow; called only for a job whose state has pa or fp)
local flow_ended
--@include lib-finished
--@include lib-flow
--@include lib-workers
