/**
 * Real redis-server 7.0 replicas following a Tandem master: full sync in both framings, one snapshot shared by two
 * replicas, partial resync, backlog overflow, a stalled replica over the output buffer limit, WAIT, min-replicas,
 * expiry, redis-cli --rdb / --replica, and FAILOVER to a real replica. Convergence is checked key by key and with
 * DEBUG DIGEST (Tandem's digest is Redis').
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { requireRedis, type ServerHandle, startRedis, startTandem, stopAll } from '../helpers/servers';

const enabled = requireRedis('replication primary interop');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handles: ServerHandle[] = [];
const clients: RespClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of handles.splice(0)) {
    h.proc.kill('SIGCONT');
    await h.stop('SIGKILL');
  }
});
afterAll(stopAll);

function info(text: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of String(text).split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

async function section(c: RespClient, name: string): Promise<Map<string, string>> {
  return info(await c.cmd('INFO', name));
}

async function until(what: string, test: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function tandemMaster(args: string[] = []): Promise<{ h: ServerHandle; c: RespClient }> {
  const h = await startTandem({ args: ['--enable-debug-command', 'yes', ...args] });
  handles.push(h);
  const c = await h.client();
  clients.push(c);
  return { h, c };
}

async function redisReplica(masterPort: number, args: string[] = []): Promise<{ h: ServerHandle; c: RespClient }> {
  const h = await startRedis({
    args: ['--replicaof', '127.0.0.1', String(masterPort), '--enable-debug-command', 'yes', ...args],
  });
  handles.push(h);
  const c = await h.client();
  clients.push(c);
  return { h, c };
}

/** Waits until the replica applied everything the master produced. */
async function caughtUp(m: RespClient, r: RespClient, timeoutMs = 20000): Promise<void> {
  await until(
    'the replica to catch up',
    async () => {
      const ri = await section(r, 'replication');
      if (ri.get('master_link_status') !== 'up') return false;
      const mi = await section(m, 'replication');
      return ri.get('slave_repl_offset') === mi.get('master_repl_offset');
    },
    timeoutMs,
  );
}

/** Every key of every db with type, value and TTL presence, as plain JSON. */
async function dataset(c: RespClient): Promise<string> {
  const out: Record<string, unknown> = {};
  for (let db = 0; db < 16; db++) {
    await c.cmd('SELECT', String(db));
    const keys = ((await c.cmd('KEYS', '*')) as string[]).sort();
    for (const k of keys) {
      const type = (await c.cmd('TYPE', k)) as string;
      let v: unknown;
      if (type === 'string') v = await c.cmd('GET', k);
      else if (type === 'list') v = await c.cmd('LRANGE', k, '0', '-1');
      else if (type === 'hash') v = ((await c.cmd('HGETALL', k)) as string[]).join('\0').split('\0').sort();
      else if (type === 'set') v = ((await c.cmd('SMEMBERS', k)) as string[]).sort();
      else if (type === 'zset') v = await c.cmd('ZRANGE', k, '0', '-1', 'WITHSCORES');
      const ttl = (await c.cmd('PTTL', k)) as number;
      out[`${db}:${k}`] = { type, v, ttl: ttl > 0 ? 'ttl' : ttl };
    }
  }
  await c.cmd('SELECT', '0');
  return JSON.stringify(out);
}

async function sameData(m: RespClient, r: RespClient): Promise<void> {
  await caughtUp(m, r);
  expect(await dataset(r)).toBe(await dataset(m));
  expect(await r.cmd('DEBUG', 'DIGEST')).toBe(await m.cmd('DEBUG', 'DIGEST'));
}

const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0x80, 0x7f]).toString('latin1');

