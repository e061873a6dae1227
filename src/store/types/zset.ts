/**
 * Sorted set value, in the two encodings Redis 7.0 reports:
 * - 'listpack': two parallel arrays (members, scores) kept sorted by (score, member bytes). Small sets cost two
 *   arrays and no per-element objects; lookups by member are linear, as in Redis, and n is bounded by
 *   zset-max-listpack-entries.
 * - 'skiplist': a skiplist with spans (O(log n) rank and range operations) plus a Map member -> node.
 * A set converts to 'skiplist' once it grows past zset-max-listpack-entries or gets a member longer than
 * zset-max-listpack-value, and never converts back in place (store commands build a fresh value instead).
 *
 * Ranks are 0-based and ascending throughout. Range searches mirror Redis' own walks step for step (including its
 * "in range at all?" pre-checks) so that even lex ranges over mixed scores, where order is not lexical, select the
 * same elements in listpack form.
 */
import type { Bytes } from '../../protocol/bytes';
import {
  type LexRange,
  type ScoreRange,
  SkipList,
  type ZNode,
  lexGteMin,
  lexLteMax,
  lexRangeEmpty,
  scoreGteMin,
  scoreLteMax,
  scoreRangeEmpty,
} from './skiplist';

export type { LexRange, ScoreRange } from './skiplist';

const NO_BYTES: Bytes[] = [];
const NO_SCORES: number[] = [];

/** (s1, e1) sorts before (s2, e2) */
function lessThan(s1: number, e1: Bytes, s2: number, e2: Bytes): boolean {
  return s1 < s2 || (s1 === s2 && e1 < e2);
}

/**
 * Copy of `arr` with `v` inserted at `pos`, allocated at its exact size. Growing in place would make V8 reserve
 * spare capacity (17 slots for a first push), which dominates the footprint of the many small sorted sets.
 */
function withInserted<T>(arr: readonly T[], pos: number, v: T): T[] {
  const n = arr.length;
  const out = new Array<T>(n + 1);
  for (let i = 0; i < pos; i++) out[i] = arr[i];
  out[pos] = v;
  for (let i = pos; i < n; i++) out[i + 1] = arr[i];
  return out;
}

function removeRange<T>(arr: T[], from: number, count: number): void {
  arr.copyWithin(from, from + count);
  arr.length -= count;
}

