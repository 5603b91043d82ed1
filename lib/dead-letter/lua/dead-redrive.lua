-- dead-redrive: sends dead jobs to the back of their priority's waiting list with fresh
-- attempts. Their error history and logs stay; the trip is recorded in rv as
-- [when, why it had died, how many error records it had then].
-- KEYS[1] base:dead   KEYS[2] base:prios   KEYS[3] base:marker
-- then 3 per job, in ARGV's order: base:j:<id>, base:dn:<name>, base:w:<priority>
-- ARGV 3 per job: id, name, priority, as read just before; a job no longer dead, or no longer
--   matching them (purged, and the id used again), is left as it is
-- Returns the ids sent back.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local moved = {}
local k = 4
for i = 1, #ARGV, 3 do
  local id, name, p = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local jk, dnk, wk = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  k = k + 3
  local v = redis.call('HMGET', jk, 's', 'n', 'p', 'dr', 'e', 'rv')
  if v[1] == 'dead' and v[2] == name and v[3] == p then
    local errors = v[5] and #cjson.decode(v[5]) or 0
    local trip = cjson.encode({ now, v[4] or '', errors })
    local trips = v[6] and (string.sub(v[6], 1, -2) .. ',' .. trip .. ']') or ('[' .. trip .. ']')
    redis.call('HDEL', jk, 'f', 'dr', 'st', 'rs', 'nh', 'ra', 'sa', 'w', 'r', 'pr')
    redis.call('HSET', jk, 's', 'waiting', 'a', 0, 'rv', trips)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', dnk, id)
    redis.call('RPUSH', wk, id)
    redis.call('ZADD', KEYS[2], -tonumber(p), p)
    moved[#moved + 1] = id
  end
end
if #moved > 0 and redis.call('LLEN', KEYS[3]) == 0 then redis.call('RPUSH', KEYS[3], '1') end
return moved
