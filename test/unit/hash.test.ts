import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { HashValue } from '../../src/store/types/hash';
import { KeySampler, WALK_LIMIT } from '../../src/store/types/sampler';
import { parseReply, plain } from '../helpers/resp-client';

/** Redis 7.0's built-in defaults */
const E = 512;
const V = 64;

function make(pairs: string[], maxEntries = E, maxValue = V): HashValue {
  return HashValue.fromPairs(pairs, maxEntries, maxValue);
}

describe('HashValue listpack encoding', () => {
  it('keeps insertion order; updates stay in place, deletes close the gap', () => {
    const h = new HashValue();
    expect(h.set('a', '1', E, V)).toBe(true);
    expect(h.set('b', '2', E, V)).toBe(true);
    expect(h.set('c', '3', E, V)).toBe(true);
    expect(h.set('a', '9', E, V)).toBe(false);
    expect(h.pairs()).toEqual(['a', '9', 'b', '2', 'c', '3']);
    expect(h.delete('b')).toBe(true);
    expect(h.delete('b')).toBe(false);
    h.set('b', '4', E, V);
    expect(h.pairs()).toEqual(['a', '9', 'c', '3', 'b', '4']);
    expect(h.listpack()).toEqual(['a', '9', 'c', '3', 'b', '4']);
    expect(h.size).toBe(3);
    expect(h.encoding()).toBe('listpack');
    expect(h.get('c')).toBe('3');
    expect(h.get('zz')).toBeUndefined();
    expect(h.has('a')).toBe(true);
    expect(h.has('zz')).toBe(false);
  });

  it('does not confuse fields with values in the flat array', () => {
    const h = make(['x', 'y', 'y', 'z']);
    expect(h.get('y')).toBe('z');
    expect(h.has('z')).toBe(false);
    expect(h.delete('z')).toBe(false);
    expect(h.size).toBe(2);
  });

  it('handles binary fields and values byte-exactly', () => {
    const f = '\x00\xff\r\n';
    const h = make([f, '\x80\x81', 'é', '']);
    expect(h.get(f)).toBe('\x80\x81');
    expect(h.get('é')).toBe('');
    expect(h.has('\x00')).toBe(false);
  });
});

describe('HashValue conversions', () => {
  it('converts when the entry count exceeds the limit, not at it', () => {
    const h = new HashValue();
    for (const f of ['a', 'b', 'c']) h.set(f, 'v', 3, V);
    expect(h.encoding()).toBe('listpack');
    h.set('a', 'w', 3, V); // update: no growth
    expect(h.encoding()).toBe('listpack');
    h.set('d', 'v', 3, V);
    expect(h.encoding()).toBe('hashtable');
    expect(h.size).toBe(4);
    expect(h.get('a')).toBe('w');
  });

  it('converts on a field or value longer than the limit (equal is fine)', () => {
    const h = new HashValue();
    h.set('f', 'x'.repeat(V), E, V);
    h.set('y'.repeat(V), '1', E, V);
    expect(h.encoding()).toBe('listpack');
    h.set('f', 'x'.repeat(V + 1), E, V);
    expect(h.encoding()).toBe('hashtable');
    const g = new HashValue();
    g.set('z'.repeat(V + 1), '1', E, V);
    expect(g.encoding()).toBe('hashtable');
  });

  it('never converts back, even when emptied', () => {
    const h = make(['a', '1', 'b', '2', 'c', '3'], 2, V);
    expect(h.encoding()).toBe('hashtable');
    h.delete('a');
    h.delete('b');
    expect(h.size).toBe(1);
    expect(h.encoding()).toBe('hashtable');
    expect(h.pairs()).toEqual(['c', '3']);
  });

  it('limits of zero make every non-empty hash a hashtable', () => {
    expect(make(['a', '1'], 0, V).encoding()).toBe('hashtable');
    expect(make(['a', '1'], E, 0).encoding()).toBe('hashtable');
    expect(make(['', ''], E, 0).encoding()).toBe('listpack');
  });

  it('fromPairs picks the encoding Redis would and keeps the last of repeated fields', () => {
    const pairs: string[] = [];
    for (let i = 0; i < 512; i++) pairs.push(`f${i}`, `${i}`);
    expect(make(pairs).encoding()).toBe('listpack');
    expect(make([...pairs, 'f512', 'x']).encoding()).toBe('hashtable');
    expect(make(['a', '1', 'a', '2']).pairs()).toEqual(['a', '2']);
  });

  it('hashtable operations', () => {
    const h = make(['a', '1'], 0, V);
    expect(h.set('b', '2', 0, V)).toBe(true);
    expect(h.set('b', '3', 0, V)).toBe(false);
    expect(h.get('b')).toBe('3');
    expect(h.delete('a')).toBe(true);
    expect(h.delete('a')).toBe(false);
    expect(h.listpack()).toBeNull();
    expect([...(h.table() as ReadonlyMap<string, string>)]).toEqual([['b', '3']]);
    expect([...h.entries()]).toEqual([['b', '3']]);
  });
});

