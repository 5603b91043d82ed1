-- dead-purge: deletes dead jobs for good, with their logs and errors.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV  job ids; one no longer dead is left as it is
-- Returns how many were deleted.
--@include lib
local gone = {}
for _, id in ipairs(ARGV) do
  local st = read_state(id)
  if st and st.s == 'dead' then gone[#gone + 1] = id end
end
if #gone == 0 then return 0 end
unindex_dead(gone)
delete_jobs(gone)
in_batches('ZREM', K.dead, gone)
return #gone
