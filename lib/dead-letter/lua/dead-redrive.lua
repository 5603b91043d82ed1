-- dead-redrive: sends dead jobs to the back of their priority's line with fresh attempts. Their
-- error history and logs stay; the trip is recorded in rv as
-- [when, why it had died, how many errors it had met then (ec)].
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV  job ids; one no longer dead is left as it is. A flow's child resumes its flow (see lib-flow).
-- Returns the ids sent back.
--@include lib
local now = now_ms()
local moved = {}
for _, id in ipairs(ARGV) do
  local st = read_state(id)
  if st and st.s == 'dead' then
    local name = read_header(id, 1)
    local trip = cjson.encode({ now, st.dr or '', st.ec or 0 })
    redis.call('ZREM', K.dn, dead_member(name, st.f, id))
    redis.call('ZREM', K.dead, id)
    local trips = st.rv and (string.sub(st.rv, 1, -2) .. ',' .. trip .. ']') or ('[' .. trip .. ']')
    back_in_line(id, { a = 0, rv = trips, ec = st.ec, pa = st.pa, fp = st.fp }, false)
    -- a parent keeps its flow's records while it runs again
    if st.fp then redis.call('ZREM', K.fz, id) end
    -- a child of a flow: its parent waits for it again (one in another queue through base:fo)
    if st.pa then
      for _, link in ipairs(cjson.decode(st.pa)) do
        if link[2] == base then
          flow_resume(link[1], id)
        else
          redis.call('RPUSH', K.fo, cjson.encode({ 'r', link[2], link[1], id }))
          flow_sent = true
        end
      end
    end
    moved[#moved + 1] = id
  end
end
if #moved > 0 then wake() end
return moved
