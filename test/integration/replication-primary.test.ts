/**
 * The primary side through real sockets: a scripted replica (raw TCP, speaking what a Redis 7.0 replica speaks) and
 * a Tandem replica against a Tandem master. Real Redis replicas are in test/interop/replication-primary.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeRdb } from '../../src/persistence/rdb';
import { FakeReplica } from '../helpers/fake-replica';
import type { RespClient } from '../helpers/resp-client';
import { type ServerHandle, startTandem, stopAll } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function info(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

async function replInfo(c: RespClient): Promise<Map<string, string>> {
  return info(String(await c.cmd('INFO', 'replication')));
}

async function until(what: string, test: () => Promise<boolean> | boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});
afterAll(stopAll);

async function master(args: string[] = []): Promise<{ srv: ServerHandle; c: RespClient }> {
  const srv = await startTandem({ args: ['--repl-diskless-sync-delay', '0', ...args] });
  const c = await srv.client();
  open.push(c);
  return { srv, c };
}

async function replica(port: number): Promise<FakeReplica> {
  const r = await FakeReplica.connect(port);
  open.push(r);
  return r;
}

describe('full sync to a scripted replica', () => {
  it('diskless: +FULLRESYNC, $EOF framing, then the stream only after the first ACK', async () => {
    const { srv, c } = await master(['--repl-diskless-sync-delay', '1']);
    await c.cmd('SET', 'a', '1');
    await c.cmd('RPUSH', 'l', 'x', 'y');
    await c.cmd('SELECT', '2');
    await c.cmd('HSET', 'h', 'f', 'v');
    const r = await replica(srv.port);
    await r.handshake(7001);
    r.send('PSYNC', '?', '-1');
    const t0 = Date.now();
    const { line, keepalives } = await r.lineSkippingKeepalives();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // repl-diskless-sync-delay 1
    expect(keepalives).toBeGreaterThanOrEqual(0);
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
    expect(m).not.toBeNull();
    const offset = Number(m![2]);
    const { rdb, eof } = await r.payload();
    expect(eof).toBe(true);
    const img = decodeRdb(rdb);
    expect(img.entries.map((e) => `${e.db}:${e.key}`).sort()).toEqual(['0:a', '0:l', '2:h']);
    expect(img.aux.find(([k]) => k === 'repl-id')?.[1]).toBe(m![1]);
    expect(img.aux.find(([k]) => k === 'repl-offset')?.[1]).toBe(String(offset));
    // online but held back until our ACK
    await c.cmd('SET', 'after', '1');
    expect(await r.silentFor(300)).toBe(true);
    const ri = await replInfo(c);
    expect(ri.get('slave0')).toMatch(/^ip=127\.0\.0\.1,port=7001,state=online,offset=0,lag=\d+$/);
    r.send('REPLCONF', 'ACK', String(offset));
    // SELECT comes first: every full sync restarts the stream's db tracking
    expect((await r.commandSkippingPings()).argv).toEqual(['SELECT', '2']);
    expect((await r.commandSkippingPings()).argv).toEqual(['SET', 'after', '1']);
    const stats = info(String(await c.cmd('INFO', 'stats')));
    expect(stats.get('sync_full')).toBe('1');
    expect(srv.output()).toContain('Replica 127.0.0.1:7001 asks for synchronization');
    expect(srv.output()).toContain('Starting BGSAVE for SYNC with target: replicas sockets');
    expect(srv.output()).toContain(
      'Streamed RDB transfer with replica 127.0.0.1:7001 succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming',
    );
    expect(srv.output()).toContain('Synchronization with replica 127.0.0.1:7001 succeeded');
  });

  it('disk-based: $<len> framing without CRLF, stream right after it; writes during the sync are kept', async () => {
    const { srv, c } = await master(['--repl-diskless-sync', 'no', '--rdb-key-save-delay', '2000']);
    for (let i = 0; i < 200; i++) await c.cmd('SET', `k${i}`, String(i));
    const r = await replica(srv.port);
    await r.handshake(7002);
    r.send('PSYNC', '?', '-1');
    const { line } = await r.lineSkippingKeepalives();
    const offset = Number(line.split(' ')[2]);
    // written while the snapshot runs (slowed down to ~0.4 s): not in the image, in the stream
    await c.cmd('SET', 'k0', 'changed');
    await c.cmd('DEL', 'k1');
    const { rdb, eof } = await r.payload();
    expect(eof).toBe(false);
    const img = decodeRdb(rdb);
    expect(img.entries.length).toBe(200);
    expect(img.entries.find((e) => e.key === 'k0')?.value).toBe('0');
    expect((await r.commandSkippingPings()).argv).toEqual(['SELECT', '0']);
    expect((await r.commandSkippingPings()).argv).toEqual(['SET', 'k0', 'changed']);
    expect((await r.commandSkippingPings()).argv).toEqual(['DEL', 'k1']);
    const ri = await replInfo(c);
    expect(Number(ri.get('master_repl_offset'))).toBeGreaterThan(offset);
    expect(srv.output()).toContain('Starting BGSAVE for SYNC with target: disk');
  });

  it('several replicas arriving within the delay share one snapshot; sync_full counts each', async () => {
    const { srv, c } = await master(['--repl-diskless-sync-delay', '1']);
    await c.cmd('SET', 'x', '1');
    const a = await replica(srv.port);
    const b = await replica(srv.port);
    await a.handshake(7003);
    await b.handshake(7004);
    a.send('PSYNC', '?', '-1');
    await sleep(200);
    b.send('PSYNC', '?', '-1');
    const la = (await a.lineSkippingKeepalives()).line;
    const lb = (await b.lineSkippingKeepalives()).line;
    expect(la).toBe(lb);
    await a.payload();
    await b.payload();
    expect(srv.output().match(/Starting BGSAVE for SYNC/g)?.length).toBe(1);
    expect(info(String(await c.cmd('INFO', 'stats'))).get('sync_full')).toBe('2');
    const ri = await replInfo(c);
    expect(ri.get('connected_slaves')).toBe('2');
  });

  it('repl-diskless-sync-max-replicas starts before the delay', async () => {
    const { srv } = await master(['--repl-diskless-sync-delay', '30', '--repl-diskless-sync-max-replicas', '2']);
    const a = await replica(srv.port);
    const b = await replica(srv.port);
    await a.handshake(7005);
    await b.handshake(7006);
    a.send('PSYNC', '?', '-1');
    b.send('PSYNC', '?', '-1');
    const t0 = Date.now();
    expect((await a.lineSkippingKeepalives()).line).toMatch(/^\+FULLRESYNC /);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a replica without capa eof gets the $<len> framing even with diskless sync on; SYNC gets no +FULLRESYNC', async () => {
    const { srv, c } = await master();
    await c.cmd('SET', 'a', '1');
    const r = await replica(srv.port);
    await r.handshake(7007, ['psync2']);
    r.send('PSYNC', '?', '-1');
    expect((await r.lineSkippingKeepalives()).line).toMatch(/^\+FULLRESYNC /);
    expect((await r.payload()).eof).toBe(false);
    const old = await replica(srv.port);
    old.raw('SYNC\r\n');
    const p = await old.payload();
    expect(p.eof).toBe(false);
    expect(decodeRdb(p.rdb).entries.map((e) => e.key)).toEqual(['a']);
  });

  it('rdb-only (redis-cli --rdb) gets the payload and is disconnected; a filtered RDB has no keys', async () => {
    const { srv, c } = await master();
    await c.cmd('SET', 'a', '1');
    const r = await replica(srv.port);
    r.send('REPLCONF', 'capa', 'eof');
    expect(await r.line()).toBe('+OK');
    r.send('REPLCONF', 'rdb-only', '1');
    expect(await r.line()).toBe('+OK');
    r.raw('SYNC\r\n');
    const p = await r.payload();
    expect(decodeRdb(p.rdb).entries.length).toBe(1);
    expect(await r.waitClosed()).toBe(true);
    expect(srv.output()).toMatch(/RDB transfer completed, rdb only replica \(127\.0\.0\.1:<unknown-replica-port>\)/);
    const f = await replica(srv.port);
    f.send('REPLCONF', 'capa', 'eof');
    f.send('REPLCONF', 'rdb-filter-only', '');
    expect(await f.line()).toBe('+OK');
    expect(await f.line()).toBe('+OK');
    f.raw('SYNC\r\n');
    const q = await f.payload();
    expect(q.eof).toBe(true);
    expect(decodeRdb(q.rdb).entries.length).toBe(0);
    // a SYNC client acknowledges to get the stream, like redis-cli --replica does
    f.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'b', '2');
    expect((await f.commandSkippingPings()).argv).toEqual(['SELECT', '0']);
    expect((await f.commandSkippingPings()).argv).toEqual(['SET', 'b', '2']);
  });
});

describe('partial resync', () => {
  it('+CONTINUE <replid> with the backlog from the requested offset; +CONTINUE without psync2; full resync otherwise', async () => {
    const { srv, c } = await master();
    const r = await replica(srv.port);
    await r.handshake(7010);
    r.send('PSYNC', '?', '-1');
    const replid = (await r.lineSkippingKeepalives()).line.split(' ')[1];
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'k', 'v1');
    expect((await r.commandSkippingPings()).argv).toEqual(['SELECT', '0']);
    expect((await r.commandSkippingPings()).argv).toEqual(['SET', 'k', 'v1']);
    const mid = r.streamBytes;
    await c.cmd('SET', 'k', 'v2');
    const set2 = await r.commandSkippingPings();
    expect(set2.argv).toEqual(['SET', 'k', 'v2']);
    r.close();
    const end = r.streamBytes;
    expect(Number((await replInfo(c)).get('master_repl_offset'))).toBe(end);
    // from the middle of the backlog
    const p = await replica(srv.port);
    await p.handshake(7010);
    p.send('PSYNC', replid, String(mid + 1));
    expect(await p.line()).toBe(`+CONTINUE ${replid}`);
    expect((await p.commandSkippingPings()).argv).toEqual(['SET', 'k', 'v2']);
    // nothing missing
    const q = await replica(srv.port);
    await q.handshake(7011, ['eof']);
    q.send('PSYNC', replid, String(end + 1));
    expect(await q.line()).toBe('+CONTINUE');
    // the stream continues to both, and q gets nothing it already had (pings aside: the master may ping any time)
    await c.cmd('INCR', 'n');
    expect((await p.commandSkippingPings()).argv).toEqual(['INCR', 'n']);
    expect((await q.commandSkippingPings()).argv).toEqual(['INCR', 'n']);
    // beyond what we have, an unknown id, '?': full resync
    for (const [id, off] of [
      [replid, end + 1000],
      ['0123456789012345678901234567890123456789', 1],
      ['?', -1],
    ] as const) {
      const x = await replica(srv.port);
      await x.handshake(7012);
      x.send('PSYNC', id, String(off));
      expect((await x.lineSkippingKeepalives()).line).toMatch(/^\+FULLRESYNC /);
      x.close();
    }
    const st = info(String(await c.cmd('INFO', 'stats')));
    expect(st.get('sync_partial_ok')).toBe('2');
    expect(st.get('sync_partial_err')).toBe('2');
    expect(st.get('sync_full')).toBe('4');
    const out = srv.output();
    expect(out).toContain(
      `Partial resynchronization request from 127.0.0.1:7010 accepted. Sending ${end - mid} bytes of backlog starting from offset ${mid + 1}.`,
    );
    expect(out).toContain('Unable to partial resync with replica 127.0.0.1:7012 for lack of backlog');
    expect(out).toContain('Partial resynchronization not accepted: Replication ID mismatch');
    expect(out).toContain('Connection with replica 127.0.0.1:7010 lost.');
  });
});

describe('stream and links', () => {
  it('WAIT sends one GETACK and returns when enough replicas acknowledge', async () => {
    const { srv, c } = await master();
    const r = await replica(srv.port);
    await r.handshake(7020);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'k', 'v');
    expect((await r.commandSkippingPings()).argv).toEqual(['SELECT', '0']);
    const beforeSet = r.streamBytes;
    expect((await r.commandSkippingPings()).argv).toEqual(['SET', 'k', 'v']);
    const afterSet = r.streamBytes;
    const w = c.cmd('WAIT', '1', '0');
    const getack = await r.commandSkippingPings();
    expect(getack.argv).toEqual(['REPLCONF', 'GETACK', '*']);
    expect(getack.size).toBe(37);
    // an ACK short of the write does not release it
    r.send('REPLCONF', 'ACK', String(beforeSet));
    await sleep(100);
    r.send('REPLCONF', 'ACK', String(afterSet));
    expect(await w).toBe(1);
    expect(await c.cmd('WAIT', '2', '50')).toBe(1);
    const ri = await replInfo(c);
    expect(ri.get('slave0')).toContain(`offset=${afterSet},`);
    // ROLE lists the online replica with its ACK offset (the offset counts the GETACKs and any ping since)
    expect(await c.cmd('ROLE')).toEqual([
      'master',
      Number((await replInfo(c)).get('master_repl_offset')),
      [['127.0.0.1', '7020', String(afterSet)]],
    ]);
  });

  it('pings every repl-ping-replica-period; a silent replica times out; a replica that gets a reply is dropped', async () => {
    const { srv, c } = await master(['--repl-ping-replica-period', '1', '--repl-timeout', '2']);
    const r = await replica(srv.port);
    await r.handshake(7021);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    const ping = await r.command(3000);
    expect(ping.argv).toEqual(['ping']);
    expect(ping.size).toBe(14);
    expect(await r.waitClosed(6000)).toBe(true);
    expect(srv.output()).toContain('Disconnecting timedout replica (streaming sync): 127.0.0.1:7021');
    const q = await replica(srv.port);
    await q.handshake(7022);
    q.send('PSYNC', '?', '-1');
    await q.lineSkippingKeepalives();
    await q.payload();
    q.send('PING');
    expect(await q.waitClosed()).toBe(true);
    expect(srv.output()).toMatch(/Replica generated a reply to command 'ping', disconnecting it: id=\d+ .*flags=S/);
    expect(await c.cmd('PING')).toBe('PONG');
  });

  it('SYNC/PSYNC with replies still pending is refused', async () => {
    const { srv } = await master();
    const r = await replica(srv.port);
    r.raw('PING\r\nSYNC\r\n');
    expect(await r.line()).toBe('+PONG');
    expect(await r.line()).toBe('-ERR SYNC and PSYNC are invalid with pending output');
  });

  it('a replica over the output buffer limit is disconnected and logged; the master stays healthy', async () => {
    const { srv, c } = await master(['--client-output-buffer-limit', 'replica 256kb 0 0']);
    const r = await replica(srv.port);
    await r.handshake(7023);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    r.sock.pause(); // stops reading: the kernel buffers fill, then the master's queue grows
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 100 && !srv.output().includes('overcoming of output buffer limits'); i++) {
      await c.cmd('SET', `big${i % 4}`, big);
    }
    await until('the disconnect log', () => srv.output().includes('overcoming of output buffer limits'));
    expect(srv.output()).toMatch(/Client id=\d+ addr=127\.0\.0\.1:\d+ .*flags=S .* scheduled to be closed ASAP/);
    expect(srv.output()).toContain('Connection with replica 127.0.0.1:7023 lost.');
    const t0 = Date.now();
    expect(await c.cmd('PING')).toBe('PONG');
    expect(Date.now() - t0).toBeLessThan(200);
    expect((await replInfo(c)).get('connected_slaves')).toBe('0');
  });

  it('min-replicas-to-write refuses writes without enough good replicas', async () => {
    const { srv, c } = await master(['--min-replicas-to-write', '1']);
    expect(await c.cmd('SET', 'k', 'v')).toEqual({ error: 'NOREPLICAS Not enough good replicas to write.' });
    const r = await replica(srv.port);
    await r.handshake(7024);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    await until('a good replica', async () => (await replInfo(c)).get('min_slaves_good_slaves') === '1');
    expect(await c.cmd('SET', 'k', 'v')).toBe('OK');
    r.close();
    await until('the replica gone', async () => (await replInfo(c)).get('connected_slaves') === '0');
    expect(await c.cmd('SET', 'k', 'v')).toEqual({ error: 'NOREPLICAS Not enough good replicas to write.' });
    expect(await c.cmd('GET', 'k')).toBe('v');
  });

  it('the backlog is freed after repl-backlog-ttl without replicas, with a new replication id', async () => {
    const { srv, c } = await master(['--repl-backlog-ttl', '1']);
    const r = await replica(srv.port);
    await r.handshake(7025);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    const before = await replInfo(c);
    expect(before.get('repl_backlog_active')).toBe('1');
    r.close();
    await until('the backlog freed', async () => (await replInfo(c)).get('repl_backlog_active') === '0', 6000);
    const after = await replInfo(c);
    expect(after.get('master_replid')).not.toBe(before.get('master_replid'));
    expect(srv.output()).toContain('Replication backlog freed after 1 seconds without connected replicas.');
  });
});

describe('FAILOVER checks and timeouts', () => {
  it('validates the target, pauses writes while waiting, and aborts when the replica never catches up', async () => {
    const { srv, c } = await master();
    const r = await replica(srv.port);
    await r.handshake(7040);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'k', 'v'); // the replica will never acknowledge this
    expect(await c.cmd('FAILOVER', 'TO', '127.0.0.1', '1')).toEqual({
      error: 'ERR FAILOVER target HOST and PORT is not a replica.',
    });
    expect(await c.cmd('FAILOVER', 'TO', '127.0.0.1', '7040', 'FORCE')).toEqual({
      error: 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.',
    });
    expect(await c.cmd('FAILOVER', 'TIMEOUT', '300')).toBe('OK');
    expect(await c.cmd('FAILOVER')).toEqual({ error: 'ERR FAILOVER already in progress.' });
    expect((await replInfo(c)).get('master_failover_state')).toBe('waiting-for-sync');
    const writer = await srv.client();
    open.push(writer);
    const t0 = Date.now();
    // postponed until the failover is over, then executed (we stayed master)
    expect(await writer.cmd('SET', 'held', '1')).toBe('OK');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(await c.cmd('GET', 'held')).toBe('1');
    expect((await replInfo(c)).get('master_failover_state')).toBe('no-failover');
    expect(srv.output()).toContain('FAILOVER to any replica aborted: Replica never caught up before timeout');
    // ABORT
    expect(await c.cmd('FAILOVER', 'TO', '127.0.0.1', '7040')).toBe('OK');
    expect(await c.cmd('FAILOVER', 'ABORT')).toBe('OK');
    expect(await c.cmd('FAILOVER', 'ABORT')).toEqual({ error: 'ERR No failover in progress.' });
    expect(srv.output()).toContain('FAILOVER to 127.0.0.1:7040 aborted: Failover manually aborted');
    expect(await c.cmd('SET', 'k', 'w')).toBe('OK');
  });

  it('refuses a replica that is not online yet', async () => {
    const { srv, c } = await master(['--repl-diskless-sync-delay', '30']);
    const r = await replica(srv.port);
    await r.handshake(7041);
    r.send('PSYNC', '?', '-1');
    await until('the replica attached', async () => (await replInfo(c)).get('connected_slaves') === '1');
    expect(await c.cmd('FAILOVER', 'TO', '127.0.0.1', '7041')).toEqual({
      error: 'ERR FAILOVER target replica is not online.',
    });
  });
});

describe('shutdown', () => {
  /** A scripted replica, fully synced, that has read one SET (with its SELECT) but acknowledged none of it. */
  async function syncedReplicaAfterOneWrite(srv: ServerHandle, c: RespClient, port: number): Promise<FakeReplica> {
    const r = await replica(srv.port);
    await r.handshake(port);
    r.send('PSYNC', '?', '-1');
    await r.lineSkippingKeepalives();
    await r.payload();
    r.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'k', 'v');
    await r.commandSkippingPings();
    await r.commandSkippingPings();
    return r;
  }

  it('waits for replicas to acknowledge the whole stream (bounded by shutdown-timeout), then reports the laggards', async () => {
    const { srv, c } = await master(['--shutdown-timeout', '1']);
    const r = await syncedReplicaAfterOneWrite(srv, c, 7030);
    const t0 = Date.now();
    void c.cmd('SHUTDOWN', 'NOSAVE').catch(() => {});
    // the master asks for an ACK; this replica never answers
    expect((await r.commandSkippingPings()).argv).toEqual(['REPLCONF', 'GETACK', '*']);
    expect(await srv.stop()).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const out = srv.output();
    expect(out).toContain('Waiting for replicas before shutting down.');
    expect(out).toMatch(/Lagging replica 127\.0\.0\.1:7030 reported offset \d+ behind master, lag=\d+, state=online\./);
    expect(out).toContain('0 of 1 replicas are synced when shutting down.');
  });

  it('exits at once when every replica has acknowledged', async () => {
    // No periodic replica PING during the test, except the one of the first replication cron tick (as in Redis):
    // on a loaded machine that one may land between the ACK and SHUTDOWN, and then the master must ask (GETACK).
    const { srv, c } = await master(['--shutdown-timeout', '10', '--repl-ping-replica-period', '3600']);
    const r = await syncedReplicaAfterOneWrite(srv, c, 7031);
    r.send('REPLCONF', 'ACK', String(r.streamBytes));
    await until(
      'the ACK',
      async () => (await replInfo(c)).get('slave0')?.includes(`offset=${r.streamBytes},`) === true,
    );
    const t0 = Date.now();
    const latePings = r.answerGetacks();
    void c.cmd('SHUTDOWN', 'NOSAVE').catch(() => {});
    expect(await srv.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(srv.output()).toContain('1 of 1 replicas are synced when shutting down.');
    // It waited only if a PING came after the ACK.
    expect(srv.output().includes('Waiting for replicas before shutting down.')).toBe((await latePings) > 0);
  });

  it('keeps writes paused after the replicas caught up: a write held during the wait never runs', async () => {
    const { srv, c } = await master(['--shutdown-timeout', '10', '--repl-ping-replica-period', '3600']);
    const r = await syncedReplicaAfterOneWrite(srv, c, 7032);
    void c.cmd('SHUTDOWN', 'NOSAVE').catch(() => {});
    expect((await r.commandSkippingPings()).argv).toEqual(['REPLCONF', 'GETACK', '*']);
    // A sentinel's hello arriving while the master waits is held by the pause...
    const publisher = await srv.client();
    open.push(publisher);
    const held = publisher.cmd('PUBLISH', '__sentinel__:hello', 'x'.repeat(200)).catch((e: Error) => e.message);
    const watcher = await srv.client();
    open.push(watcher);
    await until('the PUBLISH to be held', async () =>
      String(await watcher.cmd('INFO', 'clients')).includes('blocked_clients:1'),
    );
    // ...and stays held once the replica has everything: released, it would put the replica behind at exit.
    r.send('REPLCONF', 'ACK', String(r.streamBytes));
    expect(await srv.stop()).toBe(0);
    expect(srv.output()).toContain('1 of 1 replicas are synced when shutting down.');
    expect(srv.output()).not.toContain('Lagging replica');
    expect(await held).not.toBe(1);
  });
});

