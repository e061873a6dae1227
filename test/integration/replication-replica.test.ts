/**
 * The replica side against a scripted fake master (a Node TCP server in this file), so every step of the protocol
 * can be observed and provoked: the exact handshake bytes, keepalives, both payload framings, the db the stream
 * continues in, GETACK offsets, partial resync with a new id, PSYNC refusals, SYNC fallback, protocol errors,
 * timeouts, transfer progress in INFO, what clients see while a full sync loads (per repl-diskless-load), and the
 * replica's own newline keepalives while loading.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RdbEncoder } from '../../src/persistence/rdb/encoder';
import type { RdbValue } from '../../src/persistence/rdb/types';
import { encodeArgv, type RespClient } from '../helpers/resp-client';
import { type ServerHandle, type StartOptions, startTandem, stopAll } from '../helpers/servers';

const ID = '0e6def2015437f99f63474d08a740fea9fb963e5';
const ID2 = 'f61fd3bd3714e2821c13fab23b3c3d63a3310968';
const MARK = '87a258fdffca0de64b7e8265e28c890d2fb0d134';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = (...argv: string[]) => encodeArgv(argv);
const ack = (off: number) => enc('REPLCONF', 'ACK', String(off)).toString('latin1');

/** An RDB image: `keys` per db, optional repl-stream-db. */
function rdb(keys: Record<number, [string, RdbValue][]>, streamDb?: number): Buffer {
  const chunks: Buffer[] = [];
  const e = new RdbEncoder((c) => chunks.push(Buffer.from(c)));
  e.begin(streamDb === undefined ? {} : { repl: { streamDb, replId: ID, offset: 0 } });
  for (const [db, list] of Object.entries(keys)) {
    e.selectDb(Number(db), list.length, 0);
    for (const [k, v] of list) e.entry(k, v);
  }
  e.end();
  return Buffer.concat(chunks);
}

/** One connection from the replica to the fake master. */
class Conn {
  data = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('error', () => {});
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  /** Waits until what the replica sent (from `from` on) satisfies `test`. */
  async until(what: string, test: (text: string) => boolean, timeoutMs = 5000): Promise<void> {
    const t0 = Date.now();
    while (!test(this.text)) {
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`timeout waiting for ${what}; replica sent ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Waits for `s` to appear after position `from` and returns the position after it. */
  async expect(s: string, from = 0, timeoutMs = 5000): Promise<number> {
    await this.until(JSON.stringify(s), (t) => t.indexOf(s, from) >= 0, timeoutMs);
    return this.text.indexOf(s, from) + s.length;
  }

  send(d: string | Buffer): void {
    this.sock.write(typeof d === 'string' ? Buffer.from(d, 'latin1') : d);
  }

  /** Answers the handshake (PING, the REPLCONF burst) and returns the PSYNC command the replica sent. */
  async handshake(replies = 2): Promise<string> {
    await this.expect('*1\r\n$4\r\nPING\r\n');
    this.send('+PONG\r\n');
    await this.expect('capa\r\n$6\r\npsync2\r\n');
    this.send('+OK\r\n'.repeat(replies));
    await this.until('PSYNC', (t) =>
      /\*[34]\r\n\$5\r\nPSYNC\r\n.*\r\n.*\r\n.*\r\n/s.test(t.slice(t.indexOf('PSYNC') - 8)),
    );
    const at = this.text.indexOf('PSYNC') - 8;
    return this.text.slice(at);
  }
}

class FakeMaster {
  readonly conns: Conn[] = [];
  private waiters: (() => void)[] = [];
  private constructor(
    readonly server: net.Server,
    readonly port: number,
  ) {
    server.on('connection', (s) => {
      this.conns.push(new Conn(s));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(): Promise<FakeMaster> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new FakeMaster(server, (server.address() as net.AddressInfo).port);
  }

  /** The n-th connection (0-based), waiting for it. */
  async conn(n: number, timeoutMs = 5000): Promise<Conn> {
    const t0 = Date.now();
    while (this.conns.length <= n) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`no connection #${n} from the replica`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.conns[n];
  }

  close(): void {
    for (const c of this.conns) c.sock.destroy();
    this.server.close();
  }
}

async function info(c: RespClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of ((await c.cmd('INFO', 'replication')) as string).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const masters: FakeMaster[] = [];
const clients: RespClient[] = [];

async function setup(extra: string[] = [], opts: StartOptions = {}) {
  const fm = await FakeMaster.start();
  masters.push(fm);
  const tandem = await startTandem({ ...opts, args: ['--replicaof', '127.0.0.1', String(fm.port), ...extra] });
  const t = await tandem.client();
  clients.push(t);
  return { fm, tandem, t };
}

/** Handshake then a full sync on connection `c` with a $len payload followed by `stream`. */
async function fullSync(c: Conn, image: Buffer, offset: number, stream = Buffer.alloc(0), id = ID): Promise<void> {
  await c.handshake();
  c.send(Buffer.concat([Buffer.from(`+FULLRESYNC ${id} ${offset}\r\n$${image.length}\r\n`), image, stream]));
}

describe('replica side against a scripted master', () => {
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const m of masters.splice(0)) m.close();
    await stopAll();
  });
  afterAll(async () => {
    await stopAll();
  });

