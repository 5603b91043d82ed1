-- Workers that are gone (part of claim): what this worker still holds when it leaves for good,
-- then the jobs of the suspects whose lease expired, go back to the front of the line; other
-- workers whose lease expired are named (`expired`) for the reap script.
-- KEYS  the worker's ak, rk; 3 per suspect (its a, r and x sets, in `suspects`); K.workers,
--       K.lost, K.conn, K.state, K.jobs, K.errors, K.dead, K.dn, K.waiters, K.wait, K.waitp,
--       K.meta, K.marker
-- ARGV  none of its own: `leaving` and `suspects` are read by claim.lua
-- a worker that leaves has settled what finished and aborted the rest: whatever is still listed
-- as its own (a claim that came in after it stopped waiting for it) goes back too
if leaving then
  local back = 0
  for _, id in ipairs(redis.call('SMEMBERS', ak)) do
    requeue(id, true)
    back = back + 1
  end
  for _, id in ipairs(redis.call('SMEMBERS', rk)) do
    requeue(id, false)
    back = back + 1
  end
  if back > 0 then
    redis.call('DEL', ak, rk)
    wake()
  end
end

-- the jobs of a suspect whose lease expired go back before any job is claimed, ahead of those
-- that fell due since (a schedule's tick that died with its worker runs before the next tick)
local reaped = 0
for _, suspect in ipairs(suspects) do
  local lease = suspect[1] ~= wid and redis.call('ZSCORE', K.workers, suspect[1])
  if lease and tonumber(lease) <= now then
    reaped = reaped + reap_worker(suspect[1], suspect[2], suspect[3], suspect[4], now, cfg)
  end
end
if reaped > 0 then wake() end
local expired = expired_workers(now, wid)
