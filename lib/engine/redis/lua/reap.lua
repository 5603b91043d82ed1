-- reap: hands the jobs of workers whose lease expired (as claim and heartbeat found, or ended at
-- once by expire-workers) back to the queue, or to the dead-letter queue once they stalled too
-- often (see reap_worker in lib.lua). A worker whose lease was renewed since, or that another
-- process reaped first, is left alone.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua), then 3 per worker of ARGV: base:a:<worker>,
--       base:r:<worker>, base:x:<worker>
-- ARGV[1..8] config (see read_config), then the worker ids
-- Returns how many jobs went back to waiting.
--@include lib
local now = now_ms()
local cfg = read_config(ARGV, 1)
local recovered = 0
local key = EXTRA_KEYS
for k = 1 + CONFIG_ARGS, #ARGV do
  local w = ARGV[k]
  local lease = redis.call('ZSCORE', K.workers, w)
  if lease and tonumber(lease) <= now then
    recovered = recovered + reap_worker(w, KEYS[key], KEYS[key + 1], KEYS[key + 2], now, cfg)
  end
  key = key + 3
end
if recovered > 0 then wake() end
return recovered
