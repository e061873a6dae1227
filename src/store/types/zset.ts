/**
 * Sorted set value, in the two encodings Redis 7.0 reports:
 * - 'listpack': ONE binary string holding the entries in (score, member bytes) order, each a member behind a 1- or
 *   2-byte length (the prefix of list-pack.ts) followed by its score in 1, 5 or 9 bytes (see encodeScore). It is
 *   scanned linearly, as Redis scans its listpack, and n is bounded by zset-max-listpack-entries. Memory is the
 *   point: a 3-member set held as member strings plus two arrays took ~290 heap bytes; packed, in an object of three
 *   fields, ~110. Strings are immutable, so every change builds a new one (O(size), like Redis' memmove) and clone()
 *   shares it. The packed format's helpers are in zset-pack.ts.
 * - 'skiplist': a skiplist with spans (O(log n) rank and range operations) plus a Map member -> node.
 * A set converts to 'skiplist' once it grows past zset-max-listpack-entries or gets a member longer than
 * zset-max-listpack-value (or than 32767 bytes, the most a 2-byte prefix holds), and never converts back in place
 * (store commands build a fresh value instead).
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
import {
  PACKED_MAX_ITEM,
  at,
  cut,
  encodeScore,
  find,
  insertPos,
  lexGteMinAt,
  lexLteMaxAt,
  ownSlice,
  pack,
  prefix,
  readEntry,
  decodeScore,
  skip,
} from './zset-pack';

export type { LexRange, ScoreRange } from './skiplist';

interface SkipForm {
  sl: SkipList;
  index: Map<Bytes, ZNode>;
}

/** (s1, e1) sorts before (s2, e2) */
function lessThan(s1: number, e1: Bytes, s2: number, e2: Bytes): boolean {
  return s1 < s2 || (s1 === s2 && e1 < e2);
}

export class ZSetValue {
  /** on the prototype (set below the class), so that no instance pays a field for it */
  declare readonly type: 'zset';
  /** listpack form: the packed entries ('' when empty or converted); internal, read by ZCursor */
  lp = '';
  /** number of entries in the listpack form */
  n = 0;
  /** skiplist form, or null while the set is a listpack (one field instead of two for every small set) */
  private big: SkipForm | null = null;

  /** the skiplist, or null in listpack form */
  get sl(): SkipList | null {
    return this.big === null ? null : this.big.sl;
  }

