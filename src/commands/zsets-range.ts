/**
 * Range commands: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and its legacy forms, ZRANGESTORE, ZCOUNT,
 * ZLEXCOUNT, and ZREMRANGEBYRANK / BYSCORE / BYLEX.
 *
 * Score and lex ranges follow Redis' walk literally: start at the first (or, reversed, last) element in range, skip
 * `offset` elements without looking at them, then emit up to `limit` while still in range. A negative offset thus
 * skips everything and a negative limit means "no limit", as in Redis.
 */
import type { Bytes } from '../protocol/bytes';
import type { Client } from '../server/client';
import {
  type LexRange,
  type ScoreRange,
  lexGteMin,
  lexLteMax,
  scoreGteMin,
  scoreLteMax,
} from '../store/types/skiplist';
import { ZSetValue } from '../store/types/zset';
import { WRONG, argLong, lookup } from './util';
import {
  LEX_RANGE_ERR,
  SCORE_RANGE_ERR,
  lookupWrite,
  maxEntries,
  maxValue,
  parseLexRange,
  parseScoreRange,
  replyScore,
} from './zsets-args';

export const BY_AUTO = -1;
export const BY_RANK = 0;
export const BY_SCORE = 1;
export const BY_LEX = 2;
export const DIR_AUTO = -1;
export const DIR_FWD = 0;
export const DIR_REV = 1;

// Elements selected by a score/lex walk, in walk order. Reused between calls (commands never nest).
const selEle: Bytes[] = [];
const selScore: number[] = [];

function clearSelection(): void {
  selEle.length = 0;
  selScore.length = 0;
}

/** Selects elements for a score range walk (see file comment). */
function selectByScore(z: ZSetValue, r: ScoreRange, offset: number, limit: number, rev: boolean): void {
  if (offset > 0 && offset >= z.size) return;
  const first = rev ? z.lastInScore(r) : z.firstInScore(r);
  if (first < 0) return;
  const cur = z.cursor(first, rev);
  for (; cur.valid && offset !== 0; offset--) cur.next();
  for (; cur.valid && limit !== 0; limit--) {
    if (rev ? !scoreGteMin(cur.score, r) : !scoreLteMax(cur.score, r)) break;
    selEle.push(cur.ele);
    selScore.push(cur.score);
    cur.next();
  }
}

function selectByLex(z: ZSetValue, r: LexRange, offset: number, limit: number, rev: boolean): void {
  if (offset > 0 && offset >= z.size) return;
  const first = rev ? z.lastInLex(r) : z.firstInLex(r);
  if (first < 0) return;
  const cur = z.cursor(first, rev);
  for (; cur.valid && offset !== 0; offset--) cur.next();
  for (; cur.valid && limit !== 0; limit--) {
    if (rev ? !lexGteMin(cur.ele, r) : !lexLteMax(cur.ele, r)) break;
    selEle.push(cur.ele);
    selScore.push(cur.score);
    cur.next();
  }
}

/** Replies the current selection as a range result. */
function replySelection(c: Client, withScores: boolean): void {
  const n = selEle.length;
  const out = c.out;
  const nested = withScores && out.resp === 3;
  out.arrayLen(withScores && !nested ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    if (nested) out.arrayLen(2);
    out.bulk(selEle[i]);
    if (withScores) replyScore(out, selScore[i]);
  }
}

/**
 * Stores the selection (walk order; `rev` when descending) at `dst` as ZRANGESTORE does: a non-empty result replaces
 * the key, an empty one deletes it. Replies with the number stored.
 */
function storeSelection(c: Client, dst: Bytes, rev: boolean): void {
  const n = selEle.length;
  if (n === 0) {
    if (c.db.delete(dst)) c.srv.dirty++;
    c.out.int(0);
    return;
  }
  if (rev) {
    selEle.reverse();
    selScore.reverse();
  }
  c.db.set(dst, ZSetValue.fromSorted(selEle, selScore, n, maxEntries(c), maxValue(c)));
  c.srv.dirty++;
  c.out.int(n);
}

/**
 * The shared implementation of ZRANGE, ZRANGESTORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX
 * and ZREVRANGE. `srcIdx` is the argv index of the source key (2 for ZRANGESTORE, whose argv[1] is the destination);
 * legacy commands fix the range kind and direction, which then cannot be given as options.
 */
