/**
 * Live reconfiguration of the replication directives (and save): each is changed with CONFIG SET on a running node
 * and its effect observed at once through INFO and behaviour — a resized backlog serving a partial resync, the
 * backlog freed after its TTL, replicas dropped on timeout, the ping cadence a raw replica sees, the sync framing and
 * batching, the replica's load mode, NOREPLICAS, READONLY, output-buffer limits, re-authentication with
 * masterauth/masteruser, the announced address, the priority, a save point firing — then CONFIG REWRITE of a
 * commented file after changing them, compared line by line with what real Redis 7.0 writes for the same file.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { makeTempDir, redisAvailable, type ServerHandle, startRedis, startTandem } from '../helpers/servers';

const servers: ServerHandle[] = [];
const clients: RespClient[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});

async function node(args: string[] = []): Promise<[ServerHandle, RespClient]> {
  const h = await startTandem({ args: ['--enable-debug-command', 'yes', ...args] });
  servers.push(h);
  const c = await h.client();
  clients.push(c);
  return [h, c];
}

async function fields(c: RespClient, section = 'everything'): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const line of ((await c.cmd('INFO', section)) as string).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function field(c: RespClient, name: string): Promise<string | undefined> {
  return (await fields(c)).get(name);
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A master and a Tandem replica linked to it. */
async function pair(masterArgs: string[] = [], replicaArgs: string[] = []) {
  const [m, cm] = await node(['--repl-diskless-sync-delay', '0', ...masterArgs]);
  const [r, cr] = await node(['--replicaof', '127.0.0.1', String(m.port), ...replicaArgs]);
  await until('link up', async () => (await field(cr, 'master_link_status')) === 'up');
  return { m, cm, r, cr };
}

/** Keeps a replica away from its master (the master refuses the AUTH a wrong masterauth sends) and lets it back. */
async function holdReplica(cm: RespClient, cr: RespClient): Promise<() => Promise<void>> {
  await cr.cmd('CONFIG', 'SET', 'masterauth', 'wrong');
  await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
  await until('link down', async () => (await field(cr, 'master_link_status')) === 'down');
  return async () => {
    await cr.cmd('CONFIG', 'SET', 'masterauth', '');
    await until('link up', async () => (await field(cr, 'master_link_status')) === 'up');
  };
}

