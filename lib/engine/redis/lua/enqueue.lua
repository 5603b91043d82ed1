-- enqueue: accepts new jobs into one queue; an id that exists already is left as it is.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] the jobs as one MessagePack array (enqueue-args.codec.ts), 8 values per job: id, name, data,
--         priority, max attempts, delay in ms (0 = now), timeout (0 = none), trace context ('' = none)
-- Returns one integer per job: 1 created, 0 existed.
--@include lib
local now = now_ms()
local out = {}
local added = false
local due_before = nil
local earliest = math.huge
-- written together after the loop: one call each, however many jobs
local states, listed = {}, {}
local WAITING = cmsgpack.pack({ s = 'waiting' })
local args = cmsgpack.unpack(ARGV[1])
for i = 1, #args, 8 do
  local id = args[i]
  local p = args[i + 3]
  local header = cmsgpack.pack(args[i + 1], p, args[i + 4], args[i + 6], now, args[i + 7], args[i + 2])
  if redis.call('HSETNX', K.jobs, id, header) == 0 then
    out[#out + 1] = 0
  else
    local run_at = now + args[i + 5]
    if run_at > now then
      states[#states + 1] = id
      states[#states + 1] = cmsgpack.pack({ s = 'delayed', ra = run_at })
      if not due_before then due_before = next_due() end
      earliest = math.min(earliest, run_at)
      redis.call('ZADD', K.delayed, run_at, id)
    else
      states[#states + 1] = id
      states[#states + 1] = WAITING
      if p == 0 then listed[#listed + 1] = id else push_waiting(id, p, false) end
    end
    added = true
    out[#out + 1] = 1
  end
end
in_batches('HSET', K.state, states, 2)
in_batches('RPUSH', K.wait, listed)
-- a delayed job may be due before the time idle workers block until, so wake one to look
-- a due time before any the sleeping workers know of: every one of them is told
if due_before and earliest < due_before then
  wake_all(now)
elseif added then
  wake()
end
return out
