// Lua run inside Redis: each script is one atomic step, one round trip.

/** The rule of usage.ts, in Lua (kept identical: the contract suite checks both). */
const COUNTS = `
local function counts(e, l, now)
  if e.state == 'released' then return false end
  local kindOk = false
  for _, k in ipairs(l.kinds) do if k == e.kind then kindOk = true end end
  if not kindOk then return false end
  if l.origin ~= nil and e.origin ~= l.origin then return false end
  if l.planId ~= nil and e.planId ~= l.planId then return false end
  if l.note ~= nil and e.note ~= l.note then return false end
  if l.windowMs ~= nil then return e.endAt > now - l.windowMs and e.startAt <= now end
  return true
end
local function usage(all, l, now)
  local used = 0
  for _, e in ipairs(all) do
    if counts(e, l, now) then
      if l.counts then used = used + 1 else used = used + e.amountCents end
    end
  end
  return used
end
local function decodeAll(key)
  local out = {}
  for i, v in ipairs(redis.call('HVALS', key)) do out[i] = cjson.decode(v) end
  return out
end
`;

/** KEYS[1] entries hash; ARGV entry json, limits json, now. Returns {1, entryJson} or {0, limitIndex, used}. */
export const RESERVE = `${COUNTS}
local entry = cjson.decode(ARGV[1])
local limits = cjson.decode(ARGV[2])
local now = tonumber(ARGV[3])
local existing = redis.call('HGET', KEYS[1], entry.id)
if existing then return {1, existing} end
entry.state = 'reserved'
local all = decodeAll(KEYS[1])
for i, l in ipairs(limits) do
  if counts(entry, l, now) then
    local used = usage(all, l, now)
    local adding = entry.amountCents
    if l.counts then adding = 1 end
    if used + adding > l.max then return {0, tostring(i), tostring(used)} end
  end
end
local json = cjson.encode(entry)
redis.call('HSET', KEYS[1], entry.id, json)
return {1, json}
`;

/** KEYS[1] entries hash; ARGV limit json, now. Returns the usage as a string. */
export const USAGE = `${COUNTS}
return tostring(usage(decodeAll(KEYS[1]), cjson.decode(ARGV[1]), tonumber(ARGV[2])))
`;

/** KEYS[1] hash; ARGV id, patch json. Merges the patch into the stored json object. */
export const PATCH = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local value = cjson.decode(current)
for k, v in pairs(cjson.decode(ARGV[2])) do value[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(value))
return 1
`;

/** KEYS[1] keys hash; ARGV id, delta. Returns the new units, or nil when untracked. */
export const ADD_UNITS = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return nil end
local key = cjson.decode(current)
if key.units == nil then return nil end
key.units = key.units + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(key))
return key.units
`;

/** KEYS[1] receipts zset, KEYS[2] receipts hash; ARGV id, at, json, max. Appends, trims the oldest past max. */
export const APPEND_RECEIPT = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
  for _, id in ipairs(old) do redis.call('HDEL', KEYS[2], id) end
end
return 1
`;

/** KEYS[1] lock key, KEYS[2] fence counter; ARGV owner, ttlMs. Returns a fencing token or nil. */
export const TRY_LOCK = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return nil end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])
`;

/** KEYS[1] lock key; ARGV owner. Deletes the lock only if this owner holds it. */
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
