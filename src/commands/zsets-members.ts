/**
 * Member-level sorted-set commands: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK, ZRANDMEMBER, ZSCAN.
 */
import type { Bytes } from '../protocol/bytes';
import { formatDouble, parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import { globMatch } from '../store/glob';
import { ZSetValue } from '../store/types/zset';
import { WRONG, lookup, parseScanArgs, parseScanCursor } from './util';
import { lookupWrite, maxEntries, maxValue, parseScore, replyScore } from './zsets-args';
import { afterRemoval } from './zsets-range';

/**
 * ZADD, and ZINCRBY (which Redis runs as ZADD with INCR: options are parsed the same way, so "ZINCRBY k nx m" is a
 * syntax error rather than a float error).
 */
function zaddGeneric(c: Client, incrCmd: boolean): void {
  const argv = c.argv;
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a.length !== 2 && a.length !== 4) break;
    const o = a.toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') incr = true;
    else break;
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) return c.syntaxError();
  if (nx && xx) return c.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 2) return c.error('ERR INCR option supports a single increment-element pair');
  // All scores are checked before anything changes.
  const n = elements / 2;
  const scores = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const s = parseScore(argv[i + 2 * k]);
    if (s === null) return c.notFloat();
    scores[k] = s;
  }

  const key = argv[1];
  let z = lookupWrite(c, key);
  if (z === WRONG) return;
  let created = false;
  if (z === undefined) {
    if (xx) return incr ? c.out.null() : c.out.int(0);
    z = new ZSetValue();
    created = true;
  }
  const maxE = maxEntries(c);
  const maxV = maxValue(c);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let result = 0;
  for (let k = 0; k < n; k++) {
    const member = argv[i + 2 * k + 1];
    let score = scores[k];
    const cur = z.score(member);
    if (cur === undefined) {
      if (xx) continue;
      z.insert(member, score, maxE, maxV);
      added++;
    } else {
      if (nx) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) return c.error('ERR resulting score is not a number (NaN)');
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      if (score !== cur) {
        z.update(member, cur, score);
        updated++;
      }
    }
    processed++;
    result = score;
  }
  if (created && z.size > 0) c.db.add(key, z);
  if (added + updated > 0) {
    c.db.touch(key);
    c.srv.dirty += added + updated;
  }
  if (incr) {
    if (processed > 0) replyScore(c.out, result);
    else c.out.null();
  } else {
    c.out.int(ch ? added + updated : added);
  }
}

export function zrem(c: Client): void {
  const argv = c.argv;
  const key = argv[1];
  const z = lookupWrite(c, key);
  if (z === WRONG) return;
  if (z === undefined) return c.out.int(0);
  let removed = 0;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j])) removed++;
    if (z.size === 0) break;
  }
  afterRemoval(c, key, z, removed);
  c.out.int(removed);
}

export function zscore(c: Client): void {
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  const s = z === undefined ? undefined : z.score(c.argv[2]);
  if (s === undefined) c.out.null();
  else replyScore(c.out, s);
}

export function zmscore(c: Client): void {
  const argv = c.argv;
  const z = lookup(c, argv[1], 'zset');
  if (z === WRONG) return;
  c.out.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.out.null();
    else replyScore(c.out, s);
  }
}

export function zcard(c: Client): void {
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  c.out.int(z === undefined ? 0 : z.size);
}

function zrankGeneric(c: Client, rev: boolean): void {
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  const r = z === undefined ? -1 : z.rankOf(c.argv[2]);
  if (r < 0) c.out.null();
  else c.out.int(rev ? z!.size - 1 - r : r);
}

const LONG_MAX = 9223372036854775807n;

export function zrandmember(c: Client): void {
  const argv = c.argv;
  if (argv.length >= 3) {
    const l = parseLongExact(argv[2]);
    if (l === null) return c.notInteger();
    if (l < -LONG_MAX) {
      return c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) return c.syntaxError();
    const withScores = argv.length === 4;
    if (withScores && (l < -LONG_MAX / 2n || l > LONG_MAX / 2n)) return c.error('ERR value is out of range');
    return zrandmemberCount(c, Number(l), withScores);
  }
  const z = lookup(c, argv[1], 'zset');
  if (z === WRONG) return;
  if (z === undefined) return c.out.null();
  c.out.bulk(z.memberAt(Math.floor(Math.random() * z.size)));
}

