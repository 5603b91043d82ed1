-- unpark: sends the jobs of parked lists that no worker has declared for three leases (their
-- breaker or rate limit was removed from the code, or renamed; see claim) back to the front of the
-- queue, up to a thousand per list and call, and forgets lists left empty.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then 1 per list of ARGV (base:<list>)
-- ARGV[1] lease ms, then the lists' names ('bq:<breaker>', 'rq:<job name>', 'rq')
-- Returns how many jobs went back.
--@include lib
local now = now_ms()
local lease = tonumber(ARGV[1])
local moved = 0
for k = 2, #ARGV do
  local list, key = ARGV[k], KEYS[EXTRA_KEYS + k - 2]
  if tonumber(redis.call('HGET', K.gates, list) or '0') < now - 3 * lease then
    local ids = redis.call('LPOP', key, 1000)
    if ids then
      for n = #ids, 1, -1 do
        local st = read_state(ids[n])
        if st then
          st.pk, st.ru = nil, nil
          back_in_line(ids[n], st, true)
          moved = moved + 1
        end
      end
    end
    if redis.call('EXISTS', key) == 0 then redis.call('SREM', K.parkings, list) end
  end
end
if moved > 0 then wake() end
return moved
