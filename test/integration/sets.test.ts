import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('set commands over the wire', () => {
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

  async function fill(key: string, members: string[]): Promise<void> {
    expect(await c.cmd('SADD', key, ...members)).toBe(members.length);
  }
  const range = (n: number, prefix = '', from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${i + from}`);

  it('intsets reply sorted and exact across the int64 range', async () => {
    const members = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '9007199254740992', '0', '-1'];
    await fill('ints', members);
    expect(await c.cmd('SMEMBERS', 'ints')).toEqual([
      '-9223372036854775808',
      '-1',
      '0',
      '9007199254740992',
      '9007199254740993',
      '9223372036854775807',
    ]);
    expect(await c.cmd('OBJECT', 'ENCODING', 'ints')).toBe('intset');
    expect(await c.cmd('SMISMEMBER', 'ints', '9007199254740993', '9007199254740994', '-0')).toEqual([1, 0, 0]);
  });

  it('SSCAN walks a hashtable completely, with MATCH and concurrent changes', async () => {
    const all = range(2000, 'm');
    await fill('scan', all);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await c.cmd('SSCAN', 'scan', cursor, 'COUNT', '25')) as [string, string[]];
      for (const m of items) seen.add(m);
      if (calls === 5) {
        await c.cmd('SREM', 'scan', 'm1999');
        await c.cmd('SADD', 'scan', 'late');
      }
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(cursor).toBe('0');
    expect(calls).toBeGreaterThan(60);
    for (const m of all) if (m !== 'm1999') expect(seen.has(m)).toBe(true);

    const matched: string[] = [];
    cursor = '0';
    do {
      const [next, items] = (await c.cmd('SSCAN', 'scan', cursor, 'MATCH', 'm19?', 'COUNT', '300')) as [
        string,
        string[],
      ];
      matched.push(...items);
      cursor = next;
    } while (cursor !== '0');
    expect(matched.sort()).toEqual(range(10, 'm19').sort());
  });

  it('SPOP drains every member exactly once and deletes the key', async () => {
    const all = range(700, 'p');
    await fill('pop', all);
    const popped: string[] = [];
    popped.push((await c.cmd('SPOP', 'pop')) as string);
    popped.push(...((await c.cmd('SPOP', 'pop', '100')) as string[]));
    popped.push(...((await c.cmd('SPOP', 'pop', '590')) as string[]));
    expect(await c.cmd('SCARD', 'pop')).toBe(9);
    popped.push(...((await c.cmd('SPOP', 'pop', '1000')) as string[]));
    expect(popped).toHaveLength(700);
    expect(new Set(popped)).toEqual(new Set(all));
    expect(await c.cmd('EXISTS', 'pop')).toBe(0);
    expect(await c.cmd('SPOP', 'pop')).toBeNull();
  });

  it('SRANDMEMBER: distinct members for positive counts, repeats allowed for negative ones', async () => {
    const all = range(600, 'r');
    await fill('rand', all);
    const members = new Set(all);
    for (const n of [1, 10, 199, 201, 599]) {
      const got = (await c.cmd('SRANDMEMBER', 'rand', String(n))) as string[];
      expect(got).toHaveLength(n);
      expect(new Set(got).size).toBe(n);
      for (const m of got) expect(members.has(m)).toBe(true);
    }
    const rep = (await c.cmd('SRANDMEMBER', 'rand', '-2000')) as string[];
    expect(rep).toHaveLength(2000);
    expect(new Set(rep).size).toBeGreaterThan(400);
    expect(await c.cmd('SCARD', 'rand')).toBe(600);
    await fill('rand-ints', ['1', '2', '3']);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add((await c.cmd('SRANDMEMBER', 'rand-ints')) as string);
    expect(seen).toEqual(new Set(['1', '2', '3']));
  });

  it('set algebra on big sets matches a reference computation', async () => {
    const a = range(1500, '', 0);
    const b = range(1500, '', 1000);
    const cc = [...range(300, 'x'), '1200', '1300'];
    await fill('alg:a', a);
    await fill('alg:b', b);
    await fill('alg:c', cc);
    const sa = new Set(a);
    const sb = new Set(b);
    const sc = new Set(cc);
    const inter = a.filter((m) => sb.has(m) && sc.has(m));
    const union = new Set([...a, ...b, ...cc]);
    const diff = a.filter((m) => !sb.has(m) && !sc.has(m));
    const sorted = (x: unknown) => (x as string[]).slice().sort();
    expect(sorted(await c.cmd('SINTER', 'alg:a', 'alg:b', 'alg:c'))).toEqual(inter.sort());
    expect(sorted(await c.cmd('SUNION', 'alg:a', 'alg:b', 'alg:c'))).toEqual([...union].sort());
    expect(sorted(await c.cmd('SDIFF', 'alg:a', 'alg:b', 'alg:c'))).toEqual(diff.sort());
    expect(await c.cmd('SINTERCARD', '2', 'alg:a', 'alg:b')).toBe(500);
    expect(await c.cmd('SINTERCARD', '2', 'alg:a', 'alg:b', 'LIMIT', '42')).toBe(42);
    expect(await c.cmd('SDIFFSTORE', 'alg:d', 'alg:b', 'alg:a')).toBe(1000);
    expect(await c.cmd('SCARD', 'alg:d')).toBe(1000);
    expect(sa.size + sb.size).toBe(3000);
  });

  it('changes invalidate WATCH; no-ops do not', async () => {
    await fill('w', ['a', 'b']);
    const other = await srv.client();
    const tx = async (change: (string | number)[]) => {
      await c.cmd('WATCH', 'w');
      await other.cmd(...change);
      await c.cmd('MULTI');
      await c.cmd('SCARD', 'w');
      return c.cmd('EXEC');
    };
    expect(await tx(['SADD', 'w', 'a'])).toEqual([2]);
    expect(await tx(['SREM', 'w', 'zz'])).toEqual([2]);
    expect(await tx(['SMOVE', 'nokey', 'w', 'a'])).toEqual([2]);
    expect(await tx(['SRANDMEMBER', 'w', '5'])).toEqual([2]);
    expect(await tx(['SADD', 'w', 'c'])).toBeNull();
    expect(await tx(['SREM', 'w', 'c'])).toBeNull();
    expect(await tx(['SPOP', 'w'])).toBeNull();
    expect(await tx(['SUNIONSTORE', 'w', 'w'])).toBeNull();
    other.close();
  });

  it('SMOVE between encodings', async () => {
    await fill('mv:src', ['1', 'x']);
    await fill('mv:dst', ['5', '6']);
    expect(await c.cmd('SMOVE', 'mv:src', 'mv:dst', '1')).toBe(1);
    expect(await c.cmd('SMEMBERS', 'mv:dst')).toEqual(['1', '5', '6']);
    expect(await c.cmd('SMOVE', 'mv:src', 'mv:dst', 'x')).toBe(1);
    expect(await c.cmd('OBJECT', 'ENCODING', 'mv:dst')).toBe('hashtable');
    expect(await c.cmd('EXISTS', 'mv:src')).toBe(0);
  });
});

describe('set encoding limit from the configuration', () => {
  let srv: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    srv = await startTandem({ args: ['--set-max-intset-entries', '2'] });
    c = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('converts past the configured intset size', async () => {
    await c.cmd('SADD', 's', '1', '2');
    expect(await c.cmd('OBJECT', 'ENCODING', 's')).toBe('intset');
    await c.cmd('SADD', 's', '3');
    expect(await c.cmd('OBJECT', 'ENCODING', 's')).toBe('hashtable');
    expect(((await c.cmd('SMEMBERS', 's')) as string[]).sort()).toEqual(['1', '2', '3']);
  });
});
