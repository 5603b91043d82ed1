-- heartbeat: renews one worker's lease on every job it holds (one call per worker, not per job).
-- With the ids the worker holds (sent only while none of its claims is under way) it also
-- reconciles: a job Redis lists as the worker's that the worker does not hold (claimed by a call
-- whose reply never arrived) goes back to the front of the queue, and a held job Redis no longer
-- lists as the worker's is reported gone. Workers whose lease expired are named in the reply:
-- their jobs go back with the reap script, which is given their keys.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then base:a:<worker>, base:r:<worker>, base:x:<worker>
-- ARGV[1] worker id, ARGV[2] '1' when held ids follow, ARGV[3..10] config (see read_config), ARGV[11..] held ids,
-- then (last) the worker's connection (see record_connection)
-- Returns { flat { id, 1 if cancelled by a user else 0 } for every job the worker must stop
--           working on, 1 if another worker holds jobs else 0, workers whose lease expired }
--@include lib
local now = now_ms()
local wid = ARGV[1]
local cfg = read_config(ARGV, 3)
local ak, rk, xk = KEYS[EXTRA_KEYS], KEYS[EXTRA_KEYS + 1], KEYS[EXTRA_KEYS + 2]
local first_held = 3 + CONFIG_ARGS
local last_held = #ARGV - 1
local conn = ARGV[#ARGV]
local gone = {}
if ARGV[2] == '1' then
  local held = {}
  for k = first_held, last_held do held[ARGV[k]] = true end
  local orphans = 0
  for _, set in ipairs({ ak, rk }) do
    for _, id in ipairs(redis.call('SMEMBERS', set)) do
      if not held[id] then
        redis.call('SREM', set, id)
        requeue(id, set == ak)
        orphans = orphans + 1
      end
    end
  end
  if orphans > 0 then wake() end
  for k = first_held, last_held do
    local id = ARGV[k]
    if redis.call('SISMEMBER', ak, id) == 0 and redis.call('SISMEMBER', rk, id) == 0 then
      local st = read_state(id)
      gone[#gone + 1] = id
      gone[#gone + 1] = (st and st.s == 'cancelled') and 1 or 0
    end
  end
  redis.call('DEL', xk)
  redis.call('ZREM', K.lost, wid)
else
  for _, id in ipairs(take_cancelled(xk)) do
    gone[#gone + 1] = id
    gone[#gone + 1] = 1
  end
end
register(wid, ak, rk, now, cfg)
record_connection(wid, conn)
local workers = redis.call('ZCARD', K.workers)
if redis.call('ZSCORE', K.workers, wid) then workers = workers - 1 end
return { gone, workers > 0 and 1 or 0, expired_workers(now, wid) }
