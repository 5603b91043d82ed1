-- heartbeat: renews one worker's lease on every job it holds (one call per worker, not per job)
-- and recovers the jobs of workers whose lease expired. With the ids the worker holds (sent only
-- while none of its claims is under way) it also reconciles: a job Redis lists as the worker's
-- that the worker does not hold (claimed by a call whose reply never arrived) goes back to the
-- front of the queue, and a held job Redis no longer lists as the worker's is reported gone.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] worker id, ARGV[2] '1' when held ids follow, ARGV[3..10] config (see read_config), ARGV[11..] held ids,
-- then (last) the worker's connection (see record_connection)
-- Returns { flat { id, 1 if cancelled by a user else 0 } for every job the worker must stop
--           working on, 1 if another worker holds jobs else 0 }
--@include lib
local base = KEYS[1]
local now = now_ms()
local wid = ARGV[1]
local cfg = read_config(ARGV, 3)
local ak = base .. ':a:' .. wid
local rk = base .. ':r:' .. wid
local first_held = 3 + CONFIG_ARGS
local last_held = #ARGV - 1
local conn = ARGV[#ARGV]
reap(base, now, wid, cfg)
local gone = {}
if ARGV[2] == '1' then
  local held = {}
  for k = first_held, last_held do held[ARGV[k]] = true end
  local orphans = 0
  for _, set in ipairs({ ak, rk }) do
    for _, id in ipairs(redis.call('SMEMBERS', set)) do
      if not held[id] then
        redis.call('SREM', set, id)
        requeue(base, id, set == ak)
        orphans = orphans + 1
      end
    end
  end
  if orphans > 0 then wake(base) end
  for k = first_held, last_held do
    local id = ARGV[k]
    if redis.call('SISMEMBER', ak, id) == 0 and redis.call('SISMEMBER', rk, id) == 0 then
      gone[#gone + 1] = id
      gone[#gone + 1] = redis.call('HGET', base .. ':j:' .. id, 's') == 'cancelled' and 1 or 0
    end
  end
  redis.call('DEL', base .. ':x:' .. wid)
  redis.call('ZREM', base .. ':lost', wid)
else
  for _, id in ipairs(take_cancelled(base, wid)) do
    gone[#gone + 1] = id
    gone[#gone + 1] = 1
  end
end
register(base, wid, now, cfg)
record_connection(base, wid, conn)
local workers = redis.call('ZCARD', base .. ':workers')
if redis.call('ZSCORE', base .. ':workers', wid) then workers = workers - 1 end
return { gone, workers > 0 and 1 or 0 }
