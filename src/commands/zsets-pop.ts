/**
 * Popping commands: ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP.
 *
 * Blocking forms serve at once when a listed key holds a zset; otherwise they block (or, inside MULTI/EXEC, reply a
 * null array as a timeout would). When a key becomes ready the blocking manager re-runs the same handler, which then
 * serves or blocks again keeping its place. Replicas must not block, so served pops propagate as their non-blocking
 * equivalents: ZPOPMIN/ZPOPMAX key (BZPOP*) or ZPOPMIN/ZPOPMAX key count (ZMPOP, BZMPOP).
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { ZSetValue } from '../store/types/zset';
import { argTimeout } from './util';
import { replyScore } from './zsets-args';
import { afterRemoval } from './zsets-range';

/** zset found by firstZset() */
let found: ZSetValue | null = null;

/**
 * Index in argv[from..to) of the first key holding a non-empty zset (value left in `found`), -1 when none, -2 after
 * replying WRONGTYPE. A re-run blocked command skips wrong-type keys instead: Redis only serves it from a zset and
 * leaves it blocked otherwise.
 */
function firstZset(c: Client, from: number, to: number, skipWrong: boolean): number {
  const argv = c.argv;
  for (let i = from; i < to; i++) {
    const v = c.db.get(argv[i]);
    if (v === undefined) continue;
    if (typeof v === 'string' || v.type !== 'zset') {
      if (skipWrong) continue;
      c.wrongType();
      return -2;
    }
    if (v.size === 0) continue;
    found = v;
    return i;
  }
  return -1;
}

/**
 * Pops up to `count` elements from the low (or, max, high) end and replies. Shapes as Redis: a flat member/score
 * list; `nested` pairs (RESP3 with COUNT, and *MPOP); `emitKey` prefixes the key (BZPOP* flat, *MPOP as [key, pairs]).
 */
function popServe(c: Client, key: Bytes, z: ZSetValue, max: boolean, count: number, emitKey: boolean, nested: boolean) {
  const size = z.size;
  const n = Math.min(count, size);
  const out = c.out;
  if (!emitKey) {
    out.arrayLen(nested ? n : n * 2);
  } else if (!nested) {
    out.arrayLen(n * 2 + 1);
    out.bulk(key);
  } else {
    out.arrayLen(2);
    out.bulk(key);
    out.arrayLen(n);
  }
  const cur = z.cursor(max ? size - 1 : 0, max);
  for (let i = 0; i < n; i++) {
    if (nested) out.arrayLen(2);
    out.bulk(cur.ele);
    replyScore(out, cur.score);
    cur.next();
  }
  if (max) z.deleteByRank(size - n, size - 1);
  else z.deleteByRank(0, n - 1);
  afterRemoval(c, key, z, n);
  found = null; // do not keep a (possibly deleted) set alive
}

function replyNullArray(c: Client): void {
  c.out.nullArray();
}

function zpop(c: Client, max: boolean): void {
  const argv = c.argv;
  if (argv.length > 3) return c.syntaxError();
  let count = -1;
  if (argv.length === 3) {
    const n = parseLong(argv[2]);
    if (n === null || n < 0) return c.error('ERR value is out of range, must be positive');
    count = n;
  }
  const i = firstZset(c, 1, 2, false);
  if (i === -2) return;
  if (i === -1 || count === 0) return c.out.emptyArray();
  // RESP3 nests pairs only when COUNT was given
  popServe(c, argv[1], found!, max, count === -1 ? 1 : count, false, c.resp === 3 && count !== -1);
}

export function zpopmin(c: Client): void {
  zpop(c, false);
}

export function zpopmax(c: Client): void {
  zpop(c, true);
}

function bzpop(c: Client, max: boolean): void {
  const argv = c.argv;
  const timeout = argTimeout(c, argv[argv.length - 1]);
  if (timeout === null) return;
  const i = firstZset(c, 1, argv.length - 1, c.retryingBlocked);
  if (i === -2) return;
  if (i >= 0) {
    popServe(c, argv[i], found!, max, 1, true, false);
    c.propagateArgv = [max ? 'ZPOPMAX' : 'ZPOPMIN', argv[i]];
    return;
  }
  if (c.inMulti || c.inExec) return c.out.nullArray();
  c.srv.blocking.block(c, argv.slice(1, argv.length - 1), timeout, replyNullArray);
}

export function bzpopmin(c: Client): void {
  bzpop(c, false);
}

export function bzpopmax(c: Client): void {
  bzpop(c, true);
}

// Parsed [B]ZMPOP arguments.
let mpNumKeys = 0;
let mpMax = false;
let mpCount = 1;

/** Parses `numkeys key... MIN|MAX [COUNT count]` from argv[numkeysIdx]; replies and returns false on error. */
function parseMpop(c: Client, numkeysIdx: number): boolean {
  const argv = c.argv;
  const n = parseLong(argv[numkeysIdx]);
  if (n === null || n < 1) {
    c.error('ERR numkeys should be greater than 0');
    return false;
  }
  const whereIdx = numkeysIdx + n + 1;
  if (whereIdx >= argv.length) {
    c.syntaxError();
    return false;
  }
  const where = argv[whereIdx].toLowerCase();
  if (where !== 'min' && where !== 'max') {
    c.syntaxError();
    return false;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && j + 1 < argv.length && argv[j].toLowerCase() === 'count') {
      j++;
      const v = parseLong(argv[j]);
      if (v === null || v < 1) {
        c.error('ERR count should be greater than 0');
        return false;
      }
      count = v;
    } else {
      c.syntaxError();
      return false;
    }
  }
  mpNumKeys = n;
  mpMax = where === 'max';
  mpCount = count === -1 ? 1 : count;
  return true;
}

function mpopServe(c: Client, i: number): void {
  const key = c.argv[i];
  popServe(c, key, found!, mpMax, mpCount, true, true);
  c.propagateArgv = [mpMax ? 'ZPOPMAX' : 'ZPOPMIN', key, String(mpCount)];
}

export function zmpop(c: Client): void {
  if (!parseMpop(c, 1)) return;
  const i = firstZset(c, 2, 2 + mpNumKeys, false);
  if (i === -2) return;
  if (i === -1) return c.out.nullArray();
  mpopServe(c, i);
}

export function bzmpop(c: Client): void {
  const argv = c.argv;
  const timeout = argTimeout(c, argv[1]);
  if (timeout === null) return;
  if (!parseMpop(c, 2)) return;
  const i = firstZset(c, 3, 3 + mpNumKeys, c.retryingBlocked);
  if (i === -2) return;
  if (i >= 0) return mpopServe(c, i);
  if (c.inMulti || c.inExec) return c.out.nullArray();
  c.srv.blocking.block(c, argv.slice(3, 3 + mpNumKeys), timeout, replyNullArray);
}

/** Key positions of ZMPOP (numkeys at 1) and BZMPOP (numkeys at 2), for COMMAND GETKEYS and ACL-like checks. */
export function mpopKeys(numkeysIdx: number): (argv: readonly string[]) => number[] {
  return (argv) => {
    const n = parseLong(argv[numkeysIdx] ?? '');
    const out: number[] = [];
    if (n === null || n < 1) return out;
    for (let i = numkeysIdx + 1; i <= numkeysIdx + n && i < argv.length; i++) out.push(i);
    return out;
  };
}
