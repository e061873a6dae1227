import { describe, expect, it } from 'vitest';
import {
  LEX_MINUS,
  LEX_PLUS,
  LEX_VALUE,
  type LexRange,
  type ScoreRange,
  SkipList,
  type ZNode,
  lexRangeEmpty,
  scoreRangeEmpty,
} from '../../src/store/types/skiplist';

type Entry = [ele: string, score: number];

function cmp(a: Entry, b: Entry): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Checks every structural invariant against the sorted model. */
function checkInvariants(sl: SkipList, model: Entry[]): void {
  expect(sl.length).toBe(model.length);
  // level 0 walk, backward links, tail
  const seen: Entry[] = [];
  let prev: ZNode | null = null;
  for (let n = sl.head.next; n !== null; n = n.next) {
    expect(n.backward).toBe(prev);
    seen.push([n.ele, n.score]);
    prev = n;
  }
  expect(sl.tail).toBe(prev);
  expect(seen).toEqual(model);
  // ranks of every node by position, then spans at every level: the span of a link equals the rank difference, and
  // a null link's span counts the nodes after it
  const rankOf = new Map<ZNode, number>();
  rankOf.set(sl.head, 0);
  let r = 0;
  for (let n = sl.head.next; n !== null; n = n.next) rankOf.set(n, ++r);
  for (const [node, rank] of rankOf) {
    const levels = node === sl.head ? sl.level : node.levels;
    for (let i = 0; i < levels; i++) {
      const f = node.fwd(i);
      if (f === null) expect(node.span(i)).toBe(model.length - rank);
      else expect(node.span(i)).toBe(rankOf.get(f)! - rank);
    }
  }
  for (let i = sl.level; i < 32; i++) expect(sl.head.fwd(i)).toBeNull();
  if (sl.level > 1) expect(sl.head.fwd(sl.level - 1)).not.toBeNull();
}

