// Lua run inside Redis: each script is one atomic step, one round trip.

// The ledger's scripts (reserve, usage, settle, compact) are in redis-ledger-scripts.ts.

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