/** Writes of every type, several dbs, transactions, expiries and rewritten commands. */
async function workload(c: RespClient, tag: string): Promise<void> {
  const k = (s: string) => `${tag}:${s}`;
  const cmds: (string | number)[][] = [
    ['SET', k('s'), 'v'],
    ['APPEND', k('s'), 'w'],
    ['SET', k('bin'), bin],
    ['SET', k('n'), '10'],
    ['INCRBY', k('n'), '5'],
    ['INCRBYFLOAT', k('f'), '1.5'],
    ['SETRANGE', k('r'), '3', 'abc'],
    ['SET', k('ex'), 'v', 'EX', '1000'],
    ['SETEX', k('ex2'), '1000', 'v'],
    ['SET', k('px'), 'v', 'PX', '900000', 'GET'],
    ['GETEX', k('s'), 'PX', '800000'],
    ['GETDEL', k('r')],
    ['GETSET', k('gs'), 'x'],
    ['MSET', k('m1'), '1', k('m2'), '2'],
    ['EXPIRE', k('m1'), '500'],
    ['PERSIST', k('m1')],
    ['RPUSH', k('l'), 'a', 'b', 'c', 'd'],
    ['LPUSH', k('l'), 'z'],
    ['LPOP', k('l')],
    ['LINSERT', k('l'), 'BEFORE', 'c', 'bb'],
    ['LSET', k('l'), '0', 'A'],
    ['RPOPLPUSH', k('l'), k('l2')],
    ['HSET', k('h'), 'f1', 'v1', 'f2', 'v2'],
    ['HINCRBY', k('h'), 'n', '3'],
    ['HINCRBYFLOAT', k('h'), 'x', '0.25'],
    ['HDEL', k('h'), 'f1'],
    ['SADD', k('set'), 'a', 'b', 'c', '1'],
    ['SADD', k('iset'), '1', '2', '3'],
    ['SREM', k('set'), 'b'],
    ['SPOP', k('iset')],
    ['SMOVE', k('set'), k('set2'), 'a'],
    ['ZADD', k('z'), '1', 'a', '2', 'b', '3.5', 'c'],
    ['ZINCRBY', k('z'), '10', 'a'],
    ['ZPOPMIN', k('z')],
    ['ZUNIONSTORE', k('zu'), '1', k('z')],
    ['RENAME', k('gs'), k('gs2')],
    ['SELECT', '3'],
    ['SET', k('db3'), 'x'],
    ['HSET', k('db3h'), 'a', '1'],
    ['SELECT', '0'],
    ['MULTI'],
    ['INCR', k('tx')],
    ['RPUSH', k('txl'), 'q'],
    ['EXEC'],
    ['MULTI'],
    ['SET', k('tx1'), 'only'],
    ['EXEC'],
  ];
  for (const cmd of cmds) await c.cmd(...cmd);
  // big collections: hashtable / skiplist / big list encodings
  const h: string[] = [];
  const z: string[] = [];
  const s: string[] = [];
  for (let i = 0; i < 700; i++) {
    h.push(`f${i}`, `v${i}`);
    z.push(String(i * 1.5), `m${i}`);
    s.push(`e${i}`);
  }
  await c.cmd('HSET', k('bigh'), ...h);
  await c.cmd('ZADD', k('bigz'), ...z);
  await c.cmd('SADD', k('bigs'), ...s);
  await c.cmd('RPUSH', k('bigl'), ...s);
  await c.cmd('SET', k('bigstr'), 'x'.repeat(100_000));
}

