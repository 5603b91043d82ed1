-- set-paused: stops or restarts claiming from one queue, for every worker of the cluster.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1]  '1' pause, '0' resume
--@include lib
local base = KEYS[1]
if ARGV[1] == '1' then
  redis.call('HSET', base .. ':meta', 'paused', '1')
else
  redis.call('HDEL', base .. ':meta', 'paused')
  if redis.call('EXISTS', base .. ':prios') == 1 then wake(base) end
end
return 1
