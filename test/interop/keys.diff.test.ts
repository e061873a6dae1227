/**
 * Generic key commands replayed on Tandem and real Redis 7.0. Every group uses its own key prefix so groups stay
 * independent. SCAN is compared separately: cursors differ by design, so both servers are iterated to completion
 * and the sets of keys returned must match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffCase, differential } from '../helpers/differential';
import type { Reply, RespClient } from '../helpers/resp-client';
import { type ServerHandle, requireRedis, startRedis, startTandem } from '../helpers/servers';

const BIN = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]);
const ttl = (...cmd: string[]): DiffCase => ({ cmd, mode: 'ttl' });
const shape = (...cmd: string[]): DiffCase => ({ cmd, mode: 'shape' });
const unordered = (...cmd: string[]): DiffCase => ({ cmd, mode: 'unordered' });

differential('keys', {
  del_exists: [
    ['SET', 'd:a', '1'],
    ['SET', 'd:b', '2'],
    ['EXISTS', 'd:a'],
    ['EXISTS', 'd:a', 'd:a', 'd:b', 'd:nokey'],
    ['DEL', 'd:a', 'd:a', 'd:nokey'],
    ['EXISTS', 'd:a'],
    ['DEL', 'd:nokey'],
    ['SET', 'd:a', '1'],
    ['UNLINK', 'd:a', 'd:b', 'd:b'],
    ['UNLINK', 'd:a'],
    ['SET', BIN, 'v'],
    ['EXISTS', BIN],
    ['DEL', BIN],
    ['HSET', 'd:h', 'f', 'v'],
    ['RPUSH', 'd:l', 'a'],
    ['SADD', 'd:s', 'a'],
    ['ZADD', 'd:z', '1', 'a'],
    ['EXISTS', 'd:h', 'd:l', 'd:s', 'd:z'],
    ['DEL', 'd:h', 'd:l', 'd:s', 'd:z'],
    ['EXISTS', 'd:h', 'd:l', 'd:s', 'd:z'],
    ['DEL'],
    ['UNLINK'],
    ['EXISTS'],
  ],
  touch_type: [
    ['SET', 't:s', 'v'],
    ['HSET', 't:h', 'f', 'v'],
    ['RPUSH', 't:l', 'a'],
    ['SADD', 't:set', 'a'],
    ['ZADD', 't:z', '1', 'a'],
    ['TYPE', 't:s'],
    ['TYPE', 't:h'],
    ['TYPE', 't:l'],
    ['TYPE', 't:set'],
    ['TYPE', 't:z'],
    ['TYPE', 't:nokey'],
    ['TYPE'],
    ['TYPE', 't:s', 't:h'],
    ['TOUCH', 't:s', 't:h', 't:l', 't:nokey', 't:s'],
    ['TOUCH', 't:nokey'],
    ['TOUCH'],
  ],
  keys_pattern: [
    ['MSET', 'kp:one', '1', 'kp:two', '2', 'kp:three', '3', 'kp:a', '4', 'kp:b', '5', 'kp:[x]', '6', 'kp:*', '7'],
    ['HSET', 'kp:hash', 'f', 'v'],
    unordered('KEYS', 'kp:*'),
    unordered('KEYS', 'kp:?'),
    unordered('KEYS', 'kp:t*'),
    unordered('KEYS', 'kp:[ab]'),
    unordered('KEYS', 'kp:[^a]'),
    unordered('KEYS', 'kp:[a-c]'),
    unordered('KEYS', 'kp:\\[x\\]'),
    unordered('KEYS', 'kp:\\*'),
    unordered('KEYS', 'KP:*'),
    unordered('KEYS', 'kp:*e'),
    unordered('KEYS', 'kp:*o*'),
    unordered('KEYS', 'kp:[x'),
    ['KEYS', 'nomatch:*'],
    ['KEYS'],
    ['KEYS', 'a', 'b'],
    { cmd: ['SET', 'kp:short', 'v', 'PX', '30'], sleepAfter: 80 },
    unordered('KEYS', 'kp:s*'),
  ],
  randomkey: [
    ['RANDOMKEY', 'extra'],
    ['SELECT', '9'],
    ['RANDOMKEY'],
    ['SET', 'rk:only', 'v'],
    ['RANDOMKEY'],
    ['DEL', 'rk:only'],
    ['SELECT', '0'],
    ['SET', 'rk:a', '1'],
    shape('RANDOMKEY'),
  ],
  rename: [
    ['RENAME', 'rn:nokey', 'rn:x'],
    ['RENAMENX', 'rn:nokey', 'rn:x'],
    ['RENAME', 'rn:nokey', 'rn:nokey'],
    ['SET', 'rn:a', '1'],
    ['RENAME', 'rn:a', 'rn:a'],
    ['RENAMENX', 'rn:a', 'rn:a'],
    ['GET', 'rn:a'],
    ['SET', 'rn:b', '2'],
    ['RENAMENX', 'rn:a', 'rn:b'],
    ['RENAME', 'rn:a', 'rn:b'],
    ['GET', 'rn:b'],
    ['EXISTS', 'rn:a'],
    ['RENAMENX', 'rn:b', 'rn:c'],
    ['GET', 'rn:c'],
    ['SET', 'rn:t', 'v', 'EX', '100'],
    ['RENAME', 'rn:t', 'rn:t2'],
    ttl('TTL', 'rn:t2'),
    ['SET', 'rn:u', 'v'],
    ['RENAME', 'rn:u', 'rn:t2'],
    ['TTL', 'rn:t2'],
    ['HSET', 'rn:h', 'f', 'v'],
    ['RENAME', 'rn:h', 'rn:c'],
    ['TYPE', 'rn:c'],
    ['HGET', 'rn:c', 'f'],
    ['RENAME', 'rn:c', BIN],
    ['TYPE', BIN],
    ['RENAME', 'rn:a'],
    ['RENAMENX', 'rn:a', 'b', 'c'],
  ],
  move: [
    ['MOVE', 'mv:nokey', '0'],
    ['MOVE', 'mv:nokey', 'abc'],
    ['MOVE', 'mv:nokey', '99'],
    ['MOVE', 'mv:nokey', '1'],
    ['SET', 'mv:a', '1'],
    ['MOVE', 'mv:a', '0'],
    ['MOVE', 'mv:a', '16'],
    ['MOVE', 'mv:a', '-1'],
    ['MOVE', 'mv:a', '99999999999'],
    ['MOVE', 'mv:a', '1.5'],
    ['MOVE', 'mv:a', '1'],
    ['EXISTS', 'mv:a'],
    ['SELECT', '1'],
    ['GET', 'mv:a'],
    ['SET', 'mv:b', 'in1'],
    ['SELECT', '0'],
    ['SET', 'mv:b', 'in0'],
    ['MOVE', 'mv:b', '1'],
    ['GET', 'mv:b'],
    ['SET', 'mv:t', 'v', 'EX', '100'],
    ['MOVE', 'mv:t', '2'],
    ['SELECT', '2'],
    ttl('TTL', 'mv:t'),
    ['DEL', 'mv:t'],
    ['SELECT', '1'],
    ['DEL', 'mv:a', 'mv:b'],
    ['SELECT', '0'],
    ['MOVE', 'mv:b'],
  ],
  copy: [
    ['SET', 'cp:a', 'v'],
    ['COPY', 'cp:a', 'cp:b'],
    ['GET', 'cp:b'],
    ['COPY', 'cp:a', 'cp:b'],
    ['SET', 'cp:a', 'w'],
    ['COPY', 'cp:a', 'cp:b', 'REPLACE'],
    ['GET', 'cp:b'],
    ['COPY', 'cp:a', 'cp:a'],
    ['COPY', 'cp:a', 'cp:a', 'DB', '0'],
    ['COPY', 'cp:a', 'cp:a', 'DB', '1'],
    ['COPY', 'cp:nokey', 'cp:nokey'],
    ['COPY', 'cp:nokey', 'cp:x'],
    ['COPY', 'cp:a', 'cp:c', 'DB', '16'],
    ['COPY', 'cp:a', 'cp:c', 'DB', '-1'],
    ['COPY', 'cp:a', 'cp:c', 'DB', 'abc'],
    ['COPY', 'cp:a', 'cp:c', 'DB', '99999999999'],
    ['COPY', 'cp:a', 'cp:c', 'DB', '999999999999999999999'],
    ['COPY', 'cp:a', 'cp:c', 'DB'],
    ['COPY', 'cp:a', 'cp:c', 'FOO'],
    ['COPY', 'cp:a', 'cp:c', 'REPLACE', 'FOO'],
    ['COPY', 'cp:a', 'cp:c', 'replace', 'replace'],
    ['COPY', 'cp:a', 'cp:d', 'DB', '1', 'DB', '2'],
    ['SELECT', '2'],
    ['GET', 'cp:d'],
    ['DEL', 'cp:d'],
    ['SELECT', '0'],
    ['COPY', 'cp:a', 'cp:e', 'db', '1'],
    ['COPY', 'cp:a', 'cp:e', 'db', '1'],
    ['COPY', 'cp:a', 'cp:e', 'db', '1', 'replace'],
    ['SELECT', '1'],
    ['GET', 'cp:e'],
    ['DEL', 'cp:a', 'cp:e'],
    ['SELECT', '0'],
    ['SET', 'cp:t', 'v', 'EX', '100'],
    ['COPY', 'cp:t', 'cp:t2'],
    ttl('TTL', 'cp:t2'),
    ['SET', 'cp:t3', 'x', 'EX', '50'],
    ['COPY', 'cp:a', 'cp:t3', 'REPLACE'],
    ['TTL', 'cp:t3'],
    ['HSET', 'cp:h', 'f1', 'v1', 'f2', 'v2'],
    ['COPY', 'cp:h', 'cp:h2'],
    ['HSET', 'cp:h', 'f3', 'v3'],
    ['HLEN', 'cp:h'],
    ['HLEN', 'cp:h2'],
    ['HGET', 'cp:h2', 'f1'],
    ['RPUSH', 'cp:l', 'a', 'b', 'c'],
    ['COPY', 'cp:l', 'cp:l2'],
    ['LPOP', 'cp:l'],
    ['LRANGE', 'cp:l2', '0', '-1'],
    ['SADD', 'cp:s', '1', '2', '3'],
    ['COPY', 'cp:s', 'cp:s2'],
    ['SREM', 'cp:s', '1'],
    ['SCARD', 'cp:s2'],
    ['ZADD', 'cp:z', '1', 'a', '2', 'b'],
    ['COPY', 'cp:z', 'cp:z2'],
    ['ZADD', 'cp:z', '5', 'a'],
    ['ZRANGE', 'cp:z2', '0', '-1', 'WITHSCORES'],
    ['COPY', 'cp:h', 'cp:a', 'REPLACE'],
    ['TYPE', 'cp:a'],
    ['COPY', 'cp:a'],
  ],
  expire_errors: [
    ['SET', 'ex:b', '1'],
    ['EXPIRE', 'ex:b', '100', 'NX', 'XX'],
    ['EXPIRE', 'ex:b', '100', 'GT', 'LT'],
    ['EXPIRE', 'ex:b', '100', 'NX', 'GT'],
    ['EXPIRE', 'ex:b', '100', 'NX', 'LT'],
    ['EXPIRE', 'ex:b', '100', 'LT', 'NX'],
    ['EXPIRE', 'ex:b', '100', 'FOO'],
    ['EXPIRE', 'ex:b', '100', 'gt', 'lt', 'foo'],
    ['EXPIRE', 'ex:b', 'abc'],
    ['EXPIRE', 'ex:b', 'abc', 'NX', 'XX'],
    ['EXPIRE', 'ex:b', 'abc', 'FOO'],
    ['EXPIRE', 'ex:b', '1.5'],
    ['EXPIRE', 'ex:b', ''],
    ['EXPIRE', 'ex:nokey', 'abc'],
    ['EXPIRE', 'ex:nokey', '10', 'FOO'],
    ['EXPIRE', 'ex:nokey', '10', 'NX', 'XX'],
    ['EXPIRE', 'ex:nokey', '100'],
    ['PEXPIRE', 'ex:nokey', '100'],
    ['EXPIREAT', 'ex:nokey', '100'],
    ['PEXPIREAT', 'ex:nokey', '100'],
    ['EXPIRE', 'ex:b', '9223372036854775807'],
    ['PEXPIRE', 'ex:b', '9223372036854775807'],
    ['EXPIREAT', 'ex:b', '9223372036854775807'],
    ['PEXPIRE', 'ex:b', '9223372036854775806'],
    ['EXPIRE', 'ex:b', '9223372036854775'],
    ['EXPIRE', 'ex:b', '-9223372036854775808'],
    ['EXPIRE', 'ex:b', '-9223372036854776'],
    ['EXPIREAT', 'ex:b', '-9223372036854775808'],
    ['EXPIRE', 'ex:b', '99999999999999999999'],
    ['TTL', 'ex:b'],
    ['EXPIRE', 'ex:b'],
    ['PEXPIREAT', 'ex:b'],
    ['TTL'],
    ['PERSIST'],
  ],
  expire_semantics: [
    ['SET', 'es:n', 'x'],
    ['TTL', 'es:n'],
    ['PTTL', 'es:n'],
    ['EXPIRETIME', 'es:n'],
    ['PEXPIRETIME', 'es:n'],
    ['TTL', 'es:nokey'],
    ['PTTL', 'es:nokey'],
    ['EXPIRETIME', 'es:nokey'],
    ['PEXPIRETIME', 'es:nokey'],
    ['EXPIRE', 'es:n', '100', 'XX'],
    ['EXPIRE', 'es:n', '100', 'GT'],
    ['EXPIRE', 'es:n', '100', 'LT'],
    ttl('TTL', 'es:n'),
    ['EXPIRE', 'es:n', '50', 'GT'],
    ['EXPIRE', 'es:n', '200', 'GT'],
    ttl('TTL', 'es:n'),
    ['EXPIRE', 'es:n', '300', 'LT'],
    ['EXPIRE', 'es:n', '10', 'LT'],
    ttl('TTL', 'es:n'),
    ['EXPIRE', 'es:n', '20', 'XX'],
    ['EXPIRE', 'es:n', '1', 'NX'],
    ['EXPIRE', 'es:n', '30', 'xx', 'gt'],
    ['EXPIRE', 'es:n', '25', 'XX', 'GT'],
    ['EXPIRE', 'es:n', '20', 'lt', 'XX'],
    ttl('TTL', 'es:n'),
    ['PERSIST', 'es:n'],
    ['PERSIST', 'es:n'],
    ['PERSIST', 'es:nokey'],
    ['TTL', 'es:n'],
    ['EXPIRE', 'es:n', '10', 'NX'],
    ['PERSIST', 'es:n'],
    ['EXPIREAT', 'es:n', '4102444800'],
    ['EXPIRETIME', 'es:n'],
    ['PEXPIRETIME', 'es:n'],
    ['PEXPIREAT', 'es:n', '4102444800123'],
    ['EXPIRETIME', 'es:n'],
    ['PEXPIRETIME', 'es:n'],
    ['EXPIREAT', 'es:n', '4102444801', 'LT'],
    ['EXPIREAT', 'es:n', '4102444801', 'GT'],
    ['PEXPIRETIME', 'es:n'],
    ['PEXPIRE', 'es:n', '100000'],
    ttl('TTL', 'es:n'),
    ['PEXPIREAT', 'es:n', '9223372036854775807'],
    ['PEXPIRETIME', 'es:n'],
    ['EXPIRE', 'es:n', '-1', 'GT'],
    ['EXISTS', 'es:n'],
    ['SET', 'es:n', 'x'],
    ['EXPIRE', 'es:n', '-1', 'GT'],
    ['EXPIRE', 'es:n', '-1', 'LT'],
    ['EXISTS', 'es:n'],
    ['SET', 'es:n', '1'],
    ['EXPIRE', 'es:n', '0', 'XX'],
    ['EXPIRE', 'es:n', '0', 'NX'],
    ['EXISTS', 'es:n'],
    ['SET', 'es:n', '1'],
    ['EXPIREAT', 'es:n', '1', 'NX'],
    ['EXISTS', 'es:n'],
    ['SET', 'es:n', '1'],
    ['PEXPIRE', 'es:n', '-9223372036854775808'],
    ['EXISTS', 'es:n'],
    ['SET', 'es:n', '1'],
    ['PEXPIREAT', 'es:n', '0'],
    ['GET', 'es:n'],
    ['HSET', 'es:h', 'f', 'v'],
    ['EXPIRE', 'es:h', '100'],
    ttl('TTL', 'es:h'),
    ['PERSIST', 'es:h'],
    ['TTL', 'es:h'],
    { cmd: ['PEXPIRE', 'es:h', '30'], sleepAfter: 80 },
    ['TTL', 'es:h'],
    ['EXISTS', 'es:h'],
    ['HGET', 'es:h', 'f'],
    ['SET', 'es:r', 'v', 'EX', '100'],
    ttl('TTL', 'es:r'),
    ['SET', 'es:r', 'v2'],
    ['TTL', 'es:r'],
  ],
  object: [
    ['SET', 'o:s', 'abc'],
    ['OBJECT', 'ENCODING', 'o:s'],
    ['OBJECT', 'encoding', 'o:s'],
    ['OBJECT', 'REFCOUNT', 'o:s'],
    ['OBJECT', 'FREQ', 'o:s'],
    ['OBJECT', 'ENCODING', 'o:nokey'],
    ['OBJECT', 'REFCOUNT', 'o:nokey'],
    ['OBJECT', 'FREQ', 'o:nokey'],
    ['OBJECT', 'IDLETIME', 'o:nokey'],
    ['OBJECT', 'HELP'],
    ['OBJECT', 'help'],
    ['OBJECT', 'HELP', 'x'],
    ['OBJECT', 'ENCODING'],
    ['OBJECT', 'ENCODING', 'o:s', 'o:t'],
    ['OBJECT', 'NOSUCH'],
    ['OBJECT', 'NOSUCH', 'o:s'],
    ['OBJECT'],
    ['HSET', 'o:h', 'f', 'v'],
    ['OBJECT', 'ENCODING', 'o:h'],
    ['OBJECT', 'REFCOUNT', 'o:h'],
    ['SADD', 'o:is', '1', '2'],
    ['OBJECT', 'ENCODING', 'o:is'],
    ['RPUSH', 'o:l', 'a'],
    ['OBJECT', 'ENCODING', 'o:l'],
    ['ZADD', 'o:z', '1', 'a'],
    ['OBJECT', 'ENCODING', 'o:z'],
  ],
});

differential(
  'keys (RESP3)',
  {
    resp3: [
      ['RANDOMKEY'],
      ['SET', 'k3:a', 'v'],
      ['TYPE', 'k3:a'],
      ['TYPE', 'k3:nokey'],
      ['OBJECT', 'ENCODING', 'k3:nokey'],
      ['OBJECT', 'ENCODING', 'k3:a'],
      ['OBJECT', 'HELP'],
      ['KEYS', 'k3:*'],
      ['TTL', 'k3:a'],
      ['COPY', 'k3:a', 'k3:b'],
    ],
  },
  { resp3: true },
);

differential(
  'keys (lfu policy)',
  {
    lfu: [
      ['SET', 'lf:a', '5'],
      ['OBJECT', 'IDLETIME', 'lf:a'],
      ['OBJECT', 'IDLETIME', 'lf:nokey'],
      ['OBJECT', 'FREQ', 'lf:nokey'],
    ],
  },
  { args: ['--maxmemory-policy', 'allkeys-lfu'] },
);

/** Iterates SCAN to completion, returning every key reported (with repeats removed) or the error text. */
async function scanAll(c: RespClient, extra: string[]): Promise<string[] | string> {
  const seen = new Set<string>();
  let cursor = '0';
  for (let i = 0; i < 100000; i++) {
    const r: Reply = await c.call('SCAN', cursor, ...extra);
    if (r.t === 'error') return r.v;
    if (r.t !== 'array' || !r.v) throw new Error(`unexpected SCAN reply ${JSON.stringify(r)}`);
    const [cur, keys] = r.v;
    if (cur.t !== 'bulk' || keys.t !== 'array' || !keys.v) throw new Error('bad SCAN reply shape');
    for (const k of keys.v) if (k.t === 'bulk' && k.v !== null) seen.add(k.v);
    cursor = cur.v as string;
    if (cursor === '0') return [...seen].sort();
  }
  throw new Error('SCAN did not terminate');
}