describe.skipIf(!enabled)('real Redis 7.0 replicas of a Tandem master', () => {
  it('diskless full sync, then the stream: every type converges; INFO replication has Redis fields in order', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    await workload(m.c, 'pre');
    const r = await redisReplica(m.h.port);
    await workload(m.c, 'post');
    await sameData(m.c, r.c);
    expect(m.h.output()).toContain('Starting BGSAVE for SYNC with target: replicas sockets');
    expect(r.h.output()).toContain('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF');
    // INFO replication: the same fields, in the same order, as a Redis master with one replica
    const rm = await startRedis();
    handles.push(rm);
    const rr = await redisReplica(rm.port);
    const rmc = await rm.client();
    clients.push(rmc);
    await caughtUp(rmc, rr.c);
    const names = (t: unknown) =>
      String(t)
        .split('\r\n')
        .map((l) => l.split(':')[0]);
    expect(names(await m.c.cmd('INFO', 'replication'))).toEqual(names(await rmc.cmd('INFO', 'replication')));
    const slave0 = (await section(m.c, 'replication')).get('slave0');
    expect(slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.h.port},state=online,offset=\\d+,lag=\\d+$`));
    const role = (await m.c.cmd('ROLE')) as [string, number, string[][]];
    expect(role[0]).toBe('master');
    expect(role[2]).toEqual([['127.0.0.1', String(r.h.port), expect.stringMatching(/^\d+$/)]]);
  });

  it('disk-based full sync with writes during the snapshot', async () => {
    const m = await tandemMaster(['--repl-diskless-sync', 'no', '--rdb-key-save-delay', '200']);
    await workload(m.c, 'pre');
    for (let i = 0; i < 2000; i++) await m.c.cmd('SET', `k${i}`, String(i));
    const r = await redisReplica(m.h.port);
    await until('the snapshot to start', () => m.h.output().includes('Starting BGSAVE for SYNC with target: disk'));
    for (let i = 0; i < 300; i++) await m.c.cmd('INCR', `k${i}`);
    await workload(m.c, 'during');
    await sameData(m.c, r.c);
    expect(r.h.output()).toMatch(/MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk/);
  });

  it('two replicas arriving within repl-diskless-sync-delay share one snapshot; WAIT counts both', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '2']);
    await workload(m.c, 'pre');
    const [a, b] = await Promise.all([redisReplica(m.h.port), redisReplica(m.h.port)]);
    await sameData(m.c, a.c);
    await sameData(m.c, b.c);
    expect(m.h.output().match(/Starting BGSAVE for SYNC/g)?.length).toBe(1);
    expect((await section(m.c, 'stats')).get('sync_full')).toBe('2');
    expect((await section(m.c, 'replication')).get('connected_slaves')).toBe('2');
    await m.c.cmd('SET', 'waited', '1');
    expect(await m.c.cmd('WAIT', '2', '5000')).toBe(2);
    expect(await a.c.cmd('GET', 'waited')).toBe('1');
    expect(await b.c.cmd('GET', 'waited')).toBe('1');
  });

  it('partial resync after the link is killed while writes continue', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    await workload(m.c, 'pre');
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    const before = await section(m.c, 'stats');
    let stop = false;
    const writer = (async () => {
      const w = await m.h.client();
      clients.push(w);
      while (!stop) await w.cmd('INCR', 'counter');
    })();
    await sleep(100);
    await r.c.cmd('CLIENT', 'KILL', 'TYPE', 'master');
    await sleep(300);
    await r.c.cmd('CLIENT', 'KILL', 'TYPE', 'master');
    await sleep(300);
    stop = true;
    await writer;
    await sameData(m.c, r.c);
    const after = await section(m.c, 'stats');
    expect(Number(after.get('sync_partial_ok'))).toBe(Number(before.get('sync_partial_ok')) + 2);
    expect(after.get('sync_full')).toBe(before.get('sync_full'));
    expect(r.h.output()).toContain('Successful partial resynchronization with master.');
  });

  it('writes beyond the backlog force a full resync', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0', '--repl-backlog-size', '16384']);
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    r.h.proc.kill('SIGSTOP');
    await m.c.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    for (let i = 0; i < 100; i++) await m.c.cmd('SET', `big${i}`, 'y'.repeat(1000));
    r.h.proc.kill('SIGCONT');
    await sameData(m.c, r.c);
    expect(m.h.output()).toMatch(/Unable to partial resync with replica 127\.0\.0\.1:\d+ for lack of backlog/);
    expect((await section(m.c, 'stats')).get('sync_full')).toBe('2');
  });

  it('a stalled replica over the output buffer limit is dropped and logged; the master stays healthy; it resyncs', async () => {
    const m = await tandemMaster([
      '--repl-diskless-sync-delay',
      '0',
      '--client-output-buffer-limit',
      'replica 4mb 1mb 2',
    ]);
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    r.h.proc.kill('SIGSTOP');
    const value = 'z'.repeat(512 * 1024);
    let maxPingMs = 0;
    for (let i = 0; i < 200 && !m.h.output().includes('overcoming of output buffer limits'); i++) {
      await m.c.cmd('SET', `v${i % 8}`, value);
      const t0 = performance.now();
      await m.c.cmd('PING');
      maxPingMs = Math.max(maxPingMs, performance.now() - t0);
    }
    await until('the disconnection', () => m.h.output().includes('overcoming of output buffer limits'));
    expect(m.h.output()).toMatch(/Client id=\d+ addr=127\.0\.0\.1:\d+ .*flags=S .*scheduled to be closed ASAP/);
    expect(m.h.output()).toMatch(/Connection with replica 127\.0\.0\.1:\d+ lost\./);
    expect(maxPingMs).toBeLessThan(100);
    expect((await section(m.c, 'replication')).get('connected_slaves')).toBe('0');
    r.h.proc.kill('SIGCONT');
    await sameData(m.c, r.c);
  });

  it('min-replicas-to-write refuses writes once the replica is gone', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    await m.c.cmd('CONFIG', 'SET', 'min-replicas-to-write', '1');
    expect(await m.c.cmd('SET', 'a', '1')).toBe('OK');
    expect((await section(m.c, 'replication')).get('min_slaves_good_slaves')).toBe('1');
    await r.c.cmd('SHUTDOWN', 'NOSAVE').catch(() => {});
    await until('the replica gone', async () => (await section(m.c, 'replication')).get('connected_slaves') === '0');
    expect(await m.c.cmd('SET', 'a', '2')).toEqual({ error: 'NOREPLICAS Not enough good replicas to write.' });
    expect(await m.c.cmd('GET', 'a')).toBe('1');
  });

  it("the master's DEL of expired keys reaches the replica", async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    for (let i = 0; i < 20; i++) await m.c.cmd('SET', `t${i}`, 'v', 'PX', '150');
    await m.c.cmd('SET', 'keep', 'v');
    await caughtUp(m.c, r.c);
    expect(await r.c.cmd('DBSIZE')).toBe(21);
    await until('expired keys deleted on the replica', async () => (await r.c.cmd('DBSIZE')) === 1, 10000);
    expect(await r.c.cmd('GET', 'keep')).toBe('v');
    await sameData(m.c, r.c);
  });

  it('redis-cli --rdb and --replica', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    await workload(m.c, 'pre');
    const file = path.join(m.h.dir, 'cli.rdb');
    const res = spawnSync('redis-cli', ['-p', String(m.h.port), '--rdb', file], { encoding: 'utf8', timeout: 20000 });
    expect(res.status).toBe(0);
    expect(res.stderr + res.stdout).toContain('Transfer finished with success');
    const check = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
    expect(check.stdout).toContain('RDB looks OK');
    const cli = spawn('redis-cli', ['-p', String(m.h.port), '--replica']);
    let out = '';
    cli.stdout.on('data', (d) => {
      out += d.toString();
    });
    cli.stderr.on('data', (d) => {
      out += d.toString();
    });
    try {
      await until('the replica mode', () => out.includes('Logging commands from master'));
      await sleep(1500); // redis-cli sends its ACK a second after the payload
      await m.c.cmd('SET', 'seen-by-cli', '1');
      await until('the command in the output', () => out.includes('"SET","seen-by-cli","1"'));
    } finally {
      cli.kill('SIGKILL');
    }
  });

  it('FAILOVER hands the master role to a real replica without losing writes', async () => {
    const m = await tandemMaster(['--repl-diskless-sync-delay', '0']);
    await workload(m.c, 'pre');
    const r = await redisReplica(m.h.port);
    await caughtUp(m.c, r.c);
    const writer = await m.h.client();
    clients.push(writer);
    expect(await m.c.cmd('FAILOVER', 'TO', '127.0.0.1', String(r.h.port), 'TIMEOUT', '5000')).toBe('OK');
    // writes issued during the switch are held, then refused once we are a replica
    const during = writer.cmd('SET', 'during', '1');
    await until('roles swapped', async () => (await section(r.c, 'replication')).get('role') === 'master');
    expect(await during).toEqual({ error: "READONLY You can't write against a read only replica." });
    await until('the old master follows', async () => {
      const i = await section(m.c, 'replication');
      return i.get('role') === 'slave' && i.get('master_link_status') === 'up';
    });
    await until(
      'the failover to complete',
      async () => (await section(m.c, 'replication')).get('master_failover_state') === 'no-failover',
    );
    await r.c.cmd('SET', 'after', '2');
    await sameData(r.c, m.c);
    expect(await m.c.cmd('GET', 'pre:s')).toBe('vw');
    // the new master continued our history: no full sync was needed
    expect((await section(r.c, 'stats')).get('sync_full')).toBe('0');
    expect(m.h.output()).toContain(`FAILOVER requested to 127.0.0.1:${r.h.port}.`);
    expect(r.h.output()).toContain('MASTER MODE enabled (failover request from');
  });
});
