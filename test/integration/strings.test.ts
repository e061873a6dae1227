/**
 * String commands end to end. Two layers:
 * - in-process: a real Server and Client driven through dispatch, to observe what is propagated to replicas and
 *   which keys are signalled as modified (WATCH) — effects a socket client cannot see;
 * - over a socket: a spawned tandem-server, for timing (expiry) and wire behaviour.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { type Reply, type RespClient, parseReply, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

/** A server without sockets: run(argv) returns the reply; `stream` collects propagated commands. */
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
  /** commands propagated since the last call, SELECT lines dropped */
  const sent = (): string[][] => stream.splice(0).filter((a) => a[0] !== 'SELECT');
  const touched = (): string[] => {
    const keys = modified.mock.calls.map((call) => call[1] as string);
    modified.mockClear();
    return keys;
  };
  return { srv, c, run, sent, touched };
}

describe('string commands: propagation to replicas', () => {
  it('passes plain writes through verbatim', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('set', 'k2', 'v2');
    h.run('MSET', 'a', '1', 'b', '2');
    h.run('APPEND', 'k', 'x');
    h.run('INCR', 'n');
    h.run('SETRANGE', 'k', '1', 'zz');
    expect(h.sent()).toEqual([
      ['SET', 'k', 'v'],
      ['set', 'k2', 'v2'],
      ['MSET', 'a', '1', 'b', '2'],
      ['APPEND', 'k', 'x'],
      ['INCR', 'n'],
      ['SETRANGE', 'k', '1', 'zz'],
    ]);
  });

  it('propagates nothing when nothing changed', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.sent();
    h.run('SET', 'k', 'w', 'NX');
    h.run('SET', 'missing', 'w', 'XX');
    h.run('SETNX', 'k', 'x');
    h.run('MSETNX', 'k', '1', 'other', '2');
    h.run('SETRANGE', 'k', '0', '');
    h.run('GETDEL', 'missing');
    h.run('GETEX', 'k');
    h.run('GETEX', 'k', 'PERSIST'); // no TTL to remove
    h.run('INCR', 'k'); // error
    h.run('SET', 'k', 'v', 'EX', '0'); // error
    expect(h.sent()).toEqual([]);
  });

  it('rewrites relative expiries to SET ... PXAT <absolute ms>', () => {
    const h = harness();
    const t0 = Date.now();
    h.run('SET', 'k', 'v', 'EX', '100', 'NX', 'GET');
    h.run('SETEX', 'k2', '10', 'v2');
    h.run('PSETEX', 'k3', '5000', 'v3');
    h.run('SET', 'k4', 'v4', 'PXAT', '4102444800000', 'XX'); // XX fails: nothing
    h.run('SET', 'k', 'v5', 'EXAT', '4102444800');
    const t1 = Date.now();
    const s = h.sent();
    expect(s.map((a) => a.slice(0, 4))).toEqual([
      ['SET', 'k', 'v', 'PXAT'],
      ['SET', 'k2', 'v2', 'PXAT'],
      ['SET', 'k3', 'v3', 'PXAT'],
      ['SET', 'k', 'v5', 'PXAT'],
    ]);
    const abs = s.map((a) => Number(a[4]));
    expect(s.every((a) => a.length === 5)).toBe(true);
    expect(abs[0]).toBeGreaterThanOrEqual(t0 + 100_000);
    expect(abs[0]).toBeLessThanOrEqual(t1 + 100_000);
    expect(abs[1]).toBeGreaterThanOrEqual(t0 + 10_000);
    expect(abs[2]).toBeGreaterThanOrEqual(t0 + 5_000);
    expect(abs[3]).toBe(4102444800000);
  });

  it('drops GET from SET without expiry, keeping the other options', () => {
    const h = harness();
    h.run('SET', 'k', 'v', 'GET', 'KEEPTTL', 'get');
    h.run('SET', 'k', 'w', 'XX', 'GET');
    expect(h.sent()).toEqual([
      ['SET', 'k', 'v', 'KEEPTTL'],
      ['SET', 'k', 'w', 'XX'],
    ]);
  });

  it('rewrites GETSET, GETDEL, INCRBYFLOAT', () => {
    const h = harness();
    h.run('GETSET', 'k', 'v');
    h.run('GETDEL', 'k');
    h.run('SET', 'f', '0.1');
    h.run('INCRBYFLOAT', 'f', '0.2');
    expect(h.sent()).toEqual([
      ['SET', 'k', 'v'],
      ['DEL', 'k'],
      ['SET', 'f', '0.1'],
      ['SET', 'f', '0.3', 'KEEPTTL'],
    ]);
  });

  it('rewrites GETEX to PEXPIREAT / PERSIST / DEL', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.sent();
    const t0 = Date.now();
    expect(h.run('GETEX', 'k', 'EX', '100')).toBe('v');
    expect(h.run('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(h.run('GETEX', 'k', 'PXAT', '4102444800000')).toBe('v');
    expect(h.run('GETEX', 'k', 'EXAT', '1')).toBe('v');
    expect(h.run('EXISTS', 'k')).toBe(0);
    const s = h.sent();
    expect(s[0].slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expect(Number(s[0][2])).toBeGreaterThanOrEqual(t0 + 100_000);
    expect(s.slice(1)).toEqual([
      ['PERSIST', 'k'],
      ['PEXPIREAT', 'k', '4102444800000'],
      ['DEL', 'k'],
    ]);
  });

  it('counts dirty changes like Redis', () => {
    const h = harness();
    const d0 = h.srv.dirty;
    h.run('MSET', 'a', '1', 'b', '2', 'c', '3');
    expect(h.srv.dirty - d0).toBe(3);
    h.run('GET', 'a');
    h.run('SET', 'a', '1', 'NX');
    expect(h.srv.dirty - d0).toBe(3);
    h.run('INCR', 'a');
    expect(h.srv.dirty - d0).toBe(4);
  });
});

