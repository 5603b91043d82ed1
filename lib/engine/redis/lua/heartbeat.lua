-- heartbeat: renews one worker's lease on every job it holds (one call per worker, not per job)
-- and recovers the jobs of workers whose lease expired.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] now, ARGV[2] worker id, ARGV[3..9] config (see read_config)
-- Returns { lost (1 when this worker's lease had expired), cancelled ids }
--@include lib
local base = KEYS[1]
local now = tonumber(ARGV[1])
local wid = ARGV[2]
local cfg = read_config(ARGV, 3)
register(base, wid, now, cfg)
reap(base, now, wid, cfg)
local lost = redis.call('DEL', base .. ':lost:' .. wid)
return { lost, take_cancelled(base, wid) }