describe('HashValue copies and iteration', () => {
  it('clone is independent and keeps the encoding', () => {
    for (const maxEntries of [E, 1]) {
      const h = make(['a', '1', 'b', '2'], maxEntries, V);
      const k = h.clone();
      expect(k.encoding()).toBe(h.encoding());
      k.set('c', '3', maxEntries, V);
      k.delete('a');
      expect(h.pairs()).toEqual(['a', '1', 'b', '2']);
      expect(k.get('c')).toBe('3');
    }
  });

  it('packs fields and values of every length class (1- and 2-byte prefixes) and agrees with a Map', () => {
    const big = 1 << 20;
    const h = new HashValue();
    const ref = new Map<string, string>();
    const lengths = [0, 1, 12, 13, 127, 128, 129, 300, 5000];
    let r = 12345;
    const rnd = () => {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0;
      return r;
    };
    const str = (n: number) => Array.from({ length: n }, () => String.fromCharCode(rnd() & 0xff)).join('');
    for (let i = 0; i < 400; i++) {
      const f = `f${rnd() % 40}${str(lengths[rnd() % lengths.length] >> 4)}`.slice(0, 3 + (rnd() % 200));
      const v = str(lengths[rnd() % lengths.length]);
      if (rnd() % 4 === 0) expect(h.delete(f)).toBe(ref.delete(f));
      else {
        expect(h.set(f, v, big, big)).toBe(!ref.has(f));
        ref.set(f, v);
      }
      expect(h.size).toBe(ref.size);
    }
    expect(h.encoding()).toBe('listpack');
    for (const [f, v] of ref) expect(h.get(f)).toBe(v);
    expect(new Map(h.entries())).toEqual(ref);
    expect(h.has('absent')).toBe(false);
  });

  it("a field or value over the packed format's 32767 bytes goes to the hashtable whatever the config says", () => {
    const h = make(['a', '1']);
    h.set('long', 'x'.repeat(0x7fff), 1 << 20, 1 << 20);
    expect(h.encoding()).toBe('listpack');
    expect(h.get('long')).toBe('x'.repeat(0x7fff));
    h.set('longer', 'y'.repeat(0x8000), 1 << 20, 1 << 20);
    expect(h.encoding()).toBe('hashtable');
    expect(h.pairs()).toEqual(['a', '1', 'long', 'x'.repeat(0x7fff), 'longer', 'y'.repeat(0x8000)]);
  });

  it('updating a field to a value of another length class keeps its slot and the neighbours intact', () => {
    const h = make(['a', '1', 'b', '2', 'c', '3']);
    h.set('b', 'z'.repeat(200), E, 1000);
    expect(h.pairs()).toEqual(['a', '1', 'b', 'z'.repeat(200), 'c', '3']);
    h.set('b', '', E, 1000);
    expect(h.pairs()).toEqual(['a', '1', 'b', '', 'c', '3']);
    h.delete('a');
    h.delete('c');
    expect(h.pairs()).toEqual(['b', '']);
    expect(h.listpack()).toEqual(['b', '']);
  });

  it('entries() yields pairs in listpack order', () => {
    expect([...make(['z', '1', 'a', '2']).entries()]).toEqual([
      ['z', '1'],
      ['a', '2'],
    ]);
  });
});

describe('random fields', () => {
  it('listpack and small hashtable picks cover every field', () => {
    for (const maxEntries of [E, 0]) {
      const h = make(['a', '1', 'b', '2', 'c', '3'], maxEntries, V);
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) seen.add(h.randomField());
      expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    }
  });

  it('big hashtables sample only live fields, including ones added or removed after sampling started', () => {
    const h = new HashValue();
    for (let i = 0; i < 500; i++) h.set(`f${i}`, 'v', 0, V);
    expect(h.randomField()).toMatch(/^f\d+$/);
    for (let i = 0; i < 450; i++) h.delete(`f${i}`);
    h.set('new', 'v', 0, V);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(h.randomField());
    const live = new Set(['new']);
    for (let i = 450; i < 500; i++) live.add(`f${i}`);
    expect(seen).toEqual(live);
  });

  it('is roughly uniform on a big table', () => {
    const h = new HashValue();
    const n = WALK_LIMIT * 4;
    for (let i = 0; i < n; i++) h.set(`k${i}`, 'v', 0, V);
    const counts = new Map<string, number>();
    const draws = n * 200;
    for (let i = 0; i < draws; i++) {
      const f = h.randomField();
      counts.set(f, (counts.get(f) ?? 0) + 1);
    }
    expect(counts.size).toBe(n);
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(100);
      expect(c).toBeLessThan(320);
    }
  });
});

