import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { ByteQueue, MasterLink } from '../../src/replication/master-link';
import { MasterProtocolError, MasterStreamParser } from '../../src/replication/master-stream';
import { encodeCommand } from '../../src/replication/propagate';
import { replicationOf } from '../../src/replication/state';
import { Server } from '../../src/server/server';

const b = (s: string) => Buffer.from(s, 'latin1');
const enc = (...argv: string[]) => encodeCommand(argv);

function drain(p: MasterStreamParser) {
  const out: { argv: string[]; size: number }[] = [];
  for (let c = p.next(); c !== null; c = p.next()) out.push(c);
  return out;
}

describe('master stream parser', () => {
  it('returns each command with the bytes it occupied', () => {
    const p = new MasterStreamParser();
    const s = Buffer.concat([enc('SELECT', '0'), enc('set', 'k', 'v'), enc('ping')]);
    p.push(s);
    expect(drain(p)).toEqual([
      { argv: ['SELECT', '0'], size: 23 },
      { argv: ['set', 'k', 'v'], size: 27 },
      { argv: ['ping'], size: 14 },
    ]);
    expect(p.pendingBytes).toBe(0);
  });

  it('sizes stay exact when fed byte by byte, and for binary and big values', () => {
    const big = 'x'.repeat(100_000);
    const cmds = [enc('SET', 'bin\r\n\0', '\xff\x00\r\n'), enc('SET', 'big', big), enc('REPLCONF', 'GETACK', '*')];
    const all = Buffer.concat(cmds);
    const p = new MasterStreamParser();
    const got: { argv: string[]; size: number }[] = [];
    for (let i = 0; i < all.length; i += 7) {
      p.push(all.subarray(i, i + 7));
      got.push(...drain(p));
    }
    expect(got.map((c) => c.size)).toEqual(cmds.map((c) => c.length));
    expect(got[0].argv).toEqual(['SET', 'bin\r\n\0', '\xff\x00\r\n']);
    expect(got[1].argv[2]).toBe(big);
  });

  it('a bare newline is a keepalive that still counts; inline text is a protocol error', () => {
    const p = new MasterStreamParser();
    p.push(b('\n\r\n*0\r\n'));
    expect(drain(p)).toEqual([
      { argv: [], size: 1 },
      { argv: [], size: 2 },
      { argv: [], size: 4 },
    ]);
    const q = new MasterStreamParser();
    q.push(b('SET a b\r\n'));
    expect(() => q.next()).toThrow(new MasterProtocolError('Master using the inline protocol. Desync?'));
    const r = new MasterStreamParser();
    r.push(b('*1\r\n+x\r\n'));
    expect(() => r.next()).toThrow("Protocol error: expected '$', got '+'");
  });
});

describe('ByteQueue', () => {
  it('takes across chunk boundaries, as views when possible', () => {
    const q = new ByteQueue();
    q.push(b('abc'));
    q.push(b('defg'));
    expect(q.take(2).toString()).toBe('ab');
    expect(q.take(3).toString()).toBe('cde');
    expect(q.length).toBe(2);
    expect(q.take(2).toString()).toBe('fg');
    expect(q.length).toBe(0);
  });
});

/** A socket stand-in recording what the link writes (ACKs). */
function fakeSocket() {
  const written: string[] = [];
  const sock = {
    remoteAddress: '127.0.0.1',
    remotePort: 6379,
    localAddress: '127.0.0.1',
    localPort: 40000,
    destroyed: false,
    write(d: Buffer) {
      written.push(d.toString('latin1'));
      return true;
    },
    end() {},
    destroy() {},
  };
  return { sock: sock as unknown as net.Socket, written };
}

function setup(offset: number) {
  const srv = new Server(new Config());
  srv.masterHost = '127.0.0.1';
  srv.masterLinkUp = true;
  const rs = replicationOf(srv);
  rs.history.adopt('0e6def2015437f99f63474d08a740fea9fb963e5', offset);
  const relayed: string[] = [];
  rs.primary = {
    feed: (chunk) => relayed.push(chunk.toString('latin1')),
    ensureBacklog: () => {
      throw new Error('unused');
    },
    disconnectReplicas: () => {},
    roleChanged: () => {},
    onlineCount: 0,
    infoLines: () => [],
  };
  const { sock, written } = fakeSocket();
  const link = new MasterLink(srv, sock, offset, 0, false);
  return { srv, rs, link, written, relayed };
}

