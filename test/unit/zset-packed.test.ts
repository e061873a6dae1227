/**
 * The packed listpack form of ZSetValue (one string per set): member length classes, the 2-byte prefix limit, score
 * round trips, moves, deletions at every position, binary members, and a reference model under random operations.
 */
import { describe, expect, it } from 'vitest';
import { parseLexRange, parseScoreRange } from '../../src/commands/zsets-args';
import type { LexRange, ScoreRange } from '../../src/store/types/skiplist';
import { ZSetValue } from '../../src/store/types/zset';

const BIG = 1 << 30;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** (score, member bytes) order, the order of both encodings */
function cmpEntry(a: readonly [string, number], b: readonly [string, number]): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Sorted entries of a model, with negative zero stored as zero (the listpack form has none). */
function sorted(model: Map<string, number>): [string, number][] {
  return [...model].map(([m, s]): [string, number] => [m, s === 0 ? 0 : s]).sort(cmpEntry);
}

function walk(z: ZSetValue, rank: number, rev: boolean): [string, number][] {
  const out: [string, number][] = [];
  for (const c = z.cursor(rank, rev); c.valid; c.next()) out.push([c.ele, c.score]);
  return out;
}

function forEachList(z: ZSetValue): [string, number][] {
  const out: [string, number][] = [];
  z.forEach((m, s) => {
    out.push([m, s]);
  });
  return out;
}

/** Every read path of a listpack set agrees with the expected sorted entries. */
function expectContents(z: ZSetValue, want: [string, number][]): void {
  expect(z.encoding()).toBe('listpack');
  expect(z.size).toBe(want.length);
  expect([...z.entries()]).toEqual(want);
  expect(forEachList(z)).toEqual(want);
  expect(walk(z, 0, false)).toEqual(want);
  expect(walk(z, want.length - 1, true)).toEqual([...want].reverse());
  const u = z.unpack()!;
  expect(u.eles).toEqual(want.map((e) => e[0]));
  expect(u.scores).toEqual(want.map((e) => e[1]));
  want.forEach(([m, s], i) => {
    expect(Object.is(z.score(m), s)).toBe(true);
    expect(z.rankOf(m)).toBe(i);
    expect(z.memberAt(i)).toBe(m);
    expect(Object.is(z.scoreAt(i), s)).toBe(true);
  });
}

const sr = (min: string, max: string): ScoreRange => parseScoreRange(min, max)!;
const lr = (min: string, max: string): LexRange => parseLexRange(min, max)!;

describe('packed listpack form: member lengths and limits', () => {
  it('handles members of 0, 127, 128, 300 and 5000 bytes (1- and 2-byte length prefixes)', () => {
    const members = [0, 127, 128, 300, 5000].map((l, i) => String.fromCharCode(97 + i).repeat(l));
    const z = new ZSetValue();
    // inserted in an order that puts each one at the front, back and middle in turn
    const scores = [3, 1, 5, 2, 4];
    members.forEach((m, i) => {
      z.insert(m, scores[i], 128, BIG);
    });
    const want = members.map((m, i): [string, number] => [m, scores[i]]).sort(cmpEntry);
    expectContents(z, want);
    expect(z.score('a'.repeat(1))).toBeUndefined();
    expect(z.score('b'.repeat(126))).toBeUndefined();
    // a prefix of a member is a different member
    expect(z.score('d'.repeat(299))).toBeUndefined();
    z.update('e'.repeat(5000), 4, -1);
    expectContents(z, [['e'.repeat(5000), -1], ...want.filter((e) => e[0] !== 'e'.repeat(5000))]);
    for (const m of members) expect(z.remove(m)).toBe(true);
    expect(z.size).toBe(0);
    expect([...z.entries()]).toEqual([]);
    expect(walk(z, 0, false)).toEqual([]);
  });

  it('members up to 32767 bytes stay packed; a longer one needs the skiplist whatever zset-max-listpack-value is', () => {
    const z = new ZSetValue();
    z.insert('x'.repeat(32767), 1, 128, BIG);
    z.insert('short', 2, 128, BIG);
    expectContents(z, [
      ['x'.repeat(32767), 1],
      ['short', 2],
    ]);
    z.insert('y'.repeat(32768), 0, 128, BIG);
    expect(z.encoding()).toBe('skiplist');
    expect([...z.entries()].map((e) => e[0].length)).toEqual([32768, 32767, 5]);

    const fits = ZSetValue.fromSorted(['x'.repeat(32767)], [1], 1, 128, BIG);
    expect(fits.encoding()).toBe('listpack');
    expect(fits.memberAt(0)).toBe('x'.repeat(32767));
    expect(ZSetValue.fromSorted(['x'.repeat(32768)], [1], 1, 128, BIG).encoding()).toBe('skiplist');
    expect(ZSetValue.fromEntries([['y'.repeat(32768), 1]], 128, BIG).encoding()).toBe('skiplist');
  });

  it('a small set is three own fields (type lives on the prototype) and one flat string', () => {
    const z = ZSetValue.fromSorted(['a', 'b'], [1, 2], 2, 128, 64);
    expect(z.type).toBe('zset');
    expect(Object.keys(z)).toEqual(['lp', 'n', 'big']);
    expect(typeof z.lp).toBe('string');
    expect(z.sl).toBeNull();
    expect(z.index).toBeNull();
    z.toSkiplist();
    expect(z.lp).toBe('');
    expect(z.sl?.length).toBe(2);
    expect(z.index?.get('b')?.score).toBe(2);
  });

  it('fromSorted packs only the first count elements', () => {
    const z = ZSetValue.fromSorted(['a', 'b', 'c', 'd'], [1, 2, 3, 4], 2, 128, 64);
    expectContents(z, [
      ['a', 1],
      ['b', 2],
    ]);
    expect(ZSetValue.fromSorted([], [], 0, 128, 64).size).toBe(0);
  });
});

