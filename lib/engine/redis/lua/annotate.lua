-- annotate: records progress and/or a log line of a job, only while the given worker holds it.
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] worker id, ARGV[2] job id, ARGV[3] progress JSON ('' = none), ARGV[4] '1' if ARGV[5] is a log line
local base = KEYS[1]
local jk = base .. ':j:' .. ARGV[2]
local v = redis.call('HMGET', jk, 's', 'w')
if v[1] ~= 'active' or v[2] ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', jk, 'pr', ARGV[3]) end
if ARGV[4] == '1' then
  local lk = base .. ':l:' .. ARGV[2]
  redis.call('RPUSH', lk, ARGV[5])
  redis.call('LTRIM', lk, -100, -1)
end
return 1