export function zrangeGeneric(c: Client, srcIdx: number, store: boolean, by: number, dir: number): void {
  const argv = c.argv;
  let minIdx = srcIdx + 1;
  let maxIdx = srcIdx + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = srcIdx + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = argv[j].length <= 10 ? argv[j].toLowerCase() : '';
    if (!store && opt === 'withscores') {
      withScores = true;
    } else if (opt === 'limit' && left >= 2) {
      const o = argLong(c, argv[j + 1]);
      if (o === null) return;
      const l = argLong(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (dir === DIR_AUTO && opt === 'rev') {
      dir = DIR_REV;
    } else if (by === BY_AUTO && opt === 'bylex') {
      by = BY_LEX;
    } else if (by === BY_AUTO && opt === 'byscore') {
      by = BY_SCORE;
    } else {
      return c.syntaxError();
    }
  }
  if (dir === DIR_AUTO) dir = DIR_FWD;
  if (by === BY_AUTO) by = BY_RANK;
  if (limit !== -1 && by === BY_RANK) {
    return c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && by === BY_LEX) {
    return c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const rev = dir === DIR_REV;
  if (rev && by !== BY_RANK) {
    // reversed score/lex ranges are written max first
    minIdx = srcIdx + 2;
    maxIdx = srcIdx + 1;
  }
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (by === BY_RANK) {
    const s = argLong(c, argv[minIdx]);
    if (s === null) return;
    const e = argLong(c, argv[maxIdx]);
    if (e === null) return;
    start = s;
    end = e;
  } else if (by === BY_SCORE) {
    sr = parseScoreRange(argv[minIdx], argv[maxIdx]);
    if (sr === null) return c.error(SCORE_RANGE_ERR);
  } else {
    lr = parseLexRange(argv[minIdx], argv[maxIdx]);
    if (lr === null) return c.error(LEX_RANGE_ERR);
  }

  const z = lookup(c, argv[srcIdx], 'zset');
  if (z === WRONG) return;
  clearSelection();
  if (z === undefined) {
    if (store) storeSelection(c, argv[1], false);
    else c.out.emptyArray();
    return;
  }
  if (by === BY_RANK) {
    if (!store) return replyRankRange(c, z, start, end, rev, withScores);
    selectByRank(z, start, end, rev);
  } else if (by === BY_SCORE) {
    selectByScore(z, sr!, offset, limit, rev);
  } else {
    selectByLex(z, lr!, offset, limit, rev);
  }
  if (store) storeSelection(c, argv[1], rev);
  else replySelection(c, withScores);
  clearSelection();
}

// Output of clampRanks (module state avoids allocating a pair per call).
let rankLo = 0;
let rankHi = 0;

/** Clamps a rank range like Redis; returns false when it selects nothing. Result in rankLo/rankHi. */
function clampRanks(size: number, start: number, end: number): boolean {
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  if (start > end || start >= size) return false;
  if (end >= size) end = size - 1;
  rankLo = start;
  rankHi = end;
  return true;
}

function selectByRank(z: ZSetValue, start: number, end: number, rev: boolean): void {
  const size = z.size;
  if (!clampRanks(size, start, end)) return;
  const cur = z.cursor(rev ? size - 1 - rankLo : rankLo, rev);
  for (let n = rankHi - rankLo + 1; n > 0 && cur.valid; n--) {
    selEle.push(cur.ele);
    selScore.push(cur.score);
    cur.next();
  }
}

/** Rank ranges know their length up front, so they stream straight into the reply. */
function replyRankRange(c: Client, z: ZSetValue, start: number, end: number, rev: boolean, ws: boolean): void {
  const size = z.size;
  if (!clampRanks(size, start, end)) return c.out.emptyArray();
  const n = rankHi - rankLo + 1;
  const out = c.out;
  const nested = ws && out.resp === 3;
  out.arrayLen(ws && !nested ? n * 2 : n);
  const cur = z.cursor(rev ? size - 1 - rankLo : rankLo, rev);
  for (let i = 0; i < n; i++) {
    if (nested) out.arrayLen(2);
    out.bulk(cur.ele);
    if (ws) replyScore(out, cur.score);
    cur.next();
  }
}

export function zcount(c: Client): void {
  const r = parseScoreRange(c.argv[2], c.argv[3]);
  if (r === null) return c.error(SCORE_RANGE_ERR);
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  c.out.int(z === undefined ? 0 : z.countInScore(r));
}

export function zlexcount(c: Client): void {
  const r = parseLexRange(c.argv[2], c.argv[3]);
  if (r === null) return c.error(LEX_RANGE_ERR);
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  c.out.int(z === undefined ? 0 : z.countInLex(r));
}

/** After removing elements from the zset at `key`: drop the emptied key or signal the change; count it dirty. */
export function afterRemoval(c: Client, key: Bytes, z: ZSetValue, removed: number): void {
  if (removed === 0) return;
  if (z.size === 0) c.db.delete(key);
  else c.db.touch(key);
  c.srv.dirty += removed;
}

export function zremrangeGeneric(c: Client, by: number): void {
  const argv = c.argv;
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (by === BY_RANK) {
    const s = argLong(c, argv[2]);
    if (s === null) return;
    const e = argLong(c, argv[3]);
    if (e === null) return;
    start = s;
    end = e;
  } else if (by === BY_SCORE) {
    sr = parseScoreRange(argv[2], argv[3]);
    if (sr === null) return c.error(SCORE_RANGE_ERR);
  } else {
    lr = parseLexRange(argv[2], argv[3]);
    if (lr === null) return c.error(LEX_RANGE_ERR);
  }
  const key = argv[1];
  const z = lookupWrite(c, key);
  if (z === WRONG) return;
  if (z === undefined) return c.out.int(0);
  let removed = 0;
  if (by === BY_RANK) {
    if (clampRanks(z.size, start, end)) removed = z.deleteByRank(rankLo, rankHi);
  } else if (by === BY_SCORE) {
    removed = z.deleteByScore(sr!);
  } else {
    removed = z.deleteByLex(lr!);
  }
  afterRemoval(c, key, z, removed);
  c.out.int(removed);
}