  /** member -> skiplist node, or null in listpack form */
  get index(): Map<Bytes, ZNode> | null {
    return this.big === null ? null : this.big.index;
  }

  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): 'listpack' | 'skiplist' {
    return this.big === null ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.big === null ? this.n : this.big.sl.length;
  }

  score(member: Bytes): number | undefined {
    if (this.big !== null) return this.big.index.get(member)?.score;
    return find(this.lp, this.n, member) < 0 ? undefined : decodeScore(this.lp, at.score);
  }

  /** 0-based ascending rank, -1 when absent. */
  rankOf(member: Bytes): number {
    if (this.big !== null) {
      const n = this.big.index.get(member);
      return n === undefined ? -1 : this.big.sl.rank(n.score, member) - 1;
    }
    return find(this.lp, this.n, member);
  }

  /** Adds a member known to be absent, converting to skiplist first when the listpack limits would be crossed. */
  insert(member: Bytes, score: number, maxEntries: number, maxValue: number): void {
    if (this.big === null) {
      if (this.n + 1 <= maxEntries && member.length <= Math.min(maxValue, PACKED_MAX_ITEM)) {
        const p = this.lp;
        const ins = insertPos(p, score, member, -1, -1);
        this.lp = [p.slice(0, ins), prefix(member.length), member, encodeScore(score), p.slice(ins)].join('');
        this.n++;
        return;
      }
      this.toSkiplist();
    }
    const big = this.big as SkipForm;
    big.index.set(member, big.sl.insert(score, member));
  }

  /** Moves a present member from score `cur` (as stored) to `score`. */
  update(member: Bytes, cur: number, score: number): void {
    if (this.big === null) {
      // one rebuild: the entry leaves [a, b) and re-enters at its new place
      const p = this.lp;
      find(p, this.n, member);
      const a = at.start;
      const b = at.end;
      const ins = insertPos(p, score, member, a, b);
      const pre = prefix(member.length);
      const sc = encodeScore(score);
      this.lp =
        ins <= a
          ? [p.slice(0, ins), pre, member, sc, p.slice(ins, a), p.slice(b)].join('')
          : [p.slice(0, a), p.slice(b, ins), pre, member, sc, p.slice(ins)].join('');
      return;
    }
    const big = this.big;
    const old = big.index.get(member)!;
    const n = big.sl.updateScore(cur, member, score);
    if (n !== old) big.index.set(member, n);
  }

  remove(member: Bytes): boolean {
    if (this.big === null) {
      if (find(this.lp, this.n, member) < 0) return false;
      this.lp = cut(this.lp, at.start, at.end);
      this.n--;
      return true;
    }
    const big = this.big;
    const n = big.index.get(member);
    if (n === undefined) return false;
    big.sl.delete(n.score, member);
    big.index.delete(member);
    return true;
  }

  /** Converts the listpack form to a skiplist. */
  toSkiplist(): void {
    if (this.big !== null) return;
    const { eles, scores } = this.unpackOwned();
    this.adoptSkiplist(eles, scores, this.n);
    this.lp = '';
    this.n = 0;
  }

  private adoptSkiplist(eles: readonly Bytes[], scores: readonly number[], count: number): void {
    const sl = SkipList.fromSorted(eles, scores, count);
    const index = new Map<Bytes, ZNode>();
    for (let n = sl.head.next; n !== null; n = n.next) index.set(n.ele, n);
    this.big = { sl, index };
  }

  /**
   * The listpack form's members and scores as two new arrays, for random access (ZRANDMEMBER draws); null for a
   * skiplist. The members may be views of the packed string: do not store them.
   */
  unpack(): { eles: Bytes[]; scores: number[] } | null {
    if (this.big !== null) return null;
    const p = this.lp;
    const n = this.n;
    const eles = new Array<Bytes>(n);
    const scores = new Array<number>(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      readEntry(p, pos);
      eles[i] = p.slice(at.ele, at.ele + at.len);
      scores[i] = decodeScore(p, at.score);
      pos = at.end;
    }
    return { eles, scores };
  }

  /** As unpack(), with members that are independent strings (they outlive the packed one). */
  private unpackOwned(): { eles: Bytes[]; scores: number[] } {
    const p = this.lp;
    const n = this.n;
    const eles = new Array<Bytes>(n);
    const scores = new Array<number>(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      readEntry(p, pos);
      eles[i] = ownSlice(p, at.ele, at.ele + at.len);
      scores[i] = decodeScore(p, at.score);
      pos = at.end;
    }
    return { eles, scores };
  }

  /** Member at a rank (caller checks bounds); for sequential access use a cursor. */
  memberAt(rank: number): Bytes {
    if (this.big !== null) return this.big.sl.byRank(rank + 1)!.ele;
    readEntry(this.lp, skip(this.lp, 0, rank));
    return this.lp.slice(at.ele, at.ele + at.len);
  }

  /** Score at a rank (caller checks bounds). */
  scoreAt(rank: number): number {
    if (this.big !== null) return this.big.sl.byRank(rank + 1)!.score;
    readEntry(this.lp, skip(this.lp, 0, rank));
    return decodeScore(this.lp, at.score);
  }

  cursor(rank: number, rev: boolean): ZCursor {
    return new ZCursor(this, rank, rev);
  }

  // ---- score ranges ----

  private inScoreRange(r: ScoreRange): boolean {
    const n = this.size;
    if (n === 0 || scoreRangeEmpty(r)) return false;
    let first: number;
    let last: number;
    if (this.big === null) {
      const p = this.lp;
      readEntry(p, 0);
      first = decodeScore(p, at.score);
      readEntry(p, skip(p, 0, n - 1));
      last = decodeScore(p, at.score);
    } else {
      first = this.big.sl.head.next!.score;
      last = this.big.sl.tail!.score;
    }
    return scoreGteMin(last, r) && scoreLteMax(first, r);
  }

  /** Rank of the lowest element within the range, -1 when none. */
  firstInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    if (this.big !== null) {
      const rank = this.big.sl.firstGteMin(r);
      return this.big.sl.hit !== null && scoreLteMax(this.big.sl.hit.score, r) ? rank : -1;
    }
    const p = this.lp;
    let pos = 0;
    for (let i = 0; i < this.n; i++) {
      readEntry(p, pos);
      const s = decodeScore(p, at.score);
      if (scoreGteMin(s, r)) return scoreLteMax(s, r) ? i : -1;
      pos = at.end;
    }
    return -1;
  }

  /** Rank of the highest element within the range, -1 when none. */
  lastInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    if (this.big !== null) {
      const rank = this.big.sl.lastLteMax(r);
      return this.big.sl.hit !== null && scoreGteMin(this.big.sl.hit.score, r) ? rank : -1;
    }
    // scores ascend: the last entry within the maximum is where the walk from the tail would stop
    const p = this.lp;
    let pos = 0;
    let last = -1;
    let lastScore = 0;
    for (let i = 0; i < this.n; i++) {
      readEntry(p, pos);
      const s = decodeScore(p, at.score);
      if (!scoreLteMax(s, r)) break;
      last = i;
      lastScore = s;
      pos = at.end;
    }
    return last >= 0 && scoreGteMin(lastScore, r) ? last : -1;
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
    if (this.big !== null) return lexGteMin(this.big.sl.tail!.ele, r) && lexLteMax(this.big.sl.head.next!.ele, r);
    const p = this.lp;
    readEntry(p, skip(p, 0, n - 1));
    if (!lexGteMinAt(p, at.ele, at.len, r)) return false;
    readEntry(p, 0);
    return lexLteMaxAt(p, at.ele, at.len, r);
  }

  firstInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.big !== null) {
      const rank = this.big.sl.firstGteMinLex(r);
      return this.big.sl.hit !== null && lexLteMax(this.big.sl.hit.ele, r) ? rank : -1;
    }
    // linear from the head, as the listpack walk does (members need not be in lex order when scores differ)
    const p = this.lp;
    let pos = 0;
    for (let i = 0; i < this.n; i++) {
      readEntry(p, pos);
      if (lexGteMinAt(p, at.ele, at.len, r)) return lexLteMaxAt(p, at.ele, at.len, r) ? i : -1;
      pos = at.end;
    }
    return -1;
  }

  lastInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.big !== null) {
      const rank = this.big.sl.lastLteMaxLex(r);
      return this.big.sl.hit !== null && lexGteMin(this.big.sl.hit.ele, r) ? rank : -1;
    }
    // Redis walks back from the tail to the first entry within the maximum: the highest such rank
    const p = this.lp;
    let pos = 0;
    let last = -1;
    let lastAt = 0;
    for (let i = 0; i < this.n; i++) {
      readEntry(p, pos);
      if (lexLteMaxAt(p, at.ele, at.len, r)) {
        last = i;
        lastAt = pos;
      }
      pos = at.end;
    }
    if (last < 0) return -1;
    readEntry(p, lastAt);
    return lexGteMinAt(p, at.ele, at.len, r) ? last : -1;
  }

  countInLex(r: LexRange): number {
    const first = this.firstInLex(r);
    if (first < 0) return 0;
    if (this.big !== null) {
      // rank difference of the first and last matches, as the skiplist count does
      const last = this.lastInLex(r);
      return last < 0 ? this.size - first : last - first + 1;
    }
    return this.lexRun(first, r);
  }

  /** Number of consecutive elements from `from` upwards that satisfy the lex maximum. */
  private lexRun(from: number, r: LexRange): number {
    let n = 0;
    if (this.big === null) {
      const p = this.lp;
      let pos = skip(p, 0, from);
      for (let i = from; i < this.n; i++, n++) {
        readEntry(p, pos);
        if (!lexLteMaxAt(p, at.ele, at.len, r)) break;
        pos = at.end;
      }
      return n;
    }
    for (const c = this.cursor(from, false); c.valid && lexLteMax(c.ele, r); c.next()) n++;
    return n;
  }

  deleteByLex(r: LexRange): number {
    let first: number;
    if (this.big !== null) {
      // the skiplist deletion walks to the first element >= min without the pre-checks
      first = this.big.sl.firstGteMinLex(r);
      if (this.big.sl.hit === null) return 0;
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
    const count = hi - lo + 1;
    if (this.big === null) {
      const p = this.lp;
      const a = skip(p, 0, lo);
      this.lp = count === this.n ? '' : cut(p, a, skip(p, a, count));
      this.n -= count;
      return count;
    }
    return this.big.sl.deleteRankRange(lo + 1, hi + 1, this.big.index);
  }

  // ---- bulk access ----

  /** Calls fn for every element in ascending order. Members may be views of the packed string: copy to keep. */
  forEach(fn: (member: Bytes, score: number) => void): void {
    if (this.big === null) {
      const p = this.lp;
      let pos = 0;
      for (let i = 0; i < this.n; i++) {
        readEntry(p, pos);
        pos = at.end;
        fn(p.slice(at.ele, at.ele + at.len), decodeScore(p, at.score));
      }
      return;
    }
    for (let n = this.big.sl.head.next; n !== null; n = n.next) fn(n.ele, n.score);
  }

  /** Elements in ascending order (RDB save, DEBUG DIGEST). */
  *entries(): IterableIterator<[Bytes, number]> {
    if (this.big === null) {
      const p = this.lp;
      let pos = 0;
      for (let i = 0; i < this.n; i++) {
        readEntry(p, pos);
        // read everything before yielding: the module-level results are shared
        const e = p.slice(at.ele, at.ele + at.len);
        const s = decodeScore(p, at.score);
        pos = at.end;
        yield [e, s];
      }
      return;
    }
    for (let n = this.big.sl.head.next; n !== null; n = n.next) yield [n.ele, n.score];
  }

  /** Independent copy with the same encoding (COPY, snapshots): a listpack's string is immutable and shared. */
  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.big === null) {
      z.lp = this.lp;
      z.n = this.n;
      return z;
    }
    const count = this.big.sl.length;
    const eles = new Array<Bytes>(count);
    const scores = new Array<number>(count);
    let i = 0;
    for (let n = this.big.sl.head.next; n !== null; n = n.next, i++) {
      eles[i] = n.ele;
      scores[i] = n.score;
    }
    z.adoptSkiplist(eles, scores, count);
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
    const limit = Math.min(maxValue, PACKED_MAX_ITEM);
    let fits = count <= maxEntries;
    for (let i = 0; fits && i < count; i++) if (eles[i].length > limit) fits = false;
    if (fits) {
      z.lp = pack(eles, scores, count);
      z.n = count;
    } else {
      z.adoptSkiplist(eles, scores, count);
    }
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

