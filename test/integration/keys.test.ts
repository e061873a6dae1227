/**
 * Generic key commands end to end: in-process (propagation to replicas, WATCH signalling, replica-side expiry
 * rules) and over a socket (expiry timing, SCAN behaviour under changes, COPY independence).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { type Reply, type RespClient, parseReply, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

/** A server without sockets: run(argv) returns the reply; sent() the commands propagated since the last call. */
function harness() {
  const srv = new Server(new Config());
  const stream: string[][] = [];
  srv.propagator.addSink((chunk) => {
    let pos = 0;
    while (pos < chunk.length) {
      const r = parseReply(chunk, pos);
      if (r === null) throw new Error('partial chunk');
      stream.push(plain(r[0]) as string[]);
      pos = r[1];
    }
  });
  const c = new Client(srv, null, '127.0.0.1:1', '127.0.0.1:2');
  const modified = vi.spyOn(srv, 'keyModified');
  const run = (...argv: string[]): unknown => {
    processCommand(srv, c, argv);
    const out = c.out.take();
    if (out === null) return undefined;
    const r = parseReply(out, 0);
    if (r === null) throw new Error('incomplete reply');
    return plain(r[0] as Reply);
  };
  const sent = (): string[][] => stream.splice(0);
  const touched = (): string[] => {
    const keys = modified.mock.calls.map((call) => `${(call[0] as { id: number }).id}:${call[1] as string}`);
    modified.mockClear();
    return keys;
  };
  return { srv, c, run, sent, touched };
}

describe('key commands: propagation to replicas', () => {
  it('rewrites EXPIRE family to PEXPIREAT with the options kept', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.sent();
    const t0 = Date.now();
    expect(h.run('EXPIRE', 'k', '100')).toBe(1);
    expect(h.run('PEXPIRE', 'k', '200000', 'GT')).toBe(1);
    expect(h.run('EXPIREAT', 'k', '4102444800', 'xx')).toBe(1);
    expect(h.run('PEXPIREAT', 'k', '4102444800500', 'GT')).toBe(1);
    const s = h.sent();
    expect(s[0].slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expect(Number(s[0][2])).toBeGreaterThanOrEqual(t0 + 100_000);
    expect(s[1][0]).toBe('PEXPIREAT');
    expect(s[1][3]).toBe('GT');
    expect(Number(s[1][2])).toBeGreaterThanOrEqual(t0 + 200_000);
    expect(s.slice(2)).toEqual([
      ['PEXPIREAT', 'k', '4102444800000', 'xx'],
      ['PEXPIREAT', 'k', '4102444800500', 'GT'],
    ]);
  });

  it('propagates nothing for expiry no-ops and DEL for times already past', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('EXPIRE', 'k', '100');
    h.sent();
    expect(h.run('EXPIRE', 'k', '50', 'NX')).toBe(0);
    expect(h.run('EXPIRE', 'k', '50', 'GT')).toBe(0);
    expect(h.run('EXPIRE', 'nokey', '50')).toBe(0);
    expect(h.run('PERSIST', 'nokey')).toBe(0);
    expect(h.sent()).toEqual([]);
    expect(h.run('EXPIRE', 'k', '-1')).toBe(1);
    expect(h.run('EXISTS', 'k')).toBe(0);
    h.run('SET', 'k2', 'v');
    expect(h.run('PEXPIREAT', 'k2', '1')).toBe(1);
    expect(h.sent()).toEqual([
      ['DEL', 'k'],
      ['SET', 'k2', 'v'],
      ['DEL', 'k2'],
    ]);
  });

  it('propagates PERSIST only when a TTL was removed', () => {
    const h = harness();
    h.run('SET', 'k', 'v', 'PXAT', '4102444800000');
    h.sent();
    expect(h.run('PERSIST', 'k')).toBe(1);
    expect(h.run('PERSIST', 'k')).toBe(0);
    expect(h.sent()).toEqual([['PERSIST', 'k']]);
  });

  it('passes DEL/UNLINK/RENAME/MOVE/COPY through, only when they change something', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.sent();
    h.run('DEL', 'nokey');
    h.run('RENAME', 'a', 'a');
    h.run('RENAMENX', 'a', 'a');
    h.run('COPY', 'nokey', 'x');
    h.run('MOVE', 'nokey', '1');
    h.run('EXISTS', 'a');
    expect(h.sent()).toEqual([]);
    h.run('COPY', 'a', 'b');
    h.run('RENAME', 'b', 'c');
    h.run('MOVE', 'c', '3');
    h.run('UNLINK', 'a', 'nokey');
    expect(h.sent()).toEqual([
      ['COPY', 'a', 'b'],
      ['RENAME', 'b', 'c'],
      ['MOVE', 'c', '3'],
      ['UNLINK', 'a', 'nokey'],
    ]);
    h.run('DEL', 'x', 'y');
    expect(h.srv.dirty).toBeGreaterThan(0);
  });

  it('counts one dirty change per deleted key', () => {
    const h = harness();
    h.run('MSET', 'a', '1', 'b', '2', 'c', '3');
    const d0 = h.srv.dirty;
    expect(h.run('DEL', 'a', 'b', 'nokey', 'a')).toBe(2);
    expect(h.srv.dirty - d0).toBe(2);
  });

  it('on a replica, an expiry already past sets the TTL instead of deleting', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.c.isMaster = true; // the replication link applies the master's stream
    h.srv.masterHost = '127.0.0.1';
    expect(h.run('PEXPIREAT', 'k', '1')).toBe(1);
    expect(h.srv.dbs[0].getExpire('k')).toBe(1);
    expect(h.srv.dbs[0].peek('k')).toBe('v');
  });
});

