/**
 * Sorted sets through real sockets on Tandem alone: behaviour that a reply-by-reply comparison with Redis cannot
 * pin down (hash-ordered ZSCAN over a skiplist, random members, blocking timing, WATCH interplay, large sets checked
 * against a model).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('sorted sets (integration)', () => {
  let srv: ServerHandle;
  let c: RespClient;
  let c2: RespClient;
  beforeAll(async () => {
    srv = await startTandem();
    c = await srv.client();
    c2 = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    c2?.close();
    await srv?.stop();
  });
  beforeEach(async () => {
    await c.call('FLUSHALL');
  });

  /** Sorted model of (member, score) as the server must order it. */
  function sortModel(m: Map<string, number>): [string, number][] {
    return [...m].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  it('a 5000-member skiplist matches a model for ranks, ranges and removals', async () => {
    const model = new Map<string, number>();
    let seed = 17;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let batch = 0; batch < 10; batch++) {
      const args: string[] = [];
      for (let i = 0; i < 600; i++) {
        const m = `m${Math.floor(rand() * 5000)}`;
        const s = Math.floor(rand() * 1000) / 8;
        args.push(String(s), m);
        model.set(m, s);
      }
      await c.call('ZADD', 'big', ...args);
    }
    expect(await c.cmd('OBJECT', 'ENCODING', 'big')).toBe('skiplist');
    const sorted = sortModel(model);
    expect(await c.cmd('ZCARD', 'big')).toBe(sorted.length);
    const all = (await c.cmd('ZRANGE', 'big', '0', '-1')) as string[];
    expect(all).toEqual(sorted.map((e) => e[0]));
    for (const i of [0, 1, 100, 1234, sorted.length - 1]) {
      expect(await c.cmd('ZRANK', 'big', sorted[i][0])).toBe(i);
      expect(await c.cmd('ZREVRANK', 'big', sorted[i][0])).toBe(sorted.length - 1 - i);
    }
    const inRange = sorted.filter((e) => e[1] > 10 && e[1] <= 50);
    expect(await c.cmd('ZCOUNT', 'big', '(10', '50')).toBe(inRange.length);
    expect(await c.cmd('ZRANGEBYSCORE', 'big', '(10', '50', 'LIMIT', '5', '20')).toEqual(
      inRange.slice(5, 25).map((e) => e[0]),
    );
    expect(await c.cmd('ZREMRANGEBYSCORE', 'big', '(10', '50')).toBe(inRange.length);
    const rest = sorted.filter((e) => !(e[1] > 10 && e[1] <= 50));
    expect(await c.cmd('ZREMRANGEBYRANK', 'big', '100', '199')).toBe(100);
    rest.splice(100, 100);
    expect(await c.cmd('ZRANGE', 'big', '0', '-1')).toEqual(rest.map((e) => e[0]));
    const pops = (await c.cmd('ZPOPMAX', 'big', '3')) as string[];
    expect(pops.filter((_, i) => i % 2 === 0)).toEqual(
      rest
        .slice(-3)
        .reverse()
        .map((e) => e[0]),
    );
  });

  it('ZSCAN over a skiplist returns every member exactly once, with its score, across cursor calls', async () => {
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(String(i / 4), `k${i}`);
    await c.call('ZADD', 'sc', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await c.cmd('ZSCAN', 'sc', cursor, 'COUNT', '50')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) {
        expect(seen.has(items[i])).toBe(false);
        seen.set(items[i], items[i + 1]);
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(5);
    expect(seen.size).toBe(1000);
    expect(seen.get('k3')).toBe('0.75');
    expect(seen.get('k400')).toBe('100');
    // MATCH filters members, COUNT still bounds the work per call
    const matched: string[] = [];
    cursor = '0';
    do {
      const [next, items] = (await c.cmd('ZSCAN', 'sc', cursor, 'MATCH', 'k1??', 'COUNT', '100')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) matched.push(items[i]);
      cursor = next;
    } while (cursor !== '0');
    expect(matched.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `k${100 + i}`).sort());
  });

  it('ZSCAN keeps returning members that stay while others are removed mid-iteration', async () => {
    const args: string[] = [];
    for (let i = 0; i < 600; i++) args.push(String(i), `s${i}`);
    await c.call('ZADD', 'mod', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = (await c.cmd('ZSCAN', 'mod', cursor, 'COUNT', '40')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      // remove some odd members as we go
      await c.call('ZREM', 'mod', `s${2 * step + 301}`, `s${2 * step + 1}`);
      step++;
      cursor = next;
    } while (cursor !== '0');
    for (let i = 0; i < 600; i += 2) expect(seen.has(`s${i}`)).toBe(true);
  });

  it('ZRANDMEMBER: distinct members for positive counts, repeats allowed for negative ones', async () => {
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(String(i), `r${i}`);
    await c.call('ZADD', 'rnd', ...args);
    await c.call('ZADD', 'rsmall', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    for (const key of ['rnd', 'rsmall']) {
      const size = key === 'rnd' ? 300 : 5;
      for (const n of [1, 2, 3, Math.floor(size / 2), size - 1]) {
        const r = (await c.cmd('ZRANDMEMBER', key, String(n))) as string[];
        expect(r.length).toBe(n);
        expect(new Set(r).size).toBe(n);
      }
      const withScores = (await c.cmd('ZRANDMEMBER', key, '4', 'WITHSCORES')) as string[];
      for (let i = 0; i < withScores.length; i += 2) {
        expect(await c.cmd('ZSCORE', key, withScores[i])).toBe(withScores[i + 1]);
      }
      const many = (await c.cmd('ZRANDMEMBER', key, '-500')) as string[];
      expect(many.length).toBe(500);
      expect(new Set(many).size).toBeLessThan(500);
      const one = (await c.cmd('ZRANDMEMBER', key)) as string;
      expect(await c.cmd('ZSCORE', key, one)).not.toBeNull();
    }
    // every member of a small set shows up over enough draws
    const draws = new Set((await c.cmd('ZRANDMEMBER', 'rsmall', '-200')) as string[]);
    expect(draws.size).toBe(5);
  });

  it('BZPOPMIN blocks until a ZADD from another client, then serves the lowest member', async () => {
    c2.send('BZPOPMIN', 'bq', '0');
    await new Promise((r) => setTimeout(r, 50));
    await c.call('ZADD', 'bq', '5', 'five', '1', 'one');
    expect(plain(await c2.next())).toEqual(['bq', 'one', '1']);
    expect(await c.cmd('ZRANGE', 'bq', '0', '-1')).toEqual(['five']);
  });

  it('BZPOPMAX and BZMPOP time out with a null array after roughly the timeout', async () => {
    let t0 = Date.now();
    expect(await c2.cmd('BZPOPMAX', 'none', '0.2')).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    t0 = Date.now();
    expect(await c2.cmd('BZMPOP', '0.15', '2', 'n1', 'n2', 'MAX', 'COUNT', '3')).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(130);
    await c2.call('HELLO', '3');
    expect(await c2.call('BZPOPMIN', 'none', '0.05')).toEqual({ t: 'null' });
    await c2.call('HELLO', '2');
  });

  it('blocked clients wake in arrival order and each takes what it asked for', async () => {
    const c3 = await srv.client();
    try {
      c2.send('BZMPOP', '0', '1', 'fifo', 'MIN', 'COUNT', '2');
      await new Promise((r) => setTimeout(r, 30));
      c3.send('BZPOPMIN', 'other', 'fifo', '0');
      await new Promise((r) => setTimeout(r, 30));
      await c.call('ZADD', 'fifo', '1', 'a', '2', 'b', '3', 'c');
      expect(plain(await c2.next())).toEqual([
        'fifo',
        [
          ['a', '1'],
          ['b', '2'],
        ],
      ]);
      expect(plain(await c3.next())).toEqual(['fifo', 'c', '3']);
      expect(await c.cmd('EXISTS', 'fifo')).toBe(0);
    } finally {
      c3.close();
    }
  });

  it('a client disconnecting while blocked does not disturb later pushes', async () => {
    const c3 = await srv.client();
    c3.send('BZPOPMIN', 'gone', '0');
    await new Promise((r) => setTimeout(r, 30));
    c3.close();
    await new Promise((r) => setTimeout(r, 30));
    expect(await c.cmd('ZADD', 'gone', '1', 'x')).toBe(1);
    expect(await c.cmd('ZCARD', 'gone')).toBe(1);
  });

  it('WATCH is invalidated by real changes only', async () => {
    await c.call('ZADD', 'w', '1', 'a', '2', 'b');
    const tryExec = async (change: string[]) => {
      await c.call('WATCH', 'w');
      await c2.call(...change);
      await c.call('MULTI');
      await c.call('PING');
      return c.cmd('EXEC');
    };
    expect(await tryExec(['ZADD', 'w', 'NX', '5', 'a'])).toEqual(['PONG']);
    expect(await tryExec(['ZREM', 'w', 'nope'])).toEqual(['PONG']);
    expect(await tryExec(['ZADD', 'w', '3', 'a'])).toBeNull();
    expect(await tryExec(['ZINCRBY', 'w', '1', 'b'])).toBeNull();
    expect(await tryExec(['ZPOPMIN', 'w'])).toBeNull();
    expect(await tryExec(['ZREMRANGEBYSCORE', 'w', '100', '200'])).toEqual(['PONG']);
    expect(await tryExec(['ZUNIONSTORE', 'w', '1', 'w'])).toBeNull();
    await c.call('DEL', 'w2');
    expect(
      await (async () => {
        await c.call('WATCH', 'w2');
        await c2.call('ZADD', 'w2', '1', 'new');
        await c.call('MULTI');
        await c.call('PING');
        return c.cmd('EXEC');
      })(),
    ).toBeNull();
  });

  it('keeps the TTL on in-place changes and drops it when a store command replaces the key', async () => {
    await c.call('ZADD', 'ttl', '1', 'a');
    await c.call('EXPIRE', 'ttl', '100');
    await c.call('ZADD', 'ttl', '2', 'b');
    await c.call('ZREM', 'ttl', 'a');
    expect(await c.cmd('TTL', 'ttl')).toBeGreaterThan(90);
    await c.call('ZUNIONSTORE', 'ttl', '1', 'ttl');
    expect(await c.cmd('TTL', 'ttl')).toBe(-1);
    await c.call('PEXPIRE', 'ttl', '30');
    await new Promise((r) => setTimeout(r, 60));
    expect(await c.cmd('ZCARD', 'ttl')).toBe(0);
    expect(await c.cmd('ZADD', 'ttl', 'XX', '1', 'b')).toBe(0);
  });

  it('follows live CONFIG SET of the listpack limits', async () => {
    await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '3');
    try {
      await c.call('ZADD', 'cfg', '1', 'a', '2', 'b', '3', 'c');
      expect(await c.cmd('OBJECT', 'ENCODING', 'cfg')).toBe('listpack');
      await c.call('ZADD', 'cfg', '4', 'd');
      expect(await c.cmd('OBJECT', 'ENCODING', 'cfg')).toBe('skiplist');
      await c.call('ZREM', 'cfg', 'd');
      expect(await c.cmd('OBJECT', 'ENCODING', 'cfg')).toBe('skiplist');
      await c.call('ZRANGESTORE', 'cfg2', 'cfg', '0', '-1');
      expect(await c.cmd('OBJECT', 'ENCODING', 'cfg2')).toBe('listpack');
    } finally {
      await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    }
  });

  it('set operations over large inputs agree with a model', async () => {
    const a = new Map<string, number>();
    const b = new Map<string, number>();
    const argsA: string[] = [];
    const argsB: string[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 2 === 0) {
        a.set(`e${i}`, i);
        argsA.push(String(i), `e${i}`);
      }
      if (i % 3 === 0) {
        b.set(`e${i}`, i / 2);
        argsB.push(String(i / 2), `e${i}`);
      }
    }
    await c.call('ZADD', 'A', ...argsA);
    await c.call('ZADD', 'B', ...argsB);
    const union = new Map(a);
    for (const [m, s] of b) union.set(m, (union.get(m) ?? 0) + 3 * s);
    for (const [m, s] of a) union.set(m, b.has(m) ? s + 3 * b.get(m)! : s);
    expect(await c.cmd('ZUNIONSTORE', 'U', '2', 'A', 'B', 'WEIGHTS', '1', '3')).toBe(union.size);
    expect(await c.cmd('ZRANGE', 'U', '0', '-1')).toEqual(sortModel(union).map((e) => e[0]));
    const inter = new Map<string, number>();
    for (const [m, s] of a) if (b.has(m)) inter.set(m, Math.max(s, b.get(m)!));
    expect(await c.cmd('ZINTER', '2', 'A', 'B', 'AGGREGATE', 'MAX')).toEqual(sortModel(inter).map((e) => e[0]));
    expect(await c.cmd('ZINTERCARD', '2', 'A', 'B')).toBe(inter.size);
    expect(await c.cmd('ZINTERCARD', '2', 'A', 'B', 'LIMIT', '10')).toBe(10);
    const diff = new Map<string, number>();
    for (const [m, s] of a) if (!b.has(m)) diff.set(m, s);
    expect(await c.cmd('ZDIFFSTORE', 'D', '2', 'A', 'B')).toBe(diff.size);
    expect(await c.cmd('ZRANGE', 'D', '0', '9', 'WITHSCORES')).toEqual(
      sortModel(diff)
        .slice(0, 10)
        .flatMap(([m, s]) => [m, String(s)]),
    );
  });
});