describe('KeySampler', () => {
  it('rebuilds once stale entries dominate and keeps picking live keys', () => {
    const table = new Set<string>();
    for (let i = 0; i < 1000; i++) table.add(String(i));
    const s = new KeySampler(table);
    for (let i = 0; i < 990; i++) table.delete(String(i));
    for (let k = 0; k < 100; k++) {
      const key = s.key(s.pickIndex());
      expect(table.has(key)).toBe(true);
    }
    table.add('x');
    s.added('x');
    let sawX = false;
    for (let k = 0; k < 500; k++) if (s.key(s.pickIndex()) === 'x') sawX = true;
    expect(sawX).toBe(true);
  });

  it('removeAt drops exactly the picked slot', () => {
    const table = new Set(['a', 'b', 'c']);
    const s = new KeySampler(table);
    const i = s.pickIndex();
    const k = s.key(i);
    s.removeAt(i);
    table.delete(k);
    const rest = new Set<string>();
    for (let n = 0; n < 200; n++) rest.add(s.key(s.pickIndex()));
    expect(rest.has(k)).toBe(false);
    expect(rest.size).toBe(2);
  });
});

/**
 * In-process server (no sockets) with a propagation sink, to check exactly what hash/set commands replicate.
 */
function harness() {
  const srv = new Server(new Config());
  const stream: string[][] = [];
  srv.propagator.addSink((chunk) => {
    for (let pos = 0; pos < chunk.length; ) {
      const r = parseReply(chunk, pos);
      if (r === null) break;
      const [reply, next] = r;
      if (reply.t === 'array' && reply.v !== null) {
        const argv = reply.v.map((x) => (x.t === 'bulk' ? (x.v ?? '') : ''));
        if (argv[0] !== 'SELECT') stream.push(argv);
      }
      pos = next;
    }
  });
  const c = new Client(srv, null, '127.0.0.1:1', '127.0.0.1:2');
  const run = (...argv: string[]): unknown => {
    processCommand(srv, c, argv);
    const out = c.out.take();
    const r = out === null ? null : parseReply(out, 0);
    return r === null ? undefined : plain(r[0]);
  };
  return { srv, run, stream };
}

describe('hash commands in-process: effects and replication', () => {
  it('HINCRBYFLOAT replicates as HSET with the computed value', () => {
    const { srv, run, stream } = harness();
    expect(run('HSET', 'h', 'a', '0.1')).toBe(1);
    expect(run('HINCRBYFLOAT', 'h', 'a', '0.2')).toBe('0.3');
    expect(run('HINCRBYFLOAT', 'h', 'new', '1.5e3')).toBe('1500');
    expect(run('HINCRBYFLOAT', 'h', 'a', 'abc')).toEqual({ error: 'ERR value is not a valid float' });
    expect(stream).toEqual([
      ['HSET', 'h', 'a', '0.1'],
      ['HSET', 'h', 'a', '0.3'],
      ['HSET', 'h', 'new', '1500'],
    ]);
    expect(srv.dirty).toBe(3);
  });

  it('counts dirty as Redis does and replicates nothing for no-ops', () => {
    const { srv, run, stream } = harness();
    run('HSET', 'h', 'a', '1', 'b', '2');
    expect(srv.dirty).toBe(2);
    run('HSET', 'h', 'a', '1'); // an update still counts
    expect(srv.dirty).toBe(3);
    run('HSETNX', 'h', 'a', 'x');
    run('HDEL', 'h', 'zz');
    run('HDEL', 'nokey', 'a');
    expect(srv.dirty).toBe(3);
    run('HINCRBY', 'h', 'a', '5');
    run('HDEL', 'h', 'a', 'b', 'c');
    expect(srv.dirty).toBe(6);
    expect(srv.dbs[0].get('h')).toBeUndefined();
    expect(stream).toEqual([
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '1'],
      ['HINCRBY', 'h', 'a', '5'],
      ['HDEL', 'h', 'a', 'b', 'c'],
    ]);
  });

  it('failed writes leave no empty key behind', () => {
    const { srv, run } = harness();
    run('SADD', 's', '1');
    expect(run('HSET', 's', 'a', '1')).toEqual({
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
    expect(run('HINCRBY', 'h', 'a', 'x')).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(srv.dbs[0].get('h')).toBeUndefined();
  });
});
