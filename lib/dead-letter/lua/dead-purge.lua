-- dead-purge: deletes dead jobs for good, with their logs.
-- KEYS[1] base:dead, then 3 per job, in ARGV's order: base:j:<id>, base:l:<id>, base:dn:<name>
-- ARGV 2 per job: id, name, as read just before; a job no longer dead, or no longer of that name,
--   is left as it is
-- Returns how many were deleted.
local deleted = 0
local k = 2
for i = 1, #ARGV, 2 do
  local id, name = ARGV[i], ARGV[i + 1]
  local jk, lk, dnk = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  k = k + 3
  local v = redis.call('HMGET', jk, 's', 'n')
  if v[1] == 'dead' and v[2] == name then
    redis.call('DEL', jk, lk)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', dnk, id)
    deleted = deleted + 1
  end
end
return deleted
