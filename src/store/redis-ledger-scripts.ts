// The Redis ledger in Lua: running totals per scope, so a reservation reads a bounded number of
// fields whatever the number of past entries (issue 19).
//
// A scope is what a limit filters on (kinds, origin, plan, note, sum or count). Each scope keeps a
// hash `t:<sid>` of running totals: `all` (lifetime) and time buckets of the entries' end times at
// 22 levels of base 4 (level L bucket i holds entries ending in [i*4^L, (i+1)*4^L)). "Ending after
// X" is then a sum of at most 67 buckets, read with one HMGET: the window rule of usage.ts
// (end > now - window and start <= now) exactly, to the millisecond. Entries that start in the
// future (rare) sit in the `future` zset and are taken back out. A scope is registered the first
// time a limit asks for it, by one scan of the entries; from then on every change of an entry
// updates the scopes it matches (the `si:<origin>` and `si:*` sets say which).
// Every key carries the deployment's hash tag, so on Redis Cluster all of this is in one slot.

const PRELUDE = `
local P = ARGV[1]
local LEVELS = 22
local TOP = 17592186044415 -- 4^22 - 1
local function fmt(n) return string.format('%.0f', n) end
local function clampT(t)
  t = math.floor(t)
  if t < 0 then return 0 end
  if t > TOP then return TOP end
  return t
end
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
local function addAt(key, t, delta)
  if delta == 0 then return end
  redis.call('HINCRBY', key, 'all', delta)
  local q = clampT(t)
  for L = 0, LEVELS - 1 do
    redis.call('HINCRBY', key, L .. ':' .. fmt(q), delta)
    q = math.floor(q / 4)
  end
end
-- Sum of the entries ending at or after x.
local function suffix(key, x)
  local q = clampT(x)
  local fields = {'0:' .. fmt(q)}
  for L = 0, LEVELS - 1 do
    local d = q % 4
    for j = d + 1, 3 do fields[#fields + 1] = L .. ':' .. fmt(q - d + j) end
    q = (q - d) / 4
  end
  local used = 0
  for _, v in ipairs(redis.call('HMGET', key, unpack(fields))) do if v then used = used + tonumber(v) end end
  return used
end
local function ensureScope(entriesKey, scopesKey, s)
  if redis.call('HEXISTS', scopesKey, s.sid) == 1 then return end
  local key = P .. 't:' .. s.sid
  redis.call('DEL', key)
  for _, v in ipairs(redis.call('HVALS', entriesKey)) do
    local e = cjson.decode(v)
    if matches(e, s) then addAt(key, e.endAt, weight(e, s)) end
  end
  redis.call('HSET', scopesKey, s.sid, cjson.encode({sid = s.sid, kinds = s.kinds, origin = s.origin, planId = s.planId, note = s.note, counts = s.counts}))
  redis.call('SADD', P .. 'si:' .. (s.origin or '*'), s.sid)
end
local function scopesFor(scopesKey, e)
  local ids = redis.call('SMEMBERS', P .. 'si:*')
  if e.origin then
    for _, id in ipairs(redis.call('SMEMBERS', P .. 'si:' .. e.origin)) do ids[#ids + 1] = id end
  end
  local out = {}
  if #ids == 0 then return out end
  for _, d in ipairs(redis.call('HMGET', scopesKey, unpack(ids))) do
    if d then
      local s = cjson.decode(d)
      if matches(e, s) then out[#out + 1] = s end
    end
  end
  return out
end
local function usage(entriesKey, futureKey, l, now)
  local key = P .. 't:' .. l.sid
  if l.windowMs == nil then return tonumber(redis.call('HGET', key, 'all') or '0') end
  local from = math.floor(now - l.windowMs) + 1
  local used = suffix(key, from)
  -- Entries that have not started yet do not count (they are few: kept aside).
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', futureKey, '(' .. fmt(now), '+inf')) do
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
 * KEYS entries hash, scopes hash, future zset; ARGV prefix, entry json, limits json (each with
 * its scope id `sid`), now. Returns {1, entryJson} or {0, limitIndex, used}.
 */
export const RESERVE = `${PRELUDE}
local entry = cjson.decode(ARGV[2])
local limits = cjson.decode(ARGV[3])
local now = tonumber(ARGV[4])
local existing = redis.call('HGET', KEYS[1], entry.id)
if existing then return {1, existing} end
entry.state = 'reserved'
for i, l in ipairs(limits) do
  ensureScope(KEYS[1], KEYS[2], l)
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
for _, s in ipairs(scopesFor(KEYS[2], entry)) do addAt(P .. 't:' .. s.sid, entry.endAt, weight(entry, s)) end
if entry.startAt > now then redis.call('ZADD', KEYS[3], entry.startAt, entry.id) end
return {1, json}
`;

/** KEYS entries hash, scopes hash, future zset; ARGV prefix, limit json (with sid), now. Returns the usage as a string. */
export const USAGE = `${PRELUDE}
local l = cjson.decode(ARGV[2])
ensureScope(KEYS[1], KEYS[2], l)
return tostring(usage(KEYS[1], KEYS[3], l, tonumber(ARGV[3])))
`;

/**
 * KEYS entries hash, scopes hash, settled zset; ARGV prefix, id, change json. Moves the entry's
 * weight in every scope it counts in; settled entries are indexed by end for compaction.
 */
export const SETTLE = `${PRELUDE}
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current then return 0 end
local old = cjson.decode(current)
local new = cjson.decode(current)
for k, v in pairs(cjson.decode(ARGV[3])) do new[k] = v end
for _, s in ipairs(scopesFor(KEYS[2], old)) do
  local key = P .. 't:' .. s.sid
  local before, after = weight(old, s), weight(new, s)
  if before ~= after or old.endAt ~= new.endAt then
    addAt(key, old.endAt, -before)
    addAt(key, new.endAt, after)
  end
end
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(new))
if new.state == 'committed' or new.state == 'released' then redis.call('ZADD', KEYS[3], new.endAt, ARGV[2])
else redis.call('ZREM', KEYS[3], ARGV[2]) end
return 1
`;

/**
 * KEYS entries hash, scopes hash, settled zset, future zset; ARGV prefix, cutoff, batch.
 * Settled entries that ended before the cutoff leave the ledger: released ones are dropped,
 * committed ones are folded into one `compacted:` entry per (kind, origin, plan, note), so
 * lifetime sums (and counts, via compactedCount) stay exact. Their time buckets, which no window
 * reaches any more, are deleted. Returns how many entries were compacted.
 */
export const COMPACT = `${PRELUDE}
local cutoff = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. fmt(cutoff), 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[3], id)
  local v = redis.call('HGET', KEYS[1], id)
  if v then
    local e = cjson.decode(v)
    if e.endAt < cutoff and (e.state == 'committed' or e.state == 'released') and string.sub(id, 1, 10) ~= 'compacted:' then
      redis.call('HDEL', KEYS[1], id)
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
      local q = clampT(e.endAt)
      for _, s in ipairs(scopesFor(KEYS[2], e)) do
        local key = P .. 't:' .. s.sid
        local size, i = 1, q
        for L = 0, LEVELS - 1 do
          if (i + 1) * size <= cutoff then redis.call('HDEL', key, L .. ':' .. fmt(i)) end
          i = math.floor(i / 4)
          size = size * 4
        end
      end
    end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. fmt(cutoff))
return #ids
`;