describe('string commands: WATCH signalling', () => {
  it('signals every key a write changes, and none for reads or no-ops', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.run('SETNX', 'b', '1');
    h.run('MSET', 'c', '1', 'd', '2');
    h.run('INCRBY', 'a', '5');
    h.run('INCRBYFLOAT', 'a', '1.5');
    h.run('APPEND', 'b', 'x');
    h.run('SETRANGE', 'c', '3', 'y');
    h.run('GETSET', 'd', 'z');
    h.run('GETEX', 'd', 'EX', '100');
    h.run('GETEX', 'd', 'PERSIST');
    h.run('GETDEL', 'd');
    expect(h.touched()).toEqual(['a', 'b', 'c', 'd', 'a', 'a', 'b', 'c', 'd', 'd', 'd', 'd']);
    h.run('GET', 'a');
    h.run('MGET', 'a', 'b');
    h.run('STRLEN', 'a');
    h.run('GETRANGE', 'a', '0', '1');
    h.run('SETNX', 'a', 'x');
    h.run('SET', 'a', 'x', 'NX');
    h.run('SETRANGE', 'a', '0', '');
    h.run('GETEX', 'a', 'PERSIST');
    h.run('LCS', 'a', 'b');
    expect(h.touched()).toEqual([]);
  });
});