describe('skiplist', () => {
  it('matches a sorted-array model under random inserts, deletes and score updates', () => {
    const rand = rng(42);
    const sl = new SkipList();
    let model: Entry[] = [];
    const present = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      const op = rand();
      const ele = `m${Math.floor(rand() * 400)}`;
      // few distinct scores so that ties (ordered by member bytes) are frequent
      const score = Math.floor(rand() * 20) - 10;
      if (op < 0.5) {
        if (present.has(ele)) continue;
        sl.insert(score, ele);
        present.set(ele, score);
        model.push([ele, score]);
        model.sort(cmp);
      } else if (op < 0.75) {
        const cur = present.get(ele);
        expect(sl.delete(cur ?? score, ele) !== null).toBe(cur !== undefined);
        if (cur !== undefined) {
          present.delete(ele);
          model = model.filter((e) => e[0] !== ele);
        }
      } else {
        const cur = present.get(ele);
        if (cur === undefined) continue;
        const n = sl.updateScore(cur, ele, score);
        expect(n.ele).toBe(ele);
        expect(n.score).toBe(score);
        present.set(ele, score);
        model = model.map((e) => (e[0] === ele ? [ele, score] : e));
        model.sort(cmp);
      }
      if (step % 100 === 0) checkInvariants(sl, model);
    }
    checkInvariants(sl, model);
    // rank and byRank agree with positions
    model.forEach(([ele, score], i) => {
      expect(sl.rank(score, ele)).toBe(i + 1);
      const n = sl.byRank(i + 1)!;
      expect([n.ele, n.score]).toEqual([ele, score]);
    });
    expect(sl.byRank(0)).toBeNull();
    expect(sl.byRank(model.length + 1)).toBeNull();
    expect(sl.rank(1e9, 'nope')).toBe(0);
  });

  it('orders ties by member bytes (memcmp order, shorter prefix first)', () => {
    const sl = new SkipList();
    for (const e of ['b', 'a', '\xff', 'ab', '', '\x00', 'A']) sl.insert(1, e);
    const out: string[] = [];
    for (let n = sl.head.next; n !== null; n = n.next) out.push(n.ele);
    expect(out).toEqual(['', '\x00', 'A', 'a', 'ab', 'b', '\xff']);
  });

  it('finds score range boundaries with their ranks', () => {
    const rand = rng(7);
    const sl = new SkipList();
    const model: Entry[] = [];
    for (let i = 0; i < 500; i++) {
      const e: Entry = [`e${i}`, Math.floor(rand() * 100) / 4];
      sl.insert(e[1], e[0]);
      model.push(e);
    }
    model.sort(cmp);
    for (let t = 0; t < 300; t++) {
      const a = Math.floor(rand() * 110) / 4 - 1;
      const b = a + Math.floor(rand() * 40) / 4;
      const r: ScoreRange = { min: a, max: b, minex: rand() < 0.5, maxex: rand() < 0.5 };
      const gte = (v: number) => (r.minex ? v > r.min : v >= r.min);
      const lte = (v: number) => (r.maxex ? v < r.max : v <= r.max);
      const first = model.findIndex((e) => gte(e[1]));
      const expFirst = first < 0 ? model.length : first;
      expect(sl.firstGteMin(r)).toBe(expFirst);
      expect(sl.hit?.ele ?? null).toBe(first < 0 ? null : model[first][0]);
      let last = -1;
      for (let i = 0; i < model.length; i++) if (lte(model[i][1])) last = i;
      expect(sl.lastLteMax(r)).toBe(last);
      expect(sl.hit?.ele ?? null).toBe(last < 0 ? null : model[last][0]);
    }
  });

  it('finds lex range boundaries when all scores are equal', () => {
    const sl = new SkipList();
    const eles = Array.from({ length: 200 }, (_, i) => String.fromCharCode(97 + (i % 26)) + String(i));
    for (const e of eles) sl.insert(0, e);
    const sorted = [...eles].sort();
    const r: LexRange = { min: 'c', max: 'f', minKind: LEX_VALUE, maxKind: LEX_VALUE, minex: false, maxex: true };
    const first = sorted.findIndex((e) => e >= 'c');
    expect(sl.firstGteMinLex(r)).toBe(first);
    expect(sl.hit!.ele).toBe(sorted[first]);
    let last = -1;
    for (let i = 0; i < sorted.length; i++) if (sorted[i] < 'f') last = i;
    expect(sl.lastLteMaxLex(r)).toBe(last);
    const all: LexRange = { min: '', max: '', minKind: LEX_MINUS, maxKind: LEX_PLUS, minex: true, maxex: true };
    expect(sl.firstGteMinLex(all)).toBe(0);
    expect(sl.lastLteMaxLex(all)).toBe(199);
  });

  it('deletes rank ranges and keeps the member index in step', () => {
    const rand = rng(99);
    for (let trial = 0; trial < 40; trial++) {
      const sl = new SkipList();
      const index = new Map<string, ZNode>();
      let model: Entry[] = [];
      const n = 1 + Math.floor(rand() * 150);
      for (let i = 0; i < n; i++) {
        const e: Entry = [`k${i}`, Math.floor(rand() * 30)];
        index.set(e[0], sl.insert(e[1], e[0]));
        model.push(e);
      }
      model.sort(cmp);
      const start = 1 + Math.floor(rand() * n);
      const end = start + Math.floor(rand() * (n - start + 1));
      const removed = sl.deleteRankRange(start, end, index);
      expect(removed).toBe(end - start + 1);
      model = [...model.slice(0, start - 1), ...model.slice(end)];
      checkInvariants(sl, model);
      expect(index.size).toBe(model.length);
      for (const [e] of model) expect(index.get(e)!.ele).toBe(e);
    }
  });

  it('builds from sorted input with the same invariants as inserting', () => {
    const rand = rng(3);
    for (const n of [0, 1, 2, 17, 1000]) {
      const model: Entry[] = Array.from({ length: n }, (_, i) => [`x${i}`, Math.floor(rand() * 50)] as Entry).sort(cmp);
      const sl = SkipList.fromSorted(
        model.map((e) => e[0]),
        model.map((e) => e[1]),
        n,
      );
      checkInvariants(sl, model);
      // and stays consistent under later edits
      if (n > 0) {
        sl.insert(-1, 'first');
        sl.delete(model[n - 1][1], model[n - 1][0]);
        checkInvariants(sl, [['first', -1], ...model.slice(0, n - 1)]);
      }
    }
  });

  it('keeps a node in place when the new score does not move it', () => {
    const sl = new SkipList();
    sl.insert(1, 'a');
    const b = sl.insert(2, 'b');
    sl.insert(3, 'c');
    expect(sl.updateScore(2, 'b', 2.5)).toBe(b);
    const moved = sl.updateScore(2.5, 'b', 10);
    expect(moved).not.toBe(b);
    expect(sl.tail).toBe(moved);
  });

  it('recognizes always-empty ranges', () => {
    const r = (min: number, max: number, minex = false, maxex = false): ScoreRange => ({ min, max, minex, maxex });
    expect(scoreRangeEmpty(r(2, 1))).toBe(true);
    expect(scoreRangeEmpty(r(1, 1))).toBe(false);
    expect(scoreRangeEmpty(r(1, 1, true))).toBe(true);
    expect(scoreRangeEmpty(r(1, 1, false, true))).toBe(true);
    const lr = (min: string, minKind: number, max: string, maxKind: number, minex: boolean, maxex: boolean) =>
      ({ min, minKind, max, maxKind, minex, maxex }) as LexRange;
    expect(lexRangeEmpty(lr('', LEX_MINUS, '', LEX_MINUS, true, true))).toBe(true);
    expect(lexRangeEmpty(lr('', LEX_PLUS, '', LEX_PLUS, true, true))).toBe(true);
    expect(lexRangeEmpty(lr('', LEX_MINUS, '', LEX_PLUS, true, true))).toBe(false);
    expect(lexRangeEmpty(lr('', LEX_PLUS, '', LEX_MINUS, true, true))).toBe(true);
    expect(lexRangeEmpty(lr('b', LEX_VALUE, 'b', LEX_VALUE, false, false))).toBe(false);
    expect(lexRangeEmpty(lr('b', LEX_VALUE, 'b', LEX_VALUE, true, false))).toBe(true);
    expect(lexRangeEmpty(lr('c', LEX_VALUE, 'b', LEX_VALUE, false, false))).toBe(true);
    expect(lexRangeEmpty(lr('a', LEX_VALUE, '', LEX_MINUS, false, true))).toBe(true);
  });
});