Object.defineProperty(ZSetValue.prototype, 'type', { value: 'zset' });

/**
 * Sequential walk over a sorted set from a rank, upwards or (rev) downwards. Reads `ele`/`score` while `valid`.
 * The set must not be modified during the walk.
 */
export class ZCursor {
  ele: Bytes = '';
  score = 0;
  valid = false;
  private i: number;
  private readonly n: number;
  private node: ZNode | null = null;
  /** listpack walks: the packed string and the next entry's offset (forward) or every entry's offset (rev) */
  private readonly p: string | null;
  private pos = 0;
  private offs: number[] | null = null;

  constructor(
    z: ZSetValue,
    rank: number,
    private readonly rev: boolean,
  ) {
    this.i = rank;
    this.n = z.size;
    this.p = z.sl === null ? z.lp : null;
    if (rank < 0 || rank >= this.n) return;
    if (z.sl !== null) {
      this.node = z.sl.byRank(rank + 1);
      this.loadNode();
      return;
    }
    const p = z.lp;
    if (rev) {
      // the packed form only reads forwards: note where entries 0..rank start once
      const offs = new Array<number>(rank + 1);
      let pos = 0;
      for (let k = 0; k <= rank; k++) {
        offs[k] = pos;
        pos = skip(p, pos, 1);
      }
      this.offs = offs;
    } else {
      this.pos = skip(p, 0, rank);
    }
    this.loadPacked();
  }

  private loadPacked(): void {
    if (this.i < 0 || this.i >= this.n) {
      this.valid = false;
      return;
    }
    const p = this.p!;
    readEntry(p, this.offs === null ? this.pos : this.offs[this.i]);
    this.ele = p.slice(at.ele, at.ele + at.len);
    this.score = decodeScore(p, at.score);
    this.pos = at.end;
    this.valid = true;
  }

  private loadNode(): void {
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
    if (this.p !== null) {
      this.i += this.rev ? -1 : 1;
      this.loadPacked();
      return;
    }
    const n = this.node!;
    this.node = this.rev ? n.backward : n.next;
    this.loadNode();
  }
}