describe('packed listpack form: scores', () => {
  const scores = [
    0,
    1,
    127,
    128,
    255,
    256,
    -1,
    -128,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    -(2 ** 53) - 2,
    0.1,
    2.5,
    -2.5,
    1e-300,
    -1e-300,
    5e-324,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1 / 3,
    1.7976931348623157e308,
  ];

  it('every score comes back bit for bit and sorts numerically', () => {
    const z = new ZSetValue();
    scores.forEach((s, i) => {
      z.insert(`m${i}`, s, 128, 64);
    });
    const want = scores.map((s, i): [string, number] => [`m${i}`, s]).sort(cmpEntry);
    expectContents(z, want);
    // through a skiplist conversion too
    const c = z.clone();
    c.toSkiplist();
    expect([...c.entries()]).toEqual(want);
  });

  it('negative zero is stored as zero in every listpack path, but kept by the skiplist', () => {
    const z = new ZSetValue();
    z.insert('a', -0, 128, 64);
    z.insert('b', 5, 128, 64);
    z.update('b', 5, -0);
    for (const m of ['a', 'b']) expect(Object.is(z.score(m), 0)).toBe(true);
    expect(Object.is(ZSetValue.fromSorted(['a'], [-0], 1, 128, 64).scoreAt(0), 0)).toBe(true);
    expect(Object.is(ZSetValue.fromSorted(['a'], [-0], 1, 0, 64).scoreAt(0), -0)).toBe(true);
  });

  it('score ranges over every score class', () => {
    const z = new ZSetValue();
    scores.forEach((s, i) => {
      z.insert(`m${i}`, s, 128, 64);
    });
    const all = sorted(new Map(scores.map((s, i) => [`m${i}`, s])));
    const count = (lo: number, hi: number, loEx: boolean, hiEx: boolean) =>
      all.filter(([, s]) => (loEx ? s > lo : s >= lo) && (hiEx ? s < hi : s <= hi)).length;
    for (const [a, b] of [
      ['-inf', '+inf'],
      ['(-inf', '(+inf'],
      ['0', '127'],
      ['(0', '(128'],
      ['1e-300', '2.5'],
      ['(5e-324', '1'],
      ['-2147483648', '2147483647'],
      ['+inf', '+inf'],
      ['-inf', '-inf'],
    ]) {
      const r = sr(a, b);
      const want = count(r.min, r.max, r.minex, r.maxex);
      expect(z.countInScore(r), `${a} ${b}`).toBe(want);
      if (want > 0) {
        const first = all.findIndex(([, s]) => (r.minex ? s > r.min : s >= r.min));
        expect(z.firstInScore(r)).toBe(first);
        expect(z.lastInScore(r)).toBe(first + want - 1);
      }
    }
  });
});

