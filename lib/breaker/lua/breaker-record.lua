-- breaker-record: the outcome of a direct call through the breaker (breakers.run). A breaker that
-- closes wakes the queue's idle workers, so that the jobs parked behind it run at once.
-- KEYS[1] base:b:B   KEYS[2] base:bf:B   KEYS[3] base:bp:B   KEYS[4] base:marker   KEYS[5] base:idle
-- ARGV[1] '1' succeeded | '0' failed, ARGV[2] failure threshold, ARGV[3] window ms, ARGV[4] reset ms,
-- ARGV[5] half-open probes, ARGV[6] lease ms, ARGV[7] call token
-- Returns the transition made: 'open', 'reopened' (a probe failed), 'closed', 'half-open' or ''.
--@include breaker
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local k = { state = KEYS[1], failures = KEYS[2], probes = KEYS[3] }
local spec = {
  threshold = tonumber(ARGV[2]), window = tonumber(ARGV[3]), reset = tonumber(ARGV[4]),
  probes = tonumber(ARGV[5]), lease = tonumber(ARGV[6]),
}
local state, made = breaker_state(k, spec, now)
local transition
if ARGV[1] == '1' then
  state, transition = breaker_succeeded(k, state, ARGV[7])
else
  state, transition = breaker_failed(k, spec, state, now, ARGV[7])
end
if transition == 'closed' then breaker_wake_idle(KEYS[4], KEYS[5], now) end
return transition or made or ''
