-- counts: jobs per state of one queue, read in one consistent step.
-- KEYS[1]  queue base "{prefix:queue}"
-- Returns { waiting, delayed, active, completed, failed, dead, cancelled }
local base = KEYS[1]
local waiting = 0
for _, p in ipairs(redis.call('ZRANGE', base .. ':prios', 0, -1)) do
  waiting = waiting + redis.call('LLEN', base .. ':w:' .. p)
end
-- so are jobs parked behind an open circuit breaker or a rate limit, and reserved ones, which have
-- not reached their handler
for _, list in ipairs(redis.call('SMEMBERS', base .. ':parkings')) do
  waiting = waiting + redis.call('LLEN', base .. ':' .. list)
end
local active = 0
for _, w in ipairs(redis.call('ZRANGE', base .. ':workers', 0, -1)) do
  active = active + redis.call('SCARD', base .. ':a:' .. w)
  waiting = waiting + redis.call('SCARD', base .. ':r:' .. w)
end
return {
  waiting,
  redis.call('ZCARD', base .. ':delayed'),
  active,
  redis.call('ZCARD', base .. ':completed'),
  redis.call('ZCARD', base .. ':retry'),
  redis.call('ZCARD', base .. ':dead'),
  redis.call('ZCARD', base .. ':cancelled'),
}