describe('packed listpack form: moves and deletions', () => {
  const base: [string, number][] = [
    ['a', 1],
    ['b', 2],
    ['c', 3],
    ['d', 4],
    ['e', 5],
  ];
  const make = () =>
    ZSetValue.fromSorted(
      base.map((e) => e[0]),
      base.map((e) => e[1]),
      base.length,
      128,
      64,
    );

  it('updates move a member to the front, the back, the middle, or keep its place', () => {
    const cases: [string, number, string[]][] = [
      ['e', 0, ['e', 'a', 'b', 'c', 'd']],
      ['a', 9, ['b', 'c', 'd', 'e', 'a']],
      ['a', 3.5, ['b', 'c', 'a', 'd', 'e']],
      ['d', 1.5, ['a', 'd', 'b', 'c', 'e']],
      ['c', 3.25, ['a', 'b', 'c', 'd', 'e']],
      // ties sort by member bytes
      ['c', 2, ['a', 'b', 'c', 'd', 'e']],
      ['b', 3, ['a', 'b', 'c', 'd', 'e']],
      ['b', 4, ['a', 'c', 'b', 'd', 'e']],
      ['e', 4, ['a', 'b', 'c', 'd', 'e']],
      ['a', 5, ['b', 'c', 'd', 'a', 'e']],
    ];
    for (const [m, s, order] of cases) {
      const z = make();
      z.update(m, base.find((e) => e[0] === m)![1], s);
      const model = new Map(base);
      model.set(m, s);
      const want = sorted(model);
      expect(
        want.map((e) => e[0]),
        `${m} -> ${s}`,
      ).toEqual(order);
      expectContents(z, want);
    }
  });

  it('removes at the head, the tail and the middle, and the last one empties the set', () => {
    const z = make();
    expect(z.remove('a')).toBe(true);
    expect(z.remove('e')).toBe(true);
    expect(z.remove('c')).toBe(true);
    expect(z.remove('c')).toBe(false);
    expect(z.remove('zz')).toBe(false);
    expectContents(z, [
      ['b', 2],
      ['d', 4],
    ]);
    z.remove('d');
    z.remove('b');
    expect(z.size).toBe(0);
    expect(z.cursor(0, false).valid).toBe(false);
    z.insert('q', 7, 128, 64);
    expectContents(z, [['q', 7]]);
  });

  it('deletes rank ranges at either end, in the middle and whole', () => {
    for (const [lo, hi] of [
      [0, 0],
      [0, 2],
      [4, 4],
      [3, 4],
      [1, 3],
      [2, 2],
      [0, 4],
    ]) {
      const z = make();
      expect(z.deleteByRank(lo, hi)).toBe(hi - lo + 1);
      const want = base.filter((_, i) => i < lo || i > hi);
      if (want.length > 0) expectContents(z, want);
      else expect(z.size).toBe(0);
    }
  });

  it('clone shares the packed string yet changes independently', () => {
    const z = make();
    const c = z.clone();
    expect(c.lp).toBe(z.lp);
    c.update('a', 1, 10);
    c.remove('c');
    c.insert('f', 0, 128, 64);
    expectContents(z, base);
    expectContents(c, [
      ['f', 0],
      ['b', 2],
      ['d', 4],
      ['e', 5],
      ['a', 10],
    ]);
  });
});

describe('packed listpack form: binary members', () => {
  it('orders members by unsigned bytes, 0x00 and 0x80-0xff included', () => {
    const members = ['\xff', '\x80', '\x7f', 'a', 'a\x00', '', '\x00', '\xfe\xff', 'z', '\xc3\xa9', '\x80\x00'];
    const z = new ZSetValue();
    for (const m of members) z.insert(m, 0, 128, 64);
    const want = [...members].sort().map((m): [string, number] => [m, 0]);
    expect(want.map((e) => e[0])).toEqual([
      '',
      '\x00',
      'a',
      'a\x00',
      'z',
      '\x7f',
      '\x80',
      '\x80\x00',
      '\xc3\xa9',
      '\xfe\xff',
      '\xff',
    ]);
    expectContents(z, want);
    expect(z.countInLex(lr('[\x80', '+'))).toBe(5);
    expect(z.countInLex(lr('(a', '(\x80'))).toBe(3);
    expect(z.firstInLex(lr('(\x7f', '+'))).toBe(6);
    expect(z.lastInLex(lr('-', '[\xc3\xa9'))).toBe(8);
    expect(z.deleteByLex(lr('[\x80', '[\xfe\xff'))).toBe(4);
    expectContents(
      z,
      want.filter((e) => e[0] < '\x80' || e[0] > '\xfe\xff'),
    );
  });

  it('members that look like length prefixes or score tags are plain bytes', () => {
    const tricky = ['\x80', '\x81', '\x81\x00\x00\x00\x00\x00\x00\x00\x00', '\x05alpha', '\x7f'.repeat(200)];
    const z = new ZSetValue();
    tricky.forEach((m, i) => {
      z.insert(m, i === 2 ? 2.5 : 0 - i, 128, BIG);
    });
    expectContents(z, tricky.map((m, i): [string, number] => [m, i === 2 ? 2.5 : 0 - i]).sort(cmpEntry));
  });
});

