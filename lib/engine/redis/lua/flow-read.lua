-- flow-read: a flow's jobs of this queue, from `id` down, each with how it ended as its parent
-- recorded it (a child that retention deleted is still told). Children in other queues are named,
-- to be read there.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] the id to start from, ARGV[2] the most nodes to return, ARGV[3] '1': only it and its own
--   children, without job views (what a parent's handler reads of its children)
-- Returns a list of nodes, each { id, base, parent id ('' none), policy, name, job view (flat list,
--   empty when deleted or elsewhere), ended state ('' not yet), result or error message }
--@include lib
local out = {}
local todo = { { ARGV[1], base, '', '', '' } }
local most = tonumber(ARGV[2])
local shallow = ARGV[3] == '1'
local k = 1
while k <= #todo and #out < most do
  local node = todo[k]
  k = k + 1
  local flat = {}
  local state, text = '', ''
  if node[3] ~= '' then
    local packed = redis.call('HGET', K.flows, 'o:' .. node[3] .. ':' .. node[1])
    if packed then state, text = cmsgpack.unpack(packed) end
  end
  if node[2] == base and not (shallow and k > 2) then
    if not shallow then flat = job_view(node[1]) or {} end
    local kids = flow_children(node[1])
    for c = 1, #kids, 4 do todo[#todo + 1] = { kids[c], kids[c + 1], node[1], kids[c + 2], kids[c + 3] } end
  end
  out[#out + 1] = { node[1], node[2], node[3], node[4], node[5], flat, state, text }
end
return out
