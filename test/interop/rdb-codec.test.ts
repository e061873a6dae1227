/**
 * RDB codec against real Redis 7.0: Redis writes dumps of every type/encoding (SAVE, DEBUG RELOAD, redis-cli --rdb)
 * that we decode and compare with what Redis reports; our encodings of Redis' values must equal DUMP byte for byte
 * (or RESTORE to the same DEBUG DIGEST-VALUE); files we encode must pass redis-check-rdb and load into redis-server
 * with identical contents.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDouble } from '../../src/protocol/numbers';
import { type RdbContents, RdbDecoder, decodeRdb } from '../../src/persistence/rdb/decoder';
import { decodeDump, encodeDump } from '../../src/persistence/rdb/dump';
import { type RdbEncodeOptions, RdbEncoder } from '../../src/persistence/rdb/encoder';
import type { RdbEntry, RdbValue } from '../../src/persistence/rdb/types';
import type { RespClient } from '../helpers/resp-client';
import { type ServerHandle, makeTempDir, requireRedis, startRedis } from '../helpers/servers';

const enabled = requireRedis('rdb-codec interop');

// ---------------------------------------------------------------------------------------------------------------
// Data set: one description drives both Redis (through commands) and our encoder.

interface Item {
  db: number;
  key: string;
  value: RdbValue;
  expireMs: number;
  /** Redis config needed while the key is created (list node layout is fixed at creation) */
  listOpts?: Partial<RdbEncodeOptions>;
}

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
const LIBRARY = "#!lua name=rdblib\nredis.register_function('rdbf', function() return 'rdb' end)";