export class ZSetValue {
  readonly type = 'zset' as const;
  /** listpack form, sorted by (score, member); empty shared arrays once converted */
  lpEle: Bytes[] = [];
  lpScore: number[] = [];
  /** skiplist form; both non-null together */
  sl: SkipList | null = null;
  index: Map<Bytes, ZNode> | null = null;

  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): 'listpack' | 'skiplist' {
    return this.sl === null ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.sl === null ? this.lpEle.length : this.sl.length;
  }

  score(member: Bytes): number | undefined {
    if (this.index !== null) return this.index.get(member)?.score;
    const i = this.lpEle.indexOf(member);
    return i < 0 ? undefined : this.lpScore[i];
  }

  /** 0-based ascending rank, -1 when absent. */
  rankOf(member: Bytes): number {
    if (this.index !== null) {
      const n = this.index.get(member);
      return n === undefined ? -1 : this.sl!.rank(n.score, member) - 1;
    }
    return this.lpEle.indexOf(member);
  }

  /** Adds a member known to be absent, converting to skiplist first when the listpack limits would be crossed. */
  insert(member: Bytes, score: number, maxEntries: number, maxValue: number): void {
    if (this.sl === null) {
      if (this.lpEle.length + 1 <= maxEntries && member.length <= maxValue) {
        this.lpInsert(member, score);
        return;
      }
      this.toSkiplist();
    }
    this.index!.set(member, this.sl!.insert(score, member));
  }

  /** Moves a present member from score `cur` (as stored) to `score`. */
  update(member: Bytes, cur: number, score: number): void {
    if (this.sl === null) {
      const i = this.lpEle.indexOf(member);
      removeRange(this.lpEle, i, 1);
      removeRange(this.lpScore, i, 1);
      this.lpInsert(member, score);
      return;
    }
    const old = this.index!.get(member)!;
    const n = this.sl.updateScore(cur, member, score);
    if (n !== old) this.index!.set(member, n);
  }

  remove(member: Bytes): boolean {
    if (this.sl === null) {
      const i = this.lpEle.indexOf(member);
      if (i < 0) return false;
      removeRange(this.lpEle, i, 1);
      removeRange(this.lpScore, i, 1);
      return true;
    }
    const n = this.index!.get(member);
    if (n === undefined) return false;
    this.sl.delete(n.score, member);
    this.index!.delete(member);
    return true;
  }

  private lpInsert(member: Bytes, score: number): void {
    // the listpack stores scores as text/integers, which has no negative zero
    if (score === 0) score = 0;
    const eles = this.lpEle;
    const scores = this.lpScore;
    let lo = 0;
    let hi = eles.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lessThan(scores[mid], eles[mid], score, member)) lo = mid + 1;
      else hi = mid;
    }
    this.lpEle = withInserted(eles, lo, member);
    this.lpScore = withInserted(scores, lo, score);
  }

  /** Converts the listpack form to a skiplist. */
  toSkiplist(): void {
    if (this.sl !== null) return;
    const sl = SkipList.fromSorted(this.lpEle, this.lpScore, this.lpEle.length);
    const index = new Map<Bytes, ZNode>();
    for (let n = sl.head.next; n !== null; n = n.next) index.set(n.ele, n);
    this.sl = sl;
    this.index = index;
    this.lpEle = NO_BYTES;
    this.lpScore = NO_SCORES;
  }

  /** Member and score at a rank (caller checks bounds); for sequential access use a cursor. */
  memberAt(rank: number): Bytes {
    return this.sl === null ? this.lpEle[rank] : this.sl.byRank(rank + 1)!.ele;
  }

  cursor(rank: number, rev: boolean): ZCursor {
    return new ZCursor(this, rank, rev);
  }

  // ---- score ranges ----

  private inScoreRange(r: ScoreRange): boolean {
    const n = this.size;
    if (n === 0 || scoreRangeEmpty(r)) return false;
    const first = this.sl === null ? this.lpScore[0] : this.sl.head.next!.score;
    const last = this.sl === null ? this.lpScore[n - 1] : this.sl.tail!.score;
    return scoreGteMin(last, r) && scoreLteMax(first, r);
  }

  /** Rank of the lowest element within the range, -1 when none. */
  firstInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    if (this.sl !== null) {
      const rank = this.sl.firstGteMin(r);
      return this.sl.hit !== null && scoreLteMax(this.sl.hit.score, r) ? rank : -1;
    }
    const scores = this.lpScore;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (scoreGteMin(scores[mid], r)) hi = mid;
      else lo = mid + 1;
    }
    return lo < scores.length && scoreLteMax(scores[lo], r) ? lo : -1;
  }

  /** Rank of the highest element within the range, -1 when none. */
  lastInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    if (this.sl !== null) {
      const rank = this.sl.lastLteMax(r);
      return this.sl.hit !== null && scoreGteMin(this.sl.hit.score, r) ? rank : -1;
    }
    const scores = this.lpScore;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (scoreLteMax(scores[mid], r)) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && scoreGteMin(scores[lo - 1], r) ? lo - 1 : -1;
  }

  countInScore(r: ScoreRange): number {
    const first = this.firstInScore(r);
    return first < 0 ? 0 : this.lastInScore(r) - first + 1;
  }

  deleteByScore(r: ScoreRange): number {
    const first = this.firstInScore(r);
    if (first < 0) return 0;
    return this.deleteByRank(first, this.lastInScore(r));
  }

  // ---- lex ranges ----

  private inLexRange(r: LexRange): boolean {
    const n = this.size;
    if (n === 0 || lexRangeEmpty(r)) return false;
    const first = this.sl === null ? this.lpEle[0] : this.sl.head.next!.ele;
    const last = this.sl === null ? this.lpEle[n - 1] : this.sl.tail!.ele;
    return lexGteMin(last, r) && lexLteMax(first, r);
  }

  firstInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.sl !== null) {
      const rank = this.sl.firstGteMinLex(r);
      return this.sl.hit !== null && lexLteMax(this.sl.hit.ele, r) ? rank : -1;
    }
    // linear from the head, as the listpack walk does (members need not be in lex order when scores differ)
    const eles = this.lpEle;
    for (let i = 0; i < eles.length; i++) {
      if (lexGteMin(eles[i], r)) return lexLteMax(eles[i], r) ? i : -1;
    }
    return -1;
  }

  lastInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.sl !== null) {
      const rank = this.sl.lastLteMaxLex(r);
      return this.sl.hit !== null && lexGteMin(this.sl.hit.ele, r) ? rank : -1;
    }
    const eles = this.lpEle;
    for (let i = eles.length - 1; i >= 0; i--) {
      if (lexLteMax(eles[i], r)) return lexGteMin(eles[i], r) ? i : -1;
    }
    return -1;
  }

  countInLex(r: LexRange): number {
    const first = this.firstInLex(r);
    if (first < 0) return 0;
    if (this.sl !== null) {
      // rank difference of the first and last matches, as the skiplist count does
      const last = this.lastInLex(r);
      return last < 0 ? this.size - first : last - first + 1;
    }
    return this.lexRun(first, r);
  }

  /** Number of consecutive elements from `from` upwards that satisfy the lex maximum. */
  private lexRun(from: number, r: LexRange): number {
    let n = 0;
    for (const c = this.cursor(from, false); c.valid && lexLteMax(c.ele, r); c.next()) n++;
    return n;
  }

  deleteByLex(r: LexRange): number {
    let first: number;
    if (this.sl !== null) {
      // the skiplist deletion walks to the first element >= min without the pre-checks
      first = this.sl.firstGteMinLex(r);
      if (this.sl.hit === null) return 0;
    } else {
      first = this.firstInLex(r);
      if (first < 0) return 0;
    }
    const n = this.lexRun(first, r);
    if (n > 0) this.deleteByRank(first, first + n - 1);
    return n;
  }

  // ---- ranks ----

  /** Deletes ranks lo..hi inclusive (0-based, within bounds). Returns the count removed. */
  deleteByRank(lo: number, hi: number): number {
    if (this.sl === null) {
      const n = hi - lo + 1;
      removeRange(this.lpEle, lo, n);
      removeRange(this.lpScore, lo, n);
      return n;
    }
    return this.sl.deleteRankRange(lo + 1, hi + 1, this.index!);
  }

  // ---- bulk access ----

  /** Calls fn for every element in ascending order. */
  forEach(fn: (member: Bytes, score: number) => void): void {
    if (this.sl === null) {
      const eles = this.lpEle;
      const scores = this.lpScore;
      for (let i = 0; i < eles.length; i++) fn(eles[i], scores[i]);
      return;
    }
    for (let n = this.sl.head.next; n !== null; n = n.next) fn(n.ele, n.score);
  }

  /** Elements in ascending order (RDB save, DEBUG DIGEST). */
  *entries(): IterableIterator<[Bytes, number]> {
    if (this.sl === null) {
      for (let i = 0; i < this.lpEle.length; i++) yield [this.lpEle[i], this.lpScore[i]];
      return;
    }
    for (let n = this.sl.head.next; n !== null; n = n.next) yield [n.ele, n.score];
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.sl === null) {
      z.lpEle = this.lpEle.slice();
      z.lpScore = this.lpScore.slice();
      return z;
    }
    const eles: Bytes[] = [];
    const scores: number[] = [];
    this.forEach((e, s) => {
      eles.push(e);
      scores.push(s);
    });
    z.lpEle = eles;
    z.lpScore = scores;
    z.toSkiplist();
    return z;
  }

  /**
   * Builds a value from elements already sorted by (score, member) and unique, choosing the encoding Redis gives a
   * freshly computed set (listpack when within both limits).
   */
  static fromSorted(
    eles: readonly Bytes[],
    scores: readonly number[],
    count: number,
    maxEntries: number,
    maxValue: number,
  ): ZSetValue {
    const z = new ZSetValue();
    let fits = count <= maxEntries;
    for (let i = 0; fits && i < count; i++) if (eles[i].length > maxValue) fits = false;
    const e = eles.length === count ? eles.slice() : eles.slice(0, count);
    const s = scores.length === count ? scores.slice() : scores.slice(0, count);
    if (fits) {
      for (let i = 0; i < count; i++) if (s[i] === 0) s[i] = 0; // listpack has no negative zero
    }
    z.lpEle = e;
    z.lpScore = s;
    if (!fits) z.toSkiplist();
    return z;
  }

  /**
   * Builds a value from arbitrary (member, score) pairs (RDB load). A repeated member keeps its last score. The
   * encoding follows the limits like sets built by commands.
   */
  static fromEntries(entries: Iterable<readonly [Bytes, number]>, maxEntries: number, maxValue: number): ZSetValue {
    const map = new Map<Bytes, number>();
    for (const [m, s] of entries) map.set(m, s);
    const pairs = [...map];
    pairs.sort((a, b) => (lessThan(a[1], a[0], b[1], b[0]) ? -1 : lessThan(b[1], b[0], a[1], a[0]) ? 1 : 0));
    const eles = pairs.map((p) => p[0]);
    const scores = pairs.map((p) => p[1]);
    return ZSetValue.fromSorted(eles, scores, eles.length, maxEntries, maxValue);
  }
}