describe('string commands over a socket', () => {
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

  it('stores and returns binary values byte for byte', async () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    expect(await c.cmd('SET', 'bin', all)).toBe('OK');
    expect(await c.cmd('GET', 'bin')).toBe(all.toString('latin1'));
    expect(await c.cmd('STRLEN', 'bin')).toBe(256);
    expect(await c.cmd('GETRANGE', 'bin', '254', '-1')).toBe('\xfe\xff');
    expect(await c.cmd('APPEND', 'bin', Buffer.from([0, 0xff]))).toBe(258);
    expect(await c.cmd('SETRANGE', 'bin', '0', Buffer.from([0xc3, 0x28]))).toBe(258);
    expect(await c.cmd('GETRANGE', 'bin', '0', '2')).toBe('\xc3\x28\x02');
  });

  it('expires keys set with PX once the time has passed', async () => {
    expect(await c.cmd('SET', 'px', 'v', 'PX', '50')).toBe('OK');
    expect(await c.cmd('GET', 'px')).toBe('v');
    await new Promise((r) => setTimeout(r, 120));
    expect(await c.cmd('GET', 'px')).toBe(null);
    expect(await c.cmd('SET', 'past', 'v', 'PXAT', '1')).toBe('OK');
    expect(await c.cmd('GET', 'past')).toBe(null);
  });

  it('keeps the TTL on in-place changes and drops it on overwrite', async () => {
    await c.cmd('SET', 't', '1', 'EX', '100');
    await c.cmd('INCR', 't');
    await c.cmd('APPEND', 't', '0');
    await c.cmd('SETRANGE', 't', '0', '3');
    await c.cmd('INCRBYFLOAT', 't', '0.5');
    expect(await c.cmd('GET', 't')).toBe('30.5');
    expect(await c.cmd('TTL', 't')).toBeGreaterThan(98);
    await c.cmd('SET', 't', 'x', 'KEEPTTL');
    expect(await c.cmd('TTL', 't')).toBeGreaterThan(98);
    await c.cmd('GETSET', 't', 'y');
    expect(await c.cmd('TTL', 't')).toBe(-1);
  });

  it('counts with exact 64-bit integers', async () => {
    await c.cmd('SET', 'n', '9007199254740992');
    expect(await c.call('INCR', 'n')).toEqual({ t: 'int', v: 9007199254740993n });
    expect(await c.cmd('GET', 'n')).toBe('9007199254740993');
    expect(await c.cmd('INCRBY', 'n', '9223372036854775000')).toEqual({
      error: 'ERR increment or decrement would overflow',
    });
    expect(await c.call('DECRBY', 'n', '9007199254740993')).toEqual({ t: 'int', v: 0n });
    expect(await c.call('INCRBY', 'n', '9223372036854775807')).toEqual({ t: 'int', v: 9223372036854775807n });
    expect(await c.cmd('GET', 'n')).toBe('9223372036854775807');
  });

  it('applies INCRBYFLOAT with long double precision', async () => {
    await c.cmd('SET', 'f', '0.1');
    expect(await c.cmd('INCRBYFLOAT', 'f', '0.2')).toBe('0.3');
    let v: unknown;
    for (let i = 0; i < 10; i++) v = await c.cmd('INCRBYFLOAT', 'acc', '0.1');
    expect(v).toBe('1');
  });

  it('builds a large value with APPEND and reads it back', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 32; i++) await c.cmd('APPEND', 'big', chunk);
    expect(await c.cmd('STRLEN', 'big')).toBe(2 * 1024 * 1024);
    expect(await c.cmd('GETRANGE', 'big', '-3', '-1')).toBe('xxx');
    expect(await c.cmd('OBJECT', 'ENCODING', 'big')).toBe('raw');
  });

  it('fails EXEC when a WATCHed string is modified by another client', async () => {
    const other = await srv.client();
    await c.cmd('SET', 'w', '1');
    expect(await c.cmd('WATCH', 'w')).toBe('OK');
    await other.cmd('APPEND', 'w', '2');
    await c.cmd('MULTI');
    await c.cmd('GET', 'w');
    expect(await c.cmd('EXEC')).toBe(null);
    expect(await c.cmd('WATCH', 'w')).toBe('OK');
    await other.cmd('SET', 'w', '12', 'NX'); // not modified
    await c.cmd('MULTI');
    await c.cmd('GET', 'w');
    expect(await c.cmd('EXEC')).toEqual(['12']);
    other.close();
  });
});
