/**
 * Dump files between Tandem and real Redis 7.0, both directions, through the servers themselves: the same commands
 * build the same dataset on both (every type and encoding, binary values, integers, TTLs, several databases); DEBUG
 * DIGEST and DIGEST-VALUE agree; Tandem's SAVE and forkless BGSAVE pass redis-check-rdb and load into redis-server
 * with identical contents; Tandem loads dumps from Redis' SAVE and from `redis-cli --rdb`. Plus a differential corpus
 * of the persistence commands' replies.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../helpers/differential';
import { encodeArgv, plain, type RespClient } from '../helpers/resp-client';
import { type ServerHandle, makeTempDir, requireRedis, startRedis, startTandem, stopAll } from '../helpers/servers';

const enabled = requireRedis('rdb-server interop');
const DEBUG = ['--enable-debug-command', 'yes'];
const DBS = [0, 1, 7, 15];

type Cmd = (string | number)[];

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Commands building a dataset of every type and encoding (deterministic). */
function datasetCommands(seed = 7): Cmd[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const bytes = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(256))).join('');
  const word = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + int(26))).join('');
  const cmds: Cmd[] = [];
  for (const db of DBS) {
    cmds.push(['SELECT', db]);
    const p = `d${db}:`;
    // strings: integer forms, non-canonical numbers, binary, compressible, incompressible, empty
    for (const v of ['0', '-1', '12345', '9223372036854775807', '-9223372036854775808', '007', '+5', '1.5', '', ' 1']) {
      cmds.push(['SET', `${p}str:${v}`, v]);
    }
    cmds.push(['SET', `${p}bin\x00\xff\r\n`, bytes(300)]);
    cmds.push(['SET', `${p}big:text`, 'lorem ipsum '.repeat(5000)]);
    cmds.push(['SET', `${p}big:random`, bytes(20_000)]);
    for (let i = 0; i < 50; i++) cmds.push(['SET', `${p}s:${i}`, i % 2 ? word(5 + int(60)) : int(1_000_000)]);
    // lists: small, long, big elements, integers
    cmds.push(['RPUSH', `${p}list:small`, 'a', '1', '-2', '', bytes(10)]);
    cmds.push(['RPUSH', `${p}list:long`, ...Array.from({ length: 3000 }, (_, i) => (i % 3 ? `item-${i}` : i))]);
    cmds.push(['RPUSH', `${p}list:fat`, ...Array.from({ length: 5 }, () => word(9000))]);
    // hashes: listpack, hashtable by count, hashtable by value length, binary
    cmds.push(['HSET', `${p}hash:small`, 'f1', 'v1', 'n', 42, bytes(5), bytes(7)]);
    cmds.push(['HSET', `${p}hash:many`, ...Array.from({ length: 300 }, (_, i) => [`f${i}`, i]).flat()]);
    cmds.push(['HSET', `${p}hash:long`, 'a', 'x'.repeat(100), 'b', 'y']);
    // sets: intset, hashtable by strings, hashtable by count, big negative ints
    cmds.push(['SADD', `${p}set:int`, 1, 2, 3, -7, 2147483648, '-9223372036854775808']);
    cmds.push(['SADD', `${p}set:str`, 'a', 'b', bytes(4)]);
    cmds.push(['SADD', `${p}set:many`, ...Array.from({ length: 600 }, (_, i) => i * 3)]);
    // zsets: listpack, skiplist by count, skiplist by member length, special scores
    cmds.push(['ZADD', `${p}zset:small`, 1, 'a', 2.5, 'b', '-inf', 'c', 'inf', 'd', -0.1, 'e', 3, 7]);
    cmds.push(['ZADD', `${p}zset:many`, ...Array.from({ length: 200 }, (_, i) => [i / 7, `m${i}`]).flat()]);
    cmds.push(['ZADD', `${p}zset:long`, 1, 'm'.repeat(80), 1e300, 'x', 5e-324, 'tiny']);
    // expiries on every type
    cmds.push(['EXPIRE', `${p}str:12345`, 100_000]);
    cmds.push(['PEXPIRE', `${p}list:small`, 90_000_000]);
    cmds.push(['EXPIREAT', `${p}hash:many`, 4102444800]);
    cmds.push(['EXPIRE', `${p}set:int`, 50_000]);
    cmds.push(['EXPIRE', `${p}zset:long`, 70_000]);
  }
  cmds.push(['SELECT', 0]);
  return cmds;
}

