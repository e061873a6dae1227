/**
 * Skiplist with spans, ordered by (score, member bytes): the large-zset encoding. Spans (how many level-0 steps a
 * forward link jumps over) make rank lookups and rank-addressed access O(log n), which ZRANK, ZRANGE by index and
 * ZREMRANGEBYRANK need. A node keeps its level-0 link inline and higher levels in one small array of interleaved
 * (forward, span) pairs, so a search step touches at most one array: on large sets every step is a cache miss, and
 * this layout measured ~1.5x faster and half the memory of separate per-node forward/span arrays.
 *
 * Invariant kept for every level of every node: when `fwd(i)` is null, `span(i)` is the number of nodes after it
 * (so the head's spans stay meaningful when the list grows a level). Unit tests check it against a model.
 */
import type { Bytes } from '../../protocol/bytes';

const MAX_LEVEL = 32;
/** probability of promoting a node one more level */
const P = 0.25;

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** Lex bound kinds: a real string, or the "-" / "+" infinities. */
export const LEX_VALUE = 0;
export const LEX_MINUS = -1;
export const LEX_PLUS = 1;

export interface LexRange {
  min: Bytes;
  max: Bytes;
  minKind: number;
  maxKind: number;
  minex: boolean;
  maxex: boolean;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** True when no score can satisfy the range (min above max, or a point range with an exclusive end). */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** Compares a member with a lex bound: <0, 0, >0. */
function cmpLex(v: Bytes, bound: Bytes, kind: number): number {
  if (kind !== LEX_VALUE) return -kind; // everything is above "-" and below "+"
  return v < bound ? -1 : v > bound ? 1 : 0;
}

export function lexGteMin(v: Bytes, r: LexRange): boolean {
  const c = cmpLex(v, r.min, r.minKind);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: Bytes, r: LexRange): boolean {
  const c = cmpLex(v, r.max, r.maxKind);
  return r.maxex ? c < 0 : c <= 0;
}

/**
 * True when the lex range can match nothing. Two infinities of the same sign compare equal (they are one shared
 * object in Redis), so "- -" and "+ +" are empty because infinities are always exclusive.
 */
export function lexRangeEmpty(r: LexRange): boolean {
  let c: number;
  if (r.minKind !== LEX_VALUE && r.minKind === r.maxKind) c = 0;
  else if (r.minKind === LEX_MINUS || r.maxKind === LEX_PLUS) c = -1;
  else if (r.minKind === LEX_PLUS || r.maxKind === LEX_MINUS) c = 1;
  else c = r.min < r.max ? -1 : r.min > r.max ? 1 : 0;
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/**
 * A packed array of `n` (null, 0) pairs with no spare capacity: literals are allocated at their exact size,
 * whereas growing an empty array by push reserves room for 17 elements, several times what most nodes need.
 */
function levelArray(n: number): (ZNode | number | null)[] {
  switch (n) {
    case 1:
      return [null, 0];
    case 2:
      return [null, 0, null, 0];
    default: {
      const a: (ZNode | number | null)[] = [null, 0, null, 0, null, 0];
      for (let i = 3; i < n; i++) a.push(null, 0);
      return a;
    }
  }
}

export class ZNode {
  backward: ZNode | null = null;
  /**
   * Level-0 forward link. Level-0 spans are implicit (1 to the next node, 0 after the last), so three nodes in four,
   * which have no higher level, need no array at all.
   */
  next: ZNode | null = null;
  /** levels 1.. as [forward1, span1, forward2, span2, ...], or null for single-level nodes */
  up: (ZNode | number | null)[] | null;
  constructor(
    public ele: Bytes,
    public score: number,
    level: number,
  ) {
    this.up = level > 1 ? levelArray(level - 1) : null;
  }

  get levels(): number {
    return this.up === null ? 1 : 1 + (this.up.length >> 1);
  }

  fwd(i: number): ZNode | null {
    return i === 0 ? this.next : (this.up![2 * i - 2] as ZNode | null);
  }

  span(i: number): number {
    if (i === 0) return this.next === null ? 0 : 1;
    return this.up![2 * i - 1] as number;
  }

  setFwd(i: number, n: ZNode | null): void {
    if (i === 0) this.next = n;
    else this.up![2 * i - 2] = n;
  }

  /** Level-0 spans are implicit, so writes to them (always consistent) are dropped. */
  setSpan(i: number, v: number): void {
    if (i !== 0) this.up![2 * i - 1] = v;
  }
}

/** (node) sorts strictly before (score, ele) */
function before(n: ZNode, score: number, ele: Bytes): boolean {
  return n.score < score || (n.score === score && n.ele < ele);
}

// Scratch paths shared by all lists: operations are synchronous and never nest.
const update: ZNode[] = new Array(MAX_LEVEL);
const rankAt: number[] = new Array(MAX_LEVEL).fill(0);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

export class SkipList {
  readonly head = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  level = 1;
  /** node found by the last firstXxx/lastXxx range search (null when none) */
  hit: ZNode | null = null;

  /** Inserts (score, ele); the caller guarantees ele is not present. */
  insert(score: number, ele: Bytes): ZNode {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1];
      let f = x.fwd(i);
      while (f !== null && before(f, score, ele)) {
        rankAt[i] += x.span(i);
        x = f;
        f = x.fwd(i);
      }
      update[i] = x;
    }
    const lvl = randomLevel();
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) {
        rankAt[i] = 0;
        update[i] = this.head;
        this.head.setSpan(i, this.length);
      }
      this.level = lvl;
    }
    const n = new ZNode(ele, score, lvl);
    for (let i = 0; i < lvl; i++) {
      const u = update[i];
      n.setFwd(i, u.fwd(i));
      u.setFwd(i, n);
      n.setSpan(i, u.span(i) - (rankAt[0] - rankAt[i]));
      u.setSpan(i, rankAt[0] - rankAt[i] + 1);
    }
    for (let i = lvl; i < this.level; i++) update[i].setSpan(i, update[i].span(i) + 1);
    n.backward = update[0] === this.head ? null : update[0];
    const next = n.fwd(0);
    if (next !== null) next.backward = n;
    else this.tail = n;
    this.length++;
    return n;
  }

  /** Unlinks x given the search path to it in `update`. */
  private unlink(x: ZNode): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.fwd(i) === x) {
        u.setSpan(i, u.span(i) + x.span(i) - 1);
        u.setFwd(i, x.fwd(i));
      } else {
        u.setSpan(i, u.span(i) - 1);
      }
    }
    const next = x.fwd(0);
    if (next !== null) next.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.head.fwd(this.level - 1) === null) this.level--;
    this.length--;
  }

  /** Fills `update` with the last node before (score, ele) at each level and returns the candidate node. */
  private findPath(score: number, ele: Bytes): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && before(f, score, ele)) {
        x = f;
        f = x.fwd(i);
      }
      update[i] = x;
    }
    return x.fwd(0);
  }

  /** Removes (score, ele); returns the removed node or null when absent. */
  delete(score: number, ele: Bytes): ZNode | null {
    const x = this.findPath(score, ele);
    if (x === null || x.score !== score || x.ele !== ele) return null;
    this.unlink(x);
    return x;
  }

  /**
   * Changes the score of the present element (cur, ele). When the new score keeps its position the node is updated
   * in place; otherwise it is relinked as a new node, which is returned (the caller re-points its member index).
   */
  updateScore(cur: number, ele: Bytes, score: number): ZNode {
    const x = this.findPath(cur, ele);
    if (x === null || x.score !== cur || x.ele !== ele) throw new Error('skiplist: updateScore of a missing element');
    const prev = x.backward;
    const next = x.fwd(0);
    if ((prev === null || prev.score < score) && (next === null || next.score > score)) {
      x.score = score;
      return x;
    }
    this.unlink(x);
    return this.insert(score, ele);
  }

  /** 1-based rank of (score, ele), 0 when absent. */
  rank(score: number, ele: Bytes): number {
    let x = this.head;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && (f.score < score || (f.score === score && f.ele <= ele))) {
        rank += x.span(i);
        x = f;
        f = x.fwd(i);
      }
      if (x !== this.head && x.score === score && x.ele === ele) return rank;
    }
    return 0;
  }

  /** Node at 1-based rank, or null. */
  byRank(rank: number): ZNode | null {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && traversed + x.span(i) <= rank) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
      if (traversed === rank) return x === this.head ? null : x;
    }
    return null;
  }

  /**
   * 0-based rank of the first node whose score satisfies the range minimum (length when none); `hit` is that node.
   * Callers check the maximum themselves.
   */
  firstGteMin(r: ScoreRange): number {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && !scoreGteMin(f.score, r)) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
    }
    this.hit = x.fwd(0);
    return traversed;
  }

  /** 0-based rank of the last node whose score satisfies the range maximum (-1 when none); `hit` is that node. */
  lastLteMax(r: ScoreRange): number {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && scoreLteMax(f.score, r)) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
    }
    this.hit = x === this.head ? null : x;
    return traversed - 1;
  }

  /** As firstGteMin for a lex minimum (walking the levels exactly as the score search does). */
  firstGteMinLex(r: LexRange): number {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && !lexGteMin(f.ele, r)) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
    }
    this.hit = x.fwd(0);
    return traversed;
  }

  /** As lastLteMax for a lex maximum. */
  lastLteMaxLex(r: LexRange): number {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && lexLteMax(f.ele, r)) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
    }
    this.hit = x === this.head ? null : x;
    return traversed - 1;
  }

  /**
   * Deletes nodes with 1-based ranks start..end (inclusive, already clamped) and their entries in `index`.
   * Returns how many were removed.
   */
  deleteRankRange(start: number, end: number, index: Map<Bytes, ZNode>): number {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd(i);
      while (f !== null && traversed + x.span(i) < start) {
        traversed += x.span(i);
        x = f;
        f = x.fwd(i);
      }
      update[i] = x;
    }
    traversed++;
    let n = x.fwd(0);
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.fwd(0);
      this.unlink(n);
      index.delete(n.ele);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  /**
   * Builds a list from elements already in ascending (score, ele) order in O(n): each node is linked after the
   * current last node of every level it reaches, so no searching is needed.
   */
  static fromSorted(eles: readonly Bytes[], scores: readonly number[], count: number): SkipList {
    const sl = new SkipList();
    for (let i = 0; i < MAX_LEVEL; i++) {
      update[i] = sl.head;
      rankAt[i] = 0;
    }
    for (let k = 0; k < count; k++) {
      const lvl = randomLevel();
      if (lvl > sl.level) {
        for (let i = sl.level; i < lvl; i++) sl.head.setSpan(i, sl.length);
        sl.level = lvl;
      }
      const n = new ZNode(eles[k], scores[k], lvl);
      const rank = sl.length + 1;
      for (let i = 0; i < lvl; i++) {
        update[i].setFwd(i, n);
        update[i].setSpan(i, rank - rankAt[i]);
        update[i] = n;
        rankAt[i] = rank;
      }
      // levels this node does not reach keep a null link one step longer
      for (let i = lvl; i < sl.level; i++) update[i].setSpan(i, update[i].span(i) + 1);
      n.backward = sl.tail;
      sl.tail = n;
      sl.length = rank;
    }
    return sl;
  }
}