  it('handshake bytes with AUTH and announce settings; $len payload; stream in repl-stream-db; GETACK offsets', async () => {
    const { fm, tandem, t } = await setup([
      '--masteruser',
      'repl',
      '--masterauth',
      's3cret',
      '--replica-announce-ip',
      '10.1.2.3',
      '--replica-announce-port',
      '7777',
    ]);
    const c = await fm.conn(0);
    await c.expect('*1\r\n$4\r\nPING\r\n');
    c.send('+PONG\r\n');
    const burst =
      '*3\r\n$4\r\nAUTH\r\n$4\r\nrepl\r\n$6\r\ns3cret\r\n' +
      '*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7777\r\n' +
      '*3\r\n$8\r\nREPLCONF\r\n$10\r\nip-address\r\n$8\r\n10.1.2.3\r\n' +
      '*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n';
    await c.expect(burst);
    // nothing else until every reply of the burst is in
    await sleep(100);
    expect(c.text).toBe(`*1\r\n$4\r\nPING\r\n${burst}`);
    c.send('+OK\r\n+OK\r\n+OK\r\n');
    await sleep(100);
    expect(c.text).not.toContain('PSYNC');
    c.send('+OK\r\n');
    const p = await c.expect('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    const image = rdb({ 0: [['old', 'x']], 2: [['k2', 'v2']] }, 2);
    // keepalives before +FULLRESYNC and before the payload header, then the stream right after the last byte
    const set = enc('SET', 'foo', 'bar');
    c.send('\n\n');
    await sleep(50);
    c.send(`\n+FULLRESYNC ${ID} 1000\r\n\n$${image.length}\r\n`);
    c.send(Buffer.concat([image, set, enc('REPLCONF', 'GETACK', '*')]));
    await c.expect(ack(1000 + set.length), p);
    await t.cmd('SELECT', 2);
    expect(await t.cmd('GET', 'foo')).toBe('bar');
    expect(await t.cmd('GET', 'k2')).toBe('v2');
    const i = await info(t);
    expect(i.master_link_status).toBe('up');
    expect(i.master_replid).toBe(ID);
    expect(i.master_repl_offset).toBe(String(1000 + set.length + 37));
    expect(i.slave_repl_offset).toBe(i.master_repl_offset);
    expect(i.slave_read_repl_offset).toBe(i.master_repl_offset);
    // periodic ACKs report everything applied, GETACK included
    await c.expect(ack(1000 + set.length + 37), p, 3000);
    const log = tandem.output();
    for (const line of [
      `* Connecting to MASTER 127.0.0.1:${fm.port}`,
      '* MASTER <-> REPLICA sync started',
      '* Non blocking connect for SYNC fired the event.',
      '* Master replied to PING, replication can continue...',
      '* Partial resynchronization not possible (no cached master)',
      `* Full resync from master: ${ID}:1000`,
      `* MASTER <-> REPLICA sync: receiving ${image.length} bytes from master to disk`,
      '* MASTER <-> REPLICA sync: Flushing old data',
      '* MASTER <-> REPLICA sync: Loading DB in memory',
      '* MASTER <-> REPLICA sync: Finished with success',
    ]) {
      expect(log).toContain(line);
    }
    // disk mode: the payload became the dump file
    expect(fs.readFileSync(path.join(tandem.dir, 'dump.rdb')).equals(image)).toBe(true);
  });

  it('an EOF-framed payload is acknowledged at once (the master streams only after that ACK)', async () => {
    const { fm, tandem, t } = await setup(['--repl-diskless-load', 'swapdb']);
    const c = await fm.conn(0);
    await c.handshake();
    const p = c.text.length;
    const image = rdb({ 0: [['a', '1']] });
    c.send(`+FULLRESYNC ${ID} 14\r\n$EOF:${MARK}\r\n`);
    c.send(image.subarray(0, 20));
    await sleep(50);
    c.send(Buffer.concat([image.subarray(20), Buffer.from(MARK.slice(0, 17))]));
    await sleep(50);
    c.send(MARK.slice(17));
    await c.expect(ack(14), p);
    c.send(enc('SET', 'b', '2'));
    await tandem.waitForLog(/receiving streamed RDB from master with EOF to parser/);
    await tandem.waitForLog(/Swapping active DB with loaded DB/);
    for (let i = 0; i < 50 && (await t.cmd('GET', 'b')) === null; i++) await sleep(20);
    expect(await t.cmd('MGET', 'a', 'b')).toEqual(['1', '2']);
  });

  it('reconnects with PSYNC <id> <offset+1>; +CONTINUE <new id> shifts the history and keeps the selected db', async () => {
    const { fm, tandem, t } = await setup();
    const c0 = await fm.conn(0);
    const stream = Buffer.concat([enc('SELECT', '4'), enc('SET', 'a', '1')]);
    await fullSync(c0, rdb({}), 100, stream);
    await c0.expect(ack(100 + stream.length), 0, 3000);
    c0.sock.destroy();
    const c1 = await fm.conn(1);
    const psync = await c1.handshake();
    expect(psync).toBe(`*3\r\n$5\r\nPSYNC\r\n$40\r\n${ID}\r\n$3\r\n${100 + stream.length + 1}\r\n`);
    const more = enc('SET', 'b', '2');
    c1.send(Buffer.concat([Buffer.from(`+CONTINUE ${ID2}\r\n`), more]));
    const applied = 100 + stream.length + more.length;
    await c1.expect(ack(applied), 0, 3000);
    await t.cmd('SELECT', 4);
    expect(await t.cmd('MGET', 'a', 'b')).toEqual(['1', '2']);
    const i = await info(t);
    expect(i.master_replid).toBe(ID2);
    expect(i.master_replid2).toBe(ID);
    expect(i.second_repl_offset).toBe(String(100 + stream.length + 1));
    expect(i.master_repl_offset).toBe(String(applied));
    const log = tandem.output();
    expect(log).toContain('# Connection with master lost.');
    expect(log).toContain('* Caching the disconnected master state.');
    expect(log).toContain(`* Reconnecting to MASTER 127.0.0.1:${fm.port}`);
    expect(log).toContain(`* Trying a partial resynchronization (request ${ID}:${100 + stream.length + 1}).`);
    expect(log).toContain(`# Master replication ID changed to ${ID2}`);
    expect(log).toContain('* MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
  });

  it('-NOMASTERLINK / -LOADING: the whole handshake is retried later', async () => {
    const { fm, tandem } = await setup();
    const c0 = await fm.conn(0);
    await c0.handshake();
    c0.send("-NOMASTERLINK Can't SYNC while not connected with my master\r\n");
    const c1 = await fm.conn(1, 3000);
    await c1.handshake();
    c1.send('-LOADING Redis is loading the dataset in memory\r\n');
    const c2 = await fm.conn(2, 3000);
    await c2.expect('PING');
    expect(tandem.output()).toContain(
      "* Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK Can't SYNC while not connected with my master",
    );
  });

  it('a master refusing PSYNC gets SYNC; its payload loads and no ACKs are sent', async () => {
    const { fm, tandem, t } = await setup();
    const c = await fm.conn(0);
    await c.handshake();
    c.send("-ERR unknown command 'PSYNC'\r\n");
    const at = await c.expect('SYNC\r\n', c.text.length);
    const image = rdb({ 0: [['synced', 'yes']] });
    c.send(Buffer.concat([Buffer.from(`$${image.length}\r\n`), image, enc('SET', 'after', '1')]));
    await tandem.waitForLog(/Finished with success/);
    for (let i = 0; i < 50 && (await t.cmd('GET', 'after')) === null; i++) await sleep(20);
    expect(await t.cmd('MGET', 'synced', 'after')).toEqual(['yes', '1']);
    await sleep(1500);
    expect(c.text.slice(at)).toBe('');
    expect(tandem.output()).toContain('* Retrying with SYNC...');
  });

  it('inline text from the master closes the link and discards the cached master', async () => {
    const { fm, tandem, t } = await setup();
    const c0 = await fm.conn(0);
    await fullSync(c0, rdb({}), 0);
    await tandem.waitForLog(/Finished with success/);
    c0.send('SET x y\r\n');
    const c1 = await fm.conn(1, 3000);
    expect(await c1.handshake()).toBe('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    expect(await t.cmd('GET', 'x')).toBe(null);
    expect(tandem.output()).toContain('# WARNING: Receiving inline protocol from master, master stream corruption?');
  });

  it('an error instead of the payload: retried at once', async () => {
    const { fm, tandem } = await setup();
    const c0 = await fm.conn(0);
    await c0.handshake();
    c0.send(`+FULLRESYNC ${ID} 0\r\n-ERR BGSAVE failed, replication can't continue\r\n`);
    await fm.conn(1, 900);
    const log = tandem.output();
    expect(log).toContain("# MASTER aborted replication with an error: ERR BGSAVE failed, replication can't continue");
    expect(log).toContain(`* Reconnecting to MASTER 127.0.0.1:${fm.port} after failure`);
  });

  it('repl-timeout: a silent master is dropped and the link continues with PSYNC', async () => {
    const { fm, tandem } = await setup(['--repl-timeout', '1']);
    const c0 = await fm.conn(0);
    await fullSync(c0, rdb({}), 500);
    const c1 = await fm.conn(1, 5000);
    expect(await c1.handshake()).toBe(`*3\r\n$5\r\nPSYNC\r\n$40\r\n${ID}\r\n$3\r\n501\r\n`);
    expect(tandem.output()).toContain('# MASTER timeout: no data nor PING received...');
    // a master that never answers the handshake times out too
    const c2 = await fm.conn(2, 5000);
    await c2.expect('*1\r\n$4\r\nPING\r\n');
    await tandem.waitForLog(/# Timeout connecting to the MASTER\.\.\./);
  });

  it('INFO and ROLE while connecting, handshaking and transferring', async () => {
    const { fm, t } = await setup();
    const c = await fm.conn(0);
    await c.expect('PING');
    expect(await t.cmd('ROLE')).toEqual(['slave', '127.0.0.1', fm.port, 'handshake', -1]);
    let i = await info(t);
    expect(i.master_link_status).toBe('down');
    expect(i.master_sync_in_progress).toBe('0');
    expect(i.master_link_down_since_seconds).toBe('-1');
    expect(i.master_last_io_seconds_ago).toBe('-1');
    expect(i.slave_repl_offset).toBe('1');
    c.send('+PONG\r\n');
    await c.expect('psync2\r\n');
    c.send('+OK\r\n+OK\r\n');
    await c.expect('PSYNC');
    c.send(`+FULLRESYNC ${ID} 0\r\n`);
    await sleep(100);
    i = await info(t);
    expect(i.master_sync_in_progress).toBe('1');
    expect(i.master_sync_total_bytes).toBe('-1');
    expect(i.master_sync_perc).toBe('-0.00');
    const image = rdb({ 0: [['k', 'v'.repeat(1000)]] });
    c.send(Buffer.concat([Buffer.from(`$${image.length}\r\n`), image.subarray(0, 100)]));
    await sleep(100);
    i = await info(t);
    expect(await t.cmd('ROLE')).toEqual(['slave', '127.0.0.1', fm.port, 'sync', -1]);
    expect(i.master_sync_total_bytes).toBe(String(image.length));
    expect(i.master_sync_read_bytes).toBe('100');
    expect(i.master_sync_left_bytes).toBe(String(image.length - 100));
    expect(i.master_sync_perc).toBe(((100 / image.length) * 100).toFixed(2));
    expect(i.master_sync_last_io_seconds_ago).toBe('0');
    expect(Object.keys(i).indexOf('master_sync_total_bytes')).toBe(Object.keys(i).indexOf('slave_repl_offset') + 1);
    c.send(image.subarray(100));
    await c.expect(ack(0), 0, 3000);
    i = await info(t);
    expect(i.master_link_status).toBe('up');
    expect(i.master_sync_total_bytes).toBeUndefined();
    expect(i.master_link_down_since_seconds).toBeUndefined();
    expect(await t.cmd('ROLE')).toEqual(['slave', '127.0.0.1', fm.port, 'connected', 0]);
    c.sock.destroy();
    await fm.conn(1);
    i = await info(t);
    expect(i.master_link_down_since_seconds).toBe('0');
    expect(i.slave_repl_offset).toBe('0'); // the cached master's
  });

  it('swapdb: old data served while loading a sync of the same history, -LOADING for another history', async () => {
    const { fm, tandem, t } = await setup(['--repl-diskless-load', 'swapdb']);
    const c0 = await fm.conn(0);
    await fullSync(c0, rdb({ 0: [['gen', '1']] }), 0);
    await tandem.waitForLog(/Finished with success/);
    expect(await t.cmd('GET', 'gen')).toBe('1');
    const big = rdb({
      0: [['gen', '2'], ...Array.from({ length: 2000 }, (_, i): [string, RdbValue] => [`k${i}`, 'v'])],
    });
    // same history: async loading, old data served
    c0.sock.destroy();
    const c1 = await fm.conn(1);
    await c1.handshake();
    c1.send(
      Buffer.concat([Buffer.from(`+FULLRESYNC ${ID} 50\r\n$${big.length}\r\n`), big.subarray(0, big.length >> 1)]),
    );
    await sleep(100);
    expect(await t.cmd('GET', 'gen')).toBe('1');
    const from1 = c1.text.length;
    c1.send(big.subarray(big.length >> 1));
    await c1.expect('REPLCONF', from1, 3000);
    expect(await t.cmd('GET', 'gen')).toBe('2');
    // another history: the replica answers -LOADING meanwhile
    c1.sock.destroy();
    const c2 = await fm.conn(2);
    await c2.handshake();
    const other = rdb({ 0: [['gen', '3']] });
    c2.send(Buffer.concat([Buffer.from(`+FULLRESYNC ${ID2} 0\r\n$${other.length}\r\n`), other.subarray(0, 10)]));
    await sleep(100);
    expect(await t.call('GET', 'gen')).toEqual({ t: 'error', v: 'LOADING Redis is loading the dataset in memory' });
    const from = c2.text.length;
    c2.send(other.subarray(10));
    await c2.expect('REPLCONF', from, 3000);
    expect(await t.cmd('GET', 'gen')).toBe('3');
    expect(await t.cmd('DBSIZE')).toBe(1);
  });

  it('disk mode: old data served during the transfer; newline keepalives to the master while loading', async () => {
    const { fm, tandem, t } = await setup(['--key-load-delay', '1000']);
    const c0 = await fm.conn(0);
    await fullSync(c0, rdb({ 0: [['gen', '1']] }), 0);
    await tandem.waitForLog(/Finished with success/);
    c0.sock.destroy();
    const c1 = await fm.conn(1);
    await c1.handshake();
    const big = rdb({ 0: Array.from({ length: 2500 }, (_, i): [string, RdbValue] => [`k${i}`, 'v']) });
    c1.send(Buffer.concat([Buffer.from(`+FULLRESYNC ${ID2} 0\r\n$${big.length}\r\n`), big.subarray(0, 100)]));
    await sleep(100);
    expect(await t.cmd('GET', 'gen')).toBe('1'); // still receiving to disk
    const start = c1.text.length;
    c1.send(big.subarray(100));
    await tandem.waitForLog(/Loading DB in memory/);
    // ~2.5 s of loading: the replica tells the master it is alive
    await c1.until('a newline keepalive', (s) => s.slice(start).includes('\n'), 4000);
    expect(await t.call('GET', 'gen')).toEqual({ t: 'error', v: 'LOADING Redis is loading the dataset in memory' });
    await tandem.waitForLog(/Finished with success[\s\S]*Finished with success/, 10_000);
    expect(await t.cmd('DBSIZE')).toBe(2500);
  });

  it('turning into a replica unblocks clients blocked on keys with an error', async () => {
    const tandem: ServerHandle = await startTandem();
    const t = await tandem.client();
    const b = await tandem.client();
    clients.push(t, b);
    b.send('BLPOP', 'q', '0');
    await sleep(100);
    expect(await t.cmd('REPLICAOF', '127.0.0.1', '1')).toBe('OK');
    expect(await b.next()).toEqual({
      t: 'error',
      v: 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
    });
    await b.waitClose();
    expect(await t.cmd('REPLICAOF', 'NO', 'ONE')).toBe('OK');
  });
});