/** A replica speaking the protocol by hand: handshake, PSYNC, then it only reads (and ACKs when told). */
class RawReplica {
  data = Buffer.alloc(0);
  psyncAt = 0;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    sock.on('error', () => {});
  }
  static async connect(port: number, opts: { eof?: boolean; listen?: number } = {}): Promise<RawReplica> {
    const sock = net.connect(port, '127.0.0.1');
    sockets.push(sock);
    await new Promise((r) => sock.once('connect', r));
    const r = new RawReplica(sock);
    r.cmd('REPLCONF', 'listening-port', String(opts.listen ?? 7000));
    await r.wait('+OK\r\n');
    if (opts.eof) {
      r.cmd('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      await r.wait('+OK\r\n+OK\r\n');
    }
    r.psyncAt = Date.now();
    r.cmd('PSYNC', '?', '-1');
    return r;
  }
  get text(): string {
    return this.data.toString('latin1');
  }
  cmd(...argv: string[]): void {
    this.sock.write(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
  }
  async wait(s: string | RegExp, ms = 10_000): Promise<void> {
    await until(`${s} from the master`, () => (typeof s === 'string' ? this.text.includes(s) : s.test(this.text)), ms);
  }
  /** The payload header line after +FULLRESYNC: "$EOF:<mark>" or "$<len>". */
  async payloadHeader(): Promise<string> {
    await this.wait(/\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$[^\r]+\r\n/);
    return /\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*(\$[^\r]+)\r\n/.exec(this.text)![1];
  }
  pings(): number {
    return (this.text.match(/\*1\r\n\$4\r\nping\r\n/gi) ?? []).length;
  }
}

describe('backlog', () => {
  it('repl-backlog-size: resized in place keeping the newest history; a partial resync within it succeeds', async () => {
    const { cm, cr } = await pair();
    for (let i = 0; i < 10; i++) await cm.cmd('SET', `k${i}`, 'x'.repeat(10_000));
    let f = await fields(cm);
    expect(f.get('repl_backlog_histlen')).toBe(String(Number(f.get('master_repl_offset'))));
    expect(await cm.cmd('CONFIG', 'SET', 'repl-backlog-size', '64kb')).toBe('OK');
    f = await fields(cm);
    const offset = Number(f.get('master_repl_offset'));
    expect(f.get('repl_backlog_size')).toBe('65536');
    expect(f.get('repl_backlog_histlen')).toBe('65536');
    expect(f.get('repl_backlog_first_byte_offset')).toBe(String(offset - 65536 + 1));
    expect(f.get('mem_replication_backlog')).toBe('65536');

    // missed 20 KB < 64 KB: continues from the backlog
    let release = await holdReplica(cm, cr);
    const partial = Number(f.get('sync_partial_ok'));
    await cm.cmd('SET', 'gap', 'y'.repeat(20_000));
    await release();
    expect(Number(await field(cm, 'sync_partial_ok'))).toBe(partial + 1);
    expect(((await cr.cmd('GET', 'gap')) as string).length).toBe(20_000);

    // missed 100 KB > 64 KB: full resync
    release = await holdReplica(cm, cr);
    const full = Number(await field(cm, 'sync_full'));
    await cm.cmd('SET', 'gap2', 'z'.repeat(100_000));
    await release();
    expect(Number(await field(cm, 'sync_full'))).toBe(full + 1);
    expect(((await cr.cmd('GET', 'gap2')) as string).length).toBe(100_000);

    // as in Redis, CONFIG SET raises a size below 16 KB to 16 KB
    expect(await cm.cmd('CONFIG', 'SET', 'repl-backlog-size', '1000')).toBe('OK');
    expect(await cm.cmd('CONFIG', 'GET', 'repl-backlog-size')).toEqual(['repl-backlog-size', '16384']);
    expect(await field(cm, 'repl_backlog_histlen')).toBe('16384');
  });

  it('repl-backlog-ttl: the backlog is freed that many seconds after the last replica left, with a new id', async () => {
    const { cm, cr } = await pair();
    const id = await field(cm, 'master_replid');
    expect(await cm.cmd('CONFIG', 'SET', 'repl-backlog-ttl', '1')).toBe('OK');
    expect(await cr.cmd('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const t0 = Date.now();
    await until('backlog freed', async () => (await field(cm, 'repl_backlog_active')) === '0', 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(await field(cm, 'master_replid')).not.toBe(id);
  });
});

describe('links', () => {
  it('repl-timeout: a silent replica is dropped once the new timeout passes', async () => {
    const [m, cm] = await node(['--repl-diskless-sync', 'no']);
    await RawReplica.connect(m.port);
    await until('online', async () => /state=online/.test((await field(cm, 'slave0')) ?? ''));
    await sleep(1200);
    expect(await field(cm, 'connected_slaves')).toBe('1'); // default 60 s
    expect(await cm.cmd('CONFIG', 'SET', 'repl-timeout', '1')).toBe('OK');
    await until('dropped', async () => (await field(cm, 'connected_slaves')) === '0', 4000);
    await m.waitForLog(/Disconnecting timedout replica/);
  });

  it('repl-ping-replica-period: the stream carries a PING at the new cadence', async () => {
    const [m, cm] = await node(['--repl-diskless-sync', 'no']);
    const rr = await RawReplica.connect(m.port);
    await until('online', async () => /state=online/.test((await field(cm, 'slave0')) ?? ''));
    const before = rr.pings();
    await sleep(1500);
    expect(rr.pings() - before).toBeLessThanOrEqual(1); // default: every 10 s
    expect(await cm.cmd('CONFIG', 'SET', 'repl-ping-replica-period', '1')).toBe('OK');
    const from = rr.pings();
    await sleep(3300);
    expect(rr.pings() - from).toBeGreaterThanOrEqual(2);
    expect(rr.pings() - from).toBeLessThanOrEqual(4);
  });

  it('client-output-buffer-limit: a replica and a normal client over the new hard limits are disconnected', async () => {
    const [m, cm] = await node(['--repl-diskless-sync', 'no']);
    const rr = await RawReplica.connect(m.port);
    await until('online', async () => /state=online/.test((await field(cm, 'slave0')) ?? ''));
    rr.sock.pause(); // reads nothing more: the stream piles up on the master
    expect(await cm.cmd('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 256kb 0 0 normal 256kb 0 0')).toBe(
      'OK',
    );
    for (let i = 0; i < 60; i++) await cm.cmd('SET', `big${i}`, 'x'.repeat(100_000));
    await until('replica dropped', async () => (await field(cm, 'connected_slaves')) === '0', 8000);
    await m.waitForLog(/scheduled to be closed ASAP for overcoming of output buffer limits/);

    // a normal client that stops reading its replies
    const sock = net.connect(m.port, '127.0.0.1');
    sockets.push(sock);
    await new Promise((r) => sock.once('connect', r));
    sock.on('error', () => {});
    sock.pause();
    // ~30 MB of replies: more than the kernel's socket buffers absorb, so they queue in the server
    for (let i = 0; i < 300; i++) {
      const k = `big${i % 60}`;
      sock.write(`*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`);
    }
    // (a paused socket would not even notice the close: watch the server's client count instead)
    await until('normal client closed', async () => (await field(cm, 'connected_clients')) === '1', 8000);
    expect(await cm.cmd('PING')).toBe('PONG');
  });

  it('min-replicas-to-write / -max-lag and the min-slaves-* aliases gate writes at once', async () => {
    const [m, cm] = await node(['--repl-diskless-sync', 'no']);
    expect(await cm.cmd('CONFIG', 'SET', 'min-replicas-to-write', '1')).toBe('OK');
    expect(await cm.call('SET', 'a', '1')).toEqual({ t: 'error', v: 'NOREPLICAS Not enough good replicas to write.' });
    expect(await field(cm, 'min_slaves_good_slaves')).toBe('0');
    expect(await cm.cmd('CONFIG', 'SET', 'min-slaves-to-write', '0')).toBe('OK');
    expect(await cm.cmd('SET', 'a', '1')).toBe('OK');

    // a replica that acknowledged once, then went quiet: good while its lag is within max-lag
    const rr = await RawReplica.connect(m.port);
    await until('online', async () => /state=online/.test((await field(cm, 'slave0')) ?? ''));
    rr.cmd('REPLCONF', 'ACK', '0');
    expect(await cm.cmd('CONFIG', 'SET', 'min-slaves-to-write', '1', 'min-replicas-max-lag', '100')).toBe('OK');
    expect(await cm.cmd('SET', 'b', '1')).toBe('OK');
    expect(await field(cm, 'min_slaves_good_slaves')).toBe('1');
    expect(await cm.cmd('CONFIG', 'SET', 'min-slaves-max-lag', '1')).toBe('OK');
    await until('lagging', async () => (await cm.call('SET', 'c', '1')).t === 'error', 5000);
    expect(await field(cm, 'min_slaves_good_slaves')).toBe('0');
    expect(await cm.cmd('CONFIG', 'SET', 'min-replicas-max-lag', '1000')).toBe('OK');
    expect(await cm.cmd('SET', 'c', '1')).toBe('OK');
  });
});

describe('full sync settings', () => {
  it('repl-diskless-sync: the next sync is framed $EOF (socket) or $<len> (disk)', async () => {
    const [m, cm] = await node(['--repl-diskless-sync-delay', '0']);
    await cm.cmd('SET', 'a', '1');
    const a = await RawReplica.connect(m.port, { eof: true });
    expect(await a.payloadHeader()).toMatch(/^\$EOF:[0-9a-f]{40}$/);
    expect(await cm.cmd('CONFIG', 'SET', 'repl-diskless-sync', 'no')).toBe('OK');
    const b = await RawReplica.connect(m.port, { eof: true, listen: 7001 });
    expect(await b.payloadHeader()).toMatch(/^\$\d+$/);
    await m.waitForLog(/Starting BGSAVE for SYNC with target: disk/);
  });

  it('repl-diskless-sync-delay: the snapshot waits the new delay for more replicas', async () => {
    const [m, cm] = await node(['--repl-diskless-sync-delay', '0']);
    expect(await cm.cmd('CONFIG', 'SET', 'repl-diskless-sync-delay', '2')).toBe('OK');
    const a = await RawReplica.connect(m.port, { eof: true });
    await a.wait('+FULLRESYNC');
    expect(Date.now() - a.psyncAt).toBeGreaterThanOrEqual(1800);
    await m.waitForLog(/Delay next BGSAVE for diskless SYNC/);
    expect(await cm.cmd('CONFIG', 'SET', 'repl-diskless-sync-delay', '0')).toBe('OK');
    a.sock.destroy();
    await until('gone', async () => (await field(cm, 'connected_slaves')) === '0');
    const b = await RawReplica.connect(m.port, { eof: true, listen: 7001 });
    await b.wait('+FULLRESYNC');
    expect(Date.now() - b.psyncAt).toBeLessThan(1000);
  });

  it('repl-diskless-sync-max-replicas: the snapshot starts as soon as that many replicas wait', async () => {
    const [m, cm] = await node(['--repl-diskless-sync-delay', '30']);
    expect(await cm.cmd('CONFIG', 'SET', 'repl-diskless-sync-max-replicas', '2')).toBe('OK');
    const a = await RawReplica.connect(m.port, { eof: true, listen: 7001 });
    await sleep(500);
    expect(a.text).not.toContain('+FULLRESYNC');
    const b = await RawReplica.connect(m.port, { eof: true, listen: 7002 });
    await Promise.all([a.wait('+FULLRESYNC', 3000), b.wait('+FULLRESYNC', 3000)]);
    // one shared snapshot: the same replication id and offset
    const line = (r: RawReplica) => /\+FULLRESYNC \S+ \d+/.exec(r.text)![0];
    expect(line(a)).toBe(line(b));
  });

  it('repl-diskless-load: the next full sync of a replica loads from the socket (swapdb) instead of disk', async () => {
    const { m, cm, r, cr } = await pair();
    expect(r.output()).toMatch(/receiving streamed RDB from master with EOF to disk/);
    expect(await cr.cmd('CONFIG', 'SET', 'repl-diskless-load', 'swapdb')).toBe('OK');
    // a new history on the master forces a full sync
    await cm.cmd('SET', 'a', '1');
    await cm.cmd('DEBUG', 'CHANGE-REPL-ID');
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await r.waitForLog(/receiving streamed RDB from master with EOF to parser/);
    await until('link up', async () => (await field(cr, 'master_link_status')) === 'up');
    expect(await cr.cmd('GET', 'a')).toBe('1');
    expect(m.output()).toMatch(/Replication ID mismatch/);
  });
});

describe('replica settings', () => {
  it('replica-read-only / slave-read-only: writes accepted or refused at once', async () => {
    const { cr } = await pair();
    expect(await cr.call('SET', 'x', '1')).toEqual({
      t: 'error',
      v: "READONLY You can't write against a read only replica.",
    });
    expect(await cr.cmd('CONFIG', 'SET', 'replica-read-only', 'no')).toBe('OK');
    expect(await field(cr, 'slave_read_only')).toBe('0');
    expect(await cr.cmd('SET', 'x', '1')).toBe('OK');
    expect(await cr.cmd('CONFIG', 'SET', 'slave-read-only', 'yes')).toBe('OK');
    expect(await field(cr, 'slave_read_only')).toBe('1');
    expect((await cr.call('SET', 'x', '2')).t).toBe('error');
  });

  it('masterauth / masteruser: the next connection authenticates with the new credentials', async () => {
    const { m, cm, r, cr } = await pair();
    await cm.cmd('CONFIG', 'SET', 'requirepass', 's3cret');
    await cm.cmd('AUTH', 's3cret');
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await until('refused', async () => (await field(cr, 'master_link_status')) === 'down');
    // as in Redis: PING's -NOAUTH is tolerated, PSYNC's is not (and the replica retries at once, as Redis does)
    await r.waitForLog(/Unexpected reply to PSYNC from master: -NOAUTH Authentication required\./);
    expect(await cr.cmd('CONFIG', 'SET', 'masterauth', 's3cret')).toBe('OK');
    await until('authenticated', async () => (await field(cr, 'master_link_status')) === 'up');
    // AUTH <user> <pass> once masteruser is set
    expect(await cr.cmd('CONFIG', 'SET', 'masteruser', 'default')).toBe('OK');
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await until('down', async () => (await field(cr, 'master_link_status')) !== 'up', 2000).catch(() => {});
    await until('up as default', async () => (await field(cr, 'master_link_status')) === 'up');
    expect(m.output()).not.toMatch(/WRONGPASS/);
  });

  it('replica-announce-ip / -port are what the master lists after the next handshake', async () => {
    const { cm, cr } = await pair();
    expect(await cr.cmd('CONFIG', 'SET', 'replica-announce-ip', '10.1.2.3', 'replica-announce-port', '4321')).toBe(
      'OK',
    );
    expect(await field(cm, 'slave0')).not.toMatch(/ip=10\.1\.2\.3/); // the current link keeps what it announced
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await until('announced', async () =>
      /ip=10\.1\.2\.3,port=4321,state=online/.test((await field(cm, 'slave0')) ?? ''),
    );
    const role = (await cm.cmd('ROLE')) as unknown[];
    expect(role[2]).toEqual([['10.1.2.3', '4321', expect.any(String)]]);
  });

  it('replica-priority / slave-priority show in INFO at once', async () => {
    const { cr } = await pair();
    expect(await cr.cmd('CONFIG', 'SET', 'replica-priority', '42')).toBe('OK');
    expect(await field(cr, 'slave_priority')).toBe('42');
    expect(await cr.cmd('CONFIG', 'SET', 'slave-priority', '0')).toBe('OK');
    expect(await field(cr, 'slave_priority')).toBe('0');
  });
});

describe('save', () => {
  it('save: a save point set at run time fires; save "" stops them', async () => {
    const [h, c] = await node();
    expect(await c.cmd('CONFIG', 'SET', 'save', '1 1')).toBe('OK');
    await c.cmd('SET', 'a', '1');
    await h.waitForLog(/1 changes in 1 seconds\. Saving\.\.\./, 5000);
    await until('saved', async () => (await field(c, 'rdb_changes_since_last_save')) === '0', 5000);
    expect(fs.existsSync(path.join(h.dir, 'dump.rdb'))).toBe(true);
    const saves = Number(await field(c, 'rdb_saves'));
    expect(await c.cmd('CONFIG', 'SET', 'save', '')).toBe('OK');
    await c.cmd('SET', 'b', '1');
    await sleep(2200);
    expect(Number(await field(c, 'rdb_saves'))).toBe(saves);
    expect(await field(c, 'rdb_changes_since_last_save')).toBe('1');
  });
});

describe.skipIf(!redisAvailable())('CONFIG REWRITE after live changes', () => {
  it('keeps comments and order and writes the same lines as real Redis 7.0', async () => {
    const original = [
      '# Replication settings of this node',
      'repl-backlog-size 1mb',
      '# a comment between directives',
      'slave-read-only yes',
      'min-slaves-to-write 0',
      '',
      '# persistence',
      'save 900 1',
      'save 300 10',
      'repl-timeout 60',
      '# trailing comment',
      '',
    ].join('\n');
    const changes: [string, string][] = [
      ['repl-backlog-size', '2mb'],
      ['repl-backlog-ttl', '100'],
      ['repl-timeout', '30'],
      ['repl-ping-replica-period', '5'],
      ['repl-diskless-sync', 'no'],
      ['repl-diskless-sync-delay', '2'],
      ['repl-diskless-sync-max-replicas', '3'],
      ['repl-diskless-load', 'swapdb'],
      ['min-slaves-to-write', '1'],
      ['min-replicas-max-lag', '20'],
      ['replica-read-only', 'no'],
      ['client-output-buffer-limit', 'replica 1mb 512kb 30 pubsub 64mb 16mb 90'],
      ['masterauth', 'pw'],
      ['masteruser', 'repl'],
      ['replica-announce-ip', '10.9.8.7'],
      ['replica-announce-port', '4444'],
      ['replica-priority', '7'],
      ['save', '100 10 20 5'],
    ];
    const files: string[] = [];
    for (const start of [startTandem, startRedis]) {
      const dir = makeTempDir('rewrite-');
      const h = await start({ dir, configText: original });
      servers.push(h);
      const c = await h.client();
      clients.push(c);
      for (const [k, v] of changes) expect(await c.cmd('CONFIG', 'SET', k, v), `${h.kind} ${k}`).toBe('OK');
      expect(await c.cmd('CONFIG', 'REWRITE')).toBe('OK');
      const text = fs.readFileSync(path.join(dir, `${h.kind}.conf`), 'latin1');
      // the helper's own command-line settings differ per server (port, dir)
      files.push(text.replace(/^port \d+$/m, 'port P').replace(/^dir .*$/m, 'dir D'));
    }
    // The original lines are rewritten in place, in order; the directives that were not in the file are appended
    // after the marker in Redis' config-dict order (hash order, differing run to run): compared as a set.
    const marker = '# Generated by CONFIG REWRITE\n';
    const [t, r] = files.map((f) => [f.slice(0, f.indexOf(marker)), f.slice(f.indexOf(marker))]);
    expect(t[0].split('\n')).toEqual(r[0].split('\n'));
    expect(t[1].split('\n').sort()).toEqual(r[1].split('\n').sort());
    expect(t[0]).toMatch(
      /^# Replication settings of this node\nrepl-backlog-size 2mb\n# a comment between directives\n/,
    );
  });
});
