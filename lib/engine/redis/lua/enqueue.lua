-- enqueue: accepts new jobs into one queue; an id that exists already is left as it is.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1..] 8 per job: id, name, data, priority, max attempts, delay in ms (0 = now), timeout (0 = none),
--           trace context ('' = none)
-- Returns one integer per job: 1 created, 0 existed.
--@include lib
local base = KEYS[1]
local now = now_ms()
local out = {}
local added = false
local listed = {}
local due_before = nil
local earliest = math.huge
for i = 1, #ARGV, 8 do
  local id = ARGV[i]
  local jk = base .. ':j:' .. id
  if redis.call('EXISTS', jk) == 1 then
    out[#out + 1] = 0
  else
    local p = ARGV[i + 3]
    local run_at = now + tonumber(ARGV[i + 5])
    local delayed = run_at > now
    redis.call('HSET', jk, 'n', ARGV[i + 1], 'd', ARGV[i + 2], 'p', p, 'm', ARGV[i + 4], 't', now,
      's', delayed and 'delayed' or 'waiting')
    if ARGV[i + 6] ~= '0' then redis.call('HSET', jk, 'to', ARGV[i + 6]) end
    if ARGV[i + 7] ~= '' then redis.call('HSET', jk, 'tc', ARGV[i + 7]) end
    if delayed then
      redis.call('HSET', jk, 'ra', run_at)
      if not due_before then due_before = next_due(base) end
      earliest = math.min(earliest, run_at)
      redis.call('ZADD', base .. ':delayed', run_at, id)
    else
      redis.call('RPUSH', base .. ':w:' .. p, id)
      listed[p] = true
    end
    added = true
    out[#out + 1] = 1
  end
end
-- each priority that got jobs is entered once, however many jobs it got
for p in pairs(listed) do redis.call('ZADD', base .. ':prios', -tonumber(p), p) end
-- a delayed job may be due before the time idle workers block until, so wake one to look
-- a due time before any the sleeping workers know of: every one of them is told
if due_before and earliest < due_before then
  wake_all(base, now)
elseif added then
  wake(base)
end
return out
