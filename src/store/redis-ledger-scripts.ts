// The Redis ledger in Lua: running totals per limit, so a reservation reads a few keys whatever
// the number of past entries (issue 19).
//
// A "tally" is what one limit shape counts: a scope (kinds, origin, plan, note, sum or count) and
// a window (or lifetime). Its hash `w:<tid>` holds `total` (every entry of the scope not released)
// and, for a window, `below` (entries that ended before the watermark `T`); the zset `z:<tid>`
// holds the other entries (member "<weight>|<id>", score = end). The usage of a window at `now`
// is total - below - (members ending before now - window): a reservation first folds those into
// `below` and moves T, so each entry is folded once and a reservation's cost does not grow with
// history. Reads fold nothing (a read at an earlier `now` stays exact while T is behind it).
// Members folded in the last 5 minutes below T stay in `zb:<tid>`, so a read whose window starts before
// T (another process's clock ahead, or this one's stepped back) adds them back exactly; further
// back than that, the tally is built again (rare).
// A tally is built the first time a limit asks for it, by one scan of the entries; from then on
// every change of an entry updates the tallies it matches (`ti:<origin>` and `ti:*` list them).
// Entries that start in the future (rare) sit in the `future` zset and are taken back out.
// Every key carries the deployment's hash tag, so on Redis Cluster all of this is in one slot.

import { COMPACT_MARGIN_MS } from './compaction.js';

