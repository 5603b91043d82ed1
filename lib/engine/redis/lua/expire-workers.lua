-- expire-workers: ends at once the lease of workers whose connection a process found closed
-- (the worker process was killed), so that the reap script that follows recovers their jobs now
-- rather than when the lease runs out. A worker is expired only while it holds jobs under the
-- very connection found closed: one that reconnected since has recorded its new connection and
-- is left alone.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV pairs: worker id, its connection as found closed
-- Returns the workers expired.
--@include lib
local expired = {}
for k = 1, #ARGV, 2 do
  local wid, conn = ARGV[k], ARGV[k + 1]
  if redis.call('HGET', K.conn, wid) == conn and redis.call('ZSCORE', K.workers, wid) then
    redis.call('ZADD', K.workers, 0, wid)
    expired[#expired + 1] = wid
  end
end
return expired
