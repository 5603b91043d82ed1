-- flow: stores a tree of jobs in one step, all or nothing (a flow, or one job with dependsOn). A
-- parent waits ('waiting-children') until every child ended; leaves wait or are delayed as enqueued
-- ones are. A node may be a job stored already (dependsOn): its parent waits on it too, or counts
-- it at once if it ended. Everything is checked before the first write: a script that fails
-- halfway keeps what it wrote.
-- KEYS  the keys of each queue of the flow, QUEUE_KEYS each (see lib.lua), the first node's first
-- ARGV[1..8] config (see read_config), ARGV[9] the nodes as JSON, a list of
--   [queue (1-based, in the order of KEYS), parent (node index, 0 none), policy toward its parent
--    ('f' fail it, 'i' ignore, 'c' cancel the rest and fail it), existing (1: a stored job; the fields
--    after its name are ignored; 2: the first node only, a stored batch parent still open, to add
--    the other nodes to), id, name, data, priority, max attempts, delay ms, timeout ms, trace, open
--    (1: a new parent that waits for more children until flow-seal)]
--   parents before their children
-- Returns 'created' ('created+': base:fo has entries to drain), 'exists' when the first node is stored
--   (a resend: nothing changes; with an open parent first, when the second is), { 'duplicate', id },
--   { 'unknown', id } (an existing node not stored) or { 'closed', id } (no open parent of that id)
--@include lib
local cfg = read_config(ARGV, 1)
local nodes = cjson.decode(ARGV[CONFIG_ARGS + 1])
local now = now_ms()
local bases = {}
local function use_queue(q)
  local from = (q - 1) * #QUEUE_KEYS
  for k, name in ipairs(QUEUE_KEYS) do K[name] = KEYS[from + k] end
  base = string.sub(K.jobs, 1, -#':jobs' - 1)
end
for q = 1, #KEYS / #QUEUE_KEYS do
  use_queue(q)
  bases[q] = base
end

local kids = {}
for n, node in ipairs(nodes) do
  use_queue(node[1])
  local stored = redis.call('HEXISTS', K.jobs, node[5]) == 1
  if node[4] == 2 then
    local st = read_state(node[5])
    if not st or not st.open then return { 'closed', node[5] } end
  elseif node[4] == 1 then
    if not stored then return { 'unknown', node[5] } end
  elseif stored then
    -- a chunk of a batch sent again: its children are stored already, all of them
    if n == 2 and nodes[1][4] == 2 then return 'exists' end
    if n == 1 then return 'exists' end
    return { 'duplicate', node[5] }
  end
  if node[2] > 0 then
    kids[node[2]] = kids[node[2]] or {}
    table.insert(kids[node[2]], n)
  end
end

local FINAL = { completed = true, skipped = true, dead = true, cancelled = true }
local woken, late = {}, false
-- existing children that ended already: told to their parent once all is written
local ended = {}
for n, node in ipairs(nodes) do
  use_queue(node[1])
  local id = node[5]
  local parent = nodes[node[2]]
  local link = parent and { parent[5], bases[parent[1]], node[3] }
  if node[4] == 2 then
    local st = read_state(id)
    local list = {}
    for _, c in ipairs(kids[n] or {}) do
      local child = nodes[c]
      list[#list + 1], list[#list + 2], list[#list + 3], list[#list + 4] = child[5], bases[child[1]], child[3], child[6]
    end
    flow_add_children(id, list)
    st.wc = st.wc + #(kids[n] or {})
    write_state(id, st)
  elseif node[4] == 1 then
    local st = read_state(id)
    if FINAL[st.s] then
      ended[#ended + 1] = { parent[1], parent[5], id, st.s, st.r or st.sk or st.dr or st.s, node[3] }
    else
      local links = st.pa and cjson.decode(st.pa) or {}
      links[#links + 1] = link
      st.pa = cjson.encode(links)
      write_state(id, st)
    end
  else
    local p = node[8]
    redis.call('HSET', K.jobs, id, cmsgpack.pack(node[6], p, node[9], node[11], now, node[12], node[7]))
    local st = { pa = link and cjson.encode({ link }) }
    local children = kids[n]
    if children or node[13] == 1 then
      st.s, st.wc, st.fp = 'waiting-children', #(children or {}), 1
      if node[13] == 1 then st.open = 1 end
      local list = {}
      for _, c in ipairs(children or {}) do
        local child = nodes[c]
        list[#list + 1], list[#list + 2], list[#list + 3], list[#list + 4] = child[5], bases[child[1]], child[3], child[6]
      end
      flow_add_children(id, list)
      redis.call('HINCRBY', K.meta, 'wch', 1)
      write_state(id, st)
    elseif node[10] > 0 then
      st.s, st.ra = 'delayed', now + node[10]
      write_state(id, st)
      redis.call('ZADD', K.delayed, st.ra, id)
      woken[node[1]], late = true, true
    else
      st.s = 'waiting'
      write_state(id, st)
      push_waiting(id, p, false)
      woken[node[1]] = true
    end
  end
end
for _, e in ipairs(ended) do
  use_queue(e[1])
  flow_deliver(e[2], e[3], e[4], e[5], e[6], now, cfg)
end
for q in pairs(woken) do
  use_queue(q)
  if late then wake_all(now) else wake() end
end
return flow_sent and 'created+' or 'created'