const PRELUDE = `
local P = ARGV[1]
local function matches(e, s)
  local kindOk = false
  for _, k in ipairs(s.kinds) do if k == e.kind then kindOk = true end end
  if not kindOk then return false end
  if s.origin ~= nil and e.origin ~= s.origin then return false end
  if s.planId ~= nil and e.planId ~= s.planId then return false end
  if s.note ~= nil and e.note ~= s.note then return false end
  return true
end
local function weight(e, s)
  if e.state == 'released' then return 0 end
  if s.counts then return e.compactedCount or 1 end
  return e.amountCents
end
local function member(e, w) return w .. '|' .. e.id end
local function memberWeight(m) return tonumber(string.match(m, '^(-?%d+)|')) end
-- How far behind T a read stays exact without a rebuild (what zb keeps: clocks apart, not history).
local RECENT = 300000
-- A tally's hash (total, below, watermark T), read once per script run and kept in step with it.
local cache = {}
local function state(tid)
  local st = cache[tid]
  if st == nil then
    local got = redis.call('HMGET', P .. 'w:' .. tid, 'total', 'below', 'T', 'ok')
    st = {total = tonumber(got[1] or '0'), below = tonumber(got[2] or '0'), T = tonumber(got[3] or '0'), ok = got[4] ~= false}
    cache[tid] = st
  end
  return st
end
-- Adds (sign 1) or removes (sign -1) an entry's weight in a tally.
local function apply(s, e, sign)
  local w = weight(e, s)
  if w == 0 then return end
  local key = P .. 'w:' .. s.tid
  local st = state(s.tid)
  redis.call('HINCRBY', key, 'total', sign * w)
  st.total = st.total + sign * w
  if s.windowMs == nil then return end
  if e.endAt < st.T then
    redis.call('HINCRBY', key, 'below', sign * w)
    st.below = st.below + sign * w
    if sign < 0 then redis.call('ZREM', P .. 'zb:' .. s.tid, member(e, w))
    elseif e.endAt >= st.T - RECENT then redis.call('ZADD', P .. 'zb:' .. s.tid, e.endAt, member(e, w)) end
  elseif sign > 0 then redis.call('ZADD', P .. 'z:' .. s.tid, e.endAt, member(e, w))
  else redis.call('ZREM', P .. 'z:' .. s.tid, member(e, w)) end
end
-- Whether any entry was reserved before it started (rare): only then is the future zset read.
local futureAny = nil
local function anyFuture(futureKey)
  if futureAny == nil then futureAny = redis.call('EXISTS', futureKey) == 1 end
  return futureAny
end
-- The first 'from' (count entries ending at or after it) of a window at now.
local function fromOf(l, now) return math.floor(now - l.windowMs) + 1 end
-- (A tally's hash has 'ok' once built: its definition is in the tallies hash too.)
local function ensureTally(entriesKey, talliesKey, l, now)
  local st = state(l.tid)
  -- Built by a version that marked a tally by its definition alone: kept in step all along, so
  -- marked now rather than built again (a scan of every entry, inside a reservation).
  if not st.ok and redis.call('HEXISTS', talliesKey, l.tid) == 1 then
    redis.call('HSET', P .. 'w:' .. l.tid, 'ok', 1)
    st.ok = true
  end
  -- Built again too when this window starts further behind T than zb reaches (rare).
  if st.ok and (l.windowMs == nil or fromOf(l, now) >= st.T - RECENT) then return end
  local s = {tid = l.tid, kinds = l.kinds, origin = l.origin, planId = l.planId, note = l.note, counts = l.counts, windowMs = l.windowMs}
  local key = P .. 'w:' .. s.tid
  redis.call('DEL', key, P .. 'z:' .. s.tid, P .. 'zb:' .. s.tid)
  redis.call('HSET', key, 'ok', 1)
  cache[s.tid] = {total = 0, below = 0, T = 0, ok = true}
  if s.windowMs ~= nil then
    cache[s.tid].T = fromOf(s, now)
    redis.call('HSET', key, 'T', cache[s.tid].T)
  end
  for _, v in ipairs(redis.call('HVALS', entriesKey)) do
    local e = cjson.decode(v)
    if matches(e, s) then
      local w = weight(e, s)
      -- A compacted total is below the watermark whatever its end (compaction keeps out of windows).
      if e.compactedCount ~= nil and s.windowMs ~= nil and w ~= 0 then
        redis.call('HINCRBY', key, 'total', w)
        redis.call('HINCRBY', key, 'below', w)
        cache[s.tid].total = cache[s.tid].total + w
        cache[s.tid].below = cache[s.tid].below + w
      else apply(s, e, 1) end
    end
  end
  redis.call('HSET', talliesKey, s.tid, cjson.encode(s))
  redis.call('SADD', P .. 'ti:' .. (s.origin or '*'), s.tid)
end
-- The tallies an entry counts in. 'known' (optional): definitions at hand, by tally id (a
-- reservation's limits), so only the others are read and decoded.
local function talliesFor(talliesKey, e, known)
  local ids = redis.call('SMEMBERS', P .. 'ti:*')
  if e.origin then
    for _, id in ipairs(redis.call('SMEMBERS', P .. 'ti:' .. e.origin)) do ids[#ids + 1] = id end
  end
  local out, missing = {}, {}
  for _, id in ipairs(ids) do
    local s = known and known[id]
    if s then
      if matches(e, s) then out[#out + 1] = s end
    else missing[#missing + 1] = id end
  end
  if #missing == 0 then return out end
  for _, d in ipairs(redis.call('HMGET', talliesKey, unpack(missing))) do
    if d then
      local s = cjson.decode(d)
      if matches(e, s) then out[#out + 1] = s end
    end
  end
  return out
end
-- Moves members that ended before 'from' into 'below' (a reservation's step: writes).
local function fold(l, from)
  local key, z = P .. 'w:' .. l.tid, P .. 'z:' .. l.tid
  local st = state(l.tid)
  if from <= st.T then return end
  local gone = 0
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. from, 'WITHSCORES')
  local zb, args = P .. 'zb:' .. l.tid, {}
  for i = 1, #old, 2 do
    gone = gone + memberWeight(old[i])
    args[#args + 1] = old[i + 1]
    args[#args + 1] = old[i]
    if #args >= 1000 then redis.call('ZADD', zb, unpack(args)); args = {} end
  end
  if #args > 0 then redis.call('ZADD', zb, unpack(args)) end
  if #old > 0 then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', '(' .. from)
    redis.call('HINCRBY', key, 'below', gone)
    st.below = st.below + gone
    redis.call('ZREMRANGEBYSCORE', zb, '-inf', '(' .. (from - RECENT)) -- (trimmed when it grows)
  end
  redis.call('HSET', key, 'T', from)
  st.T = from
end
local function usage(entriesKey, futureKey, l, now)
  local st = state(l.tid)
  local used = st.total
  if l.windowMs == nil then return used end
  used = used - st.below
  local from = fromOf(l, now)
  if from > st.T then -- a read ahead of the watermark: members ending in [T, from) leave too
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'z:' .. l.tid, '-inf', '(' .. from)) do used = used - memberWeight(m) end
  elseif from < st.T then -- a read behind it: what ended in [from, T) is in its window again
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'zb:' .. l.tid, from, '+inf')) do used = used + memberWeight(m) end
  end
  -- Entries that have not started yet do not count (they are few: kept aside).
  if not anyFuture(futureKey) then return used end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', futureKey, '(' .. now, '+inf')) do
    local v = redis.call('HGET', entriesKey, id)
    if v then
      local e = cjson.decode(v)
      if e.startAt > now and e.endAt >= from and matches(e, l) then used = used - weight(e, l) end
    end
  end
  return used
end
`;

/**
 * KEYS entries hash, tallies hash, future zset; ARGV prefix, entry json, limits json (each with
 * its tally id `tid`), now. Returns {1} (reserved), {1, entryJson} (the id was there already) or
 * {0, limitIndex, used}.
 */
