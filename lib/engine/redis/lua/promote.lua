-- promote: a delayed job, or one waiting for its retry, goes to the back of its priority's line
-- now, as if it had fallen due (the dashboard's "run now").
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] job id
-- Returns 1 if it was delayed or retrying and now waits, else 0
--@include lib
local id = ARGV[1]
local removed = redis.call('ZREM', K.delayed, id) + redis.call('ZREM', K.retry, id)
if removed == 0 then return 0 end
local st = read_state(id)
if not st then return 0 end
-- it waits from now on (counts.lua's oldest waiting job reads this)
st.ra = now_ms()
back_in_line(id, st, false)
wake()
return 1
