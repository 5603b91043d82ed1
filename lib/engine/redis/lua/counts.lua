-- counts: jobs per state of one queue, and how long its oldest runnable job has waited, read in
-- one consistent step.
-- KEYS[1]  queue base "{prefix:queue}"
-- Returns { waiting, delayed, active, completed, failed, dead, cancelled, oldest waiting ms (-1: none) }
--@include lib
local base = KEYS[1]
local now = now_ms()
local waiting = 0
-- the head of each priority list is the oldest job of that priority; it has waited since it was
-- enqueued, or since it fell due (a delayed job, a retry)
local oldest = -1
for _, p in ipairs(redis.call('ZRANGE', base .. ':prios', 0, -1)) do
  local lk = base .. ':w:' .. p
  waiting = waiting + redis.call('LLEN', lk)
  local head = redis.call('LINDEX', lk, 0)
  if head then
    local v = redis.call('HMGET', base .. ':j:' .. head, 't', 'ra')
    local since = math.max(tonumber(v[1] or now), tonumber(v[2] or '0'))
    oldest = math.max(oldest, now - since)
  end
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
  oldest,
}
