import { describe, expect, it } from 'vitest';
import { parseLexRange, parseScore, parseScoreRange } from '../../src/commands/zsets-args';
import type { LexRange, ScoreRange } from '../../src/store/types/skiplist';
import { ZSetValue } from '../../src/store/types/zset';

const BIG = 1 << 30;

function build(entries: [string, number][], maxEntries = 128, maxValue = 64): ZSetValue {
  const z = new ZSetValue();
  for (const [m, s] of entries) z.insert(m, s, maxEntries, maxValue);
  return z;
}

function all(z: ZSetValue): [string, number][] {
  return [...z.entries()];
}

function walk(z: ZSetValue, rank: number, rev: boolean): string[] {
  const out: string[] = [];
  for (const c = z.cursor(rank, rev); c.valid; c.next()) out.push(c.ele);
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sr = (min: string, max: string): ScoreRange => parseScoreRange(min, max)!;
const lr = (min: string, max: string): LexRange => parseLexRange(min, max)!;

describe('ZSetValue encodings', () => {
  it('stays listpack up to zset-max-listpack-entries and converts on the next insert', () => {
    const z = new ZSetValue();
    for (let i = 0; i < 128; i++) z.insert(`m${i}`, i, 128, 64);
    expect(z.encoding()).toBe('listpack');
    expect(z.size).toBe(128);
    z.insert('m128', 128, 128, 64);
    expect(z.encoding()).toBe('skiplist');
    expect(z.size).toBe(129);
    // never converts back when shrinking
    for (let i = 0; i < 100; i++) z.remove(`m${i}`);
    expect(z.encoding()).toBe('skiplist');
    expect(all(z).map((e) => e[0])).toEqual(Array.from({ length: 29 }, (_, i) => `m${i + 100}`));
  });

  it('converts when a member is longer than zset-max-listpack-value', () => {
    const z = new ZSetValue();
    z.insert('x'.repeat(64), 1, 128, 64);
    expect(z.encoding()).toBe('listpack');
    z.insert('y'.repeat(65), 2, 128, 64);
    expect(z.encoding()).toBe('skiplist');
    expect(z.score('x'.repeat(64))).toBe(1);
    expect(z.rankOf('y'.repeat(65))).toBe(1);
  });

  it('with zset-max-listpack-entries 0 the first member already needs a skiplist', () => {
    const z = build([['a', 1]], 0);
    expect(z.encoding()).toBe('skiplist');
  });

  it('stores negative zero as zero in listpack form only (as the listpack text encoding does)', () => {
    const lp = build([['a', -0]]);
    expect(Object.is(lp.score('a'), 0)).toBe(true);
    const sk = build([['a', -0]], 0);
    expect(Object.is(sk.score('a'), -0)).toBe(true);
    const st = ZSetValue.fromSorted(['a'], [-0], 1, 128, 64);
    expect(Object.is(st.score('a'), 0)).toBe(true);
  });

  it('keeps both encodings observably identical under random operations', () => {
    const rand = rng(1);
    const lp = new ZSetValue();
    const sk = new ZSetValue();
    sk.toSkiplist();
    for (let step = 0; step < 4000; step++) {
      const m = `m${Math.floor(rand() * 120)}`;
      const s = Math.floor(rand() * 16) - 8;
      const cur = lp.score(m);
      expect(sk.score(m)).toBe(cur);
      if (rand() < 0.6) {
        if (cur === undefined) {
          lp.insert(m, s, BIG, BIG);
          sk.insert(m, s, BIG, BIG);
        } else if (cur !== s) {
          lp.update(m, cur, s);
          sk.update(m, cur, s);
        }
      } else {
        expect(lp.remove(m)).toBe(sk.remove(m));
      }
    }
    expect(lp.encoding()).toBe('listpack');
    expect(sk.encoding()).toBe('skiplist');
    expect(all(sk)).toEqual(all(lp));
    for (const [m] of all(lp)) expect(sk.rankOf(m)).toBe(lp.rankOf(m));
    for (let t = 0; t < 200; t++) {
      const a = Math.floor(rand() * 20) - 10;
      const b = a + Math.floor(rand() * 10) - 2;
      const r = sr(`${rand() < 0.5 ? '(' : ''}${a}`, `${rand() < 0.5 ? '(' : ''}${b}`);
      expect(sk.firstInScore(r)).toBe(lp.firstInScore(r));
      expect(sk.lastInScore(r)).toBe(lp.lastInScore(r));
      expect(sk.countInScore(r)).toBe(lp.countInScore(r));
    }
    const size = lp.size;
    for (const rank of [0, 1, size - 1, Math.floor(size / 2)]) {
      expect(walk(sk, rank, false)).toEqual(walk(lp, rank, false));
      expect(walk(sk, rank, true)).toEqual(walk(lp, rank, true));
    }
  });
});

describe('ZSetValue ranges', () => {
  const entries: [string, number][] = [
    ['a', 1],
    ['b', 2],
    ['c', 2],
    ['d', 3],
    ['e', Number.POSITIVE_INFINITY],
    ['z', Number.NEGATIVE_INFINITY],
  ];
  for (const enc of ['listpack', 'skiplist']) {
    it(`score ranges and deletion (${enc})`, () => {
      const z = build(entries, enc === 'listpack' ? 128 : 0);
      expect(z.encoding()).toBe(enc);
      expect(all(z).map((e) => e[0])).toEqual(['z', 'a', 'b', 'c', 'd', 'e']);
      expect(z.countInScore(sr('-inf', '+inf'))).toBe(6);
      expect(z.countInScore(sr('(1', '3'))).toBe(3);
      expect(z.countInScore(sr('(2', '(3'))).toBe(0);
      expect(z.countInScore(sr('2', '2'))).toBe(2);
      expect(z.countInScore(sr('(inf', '+inf'))).toBe(0);
      expect(z.firstInScore(sr('1.5', '10'))).toBe(2);
      expect(z.lastInScore(sr('1.5', '10'))).toBe(4);
      expect(z.deleteByScore(sr('(1', '3'))).toBe(3);
      expect(all(z).map((e) => e[0])).toEqual(['z', 'a', 'e']);
      expect(z.deleteByRank(0, 0)).toBe(1);
      expect(all(z).map((e) => e[0])).toEqual(['a', 'e']);
    });

    it(`lex ranges (${enc})`, () => {
      const z = build(
        ['a', 'b', 'c', 'd', 'e'].map((m) => [m, 0] as [string, number]),
        enc === 'listpack' ? 128 : 0,
      );
      expect(z.countInLex(lr('-', '+'))).toBe(5);
      expect(z.countInLex(lr('[b', '(d'))).toBe(2);
      expect(z.countInLex(lr('(b', '(b'))).toBe(0);
      expect(z.countInLex(lr('+', '-'))).toBe(0);
      expect(z.firstInLex(lr('(a', '+'))).toBe(1);
      expect(z.lastInLex(lr('-', '(c'))).toBe(1);
      expect(z.deleteByLex(lr('(a', '[c'))).toBe(2);
      expect(all(z).map((e) => e[0])).toEqual(['a', 'd', 'e']);
    });
  }

  it('lex ranges over mixed scores walk the listpack the way Redis does', () => {
    // order by score is: b(0) z(1) a(2); not lexical, so the result depends on the walk
    const z = build([
      ['b', 0],
      ['z', 1],
      ['a', 2],
    ]);
    // first element >= "[a" from the head is b, then the walk stops at z (> "[c")
    expect(z.countInLex(lr('[a', '[c'))).toBe(1);
    // the last element "a" is not >= "(b", so the pre-check says nothing can match
    expect(z.firstInLex(lr('(b', '+'))).toBe(-1);
  });
});

describe('ZSetValue construction and copies', () => {
  it('fromEntries sorts, de-duplicates (last wins) and picks the encoding', () => {
    const z = ZSetValue.fromEntries(
      [
        ['b', 2],
        ['a', 2],
        ['c', 1],
        ['a', 0],
      ],
      128,
      64,
    );
    expect(all(z)).toEqual([
      ['a', 0],
      ['c', 1],
      ['b', 2],
    ]);
    expect(z.encoding()).toBe('listpack');
    const big = ZSetValue.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`m${i}`, i] as const),
      128,
      64,
    );
    expect(big.encoding()).toBe('skiplist');
    expect(big.rankOf('m150')).toBe(150);
  });

  it('clone is deep and keeps the encoding', () => {
    for (const maxE of [128, 0]) {
      const z = build(
        [
          ['a', 1],
          ['b', 2],
        ],
        maxE,
      );
      const c = z.clone();
      expect(c.encoding()).toBe(z.encoding());
      c.insert('c', 3, maxE, 64);
      c.update('a', 1, 5);
      expect(all(z)).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(all(c)).toEqual([
        ['b', 2],
        ['c', 3],
        ['a', 5],
      ]);
    }
  });
});

