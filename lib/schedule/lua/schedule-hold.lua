-- schedule-hold: extends the hold of a running tick on its schedule, or ends it.
-- KEYS[1] {prefix:schedules}:s:<name>
-- ARGV[1] tick job id   ARGV[2] hold in ms from now (0 = end it)
-- Returns 1 if the tick held the schedule, 0 if another tick does (or none).
if redis.call('HGET', KEYS[1], 'active') ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then
  redis.call('HDEL', KEYS[1], 'active', 'until')
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]))
end
return 1