function zrandmemberCount(c: Client, l: number, withScores: boolean): void {
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  if (z === undefined || l === 0) return c.out.emptyArray();
  const out = c.out;
  const nested = withScores && out.resp === 3;
  const size = z.size;
  // random access into the packed listpack form: unpacked once for several draws
  let lp: { eles: Bytes[]; scores: number[] } | null = null;
  const emit = (rank: number) => {
    if (nested) out.arrayLen(2);
    if (lp !== null) {
      out.bulk(lp.eles[rank]);
      if (withScores) replyScore(out, lp.scores[rank]);
    } else if (z.sl === null) {
      out.bulk(z.memberAt(rank));
      if (withScores) replyScore(out, z.scoreAt(rank));
    } else {
      const node = z.sl.byRank(rank + 1)!;
      out.bulk(node.ele);
      if (withScores) replyScore(out, node.score);
    }
  };
  // Negative count: independent draws, repetitions allowed.
  if (l < 0 || l === 1) {
    const count = l < 0 ? -l : 1;
    if (count > 1) lp = z.unpack();
    out.arrayLen(withScores && !nested ? count * 2 : count);
    for (let k = 0; k < count; k++) emit(Math.floor(Math.random() * size));
    return;
  }
  const count = l;
  const n = Math.min(count, size);
  out.arrayLen(withScores && !nested ? n * 2 : n);
  if (count >= size) {
    // the whole set, walked from the top as Redis' generic zset iterator does
    for (const cur = z.cursor(size - 1, true); cur.valid; cur.next()) {
      if (nested) out.arrayLen(2);
      out.bulk(cur.ele);
      if (withScores) replyScore(out, cur.score);
    }
    return;
  }
  if (z.sl === null || count * 3 > size) {
    // selection sampling: each rank is taken with probability needed/remaining, giving ascending order
    let needed = count;
    let k = 0;
    for (const cur = z.cursor(0, false); cur.valid && needed > 0; cur.next(), k++) {
      if (Math.random() * (size - k) < needed) {
        if (nested) out.arrayLen(2);
        out.bulk(cur.ele);
        if (withScores) replyScore(out, cur.score);
        needed--;
      }
    }
    return;
  }
  // few out of many: distinct random ranks (Floyd's algorithm), each found in O(log n)
  const picked = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(Math.random() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  for (const rank of picked) emit(rank);
}

export function zscan(c: Client): void {
  const argv = c.argv;
  // cursor errors come before the key lookup, option errors after it
  if (parseScanCursor(argv[2]) === null) return c.error('ERR invalid cursor');
  const z = lookup(c, argv[1], 'zset');
  if (z === WRONG) return;
  const out = c.out;
  if (z === undefined) {
    out.arrayLen(2);
    out.bulk('0');
    out.emptyArray();
    return;
  }
  const args = parseScanArgs(c, 2, false);
  if (args === null) return;
  const pattern = args.pattern;
  const items: Bytes[] = [];
  let next = 0n;
  if (z.index === null) {
    // a listpack set is returned whole in one call, as Redis does
    z.forEach((m, s) => {
      if (pattern === null || globMatch(pattern, m)) items.push(m, formatScanScore(s));
    });
  } else {
    const index = z.index;
    next = c.srv.scans.step(
      index,
      args.cursor,
      () => index.values(),
      args.count,
      (node) => {
        if (pattern === null || globMatch(pattern, node.ele)) items.push(node.ele, formatScanScore(node.score));
      },
    );
  }
  out.arrayLen(2);
  out.bulk(next.toString());
  out.arrayLen(items.length);
  for (const s of items) out.bulk(s);
}

/** ZSCAN reports scores as plain bulk strings even in RESP3, %.17g formatted. */
function formatScanScore(d: number): string {
  return Number.isSafeInteger(d) && (d !== 0 || 1 / d > 0) ? '' + d : formatDouble(d);
}

export const zadd = (c: Client) => zaddGeneric(c, false);
export const zincrby = (c: Client) => zaddGeneric(c, true);
export const zrank = (c: Client) => zrankGeneric(c, false);
export const zrevrank = (c: Client) => zrankGeneric(c, true);
