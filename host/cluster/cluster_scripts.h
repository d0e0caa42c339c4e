// Lua scripts the delivery side runs in Redis, each one atomic there.
#pragma once

namespace eventhost::cluster {

// An ordered plugin's lease. KEYS[1] the lease, ARGV[1] this node,
// ARGV[2] its time in ms. Takes a free lease (2), extends one this node
// holds (1), or leaves another node's alone (0).
inline constexpr const char* kLeaseScript = R"lua(
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
)lua";

// Hands a lease back at a clean stop, if this node (ARGV[1]) holds it.
inline constexpr const char* kReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

// A sign of life for the entries a consumer holds: resets the idle time of
// every entry of group ARGV[1] pending for consumer ARGV[2] on stream
// KEYS[1] (XCLAIM to itself, JUSTID: the delivery count stays), so no
// other node claims work that is only slow. Only this consumer's entries:
// one another node claimed meanwhile stays claimed. Returns how many.
inline constexpr const char* kKeepScript = R"lua(
local start = '-'
local total = 0
for page = 1, 100 do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], start, '+', 1000, ARGV[2])
  if #p == 0 then break end
  local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
  for i = 1, #p do args[#args + 1] = p[i][1] end
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
  total = total + #p
  if #p < 1000 then break end
  start = '(' .. p[#p][1]
end
return total
)lua";

// Records a dead letter. KEYS[1] the plugin's dead letter stream, KEYS[2]
// its event id -> entry hash, KEYS[3] the set of plugins with letters.
// ARGV: plugin, event id, attempts, outcome, last error, created (Unix s),
// node. Replaces an earlier letter for the same event; the new entry's id
// follows the event id rule (SEQ below 1000). Returns its id as a number.
inline constexpr const char* kDeadLetterScript = R"lua(
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then redis.call('XDEL', KEYS[1], old) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms, seq = 0, -1
local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
if type(info) == 'table' and info.err == nil then
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local dash = string.find(info[i + 1], '-', 1, true)
      ms = tonumber(string.sub(info[i + 1], 1, dash - 1))
      seq = tonumber(string.sub(info[i + 1], dash + 1))
    end
  end
end
if now > ms then
  ms = now
  seq = 0
else
  seq = seq + 1
  if seq >= 1000 then
    ms = ms + 1
    seq = 0
  end
end
local id = string.format('%d-%d', ms, seq)
redis.call('XADD', KEYS[1], id, 'plugin', ARGV[1], 'event_id', ARGV[2],
           'attempts', ARGV[3], 'outcome', ARGV[4], 'last_error', ARGV[5],
           'created_at', ARGV[6], 'node', ARGV[7])
redis.call('HSET', KEYS[2], ARGV[2], id)
redis.call('SADD', KEYS[3], ARGV[1])
return ms * 1000 + seq
)lua";

// Removes dead letters. KEYS[1] a plugin's dead letter stream, KEYS[2] its
// hash; ARGV the entry ids. Returns how many were there.
inline constexpr const char* kDropLettersScript = R"lua(
local n = 0
for i = 1, #ARGV do
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #e > 0 then
    local f = e[1][2]
    for j = 1, #f, 2 do
      if f[j] == 'event_id' then redis.call('HDEL', KEYS[2], f[j + 1]) end
    end
    n = n + redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
return n
)lua";

}  // namespace eventhost::cluster
