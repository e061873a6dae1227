/**
 * DEBUG through real sockets: the enable-debug-command gate (no / yes / local, unix socket included), the blocking
 * SLEEP, SET-ACTIVE-EXPIRE, POPULATE not replicated, OBJECT against real Redis, DIGEST and RELOAD, LOG,
 * CHANGE-REPL-ID forcing a full resync, REPLICATE, and the slow-on-purpose knobs: rdb-key-save-delay slowing a full
 * sync's snapshot, key-load-delay slowing a replica's load, and master_sync_perc progressing during a transfer.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RdbEncoder } from '../../src/persistence/rdb';
import { RespClient } from '../helpers/resp-client';
import { makeTempDir, redisAvailable, type ServerHandle, startRedis, startTandem } from '../helpers/servers';

const NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

const servers: ServerHandle[] = [];
const clients: RespClient[] = [];
const closers: (() => void)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const f of closers.splice(0)) f();
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});

async function tandem(args: string[] = [], debug = 'yes'): Promise<ServerHandle> {
  const h = await startTandem({ args: ['--enable-debug-command', debug, ...args] });
  servers.push(h);
  return h;
}

async function client(h: ServerHandle): Promise<RespClient> {
  const c = await h.client();
  clients.push(c);
  return c;
}

/** A RespClient over a socket we opened ourselves (the helper's constructor is private only to TypeScript). */
function wrap(sock: net.Socket): RespClient {
  const c = new (RespClient as unknown as new (s: net.Socket) => RespClient)(sock);
  clients.push(c);
  return c;
}

function open(opts: net.NetConnectOpts): Promise<RespClient> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(opts);
    sock.once('connect', () => resolve(wrap(sock)));
    sock.once('error', reject);
  });
}

/** A client whose TCP source address is `local` (any 127/8 address reaches a server bound on 127.0.0.1). */
function connectFrom(port: number, localAddress: string): Promise<RespClient> {
  return open({ port, host: '127.0.0.1', localAddress });
}

