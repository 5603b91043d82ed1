-- flow-deliver: what another queue's jobs sent this queue's parents through that queue's base:fo
-- (see lib-flow): an ended child ('d') or a child redriven from the dead-letter queue ('r'). Each
-- entry is taken from base:fo and applied in this step, so a drain that runs twice applies it once.
-- KEYS  the parents' queue keys (see QUEUE_KEYS in lib.lua), then the sending queue's base:fo
-- ARGV[1..8] config (see read_config), then the entries, as base:fo holds them
-- Returns 1 if this queue's base:fo got entries in turn (a parent that is a child elsewhere), else 0.
--@include lib
local now = now_ms()
local cfg = read_config(ARGV, 1)
for k = CONFIG_ARGS + 1, #ARGV do
  if redis.call('LREM', KEYS[EXTRA_KEYS], 1, ARGV[k]) == 1 then
    local entry = cjson.decode(ARGV[k])
    if entry[1] == 'd' then
      flow_deliver(entry[3], entry[4], entry[5], entry[6], entry[7], now, cfg)
    elseif entry[1] == 'r' then
      flow_resume(entry[3], entry[4])
    end
  end
end
return flow_sent and 1 or 0