async function run(c: RespClient, cmds: Cmd[]): Promise<unknown[]> {
  c.sendRaw(Buffer.concat(cmds.map((a) => encodeArgv(a.map(String)))));
  const out: unknown[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(plain(await c.next(20_000)));
  return out;
}

interface KeyPicture {
  type: string;
  encoding: string;
  value: unknown;
  /** absolute expire time (PEXPIRETIME): exact across servers and independent of when the picture is taken */
  expireAt: number;
}

/** Every key of the dataset read back through commands: type, encoding, contents, TTL. */
async function picture(c: RespClient): Promise<Map<string, KeyPicture>> {
  const out = new Map<string, KeyPicture>();
  for (const db of DBS) {
    await c.call('SELECT', db);
    const keys = (await c.cmd('KEYS', '*')) as string[];
    for (const k of keys) {
      const [type, encoding, expireAt] = (await run(c, [
        ['TYPE', k],
        ['OBJECT', 'ENCODING', k],
        ['PEXPIRETIME', k],
      ])) as [string, string, number];
      let value: unknown;
      if (type === 'string') value = await c.cmd('GET', k);
      else if (type === 'list') value = await c.cmd('LRANGE', k, 0, -1);
      else if (type === 'set') value = ((await c.cmd('SMEMBERS', k)) as string[]).sort();
      else if (type === 'zset') value = await c.cmd('ZRANGE', k, 0, -1, 'WITHSCORES');
      else {
        const flat = (await c.cmd('HGETALL', k)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
        value = pairs.sort();
      }
      out.set(`${db}:${k}`, { type, encoding, value, expireAt });
    }
  }
  await c.call('SELECT', 0);
  return out;
}

function expectSamePicture(a: Map<string, KeyPicture>, b: Map<string, KeyPicture>, what: string): void {
  expect([...a.keys()].sort(), `${what}: key sets`).toEqual([...b.keys()].sort());
  for (const [k, x] of a) {
    const y = b.get(k)!;
    expect({ ...y, expireAt: 0 }, `${what}: ${JSON.stringify(k)}`).toEqual({ ...x, expireAt: 0 });
    // Both datasets were built with relative EXPIREs a few ms apart: absolute times agree within that.
    if (x.expireAt === -1 || y.expireAt === -1) expect(y.expireAt, `${what}: TTL of ${k}`).toBe(x.expireAt);
    else expect(Math.abs(x.expireAt - y.expireAt), `${what}: TTL of ${k}`).toBeLessThan(10_000);
  }
}

function checkRdb(file: string): string {
  return execFileSync('redis-check-rdb', [file], { encoding: 'latin1' });
}

async function allDigestValues(c: RespClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const db of DBS) {
    await c.call('SELECT', db);
    const keys = ((await c.cmd('KEYS', '*')) as string[]).sort();
    const digests = (await c.cmd('DEBUG', 'DIGEST-VALUE', ...keys)) as string[];
    for (let i = 0; i < keys.length; i++) out.set(`${db}:${keys[i]}`, digests[i]);
  }
  await c.call('SELECT', 0);
  return out;
}

describe.skipIf(!enabled)('RDB files between Tandem and Redis 7.0', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  let ct: RespClient;
  let cr: RespClient;
  let expected: Map<string, KeyPicture>;

  beforeAll(async () => {
    [tandem, redis] = await Promise.all([
      startTandem({ args: DEBUG }),
      // redis-cli --rdb makes Redis start a diskless full sync: no need to wait for more replicas
      startRedis({ args: [...DEBUG, '--repl-diskless-sync-delay', '0'] }),
    ]);
    [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
    const cmds = datasetCommands();
    const [rt, rr] = await Promise.all([run(ct, cmds), run(cr, cmds)]);
    expect(rt).toEqual(rr);
    expected = await picture(cr);
    expect(expected.size).toBe(DBS.length * 75);
  }, 60_000);

  afterAll(async () => {
    ct?.close();
    cr?.close();
    await stopAll();
  });

  it('the same commands give the same dataset, the same DEBUG DIGEST and the same DIGEST-VALUEs', async () => {
    expectSamePicture(await picture(ct), expected, 'live');
    expect(await ct.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    expect(await allDigestValues(ct)).toEqual(await allDigestValues(cr));
  });

  it("Tandem's SAVE passes redis-check-rdb and loads into redis-server with identical contents", async () => {
    expect(await ct.cmd('SAVE')).toBe('OK');
    const file = path.join(tandem.dir, 'dump.rdb');
    expect(checkRdb(file)).toContain('RDB looks OK');
    const dir = makeTempDir('redis-load-');
    fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
    const r2 = await startRedis({ dir, args: DEBUG });
    const c = await r2.client();
    expectSamePicture(await picture(c), expected, 'redis loading tandem');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    c.close();
    await r2.stop();
  });

  it('without compression and checksum too (Redis accepts a zero checksum)', async () => {
    const dir = makeTempDir('tandem-nocomp-');
    const t = await startTandem({ dir, args: [...DEBUG, '--rdbcompression', 'no', '--rdbchecksum', 'no'] });
    const c = await t.client();
    await run(c, datasetCommands());
    expect(await c.cmd('SAVE')).toBe('OK');
    c.close();
    await t.stop();
    const file = path.join(dir, 'dump.rdb');
    const r2 = await startRedis({ dir, args: DEBUG });
    const c2 = await r2.client();
    expect(await c2.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    expect(fs.readFileSync(file).subarray(-8)).toEqual(Buffer.alloc(8));
    expect(r2.output()).toContain('RDB file was saved with checksum disabled: no check performed.');
    c2.close();
    await r2.stop();
  });

  it("Tandem's forkless BGSAVE, with keys of other databases changed mid-way, is a valid image of its start", async () => {
    const dir = makeTempDir('tandem-bg-');
    const t = await startTandem({ dir, args: [...DEBUG, '--rdb-key-save-delay', '300'] });
    const c = await t.client();
    const w = await t.client();
    await run(c, datasetCommands());
    c.sendRaw(Buffer.concat([encodeArgv(['DEBUG', 'DIGEST']), encodeArgv(['BGSAVE'])]));
    const atStart = plain(await c.next());
    expect(plain(await c.next())).toBe('Background saving started');
    // While db 0 drains, change keys of the later databases: they are written early, under their own SELECTDB.
    const changes: Cmd[] = [];
    for (const db of [15, 7, 1, 0]) {
      changes.push(['SELECT', db], ['SET', `d${db}:str:0`, 'changed'], ['DEL', `d${db}:hash:small`]);
      changes.push(['RPUSH', `d${db}:list:long`, 'more'], ['ZADD', `d${db}:zset:many`, 99, 'm1']);
      changes.push(['PERSIST', `d${db}:set:int`], ['SADD', `d${db}:set:str`, 'new']);
    }
    await run(w, changes);
    let stats = new Map<unknown, unknown>();
    for (;;) {
      const flat = (await c.cmd('DEBUG', 'SNAPSHOT-STATS')) as unknown[];
      stats = new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
      if (stats.get('in_progress') === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stats.get('status')).toBe('ok');
    expect(Number(stats.get('preserved_keys'))).toBeGreaterThanOrEqual(20);
    expect(await c.cmd('DEBUG', 'DIGEST')).not.toBe(atStart);
    c.close();
    w.close();
    await t.stop();
    const file = path.join(dir, 'dump.rdb');
    expect(checkRdb(file)).toContain('RDB looks OK');
    const r2 = await startRedis({ dir, args: DEBUG });
    const c2 = await r2.client();
    expect(await c2.cmd('DEBUG', 'DIGEST')).toBe(atStart);
    expectSamePicture(await picture(c2), expected, 'redis loading a tandem bgsave');
    c2.close();
    await r2.stop();
  });

  it("Tandem loads Redis' SAVE and holds the same data, encodings, TTLs and digest", async () => {
    expect(await cr.cmd('SAVE')).toBe('OK');
    const dir = makeTempDir('tandem-load-');
    fs.copyFileSync(path.join(redis.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const t = await startTandem({ dir, args: DEBUG });
    const c = await t.client();
    expectSamePicture(await picture(c), expected, 'tandem loading redis');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    expect(await allDigestValues(c)).toEqual(await allDigestValues(cr));
    expect(t.output()).toMatch(/Loading RDB produced by version 7\.0\.15/);
    c.close();
    await t.stop();
  });

  it('Tandem loads the image `redis-cli --rdb` fetches from Redis', async () => {
    const dir = makeTempDir('tandem-clirdb-');
    execFileSync('redis-cli', ['-p', String(redis.port), '--rdb', path.join(dir, 'dump.rdb')], { stdio: 'ignore' });
    const t = await startTandem({ dir, args: DEBUG });
    const c = await t.client();
    expectSamePicture(await picture(c), expected, 'tandem loading redis-cli --rdb');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    c.close();
    await t.stop();
  });

  it('INFO persistence has the fields of Redis, in the same order', async () => {
    const names = async (c: RespClient) =>
      ((await c.cmd('INFO', 'persistence')) as string)
        .split('\r\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':')[0]);
    expect(await names(ct)).toEqual(await names(cr));
  });
});

// Replies of the persistence commands, including errors, compared byte for byte.
differential(
  'persistence commands',
  {
    errors: [
      ['BGSAVE', 'foo'],
      ['BGSAVE', 'SCHEDULE', 'now'],
      ['SAVE', 'extra'],
      ['LASTSAVE', 'x'],
      ['DEBUG', 'RELOAD', 'FOO'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'bar'],
      ['DEBUG', 'DIGEST', 'extra'],
      ['MULTI'],
      ['SAVE'],
      ['DISCARD'],
    ],
    digests: [
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['DEBUG', 'DIGEST-VALUE', 'missing'],
      ['SET', 'k', 'v'],
      ['RPUSH', 'l', 'a', 'b', '1'],
      ['SADD', 's', '1', '2'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1.5', 'a', '-inf', 'b'],
      ['SET', 'e', 'v', 'EX', '1000'],
      ['DEBUG', 'DIGEST-VALUE', 'k', 'l', 's', 'h', 'z', 'e', 'missing'],
      ['DEBUG', 'DIGEST'],
      ['SELECT', '5'],
      ['SET', 'k', 'v'],
      ['DEBUG', 'DIGEST'],
      ['SELECT', '0'],
    ],
    saves: [
      ['SET', 'k', 'v'],
      ['SAVE'],
      ['DEBUG', 'RELOAD'],
      ['GET', 'k'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['DBSIZE'],
      ['MULTI'],
      ['BGSAVE'],
      ['EXEC'],
      ['COMMAND', 'INFO', 'save', 'bgsave', 'lastsave'],
    ],
  },
  { args: DEBUG },
);

differential(
  'persistence commands (RESP3)',
  {
    resp3: [['SET', 'k', 'v'], ['DEBUG', 'DIGEST-VALUE', 'k', 'nope'], ['DEBUG', 'DIGEST'], ['SAVE'], ['BGSAVE', 'x']],
  },
  { args: DEBUG, resp3: true },
);
