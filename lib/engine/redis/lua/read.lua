-- read: jobs as the engine reads them, each with its log (see job_view).
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV  job ids
-- Returns per id { job (flat field/value list; empty if no such job), job log }
--@include lib
local out = {}
for k = 1, #ARGV do
  local flat, logs = job_view(ARGV[k])
  out[k] = flat and { flat, logs } or { {}, {} }
end
return out