describe('applying the master stream: offsets', () => {
  it('GETACK is answered with the offset before it; every byte counts', () => {
    const { srv, link, written, rs } = setup(1000);
    const select = enc('SELECT', '0');
    const set = enc('SET', 'foo', 'bar');
    const getack = enc('REPLCONF', 'GETACK', '*');
    link.onData(Buffer.concat([select, set, getack]));
    expect(srv.dbs[0].get('foo')).toBe('bar');
    // spec §4.3: the real 7.0 replica ACKs 1054 then 1091 for exactly this stream
    expect(written).toEqual([enc('REPLCONF', 'ACK', '1054').toString('latin1')]);
    expect(link.applied).toBe(1091);
    expect(rs.history.offset).toBe(1091);
    link.sendAck();
    expect(written[1]).toBe(enc('REPLCONF', 'ACK', '1091').toString('latin1'));
  });

  it('a GETACK split across chunks still reports the offset before it', () => {
    const { link, written } = setup(0);
    const s = Buffer.concat([enc('ping'), enc('REPLCONF', 'GETACK', '*')]);
    link.onData(s.subarray(0, 20));
    link.onData(s.subarray(20));
    expect(written).toEqual([enc('REPLCONF', 'ACK', '14').toString('latin1')]);
    expect(link.applied).toBe(51);
  });

  it('inside MULTI the applied offset waits for EXEC, and so does relaying', () => {
    const { srv, link, relayed } = setup(0);
    const multi = Buffer.concat([enc('MULTI'), enc('SET', 'a', '1'), enc('SET', 'b', '2')]);
    const exec = enc('EXEC');
    link.onData(multi);
    expect(link.applied).toBe(0);
    expect(link.read).toBe(multi.length);
    expect(relayed).toEqual([]);
    expect(srv.dbs[0].get('a')).toBeUndefined();
    link.onData(exec);
    expect(link.applied).toBe(multi.length + exec.length);
    expect(srv.dbs[0].get('b')).toBe('2');
    expect(relayed.join('')).toBe(Buffer.concat([multi, exec]).toString('latin1'));
  });

  it('relays exactly the applied bytes, keepalive newlines included, and keeps partial commands back', () => {
    const { link, relayed } = setup(5);
    const set = enc('SET', 'k', 'v');
    link.onData(Buffer.concat([b('\n'), set, set.subarray(0, 10)]));
    expect(relayed.join('')).toBe(`\n${set.toString('latin1')}`);
    expect(link.applied).toBe(5 + 1 + set.length);
    link.onData(set.subarray(10));
    expect(relayed.join('')).toBe(`\n${set.toString('latin1')}${set.toString('latin1')}`);
  });

  it('the master client selects dbs and is never refused as a read-only replica', () => {
    const { srv, link } = setup(0);
    link.onData(Buffer.concat([enc('SELECT', '3'), enc('RPUSH', 'l', 'a', 'b'), enc('EXPIRE', 'l', '100')]));
    expect(link.client.db.id).toBe(3);
    expect(srv.dbs[3].get('l')).toBeDefined();
    expect(srv.dbs[3].getExpire('l')).toBeGreaterThan(Date.now());
  });

  it('keys already expired stay visible to the master client (its DEL must apply)', () => {
    const { srv, link } = setup(0);
    srv.dbs[0].add('gone', 'x');
    srv.dbs[0].setExpire('gone', Date.now() - 1000);
    link.onData(enc('APPEND', 'gone', 'y'));
    srv.currentClient = link.client;
    expect(srv.dbs[0].get('gone')).toBe('xy');
    srv.currentClient = null;
    expect(srv.dbs[0].get('gone')).toBeUndefined(); // hidden from normal clients
    expect(srv.dbs[0].size).toBe(1); // but still stored
  });

  it('inline data is a protocol error: the link closes and is not cached', () => {
    const { srv, link } = setup(0);
    link.onData(b('SET a b\r\n'));
    expect(link.client.closed).toBe(true);
    expect(link.cacheable).toBe(false);
    expect(srv.dbs[0].get('a')).toBeUndefined();
  });
});