describe('key commands: WATCH signalling', () => {
  it('signals source and destination keys of every modification', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.run('SET', 'b', '2');
    h.touched();
    h.run('DEL', 'a', 'nokey');
    h.run('RENAME', 'b', 'c');
    h.run('MOVE', 'c', '2');
    h.run('SET', 'x', '1');
    h.run('COPY', 'x', 'y', 'DB', '3');
    h.run('EXPIRE', 'x', '100');
    h.run('PERSIST', 'x');
    h.run('EXPIRE', 'x', '-1');
    expect(h.touched()).toEqual(['0:a', '0:c', '0:b', '2:c', '0:c', '0:x', '3:y', '0:x', '0:x', '0:x']);
    h.run('SET', 'x', '1');
    h.touched();
    h.run('EXISTS', 'x');
    h.run('TTL', 'x');
    h.run('TYPE', 'x');
    h.run('TOUCH', 'x');
    h.run('RENAMENX', 'x', 'x');
    h.run('EXPIRE', 'x', '100', 'XX');
    h.run('PERSIST', 'x');
    h.run('OBJECT', 'ENCODING', 'x');
    expect(h.touched()).toEqual([]);
  });
});

describe('key commands over a socket', () => {
  let srv: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    srv = await startTandem();
    c = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('expires keys at the set time, and TTL/PTTL count down', async () => {
    await c.cmd('SET', 'e', 'v');
    expect(await c.cmd('PEXPIRE', 'e', '80')).toBe(1);
    const pttl = (await c.cmd('PTTL', 'e')) as number;
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(80);
    expect(await c.cmd('TTL', 'e')).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(await c.cmd('EXISTS', 'e')).toBe(0);
    expect(await c.cmd('TTL', 'e')).toBe(-2);
  });

  it('EXPIRETIME and PEXPIRETIME report the absolute deadline', async () => {
    await c.cmd('SET', 'a', 'v');
    await c.cmd('PEXPIREAT', 'a', '4102444800999');
    expect(await c.cmd('PEXPIRETIME', 'a')).toBe(4102444800999);
    expect(await c.cmd('EXPIRETIME', 'a')).toBe(4102444800);
    await c.cmd('PEXPIREAT', 'a', '9223372036854775807');
    expect(await c.call('PEXPIRETIME', 'a')).toEqual({ t: 'int', v: 9223372036854775807n });
  });

  it('RENAME carries the TTL and replaces any destination', async () => {
    await c.cmd('SET', 'src', 'v', 'EX', '100');
    await c.cmd('RPUSH', 'dst', 'x');
    expect(await c.cmd('RENAME', 'src', 'dst')).toBe('OK');
    expect(await c.cmd('TYPE', 'dst')).toBe('string');
    expect(await c.cmd('TTL', 'dst')).toBeGreaterThan(98);
    expect(await c.cmd('EXISTS', 'src')).toBe(0);
  });

  it('COPY creates an independent value', async () => {
    await c.cmd('HSET', 'h', 'a', '1');
    expect(await c.cmd('COPY', 'h', 'h2')).toBe(1);
    await c.cmd('HSET', 'h', 'b', '2');
    await c.cmd('HDEL', 'h2', 'a');
    expect(await c.cmd('HGETALL', 'h')).toEqual(['a', '1', 'b', '2']);
    expect(await c.cmd('EXISTS', 'h2')).toBe(0);
    await c.cmd('RPUSH', 'l', 'a', 'b');
    await c.cmd('COPY', 'l', 'l2');
    await c.cmd('RPUSH', 'l2', 'c');
    expect(await c.cmd('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b']);
    expect(await c.cmd('LRANGE', 'l2', '0', '-1')).toEqual(['a', 'b', 'c']);
  });

  it('SCAN returns every key present for the whole iteration, even while keys change', async () => {
    await c.cmd('SELECT', '5');
    const keep: string[] = [];
    for (let i = 0; i < 500; i++) keep.push(`keep:${i}`, 'v');
    await c.cmd('MSET', ...keep);
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, keys] = (await c.cmd('SCAN', cursor, 'COUNT', '20')) as [string, string[]];
      for (const k of keys) seen.add(k);
      // churn: add and delete other keys between calls
      await c.cmd('SET', `churn:${round}`, 'v');
      await c.cmd('DEL', `churn:${round - 3}`);
      round++;
      cursor = next;
    } while (cursor !== '0');
    for (let i = 0; i < 500; i++) expect(seen.has(`keep:${i}`)).toBe(true);
    expect(round).toBeGreaterThan(10);
    await c.cmd('SELECT', '0');
  });

  it('RANDOMKEY returns existing keys and skips expired ones', async () => {
    await c.cmd('SELECT', '6');
    expect(await c.cmd('RANDOMKEY')).toBe(null);
    await c.cmd('SET', 'only', 'v');
    await c.cmd('SET', 'dead', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 20; i++) expect(await c.cmd('RANDOMKEY')).toBe('only');
    await c.cmd('SELECT', '0');
  });

  it('KEYS skips logically expired keys', async () => {
    await c.cmd('SELECT', '7');
    await c.cmd('SET', 'live', 'v');
    await c.cmd('SET', 'dying', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    expect(await c.cmd('KEYS', '*')).toEqual(['live']);
    await c.cmd('SELECT', '0');
  });
});