export const RESERVE = `${PRELUDE}
local entry = cjson.decode(ARGV[2])
local limits = cjson.decode(ARGV[3])
local now = tonumber(ARGV[4])
local existing = redis.call('HGET', KEYS[1], entry.id)
if existing then return {1, existing} end
entry.state = 'reserved'
for i, l in ipairs(limits) do
  ensureTally(KEYS[1], KEYS[2], l, now)
  if l.windowMs ~= nil then fold(l, fromOf(l, now)) end
  local inWindow = l.windowMs == nil or (entry.endAt > now - l.windowMs and entry.startAt <= now)
  if matches(entry, l) and inWindow then
    local used = usage(KEYS[1], KEYS[3], l, now)
    local adding = entry.amountCents
    if l.counts then adding = 1 end
    if used + adding > l.max then return {0, tostring(i), tostring(used)} end
  end
end
local json = cjson.encode(entry)
redis.call('HSET', KEYS[1], entry.id, json)
local known = {}
for _, l in ipairs(limits) do known[l.tid] = l end
for _, s in ipairs(talliesFor(KEYS[2], entry, known)) do apply(s, entry, 1) end
if entry.startAt > now then redis.call('ZADD', KEYS[3], entry.startAt, entry.id) end
return {1}
`;

/** KEYS entries hash, tallies hash, future zset; ARGV prefix, limit json (with tid), now. Returns the usage as a string. */
export const USAGE = `${PRELUDE}
local l = cjson.decode(ARGV[2])
local now = tonumber(ARGV[3])
ensureTally(KEYS[1], KEYS[2], l, now)
return tostring(usage(KEYS[1], KEYS[3], l, now))
`;

/**
 * KEYS entries hash, tallies hash, settled zset; ARGV prefix, id, change json. Moves the entry's
 * weight in every tally it counts in; settled entries are indexed by end for compaction.
 */
export const SETTLE = `${PRELUDE}
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current then return 0 end
local old = cjson.decode(current)
local new = cjson.decode(current)
for k, v in pairs(cjson.decode(ARGV[3])) do new[k] = v end
for _, s in ipairs(talliesFor(KEYS[2], old)) do
  if weight(old, s) ~= weight(new, s) or old.endAt ~= new.endAt then
    apply(s, old, -1)
    apply(s, new, 1)
  end
end
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(new))
-- (Charges are never compacted: the recorder and reconcile look them up by id.)
if (new.state == 'committed' or new.state == 'released') and new.kind ~= 'charge' then redis.call('ZADD', KEYS[3], new.endAt, ARGV[2])
else redis.call('ZREM', KEYS[3], ARGV[2]) end
return 1
`;

/**
 * KEYS entries hash, tallies hash, settled zset, future zset; ARGV prefix, cutoff, batch, now.
 * Settled entries that ended before the cutoff leave the ledger: released ones are dropped,
 * committed ones are folded into one `compacted:` entry per (kind, origin, plan, note), so
 * lifetime sums (and counts, via compactedCount) stay exact. In the window tallies they move to
 * `below` (no window reaches them: the cutoff stays an hour before the widest window of the
 * deployment's tallies, whichever process asked for them). Delegations and charges are kept whole
 * (looked up by id). Returns how many entries were looked at.
 */
export const COMPACT = `${PRELUDE}
local cutoff = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
for _, d in ipairs(redis.call('HVALS', KEYS[2])) do
  local s = cjson.decode(d)
  if s.windowMs ~= nil then cutoff = math.min(cutoff, now - s.windowMs - ${COMPACT_MARGIN_MS}) end
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. cutoff, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[3], id)
  local v = redis.call('HGET', KEYS[1], id)
  if v then
    local e = cjson.decode(v)
    -- Delegation entries are kept whole (one per delegation, not per call): renewal consent and
    -- reconcile look them up by delegationId.
    if e.endAt < cutoff and (e.state == 'committed' or e.state == 'released') and e.kind ~= 'delegation' and e.kind ~= 'charge' and string.sub(id, 1, 10) ~= 'compacted:' then
      redis.call('HDEL', KEYS[1], id)
      for _, s in ipairs(talliesFor(KEYS[2], e)) do
        local w = weight(e, s)
        if s.windowMs ~= nil and w ~= 0 and redis.call('ZREM', P .. 'z:' .. s.tid, member(e, w)) == 1 then
          redis.call('HINCRBY', P .. 'w:' .. s.tid, 'below', w)
        end
      end
      if e.state == 'committed' then
        local gid = 'compacted:' .. redis.sha1hex(cjson.encode({e.kind, e.origin or '', e.planId or '', e.note or ''}))
        local gv = redis.call('HGET', KEYS[1], gid)
        local g
        if gv then
          g = cjson.decode(gv)
          g.amountCents = g.amountCents + e.amountCents
          g.compactedCount = g.compactedCount + (e.compactedCount or 1)
          g.startAt = math.min(g.startAt, e.startAt)
          g.endAt = math.max(g.endAt, e.endAt)
        else
          g = {id = gid, kind = e.kind, state = 'committed', amountCents = e.amountCents, startAt = e.startAt, endAt = e.endAt,
               origin = e.origin, planId = e.planId, note = e.note, compactedCount = e.compactedCount or 1}
        end
        redis.call('HSET', KEYS[1], gid, cjson.encode(g))
      end
    end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. cutoff)
return #ids
`;
