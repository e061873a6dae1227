import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('hash commands over the wire', () => {
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

  async function fill(key: string, n: number): Promise<Map<string, string>> {
    const expected = new Map<string, string>();
    const argv: string[] = ['HSET', key];
    for (let i = 0; i < n; i++) {
      argv.push(`f${i}`, `v${i}`);
      expected.set(`f${i}`, `v${i}`);
    }
    expect(await c.cmd(...argv)).toBe(n);
    return expected;
  }

  it('small hashes keep insertion order; big ones hold every field', async () => {
    await c.cmd('HSET', 'h1', 'z', '1', 'a', '2', 'm', '3');
    expect(await c.cmd('HKEYS', 'h1')).toEqual(['z', 'a', 'm']);
    const expected = await fill('h2', 1000);
    expect(await c.cmd('HLEN', 'h2')).toBe(1000);
    const flat = (await c.cmd('HGETALL', 'h2')) as string[];
    const got = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) got.set(flat[i], flat[i + 1]);
    expect(got).toEqual(expected);
    expect(await c.cmd('HGET', 'h2', 'f999')).toBe('v999');
    expect(await c.cmd('OBJECT', 'ENCODING', 'h2')).toBe('hashtable');
  });

  it('HSCAN walks a hashtable completely, and fields present throughout survive concurrent changes', async () => {
    const expected = await fill('scan', 1000);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await c.cmd('HSCAN', 'scan', cursor, 'COUNT', '7')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      if (calls === 10) {
        // mutate mid-iteration: drop some fields not yet guaranteed, add new ones
        await c.cmd('HDEL', 'scan', 'f999', 'f998');
        await c.cmd('HSET', 'scan', 'late', 'x');
      }
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(cursor).toBe('0');
    expect(calls).toBeGreaterThan(100);
    for (const [f, v] of expected) {
      if (f === 'f999' || f === 'f998') continue;
      expect(seen.get(f)).toBe(v);
    }
  });

  it('HSCAN MATCH filters fields on a hashtable', async () => {
    await fill('scanm', 600);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, items] = (await c.cmd('HSCAN', 'scanm', cursor, 'MATCH', 'f1?', 'COUNT', '50')) as [
        string,
        string[],
      ];
      for (let i = 0; i < items.length; i += 2) seen.push(items[i]);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.sort()).toEqual(['f10', 'f11', 'f12', 'f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']);
  });

  it('HRANDFIELD: distinct fields for positive counts, valid pairs, repeats for negative counts', async () => {
    const expected = await fill('rand', 700);
    for (const n of [1, 5, 60, 300, 699]) {
      const fields = (await c.cmd('HRANDFIELD', 'rand', String(n))) as string[];
      expect(fields).toHaveLength(n);
      expect(new Set(fields).size).toBe(n);
      for (const f of fields) expect(expected.has(f)).toBe(true);
    }
    const withValues = (await c.cmd('HRANDFIELD', 'rand', '30', 'WITHVALUES')) as string[];
    expect(withValues).toHaveLength(60);
    for (let i = 0; i < withValues.length; i += 2) expect(expected.get(withValues[i])).toBe(withValues[i + 1]);
    const many = (await c.cmd('HRANDFIELD', 'rand', '-1000')) as string[];
    expect(many).toHaveLength(1000);
    expect(new Set(many).size).toBeGreaterThan(400);
    const small = await fill('rand-small', 3);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add((await c.cmd('HRANDFIELD', 'rand-small')) as string);
    expect(seen).toEqual(new Set(small.keys()));
  });

  it('HRANDFIELD WITHVALUES replies nested pairs in RESP3', async () => {
    const d = await srv.client();
    await d.call('HELLO', '3');
    await d.call('HSET', 'r3', 'a', '1', 'b', '2');
    const r = await d.call('HRANDFIELD', 'r3', '-3', 'WITHVALUES');
    expect(r.t).toBe('array');
    if (r.t !== 'array' || r.v === null) throw new Error('unexpected reply');
    expect(r.v).toHaveLength(3);
    for (const pair of r.v) {
      expect(pair.t).toBe('array');
      if (pair.t === 'array' && pair.v !== null) {
        expect(pair.v).toHaveLength(2);
        const [f, v] = pair.v;
        expect(f.t === 'bulk' && v.t === 'bulk' && { a: '1', b: '2' }[f.v as 'a'] === v.v).toBe(true);
      }
    }
    expect((await d.call('HGETALL', 'r3')).t).toBe('map');
    d.close();
  });

  it('deleting the last field removes the key', async () => {
    await c.cmd('HSET', 'gone', 'a', '1', 'b', '2');
    expect(await c.cmd('HDEL', 'gone', 'a', 'b', 'c')).toBe(2);
    expect(await c.cmd('EXISTS', 'gone')).toBe(0);
    expect(await c.cmd('HGETALL', 'gone')).toEqual([]);
  });

  it('changes invalidate WATCH; no-ops do not', async () => {
    await c.cmd('HSET', 'w', 'a', '1');
    const other = await srv.client();
    const tx = async (change: string[]) => {
      await c.cmd('WATCH', 'w');
      await other.cmd(...change);
      await c.cmd('MULTI');
      await c.cmd('HGET', 'w', 'a');
      return c.cmd('EXEC');
    };
    expect(await tx(['HSETNX', 'w', 'a', 'x'])).toEqual(['1']);
    expect(await tx(['HDEL', 'w', 'nope'])).toEqual(['1']);
    expect(await tx(['HSET', 'w', 'a', '2'])).toBeNull();
    expect(await tx(['HINCRBY', 'w', 'a', '1'])).toBeNull();
    expect(await tx(['HINCRBYFLOAT', 'w', 'a', '0.5'])).toBeNull();
    expect(await tx(['HDEL', 'w', 'b', 'a'])).toBeNull();
    other.close();
  });

  it('keeps binary fields and values intact', async () => {
    const f = Buffer.from([0, 255, 13, 10]);
    const v = Buffer.from([128, 0, 1]);
    expect(await c.cmd('HSET', 'bin', f, v)).toBe(1);
    expect(await c.cmd('HGET', 'bin', f)).toBe('\x80\x00\x01');
    expect(await c.cmd('HKEYS', 'bin')).toEqual(['\x00\xff\r\n']);
    expect(await c.cmd('HSTRLEN', 'bin', f)).toBe(3);
  });

  it('pipelined HINCRBY and HINCRBYFLOAT accumulate exactly', async () => {
    const replies: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) replies.push(c.cmd('HINCRBY', 'ctr', 'n', '3'));
    for (let i = 0; i < 10; i++) replies.push(c.cmd('HINCRBYFLOAT', 'ctr', 'f', '0.1'));
    await Promise.all(replies);
    expect(await c.cmd('HGET', 'ctr', 'n')).toBe('600');
    expect(await c.cmd('HGET', 'ctr', 'f')).toBe('1');
  });
});

describe('hash encoding limits from the configuration', () => {
  let srv: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    srv = await startTandem({ args: ['--hash-max-listpack-entries', '2', '--hash-max-listpack-value', '4'] });
    c = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('converts past the configured entry and value limits', async () => {
    await c.cmd('HSET', 'a', 'x', '1', 'y', '2');
    expect(await c.cmd('OBJECT', 'ENCODING', 'a')).toBe('listpack');
    await c.cmd('HSET', 'a', 'z', '3');
    expect(await c.cmd('OBJECT', 'ENCODING', 'a')).toBe('hashtable');
    await c.cmd('HSET', 'b', 'x', '1234');
    expect(await c.cmd('OBJECT', 'ENCODING', 'b')).toBe('listpack');
    await c.cmd('HSET', 'b', 'x', '12345');
    expect(await c.cmd('OBJECT', 'ENCODING', 'b')).toBe('hashtable');
    expect(await c.cmd('HGET', 'b', 'x')).toBe('12345');
  });
});
