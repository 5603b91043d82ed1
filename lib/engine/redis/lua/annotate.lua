-- annotate: records progress and/or a log line of a job, only while the given worker holds it.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] worker id, ARGV[2] job id, ARGV[3] progress JSON ('' = none), ARGV[4] '1' if ARGV[5] is a log line
--@include lib
local MAX_LOG_LINES = 100
local id = ARGV[2]
local st = read_state(id)
if not st or st.s ~= 'active' or st.w ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then
  st.pr = ARGV[3]
  write_state(id, st)
end
if ARGV[4] == '1' then
  local lines = read_logs(id)
  lines[#lines + 1] = ARGV[5]
  local from = math.max(1, #lines - MAX_LOG_LINES + 1)
  redis.call('HSET', K.logs, id, cmsgpack.pack(unpack(lines, from, #lines)))
end
return 1
