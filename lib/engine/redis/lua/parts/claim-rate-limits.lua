-- Rate limits, a claim's second kind of gate (part of claim): reads the rate limits of the
-- worker's handlers and of its queue, each counted in a fixed window, and says how many more jobs
-- a window lets start; count_window_use records what this call started.
-- KEYS  from KEYS[next_key], 2 per rate limit: its counter base:rc:<name> (hash: w window, n jobs
--       started in it) and its parked list base:rq:<name> (into parked_key['rq:<name>']), or
--       base:rc: and base:rq for the queue's own
-- ARGV  from ARGV[i]: how many rate limits, then 3 each: job name ('' for every job of the queue),
--       max jobs started, per ms. Leaves i at the next list's count.
-- by job name, and the queue's own
local rate_of, rates, queue_rate = {}, {}, nil
for _ = 1, tonumber(ARGV[i]) do
  local key = ARGV[i + 1]
  local gate = { list = key == '' and 'rq' or ('rq:' .. key), counter = KEYS[next_key],
                 max = tonumber(ARGV[i + 2]), per = tonumber(ARGV[i + 3]), used = 0 }
  parked_key[gate.list] = KEYS[next_key + 1]
  next_key = next_key + 2
  gate.window = math.floor(now / gate.per)
  rates[#rates + 1] = gate
  if key == '' then queue_rate = gate else rate_of[key] = gate end
  i = i + 3
end
i = i + 1
-- jobs the gate still lets start in the current window
local function rate_room(gate)
  if gate.room == nil then
    local v = redis.call('HMGET', gate.counter, 'w', 'n')
    gate.fresh = tonumber(v[1]) ~= gate.window
    gate.room = gate.max - (gate.fresh and 0 or tonumber(v[2]))
  end
  return gate.room - gate.used
end
-- a job's place in a rate limit's window, taken when it was sent back from the gate's list
local function rate_mark(gate)
  return gate.list .. '@' .. gate.window
end
-- records in each counter the jobs this call started in its window
local function count_window_use()
  for _, gate in ipairs(rates) do
    if gate.used > 0 then
      if gate.fresh then
        redis.call('HSET', gate.counter, 'w', gate.window, 'n', gate.used)
      else
        redis.call('HINCRBY', gate.counter, 'n', gate.used)
      end
      redis.call('PEXPIRE', gate.counter, gate.per * 2)
    end
  end
end
