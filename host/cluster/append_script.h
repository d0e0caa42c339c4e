// The Lua script that appends a batch of events to the cluster's stream in
// one call, choosing each entry's id itself so that event ids are MS * 1000
// + SEQ with SEQ below 1000 (cluster/stream_ids.h).
//
// KEYS[1] the stream. ARGV[1] MAXLEN (0 = none), ARGV[2] the node, then
// three per event: name, payload, and "level,emitted_at_us,depth" (one
// field: each argument and field costs Redis time, and the per-event cost
// here is what bounds a node's ingest; see README "Ingest rate"). Trims
// once per call (MAXLEN ~), not per entry. Returns the event ids, in order.
//
// Redis runs a script alone (no other command in between), so two nodes
// appending at once still get increasing ids; it reads the time with TIME
// (allowed: Redis 7 replicates a script's effects, not the script). Lua's
// numbers are doubles: MS * 1000 + SEQ stays exact below 2^53, and `..`
// writes MS (13 digits) without an exponent.
#pragma once

namespace eventhost::cluster {

inline constexpr const char* kAppendScript = R"lua(
local stream = KEYS[1]
local maxlen = tonumber(ARGV[1])
local node = ARGV[2]
local call = redis.call
local t = call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms, seq = 0, -1
local info = redis.pcall('XINFO', 'STREAM', stream)
if type(info) == 'table' and info.err == nil then
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local id = info[i + 1]
      local dash = string.find(id, '-', 1, true)
      ms = tonumber(string.sub(id, 1, dash - 1))
      seq = tonumber(string.sub(id, dash + 1))
    end
  end
end
if now > ms then
  ms = now
  seq = -1
end
local prefix = ms .. '-'
local out = {}
local n = 0
for i = 3, #ARGV, 3 do
  seq = seq + 1
  if seq >= 1000 then
    ms = ms + 1
    seq = 0
    prefix = ms .. '-'
  end
  call('XADD', stream, prefix .. seq, 'e', ARGV[i], 'p', ARGV[i + 1],
       'm', ARGV[i + 2], 'n', node)
  n = n + 1
  out[n] = ms * 1000 + seq
end
if maxlen > 0 then call('XTRIM', stream, 'MAXLEN', '~', maxlen) end
return out
)lua";

}  // namespace eventhost::cluster
