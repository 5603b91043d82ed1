-- breaker-hold: a probe call (breakers.run) that still runs keeps its slot of a half-open breaker
-- for another lease; a slot the breaker gave up meanwhile (it opened or closed) is not taken again.
-- KEYS[1] base:bp:B
-- ARGV[1] call token
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 1