/**
 * Sequential walk over a sorted set from a rank, upwards or (rev) downwards. Reads `ele`/`score` while `valid`.
 * The set must not be modified during the walk.
 */
export class ZCursor {
  ele: Bytes = '';
  score = 0;
  valid = false;
  private i: number;
  private node: ZNode | null = null;

  constructor(
    private readonly z: ZSetValue,
    rank: number,
    private readonly rev: boolean,
  ) {
    this.i = rank;
    if (rank < 0 || rank >= z.size) return;
    if (z.sl !== null) this.node = z.sl.byRank(rank + 1);
    this.load();
  }

  private load(): void {
    const z = this.z;
    if (z.sl === null) {
      if (this.i < 0 || this.i >= z.lpEle.length) {
        this.valid = false;
        return;
      }
      this.ele = z.lpEle[this.i];
      this.score = z.lpScore[this.i];
      this.valid = true;
      return;
    }
    const n = this.node;
    if (n === null) {
      this.valid = false;
      return;
    }
    this.ele = n.ele;
    this.score = n.score;
    this.valid = true;
  }

  next(): void {
    if (!this.valid) return;
    if (this.z.sl === null) {
      this.i += this.rev ? -1 : 1;
    } else {
      const n = this.node!;
      this.node = this.rev ? n.backward : n.next;
    }
    this.load();
  }
}
