/**
 * Lua scripts of the Redis state repository. A script runs atomically on the server: no other client's
 * command runs between its first and last line. Redis does not roll a script back when it fails halfway,
 * so everything that could fail is checked before the script is sent (`encodeChanges`); inside, the only
 * early exits (ownership checks) come before the first write.
 */

/** Reply prefixes the repository turns into typed errors. */
export const LOST = 'ALERTSIFT_LOST';
export const STALE = 'ALERTSIFT_STALE';

/**
 * One batch for one partition.
 *   KEYS[1]            epoch key
 *   KEYS[2k], KEYS[2k+1]  docs hash and expiry zset of the k-th kind (STATE_KINDS order)
 *   ARGV[1] expected epoch, ARGV[2] now (ms), ARGV[3] prune limit per kind, ARGV[4] epoch TTL (ms),
 *   ARGV[5] key-expiry grace (ms), ARGV[6] '1' = replace everything, ARGV[7] number of kinds,
 *   then per kind: #upserts, #deletes, #upserts × (id, expiresAt, json), #deletes × id.
 * Returns {upserted, deleted, pruned}.
 */
export const COMMIT_LUA = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  return redis.error_reply('${LOST} ownership record missing')
end
if cur ~= ARGV[1] then
  return redis.error_reply('${STALE} ' .. cur)
end
local now = ARGV[2]
local limit = tonumber(ARGV[3])
local grace = tonumber(ARGV[5])
local replace = ARGV[6] == '1'
local nk = tonumber(ARGV[7])
local CHUNK = 200
local a = 8
local up, del, pruned = 0, 0, 0
for k = 1, nk do
  local docs = KEYS[2 * k]
  local exp = KEYS[2 * k + 1]
  if replace then
    redis.call('DEL', docs, exp)
  end
  local nUp = tonumber(ARGV[a])
  local nDel = tonumber(ARGV[a + 1])
  a = a + 2
  -- Batched HSET/ZADD/HDEL/ZREM, CHUNK documents per call (fewer calls; unpack stays far below
  -- Lua's stack limit).
  local i = 0
  while i < nUp do
    local n = math.min(CHUNK, nUp - i)
    local h, z = {}, {}
    for j = 0, n - 1 do
      local b = a + 3 * (i + j)
      h[2 * j + 1] = ARGV[b]
      h[2 * j + 2] = ARGV[b + 2]
      z[2 * j + 1] = ARGV[b + 1]
      z[2 * j + 2] = ARGV[b]
    end
    redis.call('HSET', docs, unpack(h))
    redis.call('ZADD', exp, unpack(z))
    i = i + n
  end
  a = a + 3 * nUp
  up = up + nUp
  i = 0
  while i < nDel do
    local n = math.min(CHUNK, nDel - i)
    local ids = {}
    for j = 1, n do
      ids[j] = ARGV[a + i + j - 1]
    end
    del = del + redis.call('HDEL', docs, unpack(ids))
    redis.call('ZREM', exp, unpack(ids))
    i = i + n
  end
  a = a + nDel
  local old = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, limit)
  if #old > 0 then
    redis.call('HDEL', docs, unpack(old))
    redis.call('ZREM', exp, unpack(old))
  end
  pruned = pruned + #old
  if replace or nUp > 0 or nDel > 0 or #old > 0 then
    local top = redis.call('ZRANGE', exp, -1, -1, 'WITHSCORES')
    if #top == 0 then
      redis.call('DEL', docs, exp)
    else
      local at = string.format('%.0f', tonumber(top[2]) + grace)
      redis.call('PEXPIREAT', docs, at)
      redis.call('PEXPIREAT', exp, at)
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {up, del, pruned}
`;

/**
 * KEYS[1] claim key; ARGV[1] owner, ARGV[2] ttl ms. 1 = claimed (new, or already ours), 0 = another
 * instance holds it.
 */
export const CLAIM_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  return 1
end
return 0
`;

/** KEYS[1] claim key; ARGV[1] owner. Deletes the claim only if the owner holds it. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
