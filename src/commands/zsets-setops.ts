/**
 * ZUNION, ZINTER, ZDIFF, their *STORE forms and ZINTERCARD. Inputs may be sorted sets or plain sets (every member
 * scoring 1). Following Redis, union and intersection visit inputs from the smallest to the largest (a stable sort,
 * so sums are added in the same order), each zset from its highest element down; products of a weight and a score
 * that are NaN (0 * inf) count as 0, and a SUM that gives NaN (inf + -inf) becomes 0.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { SetValue } from '../store/types/set';
import { type ZCursor, ZSetValue } from '../store/types/zset';
import { maxEntries, maxValue, parseScore, replyScore } from './zsets-args';

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;

const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface Source {
  z: ZSetValue | null;
  s: SetValue | null;
  weight: number;
  size: number;
}

function aggregate(target: number, val: number, agg: number): number {
  if (agg === AGG_SUM) {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  // Plain comparisons, not Math.min/max: a NaN operand must leave the target unchanged, as in Redis.
  // biome-ignore lint/complexity/useMathMinMax: NaN semantics differ
  if (agg === AGG_MIN) return val < target ? val : target;
  // biome-ignore lint/complexity/useMathMinMax: NaN semantics differ
  return val > target ? val : target;
}

/** Score of `member` in a source, or undefined when absent (plain-set members score 1). */
function find(src: Source, member: Bytes): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.s?.has(member)) return 1;
  return undefined;
}

/** Walks a source in Redis' order: zsets from the top down, plain sets in their own order (members score 1). */
class SourceIter {
  ele: Bytes = '';
  score = 0;
  private readonly cur: ZCursor | null = null;
  private readonly it: Iterator<Bytes> | null = null;

  constructor(src: Source) {
    if (src.z !== null) this.cur = src.z.cursor(src.z.size - 1, true);
    else if (src.s !== null) this.it = src.s[Symbol.iterator]();
  }

  next(): boolean {
    const cur = this.cur;
    if (cur !== null) {
      if (!cur.valid) return false;
      this.ele = cur.ele;
      this.score = cur.score;
      cur.next();
      return true;
    }
    if (this.it === null) return false;
    const r = this.it.next();
    if (r.done) return false;
    this.ele = r.value;
    this.score = 1;
    return true;
  }
}

