-- breaker-call: may a direct call (breakers.run) go through the breaker now?
-- KEYS[1] base:b:B   KEYS[2] base:bf:B   KEYS[3] base:bp:B   KEYS[4] base:state (a probe job that runs keeps its slot)
-- ARGV[1] reset timeout ms, ARGV[2] half-open probes, ARGV[3] lease ms (how long a probe holds its slot
-- unless renewed), ARGV[4] call token
-- Returns { 'closed' | 'probe' | 'open', transition made ('half-open' or '') }
--@include breaker
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local k = { state = KEYS[1], failures = KEYS[2], probes = KEYS[3] }
local spec = { reset = tonumber(ARGV[1]), probes = tonumber(ARGV[2]), lease = tonumber(ARGV[3]) }
local state, transition = breaker_state(k, spec, now)
if state == 'half' then
  if breaker_free_probes(k, spec, now, breaker_job_runs(KEYS[4])) > 0 then
    redis.call('ZADD', k.probes, now, ARGV[4])
    return { 'probe', transition or '' }
  end
  return { 'open', transition or '' }
end
return { state, transition or '' }
