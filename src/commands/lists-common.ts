/**
 * Pieces shared by the list commands and their blocking variants: typed lookups, bookkeeping after removals, the
 * LEFT/RIGHT and LMPOP argument parsers, and the pop/move steps whose replies and replication both forms share.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { ListValue } from '../store/types/list';
import { WRONG } from './util';

/** Lookup for writing: no hit/miss statistics. Returns WRONG after replying -WRONGTYPE. */
export function writeList(c: Client, key: Bytes): ListValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'list') return v;
  c.wrongType();
  return WRONG;
}

/** Bookkeeping after n elements left a list: an emptied list loses its key, otherwise WATCHers are told. */
export function afterRemoval(c: Client, key: Bytes, l: ListValue, n: number): void {
  if (l.size === 0) c.db.delete(key);
  else c.db.touch(key);
  c.srv.dirty += n;
}

/** LEFT / RIGHT argument (case-insensitive). Returns true for LEFT, null after a syntax error. */
export function argSide(c: Client, s: Bytes): boolean | null {
  const w = s.toLowerCase();
  if (w === 'left') return true;
  if (w === 'right') return false;
  c.syntaxError();
  return null;
}

/** Blocking commands reply a null array on timeout in Redis 7.0 — BLMOVE and BRPOPLPUSH included. */
export function timeoutReply(c: Client): void {
  c.out.nullArray();
}

/** Blocking is not allowed inside MULTI/EXEC: the command then acts as if it timed out at once. */
export function mayBlock(c: Client): boolean {
  return !c.inMulti && !c.inExec;
}

/** Pops up to `count` elements for LMPOP/BLMPOP, replies [key, [elements]] and records the LPOP/RPOP effect. */
export function popRangeWithKey(c: Client, key: Bytes, l: ListValue, left: boolean, count: number): void {
  const items = l.popMany(count, !left);
  c.out.arrayLen(2);
  c.out.bulk(key);
  c.out.bulks(items);
  afterRemoval(c, key, l, items.length);
  c.propagateArgv = [left ? 'LPOP' : 'RPOP', key, String(items.length)];
}

export interface MpopArgs {
  keys: Bytes[];
  left: boolean;
  count: number;
}

/** Parses `numkeys key... LEFT|RIGHT [COUNT count]` starting at argv[at]; null after replying the error. */
export function parseMpop(c: Client, at: number): MpopArgs | null {
  const argv = c.argv;
  const numkeys = parseLong(argv[at]);
  if (numkeys === null || numkeys < 1) {
    c.error('ERR numkeys should be greater than 0');
    return null;
  }
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.syntaxError();
    return null;
  }
  const left = argSide(c, argv[whereIdx]);
  if (left === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && j + 1 < argv.length && argv[j].toLowerCase() === 'count') {
      const n = parseLong(argv[++j]);
      if (n === null || n < 1) {
        c.error('ERR count should be greater than 0');
        return null;
      }
      count = n;
    } else {
      c.syntaxError();
      return null;
    }
  }
  return { keys: argv.slice(at + 1, whereIdx), left, count: count === -1 ? 1 : count };
}

/**
 * Moves one element from the (non-empty) source list to dst and replies it. Returns false if dst holds another type
 * (WRONGTYPE replied, nothing moved).
 */
export function moveOne(c: Client, src: Bytes, sl: ListValue, dst: Bytes, fromLeft: boolean, toLeft: boolean): boolean {
  let dl = writeList(c, dst);
  if (dl === WRONG) return false;
  const v = (fromLeft ? sl.popLeft() : sl.popRight()) as Bytes;
  if (dl === undefined) {
    dl = new ListValue();
    c.db.add(dst, dl);
  }
  // when src === dst, dl is sl: the element goes back before the emptiness check below
  if (toLeft) dl.pushLeft(v);
  else dl.pushRight(v);
  c.db.touch(dst);
  c.out.bulk(v);
  if (sl.size === 0) c.db.delete(src);
  else c.db.touch(src);
  c.srv.dirty++;
  return true;
}
