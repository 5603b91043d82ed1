-- expire-workers: ends at once the lease of workers whose connection a process found closed
-- (the worker process was killed), and recovers their jobs now rather than when the lease runs
-- out. A worker is expired only while it holds jobs under the very connection found closed: one
-- that reconnected since has recorded its new connection and is left alone.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1..8] config (see read_config), then pairs: worker id, its connection as found closed
-- Returns how many jobs went back to waiting.
--@include lib
local base = KEYS[1]
local cfg = read_config(ARGV, 1)
local expired = 0
for k = 1 + CONFIG_ARGS, #ARGV, 2 do
  local wid, conn = ARGV[k], ARGV[k + 1]
  if redis.call('HGET', base .. ':conn', wid) == conn and redis.call('ZSCORE', base .. ':workers', wid) then
    redis.call('ZADD', base .. ':workers', 0, wid)
    expired = expired + 1
  end
end
if expired == 0 then return 0 end
-- no worker is spared: the expired ones sort first, and reap wakes a worker for what it recovers
return reap(base, now_ms(), '', cfg)