function dataset(seed: number): Item[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const word = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + int(6))).join('');
  const bytes = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(256))).join('');
  /** text with repetition: compressible by LZF in varying degrees */
  const texty = (n: number) => {
    let s = '';
    while (s.length < n) s += r() < 0.5 ? word(1 + int(8)) : ['lorem ', 'ipsum ', 'dolor '][int(3)];
    return s.slice(0, n);
  };
  const items: Item[] = [];
  const add = (key: string, value: RdbValue, db = 0, expireMs = -1, listOpts?: Partial<RdbEncodeOptions>) =>
    items.push({ db, key, value, expireMs, listOpts });

  // strings: int forms, non-canonical numbers, binary, LZF-compressible and not
  for (const v of ['hello', '12345', '-42', '127', '-128', '32768', '2147483647', '2147483648', '-2147483649']) {
    add(`str:${v}`, v);
  }
  for (const v of ['9223372036854775807', '-9223372036854775808', '007', '-0', '+5', '1.5', '', ' 1']) {
    add(`str:odd:${v}`, v);
  }
  add('str:bin', ALL_BYTES);
  add('str:aaaa', 'a'.repeat(1000));
  add('str:big', texty(300_000));
  for (let i = 0; i < 120; i++) add(`str:lzf:${i}`, i % 3 === 0 ? bytes(21 + int(200)) : texty(15 + int(3000)));
  add('12345', 'int-like key');
  add('\x00\xffkey\r\n', 'binary key');
  add('str:ttl', 'expiring', 0, 4102444800000);

  // lists: small, long, large elements, mixed ints, binary; plus config-dependent layouts
  add('list:small', { type: 'list', items: ['a', 'b', '1', '-5', '1000000', '', '9223372036854775807'] });
  add('list:long', { type: 'list', items: Array.from({ length: 20000 }, (_, i) => (i % 3 ? `item-${i}` : `${i}`)) });
  add('list:sizes', { type: 'list', items: Array.from({ length: 600 }, () => texty(int(3000))) });
  add('list:huge-elements', { type: 'list', items: Array.from({ length: 8 }, () => texty(9000 + int(20000))) });
  add('list:bin', { type: 'list', items: [ALL_BYTES, bytes(100), '\x00'] });
  const mixed = Array.from({ length: 400 }, () => (r() < 0.5 ? String(int(1e9) - 5e8) : word(1 + int(40))));
  add('list:fill5', { type: 'list', items: mixed }, 0, -1, { listMaxListpackSize: 5 });
  add('list:fill-1', { type: 'list', items: mixed }, 0, -1, { listMaxListpackSize: -1 });
  add('list:fill-5', { type: 'list', items: mixed.concat(mixed, mixed) }, 0, -1, { listMaxListpackSize: -5 });
  add('list:depth1', { type: 'list', items: Array.from({ length: 3000 }, (_, i) => `v${i % 50}`) }, 0, -1, {
    listCompressDepth: 1,
  });
  add('list:depth2', { type: 'list', items: Array.from({ length: 5000 }, () => texty(1 + int(30))) }, 0, -1, {
    listCompressDepth: 2,
  });
  add('list:plain', { type: 'list', items: ['s1', texty(1500), 's2', 's3', 'x'.repeat(1200), 's4'] }, 0, -1, {
    listPackedThreshold: 1000,
  });

  // sets: intsets of each width, hashtable sets
  add('set:int16', { type: 'set', members: Array.from({ length: 100 }, (_, i) => String(i * 3 - 50)) });
  add('set:int32', { type: 'set', members: ['1', '70000', '-70000'] });
  add('set:int64', { type: 'set', members: ['9223372036854775807', '-9223372036854775808', '0', '5000000000'] });
  add('set:ints600', { type: 'set', members: Array.from({ length: 600 }, (_, i) => String(i)) });
  add('set:strings', { type: 'set', members: Array.from({ length: 200 }, (_, i) => `m${i}-${word(5)}`) });
  add('set:mixed', { type: 'set', members: ['1', '2', 'x', '007'] });
  add('set:bin', { type: 'set', members: [ALL_BYTES, '\x00', ''] });

  // hashes: listpack and hashtable (too many fields / too long values)
  add('hash:small', {
    type: 'hash',
    entries: [
      ['f', 'v'],
      ['n', '42'],
      ['neg', '-7'],
      ['big', '123456789012'],
      ['empty', ''],
    ],
  });
  add('hash:many', {
    type: 'hash',
    entries: Array.from({ length: 500 }, (_, i): [string, string] => [`field:${i}`, `value:${i}`]),
  });
  add('hash:longval', { type: 'hash', entries: [['f', 'v'.repeat(65)]] });
  add('hash:bin', { type: 'hash', entries: [[ALL_BYTES.slice(0, 60), ALL_BYTES.slice(200)]] });
  add('hash:ttl', { type: 'hash', entries: [['a', '1']] }, 0, 4102444800123);

  // zsets: every score shape in a listpack; skiplist by size and by member length
  add('zset:scores', {
    type: 'zset',
    entries: [
      ['one', 1],
      ['half', 2.5],
      ['tenth', 0.1],
      ['third', 1 / 3],
      ['inf', Number.POSITIVE_INFINITY],
      ['-inf', Number.NEGATIVE_INFINITY],
      ['neg', -3],
      ['big', 1e20],
      ['2^53+2', 2 ** 53 + 2],
      ['2^62', 2 ** 62],
      ['small', 5e-324],
      ['same1', 7],
      ['same0', 7],
    ],
  });
  add('zset:many', {
    type: 'zset',
    entries: Array.from({ length: 300 }, (_, i): [string, number] => [`m${i}`, Math.round(r() * 1000) / 8]),
  });
  add('zset:longmember', {
    type: 'zset',
    entries: [
      ['x'.repeat(65), 1],
      ['y', -0],
    ],
  });

  // other databases, with expiries
  for (let i = 0; i < 20; i++) add(`db1:${i}`, `v${i}`, 1, i % 2 ? 4102444800000 + i : -1);
  add('db5:list', { type: 'list', items: ['x', 'y'] }, 5);
  add('db15:set', { type: 'set', members: ['a'] }, 15);
  return items;
}

const arg = (s: string) => Buffer.from(s, 'latin1');

