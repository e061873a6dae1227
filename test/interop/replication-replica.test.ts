/**
 * A Tandem replica following a REAL redis-server 7.0 master: full sync in both framings and every load mode, the
 * command stream of every data type converging key by key (type, DEBUG DIGEST-VALUE, PEXPIRETIME), partial resyncs
 * after the link is killed from either side, the replid2 path after the master is replaced by its promoted replica,
 * expired keys hidden but kept until the master's DEL, READONLY / MASTERDOWN, WAIT on the master counting us, AUTH,
 * a restart resuming from the dump's replication fields, a chain through the Tandem replica, and its promotion.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { differential } from '../helpers/differential';
import type { RespClient } from '../helpers/resp-client';
import {
  type ServerHandle,
  type StartOptions,
  requireRedis,
  startRedis as startRedisRaw,
  startTandem as startTandemRaw,
  stopAll,
} from '../helpers/servers';

const enabled = requireRedis('replication replica interop');

// DEBUG DIGEST / DIGEST-VALUE / SET-ACTIVE-EXPIRE are used for comparisons: allow them everywhere.
const withDebug = (o: StartOptions = {}): StartOptions => ({
  ...o,
  args: ['--enable-debug-command', 'yes', ...(o.args ?? [])],
});
const startRedis = (o?: StartOptions) => startRedisRaw(withDebug(o));
const startTandem = (o?: StartOptions) => startTandemRaw(withDebug(o));

/** A reply that must not be an error (comparing two errors would prove nothing). */
async function ok(c: RespClient, ...argv: (string | number)[]): Promise<unknown> {
  const r = await c.cmd(...argv);
  if (r !== null && typeof r === 'object' && 'error' in r)
    throw new Error(`${argv.join(' ')}: ${(r as { error: string }).error}`);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timeout waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(50);
  }
}

