-- set-paused: stops or restarts claiming from one queue, for every worker of the cluster.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1]  '1' pause, '0' resume
--@include lib
if ARGV[1] == '1' then
  redis.call('HSET', K.meta, 'paused', '1')
else
  redis.call('HDEL', K.meta, 'paused')
  if any_waiting() then wake() end
end
return 1
