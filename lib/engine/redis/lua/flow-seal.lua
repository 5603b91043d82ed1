-- flow-seal: a batch's parent takes no more children; it runs once those it has ended (at once if
-- they all did).
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1..8] config (see read_config), ARGV[9] the parent's id
-- Returns 0 if no open parent has that id, 1 if sealed, 2 if sealed and base:fo has entries to drain.
--@include lib
local now = now_ms()
local cfg = read_config(ARGV, 1)
local id = ARGV[CONFIG_ARGS + 1]
local st = read_state(id)
if not st or not st.open then return 0 end
st.open = nil
if st.s == 'waiting-children' and st.wc <= 0 then
  flow_settle_parent(id, st, now, cfg)
else
  write_state(id, st)
end
return flow_sent and 2 or 1