describe('score and range argument parsing', () => {
  it('scores follow string2d', () => {
    expect(parseScore('1')).toBe(1);
    expect(parseScore('-0')).toBe(-0);
    expect(parseScore('1.5e3')).toBe(1500);
    expect(parseScore('+inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseScore('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseScore('0x10')).toBe(16);
    expect(parseScore('0x1p3')).toBe(8);
    expect(parseScore('0x1.8p1')).toBe(3);
    expect(parseScore('1e-310')).toBeCloseTo(1e-310);
    for (const bad of ['', ' 1', '1 ', 'nan', 'abc', '1e400', '1e-400', '1e', '0x', '--1', '1\0']) {
      expect(parseScore(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('range bounds follow strtod up to the C string end', () => {
    expect(parseScoreRange('(1', '5')).toEqual({ min: 1, max: 5, minex: true, maxex: false });
    expect(parseScoreRange('(', '')).toEqual({ min: 0, max: 0, minex: true, maxex: false });
    expect(parseScoreRange(' 1', '1e400')).toEqual({
      min: 1,
      max: Number.POSITIVE_INFINITY,
      minex: false,
      maxex: false,
    });
    expect(parseScoreRange('1\0junk', '2')?.min).toBe(1);
    expect(parseScoreRange('1 ', '2')).toBeNull();
    expect(parseScoreRange('nan', '2')).toBeNull();
    expect(parseScoreRange('1', '((2')).toBeNull();
  });

  it('lex bounds', () => {
    expect(parseLexRange('[a', '(b')).toMatchObject({ min: 'a', minex: false, max: 'b', maxex: true });
    expect(parseLexRange('-', '+')).not.toBeNull();
    expect(parseLexRange('+\0x', '-')).not.toBeNull();
    expect(parseLexRange('+x', '-')).toBeNull();
    expect(parseLexRange('a', '+')).toBeNull();
    expect(parseLexRange('', '+')).toBeNull();
    expect(parseLexRange('[', '(')).toMatchObject({ min: '', max: '' });
  });
});