describe('packed listpack form: reference model under random operations', () => {
  function member(rand: () => number): string {
    const kind = rand();
    if (kind < 0.6) return `m${Math.floor(rand() * 60)}`;
    // binary and long members, with lengths around the 1-byte prefix limit
    const len = kind < 0.8 ? Math.floor(rand() * 4) : kind < 0.95 ? 126 + Math.floor(rand() * 4) : 300;
    let s = '';
    const seed = Math.floor(rand() * 6);
    for (let k = 0; k < len; k++) s += String.fromCharCode((seed * 41 + k * 7) & 0xff);
    return s;
  }

  const SCORES = [0, 1, -1, 2.5, 127, 128, 1e-300, -1e9, 2 ** 40, Number.POSITIVE_INFINITY, 0.1];

  for (const seed of [1, 2, 3]) {
    it(`matches a sorted model (seed ${seed})`, () => {
      const rand = rng(seed);
      const z = new ZSetValue();
      const model = new Map<string, number>();
      for (let step = 0; step < 3000; step++) {
        const op = rand();
        const m = member(rand);
        const s = rand() < 0.5 ? SCORES[Math.floor(rand() * SCORES.length)] : Math.floor(rand() * 20) - 10;
        const cur = model.get(m);
        expect(z.score(m)).toBe(cur === undefined ? undefined : cur === 0 ? 0 : cur);
        if (op < 0.5) {
          if (cur === undefined) z.insert(m, s, BIG, BIG);
          else if (s !== cur) z.update(m, cur, s);
          model.set(m, s);
        } else if (op < 0.85) {
          expect(z.remove(m)).toBe(cur !== undefined);
          model.delete(m);
        } else if (op < 0.93 && model.size > 0) {
          const want = sorted(model);
          const lo = Math.floor(rand() * want.length);
          const hi = Math.min(want.length - 1, lo + Math.floor(rand() * 4));
          expect(z.deleteByRank(lo, hi)).toBe(hi - lo + 1);
          for (let i = lo; i <= hi; i++) model.delete(want[i][0]);
        } else {
          const a = Math.floor(rand() * 20) - 10;
          const r = sr(`${rand() < 0.5 ? '(' : ''}${a}`, `${rand() < 0.5 ? '(' : ''}${a + Math.floor(rand() * 8)}`);
          const gone = sorted(model).filter(
            ([, v]) => (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max),
          );
          expect(z.deleteByScore(r)).toBe(gone.length);
          for (const [g] of gone) model.delete(g);
        }
        if (step % 50 === 0) expectContents(z, sorted(model));
      }
      expectContents(z, sorted(model));
    });
  }

  it('lex ranges over equal scores match a filtered model, and equal the skiplist', () => {
    const rand = rng(9);
    const members = new Set<string>();
    while (members.size < 80) members.add(member(rand));
    const z = new ZSetValue();
    const sk = new ZSetValue();
    sk.toSkiplist();
    for (const m of members) {
      z.insert(m, 0, BIG, BIG);
      sk.insert(m, 0, BIG, BIG);
    }
    const order = [...members].sort();
    const bound = (min: boolean): string => {
      const t = rand();
      if (t < 0.1) return min ? '-' : '+';
      const v = t < 0.6 ? order[Math.floor(rand() * order.length)] : member(rand);
      return (rand() < 0.5 ? '(' : '[') + v;
    };
    for (let t = 0; t < 300; t++) {
      const r = lr(bound(true), bound(false));
      const inRange = order.filter(
        (m) =>
          (r.minKind !== 0 ? r.minKind < 0 : r.minex ? m > r.min : m >= r.min) &&
          (r.maxKind !== 0 ? r.maxKind > 0 : r.maxex ? m < r.max : m <= r.max),
      );
      expect(z.countInLex(r)).toBe(inRange.length);
      expect(sk.countInLex(r)).toBe(inRange.length);
      const first = inRange.length > 0 ? order.indexOf(inRange[0]) : -1;
      expect(z.firstInLex(r)).toBe(first);
      expect(z.lastInLex(r)).toBe(first < 0 ? -1 : first + inRange.length - 1);
      expect(sk.firstInLex(r)).toBe(z.firstInLex(r));
      expect(sk.lastInLex(r)).toBe(z.lastInLex(r));
    }
    const c = z.clone();
    const r = lr('[m2', '(m5');
    const n = c.deleteByLex(r);
    expect(n).toBe(order.filter((m) => m >= 'm2' && m < 'm5').length);
    expectContents(
      c,
      order.filter((m) => !(m >= 'm2' && m < 'm5')).map((m): [string, number] => [m, 0]),
    );
  });

  it('converts to an equal skiplist at the entries threshold and from any state', () => {
    const rand = rng(5);
    const z = new ZSetValue();
    const model = new Map<string, number>();
    for (let i = 0; i < 128; i++) {
      const m = member(rand) + i;
      const s = SCORES[i % SCORES.length];
      z.insert(m, s, 128, BIG);
      model.set(m, s);
    }
    expectContents(z, sorted(model));
    z.insert('last', 3, 128, BIG);
    model.set('last', 3);
    expect(z.encoding()).toBe('skiplist');
    expect([...z.entries()]).toEqual(sorted(model));
    expect(z.rankOf('last')).toBe(sorted(model).findIndex((e) => e[0] === 'last'));
  });
});
