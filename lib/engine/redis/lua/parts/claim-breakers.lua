-- Circuit breakers, a claim's first kind of gate (part of claim): reads the breakers of the
-- worker's handlers, and answers which one a job runs behind and what state it is in (read when
-- first needed, once a call; its transitions are noted for the reply).
-- KEYS  from KEYS[next_key], 4 per breaker: base:b:B, base:bf:B, base:bp:B (see breaker.lua), and
--       its parked list base:bq:B (into parked_key['bq:B']); K.state (whether a probe's job runs)
-- ARGV  from ARGV[i]: how many breakers, then 6 each: job name, breaker, failure threshold,
--       window ms, reset timeout ms, half-open probes. Leaves i at the next list's count.
-- the breakers of this worker's handlers, by job name; each one's state is read when first needed
local breaker_of, breakers, transitions = {}, {}, {}
for _ = 1, tonumber(ARGV[i]) do
  local name = ARGV[i + 2]
  breaker_of[ARGV[i + 1]] = name
  breakers[name] = breakers[name] or {
    name = name,
    keys = { state = KEYS[next_key], failures = KEYS[next_key + 1], probes = KEYS[next_key + 2] },
    spec = { threshold = tonumber(ARGV[i + 3]), window = tonumber(ARGV[i + 4]), reset = tonumber(ARGV[i + 5]),
             probes = tonumber(ARGV[i + 6]), lease = cfg.lease },
  }
  parked_key['bq:' .. name] = KEYS[next_key + 3]
  next_key = next_key + 4
  i = i + 6
end
i = i + 1
local guarded = next(breakers) ~= nil
local function noted(b, state, transition)
  b.state = state
  if transition then
    transitions[#transitions + 1] = b.name
    transitions[#transitions + 1] = transition
  end
end
local function state_of(b)
  if not b.state then noted(b, breaker_state(b.keys, b.spec, now)) end
  return b.state
end
-- the breaker a job of `name` runs behind, if any
local function behind(name)
  local b = guarded and breaker_of[name]
  return b and breakers[b]
end
-- whether a probe's job still runs (a slow probe keeps its slot beyond a lease)
local function running(id)
  local st = read_state(id)
  return st ~= nil and st.s == 'active'
end