describe('Tandem replica of a Tandem master', () => {
  it('follows writes, answers WAIT, and takes over with FAILOVER without losing writes', async () => {
    const m = await master();
    const rs = await startTandem({ args: ['--replicaof', '127.0.0.1', String(m.srv.port)] });
    const rc = await rs.client();
    open.push(rc);
    await until('link up', async () => (await replInfo(rc)).get('master_link_status') === 'up');
    await m.c.cmd('SET', 'a', '1');
    await m.c.cmd('LPUSH', 'l', 'x');
    expect(await m.c.cmd('WAIT', '1', '5000')).toBe(1);
    expect(await rc.cmd('GET', 'a')).toBe('1');
    // FAILOVER: the master pauses writes, waits for the replica, and becomes its replica
    expect(await m.c.cmd('FAILOVER')).toBe('OK');
    const w = m.c.cmd('SET', 'during', 'x'); // postponed, then refused (we are a replica by then)
    await until('roles swapped', async () => (await replInfo(rc)).get('role') === 'master', 10000);
    await until('old master following', async () => (await replInfo(m.c)).get('master_link_status') === 'up', 10000);
    expect(await w).toEqual({ error: "READONLY You can't write against a read only replica." });
    await until(
      'the failover to complete',
      async () => (await replInfo(m.c)).get('master_failover_state') === 'no-failover',
    );
    await rc.cmd('SET', 'b', '2');
    await until('write reaches the old master', async () => (await m.c.cmd('GET', 'b')) === '2');
    expect(m.srv.output()).toContain('FAILOVER requested to any replica.');
    expect(m.srv.output()).toMatch(/Failover target 127\.0\.0\.1:\d+ is synced, failing over\./);
    expect(rs.output()).toMatch(/MASTER MODE enabled \(failover request from/);
  });
});