/** Commands creating `it` in Redis (the caller selects the db and applies listOpts). */
function commandsFor(it: Item): Buffer[][] {
  const k = arg(it.key);
  const v = it.value;
  const cmds: Buffer[][] = [];
  if (typeof v === 'string') cmds.push([arg('SET'), k, arg(v)]);
  else if (v.type === 'list') {
    for (let i = 0; i < v.items.length; i += 1000) cmds.push([arg('RPUSH'), k, ...v.items.slice(i, i + 1000).map(arg)]);
  } else if (v.type === 'set') cmds.push([arg('SADD'), k, ...v.members.map(arg)]);
  else if (v.type === 'hash') cmds.push([arg('HSET'), k, ...v.entries.flat().map(arg)]);
  else if (v.type === 'zset')
    cmds.push([arg('ZADD'), k, ...v.entries.flatMap(([m, s]) => [arg(formatDouble(s)), arg(m)])]);
  if (it.expireMs !== -1) cmds.push([arg('PEXPIREAT'), k, arg(String(it.expireMs))]);
  return cmds;
}

async function pipeline(c: RespClient, cmds: (string | Buffer)[][]): Promise<void> {
  for (const cmd of cmds) c.send(...cmd);
  for (const cmd of cmds) {
    const r = await c.next(20_000);
    if (r.t === 'error') throw new Error(`${cmd[0]} failed: ${r.v}`);
  }
}