function byScoreThenMember(a: [Bytes, number], b: [Bytes, number]): number {
  if (a[1] < b[1]) return -1;
  if (a[1] > b[1]) return 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Shared implementation. `dstIdx` is the argv index of the destination (0 for the non-storing forms) and
 * `numkeysIdx` that of numkeys; `cardOnly` is ZINTERCARD.
 */
function zsetOp(c: Client, dstIdx: number, numkeysIdx: number, op: number, cardOnly: boolean): void {
  const argv = c.argv;
  const setnum = parseLong(argv[numkeysIdx]);
  if (setnum === null) return c.notInteger();
  if (setnum < 1) return c.error(`ERR at least 1 input key is needed for '${c.cmd?.fullName ?? argv[0]}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) return c.syntaxError();

  const srcs: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.get(argv[j]);
    if (dstIdx === 0) {
      // the non-storing forms are reads and count keyspace hits/misses
      if (v === undefined) c.srv.stats.keyspaceMisses++;
      else c.srv.stats.keyspaceHits++;
    }
    const src: Source = { z: null, s: null, weight: 1, size: 0 };
    if (v !== undefined) {
      if (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set')) return c.wrongType();
      if (v.type === 'zset') src.z = v;
      else src.s = v;
      src.size = v.size;
    }
    srcs.push(src);
  }

  let agg = AGG_SUM;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j].length <= 10 ? argv[j].toLowerCase() : '';
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseScore(argv[j]);
        if (w === null) return c.error('ERR weight value is not a float');
        srcs[i].weight = w;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1].toLowerCase();
      if (a === 'sum') agg = AGG_SUM;
      else if (a === 'min') agg = AGG_MIN;
      else if (a === 'max') agg = AGG_MAX;
      else return c.syntaxError();
      j += 2;
    } else if (dstIdx === 0 && !cardOnly && opt === 'withscores') {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && opt === 'limit') {
      const l = parseLong(argv[j + 1]);
      if (l === null || l < 0) return c.error("ERR LIMIT can't be negative");
      limit = l;
      j += 2;
    } else {
      return c.syntaxError();
    }
  }

  // Array.prototype.sort is stable, which fixes the order in which equal-sized inputs are summed.
  if (op !== OP_DIFF) srcs.sort((a, b) => a.size - b.size);

  let result: [Bytes, number][] = [];
  let card = 0;
  if (op === OP_INTER) {
    const first = srcs[0];
    if (first.size > 0) {
      const w0 = first.weight;
      for (const it = new SourceIter(first); it.next(); ) {
        let score = w0 * it.score;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < srcs.length; k++) {
          const v = find(srcs[k], it.ele);
          if (v === undefined) break;
          score = aggregate(score, v * srcs[k].weight, agg);
        }
        if (k < srcs.length) continue;
        if (!cardOnly) {
          result.push([it.ele, score]);
        } else if (++card === limit) {
          break;
        }
      }
    }
  } else if (op === OP_UNION) {
    const acc = new Map<Bytes, number>();
    for (const src of srcs) {
      if (src.size === 0) continue;
      const w = src.weight;
      for (const it = new SourceIter(src); it.next(); ) {
        let score = w * it.score;
        if (Number.isNaN(score)) score = 0;
        const prev = acc.get(it.ele);
        acc.set(it.ele, prev === undefined ? score : aggregate(prev, score, agg));
      }
    }
    result = [...acc];
  } else if (srcs[0].size > 0) {
    next: for (const it = new SourceIter(srcs[0]); it.next(); ) {
      for (let k = 1; k < srcs.length; k++) if (srcs[k].size > 0 && find(srcs[k], it.ele) !== undefined) continue next;
      result.push([it.ele, it.score]);
    }
  }

  if (cardOnly) return c.out.int(card);
  result.sort(byScoreThenMember);
  const n = result.length;

  if (dstIdx !== 0) {
    const dst = argv[dstIdx];
    if (n === 0) {
      c.out.int(0);
      if (c.db.delete(dst)) c.srv.dirty++;
      return;
    }
    const eles = new Array<Bytes>(n);
    const scores = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      eles[i] = result[i][0];
      scores[i] = result[i][1];
    }
    c.db.set(dst, ZSetValue.fromSorted(eles, scores, n, maxEntries(c), maxValue(c)));
    c.srv.dirty++;
    c.out.int(n);
    return;
  }

  const out = c.out;
  const nested = withScores && out.resp === 3;
  out.arrayLen(withScores && !nested ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    if (nested) out.arrayLen(2);
    out.bulk(result[i][0]);
    if (withScores) replyScore(out, result[i][1]);
  }
}

export const zunion = (c: Client) => zsetOp(c, 0, 1, OP_UNION, false);
export const zinter = (c: Client) => zsetOp(c, 0, 1, OP_INTER, false);
export const zdiff = (c: Client) => zsetOp(c, 0, 1, OP_DIFF, false);
export const zintercard = (c: Client) => zsetOp(c, 0, 1, OP_INTER, true);
export const zunionstore = (c: Client) => zsetOp(c, 1, 2, OP_UNION, false);
export const zinterstore = (c: Client) => zsetOp(c, 1, 2, OP_INTER, false);
export const zdiffstore = (c: Client) => zsetOp(c, 1, 2, OP_DIFF, false);

/** Key positions: numkeys at `numkeysIdx`, keys after it, plus the destination at 1 for the storing forms. */
export function numkeysKeys(numkeysIdx: number, hasDst: boolean): (argv: readonly string[]) => number[] {
  return (argv) => {
    const out: number[] = hasDst ? [1] : [];
    const n = parseLong(argv[numkeysIdx] ?? '');
    if (n === null || n < 1) return out;
    for (let i = numkeysIdx + 1; i <= numkeysIdx + n && i < argv.length; i++) out.push(i);
    return out;
  };
}