async function info(c: RespClient, section = 'replication'): Promise<Record<string, string>> {
  const text = (await c.cmd('INFO', section)) as string;
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Waits until the replica's link is up and it applied everything the master produced. */
async function synced(master: RespClient, replica: RespClient): Promise<void> {
  await waitFor('replica in sync', async () => {
    const m = await info(master);
    const r = await info(replica);
    return r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset;
  });
}

/** Key-by-key comparison of every db: types, values (DEBUG DIGEST-VALUE) and absolute expiry times. */
async function assertSameData(master: RespClient, replica: RespClient): Promise<number> {
  let total = 0;
  for (let db = 0; db < 16; db++) {
    await master.cmd('SELECT', db);
    await replica.cmd('SELECT', db);
    const mk = ((await master.cmd('KEYS', '*')) as string[]).sort();
    const rk = ((await replica.cmd('KEYS', '*')) as string[]).sort();
    expect(rk, `keys of db ${db}`).toEqual(mk);
    for (const k of mk) {
      expect(await replica.cmd('TYPE', k), `type of ${k}`).toBe(await master.cmd('TYPE', k));
      expect(await ok(replica, 'DEBUG', 'DIGEST-VALUE', k), `value of ${k}`).toEqual(
        await ok(master, 'DEBUG', 'DIGEST-VALUE', k),
      );
      expect(await replica.cmd('PEXPIRETIME', k), `expire of ${k}`).toBe(await master.cmd('PEXPIRETIME', k));
    }
    total += mk.length;
  }
  await master.cmd('SELECT', 0);
  await replica.cmd('SELECT', 0);
  expect(await ok(replica, 'DEBUG', 'DIGEST')).toBe(await ok(master, 'DEBUG', 'DIGEST'));
  return total;
}

const BIN = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/** A dataset of every type Tandem stores, over several dbs, with TTLs, binary and big values. */
async function preload(m: RespClient): Promise<void> {
  await m.cmd('SELECT', 0);
  await m.cmd('SET', 'str', 'hello');
  await m.cmd('SET', 'int', '12345');
  await m.cmd('SET', `bin${BIN}`, BIN);
  await m.cmd('SET', 'big', 'x'.repeat(200_000));
  await m.cmd('SET', 'ttl', 'v', 'EX', '1000');
  await m.cmd('RPUSH', 'list', 'a', 'b', 'c', BIN);
  await m.cmd('RPUSH', 'biglist', ...Array.from({ length: 300 }, (_, i) => `item-${i}`));
  await m.cmd('HSET', 'hash', 'f1', 'v1', 'f2', BIN);
  await m.cmd('HSET', 'bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat());
  await m.cmd('SADD', 'intset', '1', '2', '3', '-5');
  await m.cmd('SADD', 'set', 'a', 'b', BIN);
  await m.cmd('ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c');
  await m.cmd('ZADD', 'bigzset', ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat());
  await m.cmd('PEXPIRE', 'hash', '5000000');
  await m.cmd('SELECT', 5);
  await m.cmd('SET', 'in5', 'five');
  await m.cmd('SADD', 'set5', 'x');
  await m.cmd('SELECT', 15);
  await m.cmd('LPUSH', 'in15', 'fifteen');
  await m.cmd('SELECT', 0);
}

/** Writes of every family, across dbs, in and out of transactions and scripts. */
async function workload(m: RespClient, round: number): Promise<void> {
  const r = String(round);
  await m.cmd('SELECT', 0);
  await m.cmd('SET', `s${r}`, r);
  await m.cmd('APPEND', 'str', r);
  await m.cmd('INCR', 'int');
  await m.cmd('INCRBYFLOAT', 'flt', '1.5');
  await m.cmd('SETRANGE', 'str', '1', 'EE');
  await m.cmd('SETEX', `ex${r}`, '500', 'v');
  await m.cmd('SET', `px${r}`, 'v', 'PX', '900000', 'GET');
  await m.cmd('GETSET', 'gs', r);
  await m.cmd('GETEX', 'str', 'EX', '3000');
  await m.cmd('GETEX', 'str', 'PERSIST');
  await m.cmd('SET', 'tmp', 'x');
  await m.cmd('GETDEL', 'tmp');
  await m.cmd('MSET', `m1-${r}`, 'a', `m2-${r}`, BIN);
  await m.cmd('RPUSH', 'list', r);
  await m.cmd('LPOP', 'list');
  await m.cmd('LINSERT', 'list', 'BEFORE', 'c', `ins${r}`);
  await m.cmd('LMOVE', 'biglist', 'list2', 'LEFT', 'RIGHT');
  await m.cmd('LSET', 'list', '0', 'first');
  await m.cmd('LTRIM', 'biglist', '0', '-3');
  await m.cmd('HSET', 'hash', `f${r}`, r);
  await m.cmd('HINCRBYFLOAT', 'hash', 'fl', '0.25');
  await m.cmd('HDEL', 'bighash', `f${round}`);
  await m.cmd('SADD', 'set', r);
  await m.cmd('SPOP', 'intset');
  await m.cmd('SMOVE', 'set', 'set2', 'a');
  await m.cmd('SINTERSTORE', 'inter', 'set', 'set2');
  await m.cmd('ZADD', 'zset', r, `z${r}`);
  await m.cmd('ZINCRBY', 'zset', '0.5', 'a');
  await m.cmd('ZPOPMIN', 'bigzset');
  await m.cmd('ZRANGESTORE', 'zr', 'bigzset', '0', '10');
  await m.cmd('EXPIRE', 'list2', '9000');
  await m.cmd('PEXPIREAT', 'set2', String(Date.now() + 7_000_000));
  await m.cmd('PERSIST', 'ttl');
  await m.cmd('COPY', 'hash', `hcopy${r}`);
  await m.cmd('RENAME', `s${r}`, `renamed${r}`);
  await m.cmd('MULTI');
  await m.cmd('INCR', 'multi-counter');
  await m.cmd('SADD', 'multi-set', r);
  await m.cmd('SELECT', '3');
  await m.cmd('SET', `in3-${r}`, 'x');
  await m.cmd('EXEC');
  await m.cmd('SELECT', 0);
  await m.cmd(
    'EVAL',
    "redis.call('set', KEYS[1], ARGV[1]); redis.call('lpush', KEYS[2], ARGV[1])",
    2,
    `ev${r}`,
    'evl',
    r,
  );
  await m.cmd('MOVE', `m1-${r}`, '7');
  await m.cmd('SELECT', 5);
  await m.cmd('DEL', 'in5');
  await m.cmd('HSET', `h5-${r}`, 'a', 'b');
  await m.cmd('SELECT', 0);
}

const open: RespClient[] = [];
async function client(h: ServerHandle): Promise<RespClient> {
  const c = await h.client();
  open.push(c);
  return c;
}

describe.skipIf(!enabled)('Tandem replica of a real Redis 7.0 master', () => {
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await stopAll();
  });

  const modes: [string, string, string][] = [
    ['yes', 'disabled', 'receiving streamed RDB from master with EOF to disk'],
    ['no', 'disabled', 'receiving \\d+ bytes from master to disk'],
    ['yes', 'swapdb', 'receiving streamed RDB from master with EOF to parser'],
    ['no', 'on-empty-db', 'receiving \\d+ bytes from master to parser'],
  ];
  for (const [diskless, load, line] of modes) {
    it(`full sync (repl-diskless-sync ${diskless}, repl-diskless-load ${load}) then the stream: every type converges`, async () => {
      const master = await startRedis({ args: ['--repl-diskless-sync', diskless, '--repl-diskless-sync-delay', '0'] });
      const m = await client(master);
      await preload(m);
      const tandem = await startTandem({
        args: ['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-load', load],
      });
      const t = await client(tandem);
      await synced(m, t);
      await tandem.waitForLog(new RegExp(`MASTER <-> REPLICA sync: ${line}`));
      await tandem.waitForLog(/MASTER <-> REPLICA sync: Finished with success/);
      expect(await assertSameData(m, t)).toBeGreaterThan(15);
      for (let round = 0; round < 3; round++) await workload(m, round);
      await synced(m, t);
      await assertSameData(m, t);
      const ri = await info(t);
      const mi = await info(m);
      expect(ri.master_replid).toBe(mi.master_replid);
      expect(ri.role).toBe('slave');
      expect(await t.cmd('ROLE')).toEqual([
        'slave',
        '127.0.0.1',
        master.port,
        'connected',
        Number(mi.master_repl_offset),
      ]);
      await master.stop();
      await tandem.stop();
    });
  }

  it('partial resync after the link is killed from either side while writes continue', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await preload(m);
    const tandem = await startTandem({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const t = await client(tandem);
    await synced(m, t);
    const before = await info(m, 'stats');
    let writing = true;
    const writer = (async () => {
      const w = await client(master);
      for (let i = 0; writing; i++) {
        await w.cmd('INCR', 'counter');
        await w.cmd('RPUSH', 'seq', String(i));
        await w.cmd('SELECT', String(i % 4));
        await w.cmd('SET', `k${i % 50}`, String(i));
        await w.cmd('SELECT', '0');
      }
    })();
    await sleep(150);
    expect(await t.cmd('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
    await sleep(300);
    await tandem.waitForLog(/Successful partial resynchronization with master\./);
    expect(await m.cmd('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await sleep(300);
    await waitFor('two partial resyncs', async () => Number((await info(m, 'stats')).sync_partial_ok) === 2);
    writing = false;
    await writer;
    await synced(m, t);
    await assertSameData(m, t);
    const after = await info(m, 'stats');
    expect(after.sync_full).toBe(before.sync_full);
    expect(Number(after.sync_partial_ok) - Number(before.sync_partial_ok)).toBe(2);
    const log = tandem.output();
    expect(log).toMatch(
      /# Connection with master lost\.\n.*\* Caching the disconnected master state\.\n.*\* Reconnecting to MASTER 127\.0\.0\.1:\d+\n/,
    );
    expect(log).toMatch(/Trying a partial resynchronization \(request [0-9a-f]{40}:\d+\)\./);
    expect(log).toMatch(/MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization\./);
    await master.stop();
    await tandem.stop();
  });

  it('authenticates with masterauth / masteruser; a wrong password is retried once corrected', async () => {
    const master = await startRedis({
      args: [
        '--repl-diskless-sync-delay',
        '0',
        '--requirepass',
        'pw',
        '--user',
        'repl',
        'on',
        '>s3cret',
        '~*',
        '+@all',
      ],
    });
    const m = await client(master);
    await m.cmd('AUTH', 'pw');
    await m.cmd('SET', 'secret', 'data');
    const tandem = await startTandem({
      args: ['--replicaof', '127.0.0.1', String(master.port), '--masterauth', 'bad'],
    });
    const t = await client(tandem);
    await tandem.waitForLog(
      /# Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled\./,
    );
    expect((await info(t)).master_link_status).toBe('down');
    expect(await t.cmd('CONFIG', 'SET', 'masteruser', 'repl', 'masterauth', 's3cret')).toBe('OK');
    await synced(m, t);
    expect(await t.cmd('GET', 'secret')).toBe('data');
    const list = (await m.cmd('CLIENT', 'LIST', 'TYPE', 'replica')) as string;
    expect(list).toMatch(/ user=repl /);
    await master.stop();
    await tandem.stop();
  });

  it('expired keys are hidden from clients but kept until the master sends DEL', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await ok(m, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    const tandem = await startTandem({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const t = await client(tandem);
    await synced(m, t);
    await m.cmd('SET', 'soon', 'v', 'PX', '150');
    await m.cmd('SET', 'kept', 'v');
    await synced(m, t);
    expect(await t.cmd('PTTL', 'soon')).toBeGreaterThan(0);
    await sleep(300);
    expect(await t.cmd('GET', 'soon')).toBe(null);
    expect(await t.cmd('EXISTS', 'soon')).toBe(0);
    expect(await t.cmd('TTL', 'soon')).toBe(-2);
    expect(await t.cmd('DBSIZE')).toBe(2);
    expect(await m.cmd('DBSIZE')).toBe(2); // the master itself has not expired it either (no access, no cycle)
    expect(await m.cmd('GET', 'soon')).toBe(null); // lazy expiry on the master: DEL goes down the stream
    await synced(m, t);
    expect(await t.cmd('DBSIZE')).toBe(1);
    await m.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await master.stop();
    await tandem.stop();
  });

  it('READONLY for client writes; MASTERDOWN once the link is down with replica-serve-stale-data no', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    const tandem = await startTandem({
      args: ['--replicaof', '127.0.0.1', String(master.port), '--replica-serve-stale-data', 'no'],
    });
    const t = await client(tandem);
    await synced(m, t);
    expect(await t.call('SET', 'a', 'b')).toEqual({
      t: 'error',
      v: "READONLY You can't write against a read only replica.",
    });
    expect(await t.cmd('GET', 'a')).toBe(null);
    await master.stop();
    await waitFor('link down', async () => (await info(t)).master_link_status === 'down');
    expect(await t.call('GET', 'a')).toEqual({
      t: 'error',
      v: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    });
    const ri = await info(t);
    expect(ri.master_link_down_since_seconds).toMatch(/^\d+$/);
    expect(ri.master_last_io_seconds_ago).toBe('-1');
    expect(await t.cmd('CONFIG', 'SET', 'replica-serve-stale-data', 'yes')).toBe('OK');
    expect(await t.cmd('GET', 'a')).toBe(null);
    await tandem.waitForLog(/# Error condition on socket for SYNC: Connection refused/);
    await tandem.stop();
  });

  it('WAIT and REPLCONF GETACK on the master count the Tandem replica', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    const tandem = await startTandem({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const t = await client(tandem);
    await synced(m, t);
    for (let i = 0; i < 5; i++) {
      await m.cmd('SET', `w${i}`, 'x'.repeat(i * 1000));
      expect(await m.cmd('WAIT', '1', '2000')).toBe(1);
    }
    // WAIT's GETACK is answered with the offset before it (37 bytes behind); the next periodic ACK catches up.
    const mi = await info(m);
    const acked = Number(/offset=(\d+)/.exec(mi.slave0)?.[1]);
    expect([Number(mi.master_repl_offset) - 37, Number(mi.master_repl_offset)]).toContain(acked);
    await waitFor('periodic ACK', async () => {
      const i = await info(m);
      return i.slave0.includes(`offset=${i.master_repl_offset},`);
    });
    await master.stop();
    await tandem.stop();
  });

  it("follows the master's promoted replica: +CONTINUE with a new id (replid2 path)", async () => {
    const a = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const am = await client(a);
    await preload(am);
    const b = await startRedis({ args: ['--replicaof', '127.0.0.1', String(a.port)] });
    const bm = await client(b);
    const tandem = await startTandem({ args: ['--replicaof', '127.0.0.1', String(a.port)] });
    const t = await client(tandem);
    await synced(am, bm);
    await workload(am, 0);
    await synced(am, t);
    await synced(am, bm);
    const oldId = (await info(am)).master_replid;
    // B becomes the master; the Tandem replica moves to it and continues where it was.
    expect(await bm.cmd('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const newId = (await info(bm)).master_replid;
    expect(newId).not.toBe(oldId);
    expect(await t.cmd('REPLICAOF', '127.0.0.1', String(b.port))).toBe('OK');
    await workload(bm, 1);
    await synced(bm, t);
    await assertSameData(bm, t);
    const ti = await info(t);
    expect(ti.master_replid).toBe(newId);
    expect(ti.master_replid2).toBe(oldId);
    expect((await info(bm, 'stats')).sync_partial_ok).toBe('1');
    expect((await info(bm, 'stats')).sync_full).toBe('0');
    await tandem.waitForLog(new RegExp(`# Master replication ID changed to ${newId}`));
    expect(await t.cmd('REPLICAOF', '127.0.0.1', String(b.port))).toBe('OK Already connected to specified master');
    await a.stop();
    await b.stop();
    await tandem.stop();
  });

  it('a Tandem master with data turned replica tries its own history, then takes the full copy', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await m.cmd('SET', 'from-master', '1');
    const tandem = await startTandem();
    const t = await client(tandem);
    await t.cmd('SET', 'local', '1');
    const ownId = (await info(t)).master_replid;
    expect(await t.cmd('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK');
    await synced(m, t);
    expect(await t.cmd('KEYS', '*')).toEqual(['from-master']);
    const log = tandem.output();
    expect(log).toMatch(/Before turning into a replica, using my own master parameters to synthesize a cached master/);
    expect(log).toMatch(new RegExp(`Trying a partial resynchronization \\(request ${ownId}:1\\)\\.`));
    expect(log).toMatch(/Full resync from master: [0-9a-f]{40}:\d+/);
    // Back to master: the data stays, the history shifts.
    const before = await info(t);
    expect(await t.cmd('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const after = await info(t);
    expect(after.role).toBe('master');
    expect(after.master_replid2).toBe(before.master_replid);
    expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
    expect(await t.cmd('GET', 'from-master')).toBe('1');
    expect(await t.cmd('SET', 'writable', 'again')).toBe('OK');
    await tandem.waitForLog(/MASTER MODE enabled \(user request from 'id=\d+ /);
    await master.stop();
    await tandem.stop();
  });

  it('a restarted replica whose dump holds repl-id / repl-offset resumes with a partial resync', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await preload(m);
    const args = ['--replicaof', '127.0.0.1', String(master.port)];
    const first = await startTandem({ args });
    const t1 = await client(first);
    await synced(m, t1);
    await workload(m, 0);
    await m.cmd('SELECT', '9');
    await m.cmd('SET', 'in9', 'x');
    await synced(m, t1);
    const off = (await info(t1)).master_repl_offset;
    expect(await t1.cmd('SAVE')).toBe('OK');
    await first.stop();
    // the master goes on; the stream continues in db 9 without a new SELECT
    await m.cmd('SET', 'while-down', '1');
    const second = await startTandem({ args, dir: first.dir });
    const t2 = await client(second);
    await synced(m, t2);
    await m.cmd('SET', 'after', '2');
    await synced(m, t2);
    await assertSameData(m, t2);
    const stats = await info(m, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('1');
    const log = second.output();
    expect(log).toMatch(/Before turning into a replica, using my own master parameters to synthesize a cached master/);
    expect(log).toContain(
      `Trying a partial resynchronization (request ${(await info(m)).master_replid}:${Number(off) + 1}).`,
    );
    await master.stop();
    await second.stop();
  });

  it('chained: real master -> Tandem replica -> real replica gets the same data', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await preload(m);
    const tandem = await startTandem({
      args: ['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '0'],
    });
    const t = await client(tandem);
    await synced(m, t);
    const sub = await startRedis({ args: ['--replicaof', '127.0.0.1', String(tandem.port)] });
    const s = await client(sub);
    await synced(t, s);
    for (let round = 0; round < 2; round++) await workload(m, round);
    await synced(m, t);
    await synced(t, s);
    await assertSameData(m, s);
    // Same stream, same offsets, same history all along the chain.
    expect((await info(s)).master_replid).toBe((await info(m)).master_replid);
    expect((await info(s)).master_repl_offset).toBe((await info(m)).master_repl_offset);
    await master.stop();
    await sub.stop();
    await tandem.stop();
  });

  it('REPLICAOF NO ONE on the Tandem replica: another replica re-pointed at it continues partially', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const m = await client(master);
    await preload(m);
    const tandem = await startTandem({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const t = await client(tandem);
    const other = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const o = await client(other);
    await workload(m, 0);
    await synced(m, t);
    await synced(m, o);
    // The master dies (its last bytes, a GETACK sent while shutting down, reach both replicas), then the Tandem
    // replica is promoted and the other one follows it.
    await master.stop();
    await waitFor('both replicas at the same offset', async () => {
      const [ti, oi] = [await info(t), await info(o)];
      return ti.master_link_status === 'down' && ti.slave_repl_offset === oi.slave_repl_offset;
    });
    expect(await t.cmd('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await o.cmd('REPLICAOF', '127.0.0.1', String(tandem.port))).toBe('OK');
    await t.cmd('SET', 'after-failover', '1');
    await synced(t, o);
    expect(await o.cmd('GET', 'after-failover')).toBe('1');
    expect((await info(t, 'stats')).sync_partial_ok).toBe('1');
    expect((await info(t, 'stats')).sync_full).toBe('0');
    await other.stop();
    await tandem.stop();
  });
});

// REPLICAOF / SLAVEOF replies and errors, byte for byte (port 1: nothing listens there, the link stays down).
differential('REPLICAOF command', {
  errors: [
    ['REPLICAOF'],
    ['REPLICAOF', 'a'],
    ['REPLICAOF', 'no', 'one', 'x'],
    ['REPLICAOF', '127.0.0.1', 'abc'],
    ['REPLICAOF', '127.0.0.1', '65536'],
    ['REPLICAOF', '127.0.0.1', '-1'],
    ['REPLICAOF', '127.0.0.1', ' 1'],
    ['REPLICAOF', '127.0.0.1', '01'],
    ['REPLICAOF', '127.0.0.1', '1.0'],
    ['REPLICAOF', '127.0.0.1', ''],
    ['SLAVEOF'],
    ['SLAVEOF', 'x', '99999999999999999999'],
    ['COMMAND', 'INFO', 'replicaof', 'slaveof'],
  ],
  'no one on a master': [['REPLICAOF', 'no', 'one'], ['REPLICAOF', 'NO', 'ONE'], ['SLAVEOF', 'No', 'One'], ['ROLE']],
  'becoming a replica and back': [
    ['SET', 'k', 'v'],
    ['REPLICAOF', '127.0.0.1', '1'],
    { cmd: ['ROLE'], mode: 'shape' },
    ['SET', 'a', 'b'],
    ['GET', 'k'],
    ['REPLICAOF', '127.0.0.1', '1'],
    ['REPLICAOF', 'LOCALHOST', '1'],
    ['SLAVEOF', '127.0.0.1', '1'],
    ['CONFIG', 'GET', 'replicaof'],
    ['REPLICAOF', 'no', 'one'],
    ['CONFIG', 'GET', 'replicaof'],
    ['SET', 'a', 'b'],
    ['GET', 'k'],
  ],
});
