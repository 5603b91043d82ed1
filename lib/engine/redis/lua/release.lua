-- release: hands jobs a worker holds back to the front of their queue, in their order, without
-- counting an attempt or a stall (graceful shutdown).
-- KEYS[1]  queue base "{prefix:queue}"
-- ARGV[1] now, ARGV[2] worker id, ARGV[3..9] config (see read_config), ARGV[10..] job ids
--@include lib
local base = KEYS[1]
local now = tonumber(ARGV[1])
local wid = ARGV[2]
local cfg = read_config(ARGV, 3)
local ak = base .. ':a:' .. wid
local released = 0
for i = #ARGV, 3 + CONFIG_ARGS, -1 do
  local id = ARGV[i]
  if redis.call('SREM', ak, id) == 1 then
    local jk = base .. ':j:' .. id
    -- a reserved job never counted its attempt
    if redis.call('HDEL', jk, 'pf') == 0 then redis.call('HINCRBY', jk, 'a', -1) end
    redis.call('HSET', jk, 's', 'waiting')
    push_waiting(base, id, redis.call('HGET', jk, 'p'), true)
    released = released + 1
  end
end
register(base, wid, now, cfg)
if released > 0 then wake(base) end
return released