async function fields(c: RespClient, section: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const line of ((await c.cmd('INFO', section)) as string).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('enable-debug-command', () => {
  it('no refuses with Redis message; yes allows; the directive cannot change at run time', async () => {
    const off = await tandem([], 'no');
    const c = await client(off);
    expect(await c.call('DEBUG', 'SLEEP', '0')).toEqual({ t: 'error', v: NOT_ALLOWED });
    expect(await c.call('CONFIG', 'SET', 'enable-debug-command', 'yes')).toEqual({
      t: 'error',
      v: "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config",
    });
    const on = await tandem([], 'yes');
    const c2 = await client(on);
    expect(await c2.cmd('DEBUG', 'SLEEP', '0')).toBe('OK');
  });

  it('local: loopback 127.0.0.1 and unix-socket clients may, another 127/8 source may not (as Redis)', async () => {
    const dir = makeTempDir('debug-local-');
    const sock = path.join(dir, 't.sock');
    const h = await tandem(['--unixsocket', sock, '--protected-mode', 'no'], 'local');
    const local = await client(h);
    expect(await local.cmd('DEBUG', 'SLEEP', '0')).toBe('OK');
    const other = await connectFrom(h.port, '127.0.0.2');
    expect(await other.call('DEBUG', 'SLEEP', '0')).toEqual({ t: 'error', v: NOT_ALLOWED });
    const unix = await open({ path: sock });
    expect(await unix.cmd('DEBUG', 'SLEEP', '0')).toBe('OK');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!redisAvailable())(
    'local and protected mode draw the same line as real Redis for a 127.0.0.2 source',
    async () => {
      for (const start of [startTandem, startRedis]) {
        const open = await start({ args: ['--enable-debug-command', 'local', '--protected-mode', 'no'] });
        const guarded = await start({ args: ['--enable-debug-command', 'local'] });
        servers.push(open, guarded);
        const other = await connectFrom(open.port, '127.0.0.2');
        expect(await other.call('DEBUG', 'SLEEP', '0'), open.kind).toEqual({ t: 'error', v: NOT_ALLOWED });
        expect(await (await client(open)).cmd('DEBUG', 'SLEEP', '0'), open.kind).toBe('OK');
        // protected mode (no password) only admits 127.0.0.1 / ::1 as the loopback interface
        const refused = await connectFrom(guarded.port, '127.0.0.2');
        const r = await refused.next();
        expect(r.t === 'error' && r.v.startsWith('DENIED Redis is running in protected mode'), guarded.kind).toBe(true);
      }
    },
  );
});

describe('DEBUG subcommands', () => {
  it('SLEEP stops the whole server; SET-ACTIVE-EXPIRE 0 keeps expired keys until touched', async () => {
    const h = await tandem(['--hz', '100']);
    const a = await client(h);
    const b = await client(h);
    const t0 = Date.now();
    a.send('DEBUG', 'SLEEP', '0.3');
    await new Promise((r) => setTimeout(r, 20));
    expect(await b.cmd('PING')).toBe('PONG');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(await a.next()).toEqual({ t: 'status', v: 'OK' });

    expect(await a.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK');
    await a.cmd('SET', 'e', '1', 'PX', '20');
    await new Promise((r) => setTimeout(r, 200));
    expect(await a.cmd('DBSIZE')).toBe(1); // still in the keyspace: nothing expires it in the background
    expect(await a.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('OK');
    await until('active expiry', async () => (await a.cmd('DBSIZE')) === 0, 3000);
  });

  it('POPULATE creates keys on the master only (not propagated), with prefix and size', async () => {
    const m = await tandem(['--repl-diskless-sync-delay', '0']);
    const cm = await client(m);
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port)]);
    const cr = await client(r);
    await until('link up', async () => (await fields(cr, 'replication')).get('master_link_status') === 'up');
    expect(await cm.cmd('DEBUG', 'POPULATE', '100', 'p', '12')).toBe('OK');
    await cm.cmd('SET', 'marker', '1');
    await until('marker', async () => (await cr.cmd('GET', 'marker')) === '1');
    expect(await cm.cmd('DBSIZE')).toBe(101);
    expect(await cr.cmd('DBSIZE')).toBe(1);
    expect(await cm.cmd('GET', 'p:42')).toBe(`value:42${'\0'.repeat(4)}`);
  });

  it('LOG writes to the server log; DIGEST survives RELOAD; DIGEST-VALUE per key', async () => {
    const h = await tandem();
    const c = await client(h);
    expect(await c.cmd('DEBUG', 'LOG', 'hello from the test')).toBe('OK');
    await h.waitForLog(/# DEBUG LOG: hello from the test/);
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe('0'.repeat(40));
    await c.cmd('DEBUG', 'POPULATE', '50');
    await c.cmd('RPUSH', 'l', 'a', 'b');
    const d = await c.cmd('DEBUG', 'DIGEST');
    expect(await c.cmd('DEBUG', 'RELOAD')).toBe('OK');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(d);
    const [v1, v2] = (await c.cmd('DEBUG', 'DIGEST-VALUE', 'l', 'missing')) as string[];
    expect(v1).toMatch(/^[0-9a-f]{40}$/);
    expect(v2).toBe('0'.repeat(40));
  });

  it.skipIf(!redisAvailable())(
    'OBJECT reports the same encoding, refcount, serializedlength and quicklist facts as Redis',
    async () => {
      const args = ['--enable-debug-command', 'yes'];
      const [t, r] = await Promise.all([startTandem({ args }), startRedis({ args })]);
      servers.push(t, r);
      const [ct, cr] = await Promise.all([client(t), client(r)]);
      const big = 'x'.repeat(500);
      const setup: string[][] = [
        ['SET', 'int', '123'],
        ['SET', 'bigint', '123456789012'],
        ['SET', 'emb', 'hello'],
        ['SET', 'raw', 'y'.repeat(100)],
        ['SET', 'compressible', 'z'.repeat(1000)],
        ['RPUSH', 'list', 'a', 'b', 'c', '1', '2', '300000'],
        ['HSET', 'hash', 'f', 'v', 'n', '5'],
        ['SADD', 'intset', '1', '2', '3'],
        ['SADD', 'set', 'a', 'b'],
        ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
        ...Array.from({ length: 40 }, () => ['RPUSH', 'biglist', big]),
      ];
      for (const cmd of setup) {
        await ct.call(...cmd);
        await cr.call(...cmd);
      }
      const norm = (s: unknown) =>
        String(s)
          .replace(/at:0x[0-9a-f]+/, 'at:ADDR')
          .replace(/lru:\d+ lru_seconds_idle:\d+/, 'LRU');
      const keys = ['int', 'bigint', 'emb', 'raw', 'compressible', 'list', 'hash', 'intset', 'set', 'zset', 'biglist'];
      for (const k of keys) {
        expect(norm(await ct.cmd('DEBUG', 'OBJECT', k)), k).toBe(norm(await cr.cmd('DEBUG', 'OBJECT', k)));
      }
      for (const c of [ct, cr]) await c.call('CONFIG', 'SET', 'rdbcompression', 'no');
      expect(norm(await ct.cmd('DEBUG', 'OBJECT', 'compressible'))).toBe(
        norm(await cr.cmd('DEBUG', 'OBJECT', 'compressible')),
      );
      expect(await ct.call('DEBUG', 'OBJECT', 'nokey')).toEqual(await cr.call('DEBUG', 'OBJECT', 'nokey'));
      expect(await ct.cmd('DEBUG', 'DIGEST')).toBe(await cr.cmd('DEBUG', 'DIGEST'));
    },
  );
});

describe('DEBUG and replication', () => {
  it('CHANGE-REPL-ID gives a new id (replid2 cleared); a replica reconnecting then needs a full resync', async () => {
    const m = await tandem(['--repl-diskless-sync-delay', '0']);
    const cm = await client(m);
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port)]);
    const cr = await client(r);
    await until('link up', async () => (await fields(cr, 'replication')).get('master_link_status') === 'up');
    await cm.cmd('SET', 'a', '1');
    const before = await fields(cm, 'replication');
    expect(await cm.cmd('DEBUG', 'CHANGE-REPL-ID')).toBe('OK');
    await m.waitForLog(/Changing replication IDs after receiving DEBUG change-repl-id/);
    const after = await fields(cm, 'replication');
    expect(after.get('master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(after.get('master_replid')).not.toBe(before.get('master_replid'));
    expect(after.get('master_replid2')).toBe('0'.repeat(40));
    expect(after.get('second_repl_offset')).toBe('-1');
    const fullBefore = Number((await fields(cm, 'stats')).get('sync_full'));
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await until('full resync', async () => Number((await fields(cm, 'stats')).get('sync_full')) === fullBefore + 1);
    await m.waitForLog(/Replication ID mismatch/);
    await until('link up', async () => (await fields(cr, 'replication')).get('master_link_status') === 'up');
    expect((await fields(cr, 'replication')).get('master_replid')).toBe(after.get('master_replid'));
    expect(await cr.cmd('GET', 'a')).toBe('1');
  });

  it('REPLICATE sends a command to the replicas only (offset advances, the master keeps its data)', async () => {
    const m = await tandem(['--repl-diskless-sync-delay', '0']);
    const cm = await client(m);
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port)]);
    const cr = await client(r);
    await until('link up', async () => (await fields(cr, 'replication')).get('master_link_status') === 'up');
    const off = Number((await fields(cm, 'replication')).get('master_repl_offset'));
    expect(await cm.cmd('DEBUG', 'REPLICATE', 'SET', 'only-there', 'yes')).toBe('OK');
    await until('replicated', async () => (await cr.cmd('GET', 'only-there')) === 'yes');
    expect(await cm.cmd('GET', 'only-there')).toBe(null);
    expect(Number((await fields(cm, 'replication')).get('master_repl_offset'))).toBeGreaterThan(off);
    // on a replica there is no stream of its own: nothing happens
    expect(await cr.cmd('DEBUG', 'REPLICATE', 'SET', 'x', '1')).toBe('OK');
  });

  it('rdb-key-save-delay slows a full sync snapshot: the replica sees bytes arriving over time', async () => {
    const m = await tandem([
      '--repl-diskless-sync-delay',
      '0',
      '--rdb-key-save-delay',
      '5000',
      '--rdbcompression',
      'no',
    ]);
    const cm = await client(m);
    await cm.cmd('DEBUG', 'POPULATE', '300', 'key', '1000');
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port)]);
    const cr = await client(r);
    const seen: number[] = [];
    await until('sync done', async () => {
      const f = await fields(cr, 'replication');
      if (f.get('master_sync_in_progress') === '1') {
        // EOF-framed (diskless): the size is unknown, as in Redis
        expect(f.get('master_sync_total_bytes')).toMatch(/^(0|-1)$/);
        seen.push(Number(f.get('master_sync_read_bytes')));
      }
      return f.get('master_link_status') === 'up';
    });
    const distinct = new Set(seen.filter((n) => n > 0));
    expect(distinct.size).toBeGreaterThanOrEqual(3); // ~1.5 s of snapshot, polled every 20 ms
    expect(await cr.cmd('DBSIZE')).toBe(300);
  });

  it('key-load-delay slows a replica loading a full sync from the socket (loading_loaded_perc grows)', async () => {
    const m = await tandem(['--repl-diskless-sync-delay', '0']);
    const cm = await client(m);
    await cm.cmd('DEBUG', 'POPULATE', '1500');
    const r = await tandem([
      '--replicaof',
      '127.0.0.1',
      String(m.port),
      '--repl-diskless-load',
      'on-empty-db',
      '--key-load-delay',
      '1000',
    ]);
    const cr = await client(r);
    const percs: number[] = [];
    await until('loaded', async () => {
      const f = await fields(cr, 'persistence');
      if (f.get('loading') === '1') percs.push(Number(f.get('loading_loaded_perc') ?? -1));
      return (await fields(cr, 'replication')).get('master_link_status') === 'up';
    });
    expect(new Set(percs).size).toBeGreaterThanOrEqual(3); // ~1.5 s of loading
    for (let i = 1; i < percs.length; i++) expect(percs[i]).toBeGreaterThanOrEqual(percs[i - 1]);
    expect(await cr.cmd('DBSIZE')).toBe(1500);
  });

  it('master_sync_perc progresses while a $<len> payload trickles in (disk load), then the link comes up', async () => {
    // A scripted master: answers the handshake, then sends the RDB in 12 slices 100 ms apart.
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((b) => chunks.push(Buffer.from(b)));
    enc.begin({});
    enc.selectDb(0, 200, 0);
    for (let i = 0; i < 200; i++) enc.entry(`k${i}`, 'v'.repeat(100));
    enc.end();
    const image = Buffer.concat(chunks);
    const srv = net.createServer((s) => {
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        if (buf.includes('PING')) {
          buf = '';
          s.write('+PONG\r\n');
        } else if (buf.includes('REPLCONF') && buf.includes('capa')) {
          buf = '';
          s.write('+OK\r\n+OK\r\n');
        } else if (buf.includes('PSYNC')) {
          buf = '';
          s.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$${image.length}\r\n`);
          const n = 12;
          const step = Math.ceil(image.length / n);
          for (let i = 0; i < n; i++) {
            setTimeout(() => s.write(image.subarray(i * step, (i + 1) * step)), 150 + i * 100);
          }
        }
      });
      s.on('error', () => {});
      closers.push(() => s.destroy());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closers.push(() => srv.close());
    const port = (srv.address() as net.AddressInfo).port;
    const r = await tandem(['--replicaof', '127.0.0.1', String(port), '--repl-diskless-load', 'disabled']);
    const cr = await client(r);
    const samples: { perc: number; read: number; left: number }[] = [];
    await until('link up', async () => {
      const f = await fields(cr, 'replication');
      if (f.get('master_sync_in_progress') === '1' && f.get('master_sync_total_bytes') === String(image.length)) {
        const read = Number(f.get('master_sync_read_bytes'));
        expect(Number(f.get('master_sync_left_bytes'))).toBe(image.length - read);
        samples.push({ perc: Number(f.get('master_sync_perc')), read, left: image.length - read });
      }
      return f.get('master_link_status') === 'up';
    });
    const percs = [...new Set(samples.map((s) => s.perc))];
    expect(percs.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < percs.length; i++) expect(percs[i]).toBeGreaterThan(percs[i - 1]);
    expect(percs.some((p) => p > 10 && p < 90)).toBe(true);
    expect(await cr.cmd('DBSIZE')).toBe(200);
  });
});
