import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('blocking list commands', () => {
  let srv: ServerHandle;
  let c: RespClient;
  const extra: RespClient[] = [];

  /** A fresh connection, closed after the test. */
  async function conn(): Promise<RespClient> {
    const x = await srv.client();
    extra.push(x);
    return x;
  }

  async function blockedClients(): Promise<number> {
    const info = (await c.cmd('INFO', 'clients')) as string;
    return Number(/blocked_clients:(\d+)/.exec(info)?.[1]);
  }

  /** Waits until `n` clients are blocked, so what follows happens after they queued. */
  async function untilBlocked(n: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await blockedClients()) === n) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`never reached ${n} blocked clients`);
  }

  /** Asserts that no reply arrives on x within ms. */
  async function silent(x: RespClient, ms = 100): Promise<void> {
    await expect(x.next(ms)).rejects.toThrow('timeout waiting for reply');
  }

  beforeAll(async () => {
    srv = await startTandem();
    c = await srv.client();
  });
  afterEach(async () => {
    for (const x of extra.splice(0)) x.close();
    await c.cmd('FLUSHALL');
    await untilBlocked(0);
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('serves waiting clients first come, first served', async () => {
    const [a, b, d] = [await conn(), await conn(), await conn()];
    a.send('BLPOP', 'q', '0');
    await untilBlocked(1);
    b.send('BRPOP', 'q', '0');
    await untilBlocked(2);
    d.send('BLPOP', 'q', '0');
    await untilBlocked(3);
    expect(await c.cmd('RPUSH', 'q', 'x', 'y')).toBe(2);
    expect(plain(await a.next())).toEqual(['q', 'x']);
    expect(await b.next()).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'q' },
        { t: 'bulk', v: 'y' },
      ],
    });
    await silent(d);
    expect(await c.cmd('EXISTS', 'q')).toBe(0);
    expect(await blockedClients()).toBe(1);
    await c.cmd('LPUSH', 'q', 'z');
    expect(await d.next()).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'q' },
        { t: 'bulk', v: 'z' },
      ],
    });
  });

  it('times out with a null array (fractional seconds), RESP3 null', async () => {
    const a = await conn();
    let t0 = Date.now();
    expect(await a.call('BLPOP', 'q', '0.2')).toEqual({ t: 'array', v: null });
    let dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(180);
    expect(dt).toBeLessThan(1500);
    // BLMOVE and BRPOPLPUSH also answer a timeout with a null *array* in RESP2, as Redis 7.0 does
    expect(await a.call('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', '0.05')).toEqual({ t: 'array', v: null });
    expect(await a.call('BRPOPLPUSH', 'q', 'd', '0.05')).toEqual({ t: 'array', v: null });
    expect(await a.call('BLMPOP', '0.05', '1', 'q', 'LEFT')).toEqual({ t: 'array', v: null });
    await a.call('HELLO', '3');
    t0 = Date.now();
    expect(await a.call('BRPOP', 'q', '0.1')).toEqual({ t: 'null' });
    dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(90);
    expect(await a.call('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', '0.05')).toEqual({ t: 'null' });
  });

  it('rejects negative or malformed timeouts without blocking', async () => {
    expect(await c.cmd('BLPOP', 'q', '-1')).toEqual({ error: 'ERR timeout is negative' });
    expect(await c.cmd('BLPOP', 'q', 'soon')).toEqual({ error: 'ERR timeout is not a float or out of range' });
    expect(await c.cmd('BLMPOP', '-0.5', '1', 'q', 'LEFT')).toEqual({ error: 'ERR timeout is negative' });
    expect(await c.cmd('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', 'inf')).toEqual({ error: 'ERR timeout is negative' });
  });

  it('a very long timeout does not fire early', async () => {
    const a = await conn();
    a.send('BLPOP', 'q', '3000000'); // ~35 days: beyond what one setTimeout can wait
    await untilBlocked(1);
    await silent(a, 150);
    await c.cmd('RPUSH', 'q', 'v');
    expect(plain(await a.next())).toEqual(['q', 'v']);
  });

  it('a client blocked on several keys is served by the key that receives data', async () => {
    const a = await conn();
    a.send('BLPOP', 'k1', 'k2', 'k3', '0');
    await untilBlocked(1);
    await c.cmd('RPUSH', 'k3', 'three');
    expect(await a.next()).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'k3' },
        { t: 'bulk', v: 'three' },
      ],
    });
    // the same key named twice is served once
    a.send('BRPOP', 'k', 'k', '0');
    await untilBlocked(1);
    await c.cmd('RPUSH', 'k', '1', '2');
    expect(await a.next()).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'k' },
        { t: 'bulk', v: '2' },
      ],
    });
    expect(await c.cmd('LRANGE', 'k', '0', '-1')).toEqual(['1']);
  });

  it('pushes inside MULTI/EXEC wake clients only after EXEC, from the first key made ready', async () => {
    const a = await conn();
    a.send('BLPOP', 'a', 'b', '0');
    await untilBlocked(1);
    expect(await c.cmd('MULTI')).toBe('OK');
    expect(await c.cmd('RPUSH', 'b', 'from-b')).toBe('QUEUED');
    await silent(a);
    expect(await c.cmd('RPUSH', 'a', 'from-a')).toBe('QUEUED');
    expect(await c.cmd('EXEC')).toEqual([1, 1]);
    expect(plain(await a.next())).toEqual(['b', 'from-b']);
    expect(await c.cmd('LRANGE', 'a', '0', '-1')).toEqual(['from-a']);
  });

  it('blocking commands inside MULTI act as an immediate timeout', async () => {
    await c.cmd('MULTI');
    for (const cmd of [
      ['BLPOP', 'q', '0'],
      ['BRPOP', 'q', '0'],
      ['BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'q', 'd', '0'],
      ['BLMPOP', '0', '1', 'q', 'LEFT'],
    ]) {
      expect(await c.cmd(...cmd)).toBe('QUEUED');
    }
    const r = await c.call('EXEC');
    expect(r).toEqual({
      t: 'array',
      v: [
        { t: 'array', v: null },
        { t: 'array', v: null },
        { t: 'bulk', v: null },
        { t: 'bulk', v: null },
        { t: 'array', v: null },
      ],
    });
    expect(await blockedClients()).toBe(0);
  });

  it('BLMOVE from a list to itself rotates it, and chained moves wake the next client', async () => {
    const a = await conn();
    a.send('BLMOVE', 'r', 'r', 'RIGHT', 'LEFT', '0');
    await untilBlocked(1);
    await c.cmd('RPUSH', 'r', '1', '2', '3');
    expect(plain(await a.next())).toBe('3');
    expect(await c.cmd('LRANGE', 'r', '0', '-1')).toEqual(['3', '1', '2']);

    const [x, y] = [await conn(), await conn()];
    x.send('BRPOPLPUSH', 'src', 'mid', '0');
    y.send('BLMPOP', '0', '1', 'mid', 'LEFT', 'COUNT', '10');
    await untilBlocked(2);
    await c.cmd('LPUSH', 'src', 'e');
    expect(plain(await x.next())).toBe('e');
    expect(plain(await y.next())).toEqual(['mid', ['e']]);
    expect(await c.cmd('EXISTS', 'src', 'mid')).toBe(0);
  });

  it('a client that disconnects while blocked is not served', async () => {
    const a = await conn();
    const b = await conn();
    a.send('BLPOP', 'q', '0');
    await untilBlocked(1);
    b.send('BLPOP', 'q', '0');
    await untilBlocked(2);
    a.close();
    await untilBlocked(1);
    await c.cmd('RPUSH', 'q', 'only');
    expect(plain(await b.next())).toEqual(['q', 'only']);
    expect(await c.cmd('EXISTS', 'q')).toBe(0);
  });

  it('CLIENT UNBLOCK ends the wait with a timeout or an error', async () => {
    const a = await conn();
    const id = await a.cmd('CLIENT', 'ID');
    a.send('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', '0');
    await untilBlocked(1);
    expect(await c.cmd('CLIENT', 'UNBLOCK', String(id))).toBe(1);
    expect(await a.next()).toEqual({ t: 'array', v: null });
    a.send('BLPOP', 'q', '0');
    await untilBlocked(1);
    expect(await c.cmd('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    expect(plain(await a.next())).toEqual({ error: 'UNBLOCKED client unblocked via CLIENT UNBLOCK' });
    expect(await c.cmd('CLIENT', 'UNBLOCK', String(id))).toBe(0);
  });

  it('commands pipelined behind a blocking one run once it is served', async () => {
    const a = await conn();
    a.sendRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n*1\r\n$4\r\nPING\r\n');
    await untilBlocked(1);
    await silent(a);
    await c.cmd('RPUSH', 'q', 'a', 'b');
    expect(plain(await a.next())).toEqual(['q', 'a']);
    expect(plain(await a.next())).toBe(1);
    expect(plain(await a.next())).toBe('PONG');
  });

  it('a key that becomes another type does not serve list waiters; a wrong-typed BLMOVE target errors', async () => {
    const a = await conn();
    a.send('BLPOP', 'k', '0');
    await untilBlocked(1);
    await c.cmd('ZADD', 'k', '1', 'm'); // a sorted set under the awaited key
    await silent(a);
    expect(await blockedClients()).toBe(1);
    await c.cmd('DEL', 'k');
    await c.cmd('RPUSH', 'k', 'v');
    expect(plain(await a.next())).toEqual(['k', 'v']);

    a.send('BLMOVE', 'from', 'to', 'LEFT', 'LEFT', '0');
    await untilBlocked(1);
    await c.cmd('SET', 'to', 'str');
    await c.cmd('RPUSH', 'from', 'e');
    expect(plain(await a.next())).toEqual({
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
    expect(await c.cmd('LRANGE', 'from', '0', '-1')).toEqual(['e']);
  });

  it('serving a blocked client invalidates WATCH on the popped key', async () => {
    const a = await conn();
    a.send('BLPOP', 'q', '0');
    await untilBlocked(1);
    const w = await conn();
    await w.cmd('WATCH', 'q');
    await c.cmd('RPUSH', 'q', 'x');
    expect(plain(await a.next())).toEqual(['q', 'x']);
    await w.cmd('MULTI');
    await w.cmd('PING');
    expect(await w.call('EXEC')).toEqual({ t: 'array', v: null });
  });
});
