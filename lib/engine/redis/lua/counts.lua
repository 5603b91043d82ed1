-- counts: jobs per state of one queue, and how long its oldest runnable job has waited, read in
-- one consistent step. The caller names the workers and parked lists it expects (as the last
-- reply told it); when there are others, nothing is counted and the reply names them all, to be
-- asked again with.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then 2 per worker of ARGV (base:a:<worker>,
--       base:r:<worker>), then 1 per parked list of ARGV (base:<list>)
-- ARGV[1] how many workers follow, the workers, then the parked lists
-- Returns { waiting, delayed, active, completed, failed, dead, cancelled, oldest waiting ms (-1: none),
--           parents waiting on children,
--           the workers and parked lists it counted }, or { 'again', workers, parked lists }
--@include lib
local now = now_ms()
local worker_count = tonumber(ARGV[1])
local known_workers, known_lists = {}, {}
for k = 2, 1 + worker_count do known_workers[ARGV[k]] = EXTRA_KEYS + (k - 2) * 2 end
for k = 2 + worker_count, #ARGV do known_lists[ARGV[k]] = EXTRA_KEYS + worker_count * 2 + (k - 2 - worker_count) end
local workers = redis.call('ZRANGE', K.workers, 0, -1)
local lists = redis.call('SMEMBERS', K.parkings)
for _, w in ipairs(workers) do
  if not known_workers[w] then return { 'again', workers, lists } end
end
for _, list in ipairs(lists) do
  if not known_lists[list] then return { 'again', workers, lists } end
end
local waiting = redis.call('LLEN', K.wait) + redis.call('ZCARD', K.waitp)
-- the head of each priority is its oldest job; it has waited since it was enqueued, or since it
-- fell due (a delayed job, a retry)
local oldest = -1
local function waited(id)
  local _, _, _, _, enqueued = read_header(id, 5)
  local st = read_state(id)
  if not enqueued or not st then return end
  oldest = math.max(oldest, now - math.max(enqueued, st.ra or 0))
end
local head = redis.call('LINDEX', K.wait, 0)
if head then waited(head) end
-- one step per priority in waitp: its first job, then on past the priority
local from = '-inf'
while true do
  local first = redis.call('ZRANGEBYSCORE', K.waitp, from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #first == 0 then break end
  waited(first[1])
  local p = priority_of_score(first[2])
  from = string.format('%.0f', (MAX_PRIORITY - p + 1) * PRIORITY_UNIT)
end
-- so are jobs parked behind an open circuit breaker or a rate limit, and reserved ones, which have
-- not reached their handler
for _, list in ipairs(lists) do
  waiting = waiting + redis.call('LLEN', KEYS[known_lists[list]])
end
local active = 0
for _, w in ipairs(workers) do
  local key = known_workers[w]
  active = active + redis.call('SCARD', KEYS[key])
  waiting = waiting + redis.call('SCARD', KEYS[key + 1])
end
return {
  waiting,
  redis.call('ZCARD', K.delayed),
  active,
  redis.call('ZCARD', K.completed),
  redis.call('ZCARD', K.retry),
  redis.call('ZCARD', K.dead),
  redis.call('ZCARD', K.cancelled),
  oldest,
  tonumber(redis.call('HGET', K.meta, 'wch') or '0'),
  workers,
  lists,
}