const enabled = requireRedis('differential keys SCAN');
describe.skipIf(!enabled)('differential: SCAN iterated to completion', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  let ct: RespClient;
  let cr: RespClient;
  beforeAll(async () => {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
    [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
    for (const c of [ct, cr]) {
      const args: string[] = [];
      for (let i = 0; i < 300; i++) args.push(`sc:str:${i}`, String(i));
      await c.call('MSET', ...args);
      for (let i = 0; i < 40; i++) await c.call('HSET', `sc:hash:${i}`, 'f', 'v');
      for (let i = 0; i < 25; i++) await c.call('RPUSH', `sc:list:${i}`, 'a');
      for (let i = 0; i < 20; i++) await c.call('SADD', `sc:set:${i}`, 'a');
      for (let i = 0; i < 15; i++) await c.call('ZADD', `sc:zset:${i}`, '1', 'a');
      await c.call('SET', Buffer.from([0x73, 0x63, 0x3a, 0, 0xff]), 'bin');
      await c.call('SET', 'sc:gone', 'v', 'PX', '20');
    }
    await new Promise((r) => setTimeout(r, 60));
  });
  afterAll(async () => {
    ct?.close();
    cr?.close();
    await Promise.all([tandem?.stop(), redis?.stop()]);
  });

  const cases: [string, string[]][] = [
    ['no options', []],
    ['COUNT 1', ['COUNT', '1']],
    ['COUNT 1000', ['COUNT', '1000']],
    ['MATCH sc:str:1*', ['MATCH', 'sc:str:1*']],
    ['MATCH sc:*:1? COUNT 7', ['MATCH', 'sc:*:1?', 'COUNT', '7']],
    ['MATCH with binary prefix', ['MATCH', 'sc:\x00*']],
    ['TYPE string', ['TYPE', 'string']],
    ['TYPE hash', ['TYPE', 'hash']],
    ['TYPE LIST', ['TYPE', 'LIST']],
    ['TYPE set', ['TYPE', 'set']],
    ['TYPE zset MATCH sc:zset:1*', ['TYPE', 'zset', 'MATCH', 'sc:zset:1*']],
    ['TYPE unknown', ['TYPE', 'nosuchtype']],
    ['MATCH nothing', ['MATCH', 'zzz*']],
    ['COUNT 0', ['COUNT', '0']],
    ['COUNT -1', ['COUNT', '-1']],
    ['COUNT abc', ['COUNT', 'abc']],
    ['MATCH without pattern', ['MATCH']],
    ['unknown option', ['FOO', 'bar']],
  ];
  for (const [name, extra] of cases) {
    it(name, async () => {
      const [a, b] = await Promise.all([scanAll(ct, extra), scanAll(cr, extra)]);
      expect(a).toEqual(b);
    });
  }

  it('invalid cursors', async () => {
    for (const cur of ['abc', '18446744073709551616', '1.5', ' 1']) {
      const [a, b] = await Promise.all([ct.call('SCAN', cur), cr.call('SCAN', cur)]);
      expect(a, cur).toEqual(b);
    }
    const [a, b] = await Promise.all([ct.call('SCAN'), cr.call('SCAN')]);
    expect(a).toEqual(b);
  });
});