async function populate(c: RespClient, items: Item[]): Promise<void> {
  await pipeline(c, [['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]]);
  for (const it of items) {
    const setup: string[][] = [['SELECT', String(it.db)]];
    const o = it.listOpts;
    if (o?.listMaxListpackSize !== undefined)
      setup.push(['CONFIG', 'SET', 'list-max-listpack-size', String(o.listMaxListpackSize)]);
    if (o?.listCompressDepth !== undefined)
      setup.push(['CONFIG', 'SET', 'list-compress-depth', String(o.listCompressDepth)]);
    if (o?.listPackedThreshold !== undefined)
      setup.push(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', String(o.listPackedThreshold)]);
    const restore: string[][] = o
      ? [
          ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
          ['CONFIG', 'SET', 'list-compress-depth', '0'],
          ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
        ]
      : [];
    await pipeline(c, [...setup, ...commandsFor(it), ...restore]);
  }
  await pipeline(c, [['SELECT', '0']]);
}

// ---------------------------------------------------------------------------------------------------------------
// What Redis reports about a key, and the same shape computed from an RdbValue.

interface KeyView {
  type: string;
  encoding: string;
  value: unknown;
  expireMs: number;
}

const scoreText = (s: number, encoding: string) => formatDouble(encoding === 'listpack' ? s + 0 : s);

function viewOf(v: RdbValue, encoding: string): unknown {
  if (typeof v === 'string') return v;
  switch (v.type) {
    case 'list':
      return v.items;
    case 'set':
      return [...v.members].sort();
    case 'hash':
      return v.entries.map(([f, x]) => `${f}\u0001${x}`).sort();
    case 'zset':
      return [...v.entries]
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([m, s]) => `${m}\u0001${scoreText(s, encoding)}`);
    default:
      return v;
  }
}

async function fetchKey(c: RespClient, key: string): Promise<KeyView> {
  const k = arg(key);
  const type = String(await c.cmd('TYPE', k));
  const encoding = String(await c.cmd('OBJECT', 'ENCODING', k));
  const expireMs = Number(await c.cmd('PEXPIRETIME', k));
  let value: unknown;
  const pairs = (a: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < a.length; i += 2) out.push(`${a[i]}\u0001${a[i + 1]}`);
    return out;
  };
  if (type === 'string') value = await c.cmd('GET', k);
  else if (type === 'list') value = await c.cmd('LRANGE', k, '0', '-1');
  else if (type === 'set') value = ((await c.cmd('SMEMBERS', k)) as string[]).sort();
  else if (type === 'hash') value = pairs((await c.cmd('HGETALL', k)) as string[]).sort();
  else if (type === 'zset') value = pairs((await c.cmd('ZRANGE', k, '0', '-1', 'WITHSCORES')) as string[]);
  return { type, encoding, value, expireMs };
}

/** OBJECT ENCODING each RDB type loads as (with default thresholds). */
const ENCODING_OF_RDB_TYPE: Record<number, string[]> = {
  0: ['embstr', 'int', 'raw'],
  2: ['hashtable'],
  4: ['hashtable'],
  5: ['skiplist'],
  11: ['intset'],
  16: ['listpack'],
  17: ['listpack'],
  18: ['quicklist'],
};

function hintFor(v: RdbValue, encoding: string): RdbValue {
  if (typeof v === 'string' || v.type === 'list' || v.type === 'raw') return v;
  return { ...v, encoding } as RdbValue;
}

async function keysOf(c: RespClient, db: number): Promise<string[]> {
  await c.cmd('SELECT', String(db));
  return ((await c.cmd('KEYS', '*')) as string[]).sort();
}

/** Every key of `entries` matches what the server reports, and the server has no other keys. */
async function expectServerHolds(
  c: RespClient,
  entries: RdbEntry[],
  dbs: number[],
  checkEncoding = true,
): Promise<void> {
  for (const db of dbs) {
    const mine = entries.filter((e) => e.db === db);
    expect(await keysOf(c, db)).toEqual(mine.map((e) => e.key).sort());
    for (const e of mine) {
      const got = await fetchKey(c, e.key);
      if (checkEncoding) {
        expect(ENCODING_OF_RDB_TYPE[e.rdbType], `${e.key} rdbType ${e.rdbType}`).toContain(got.encoding);
      }
      expect({ key: e.key, value: viewOf(e.value, got.encoding), expireMs: e.expireMs }).toEqual({
        key: e.key,
        value: got.value,
        expireMs: got.expireMs,
      });
    }
  }
  await c.cmd('SELECT', '0');
}

const DBS = [0, 1, 5, 15];

describe.skipIf(!enabled)('RDB codec vs real Redis 7.0', () => {
  let redis: ServerHandle;
  let c: RespClient;
  const items = dataset(20240601);

  beforeAll(async () => {
    redis = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    c = await redis.client();
    await populate(c, items);
  });

  afterAll(async () => {
    c?.close();
    await redis?.stop();
  });

  const dumpFile = () => fs.readFileSync(path.join(redis.dir, 'dump.rdb'));

  it('decodes a SAVE dump: every key, value, encoding and expiry as Redis reports them', async () => {
    expect(await c.cmd('SAVE')).toBe('OK');
    const r = decodeRdb(dumpFile());
    expect(r.version).toBe(10);
    expect(r.functions).toEqual([LIBRARY]);
    expect(Object.fromEntries(r.aux)).toMatchObject({ 'redis-ver': '7.0.15', 'redis-bits': '64', 'aof-base': '0' });
    expect(r.entries.length).toBe(items.length);
    expect(r.summary.expires).toBe(items.filter((i) => i.expireMs !== -1).length);
    await expectServerHolds(c, r.entries, DBS);
    // the types Redis chose cover every 7.0 encoding
    expect(new Set(r.entries.map((e) => e.rdbType))).toEqual(new Set([0, 2, 4, 5, 11, 16, 17, 18]));
  });

  it('decodes the same dump fed in random chunk sizes identically', () => {
    const img = dumpFile();
    const whole = decodeRdb(img).entries;
    const r = rng(99);
    for (let round = 0; round < 3; round++) {
      const got: RdbEntry[] = [];
      const d = new RdbDecoder({ entry: (e) => got.push(e) });
      let i = 0;
      while (i < img.length) {
        const n = 1 + Math.floor(r() * (round === 0 ? 16 : round === 1 ? 5000 : 200_000));
        d.push(img.subarray(i, i + n));
        i += n;
      }
      d.end();
      expect(got).toEqual(whole);
    }
  });

  it('decodes the image produced by redis-cli --rdb (replication AUX fields included)', async () => {
    const out = path.join(makeTempDir('rdb-cli-'), 'cli.rdb');
    execFileSync('redis-cli', ['-p', String(redis.port), '--rdb', out], { stdio: 'ignore' });
    const r = decodeRdb(fs.readFileSync(out));
    const aux = Object.fromEntries(r.aux);
    expect(aux['repl-id']).toMatch(/^[0-9a-f]{40}$/);
    expect(aux['repl-stream-db']).toBeDefined();
    expect(aux['repl-offset']).toMatch(/^\d+$/);
    await expectServerHolds(c, r.entries, DBS);
  });

  it('decodes the dump written by DEBUG RELOAD and Redis reloaded the same data', async () => {
    expect(await c.cmd('DEBUG', 'RELOAD')).toBe('OK');
    await expectServerHolds(c, decodeRdb(dumpFile()).entries, DBS);
  });

  it('encodes every value exactly as DUMP does, or to the same DEBUG DIGEST-VALUE for hash-ordered types', async () => {
    const entries = decodeRdb(dumpFile()).entries.filter((e) => e.db === 0);
    let exact = 0;
    let restored = 0;
    for (const e of entries) {
      const encoding = String(await c.cmd('OBJECT', 'ENCODING', arg(e.key)));
      const it = items.find((i) => i.key === e.key && i.db === 0)!;
      const mine = encodeDump(hintFor(e.value, encoding), it.listOpts);
      if (encoding !== 'hashtable') {
        const theirs = Buffer.from((await c.cmd('DUMP', arg(e.key))) as string, 'latin1');
        expect(mine.toString('hex'), `DUMP ${JSON.stringify(e.key)} (${encoding})`).toBe(theirs.toString('hex'));
        exact++;
      }
      const copy = arg(`copy:${e.key}`);
      // (the digest covers the expire too, so restore with the same absolute TTL)
      const ttl = e.expireMs === -1 ? [] : ['ABSTTL'];
      expect(await c.cmd('RESTORE', copy, String(Math.max(0, e.expireMs)), mine, 'REPLACE', ...ttl)).toBe('OK');
      expect(await c.cmd('OBJECT', 'ENCODING', copy)).toBe(encoding);
      expect(await c.cmd('DEBUG', 'DIGEST-VALUE', copy), e.key).toEqual(
        await c.cmd('DEBUG', 'DIGEST-VALUE', arg(e.key)),
      );
      await c.cmd('DEL', copy);
      restored++;
    }
    expect(exact).toBeGreaterThan(150);
    expect(restored).toBe(entries.length);
  });

  it('decodes DUMP payloads of every encoding', async () => {
    for (const it of items.filter((i) => i.db === 0)) {
      const payload = Buffer.from((await c.cmd('DUMP', arg(it.key))) as string, 'latin1');
      const encoding = String(await c.cmd('OBJECT', 'ENCODING', arg(it.key)));
      const v = decodeDump(payload)!;
      expect(viewOf(v, encoding)).toEqual((await fetchKey(c, it.key)).value);
    }
  });

  it('decodes dumps with LFU counters, LRU idle times, and without compression', async () => {
    await c.cmd('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await c.cmd('SAVE');
    const lfu = decodeRdb(dumpFile()).entries;
    expect(lfu.every((e) => e.freq >= 0 && e.idle === -1)).toBe(true);
    await c.cmd('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await c.cmd('SAVE');
    const lru = decodeRdb(dumpFile()).entries;
    expect(lru.every((e) => e.idle >= 0 && e.freq === -1)).toBe(true);
    await c.cmd('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await c.cmd('CONFIG', 'SET', 'rdbcompression', 'no');
    await c.cmd('SAVE');
    await c.cmd('CONFIG', 'SET', 'rdbcompression', 'yes');
    const img = dumpFile();
    expect(img.includes(Buffer.from('a'.repeat(1000)))).toBe(true);
    await expectServerHolds(c, decodeRdb(img).entries, DBS);
  });

  it('decodes a dump written with rdbchecksum no', async () => {
    const srv = await startRedis({ args: ['--rdbchecksum', 'no'] });
    try {
      const rc = await srv.client();
      await populate(
        rc,
        items.filter((i) => i.db === 1 || i.key.startsWith('zset:')),
      );
      await rc.cmd('SAVE');
      const img = fs.readFileSync(path.join(srv.dir, 'dump.rdb'));
      expect(img.readBigUInt64LE(img.length - 8)).toBe(0n);
      const r = decodeRdb(img);
      expect(r.summary.checksum).toBe(0n);
      await expectServerHolds(rc, r.entries, [0, 1]);
      rc.close();
    } finally {
      await srv.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Files we write, read by Redis.

function writeImage(file: string, items: Item[], opts: RdbEncodeOptions = {}): RdbContents {
  const fd = fs.openSync(file, 'w');
  const enc = new RdbEncoder((chunk) => fs.writeSync(fd, chunk), { chunkSize: 4096, ...opts });
  enc.begin({ usedMem: 1234567 });
  enc.func(LIBRARY);
  for (const db of DBS) {
    const inDb = items.filter((i) => i.db === db);
    enc.selectDb(db, inDb.length, inDb.filter((i) => i.expireMs !== -1).length);
    for (const it of inDb) enc.entry(it.key, it.value, it.expireMs);
  }
  enc.end();
  fs.closeSync(fd);
  return decodeRdb(fs.readFileSync(file));
}

describe.skipIf(!enabled)('RDB files written by the encoder, loaded by Redis 7.0', () => {
  const items = dataset(777);
  // list layout options are per key in Redis; in a file they just shape the nodes, any layout loads
  const variants: [string, RdbEncodeOptions][] = [
    ['defaults', {}],
    ['no compression, no checksum', { compression: false, checksum: false }],
    [
      'compressed list nodes, PLAIN nodes, small nodes',
      { listCompressDepth: 1, listPackedThreshold: 2000, listMaxListpackSize: 7 },
    ],
    [
      'everything as hashtable/skiplist',
      { hashMaxListpackEntries: 0, zsetMaxListpackEntries: 0, setMaxIntsetEntries: 0 },
    ],
  ];

  for (const [name, opts] of variants) {
    it(`${name}: redis-check-rdb accepts it and redis-server loads identical contents`, async () => {
      const dir = makeTempDir('rdb-ours-');
      const file = path.join(dir, 'ours.rdb');
      const written = writeImage(file, items, opts);
      expect(written.entries.length).toBe(items.length);

      const check = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('RDB looks OK');
      expect(check.stdout).toContain(
        opts.checksum === false ? 'RDB file was saved with checksum disabled' : 'Checksum OK',
      );
      expect(check.stdout).toContain(`${items.length} keys read`);

      const srv = await startRedis({ dir, args: ['--dbfilename', 'ours.rdb'] });
      try {
        const rc = await srv.client();
        // what we wrote is what we meant to write ...
        for (const it of items) {
          const e = written.entries.find((x) => x.db === it.db && x.key === it.key)!;
          expect(viewOf(e.value, 'any')).toEqual(viewOf(it.value, 'any'));
        }
        // ... and Redis holds exactly that, in the encoding we chose
        // (with non-default thresholds Redis re-encodes small values on load, so encodings are not compared)
        await expectServerHolds(rc, written.entries, DBS, !name.startsWith('everything'));
        const libs = (await rc.cmd('FUNCTION', 'LIST')) as unknown[][];
        expect(JSON.stringify(libs)).toContain('rdblib');
        expect(await rc.cmd('FCALL', 'rdbf', '0')).toBe('rdb');
        rc.close();
      } finally {
        await srv.stop();
      }
    });
  }

  it('an empty data set is a valid file', async () => {
    const dir = makeTempDir('rdb-empty-');
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((c) => chunks.push(c));
    enc.begin();
    enc.end();
    fs.writeFileSync(path.join(dir, 'empty.rdb'), Buffer.concat(chunks));
    const check = spawnSync('redis-check-rdb', [path.join(dir, 'empty.rdb')], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    const srv = await startRedis({ dir, args: ['--dbfilename', 'empty.rdb'] });
    const rc = await srv.client();
    expect(await rc.cmd('DBSIZE')).toBe(0);
    rc.close();
    await srv.stop();
  });
});
