-- breaker-set: opens a breaker by hand (it stays open until reset) or resets it to closed, waking
-- the queue's idle workers so that the jobs parked behind it run at once.
-- KEYS[1] base:b:B   KEYS[2] base:bf:B   KEYS[3] base:bp:B   KEYS[4] base:marker   KEYS[5] base:idle
-- ARGV[1] 'open' | 'reset'
-- Returns the transition made: 'open', 'closed' or '' (it already was so).
--@include breaker
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] == 'open' then
  local was = redis.call('HMGET', KEYS[1], 's', 'man')
  redis.call('HSET', KEYS[1], 's', 'open', 'at', now, 'man', '1')
  redis.call('DEL', KEYS[2], KEYS[3])
  return (was[1] == 'open' and was[2]) and '' or 'open'
end
local was_open = redis.call('EXISTS', KEYS[1]) == 1
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
breaker_wake_idle(KEYS[4], KEYS[5], now)
return was_open and 'closed' or ''
