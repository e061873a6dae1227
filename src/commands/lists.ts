/**
 * List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT LPOS LMOVE RPOPLPUSH
 * LMPOP, and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
 *
 * Argument checks run in the order Redis 7.0 runs them (some parse options before looking the key up, some after),
 * because that order decides which error a client sees. Write commands look keys up without touching the keyspace
 * hit/miss counters, as Redis' lookupKeyWrite does. Blocking pops replicate as their non-blocking effect, and every
 * pop of a count replicates with the count actually popped, so a replica never depends on its own list contents.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong, parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import { ListValue } from '../store/types/list';
import { type CommandSpec, cmd } from './command';
import { WRONG, argLong, argTimeout, lookup } from './util';

const ERR_NO_SUCH_KEY = 'ERR no such key';
const ERR_INDEX_RANGE = 'ERR index out of range';

function meta(summary: string, since: string, args: string, complexity = 'O(1)') {
  return { group: 'list', summary, since, args, complexity };
}

/** Lookup for writing: no hit/miss statistics. Returns WRONG after replying -WRONGTYPE. */
function writeList(c: Client, key: Bytes): ListValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'list') return v;
  c.wrongType();
  return WRONG;
}

/** Bookkeeping after n elements left a list: an emptied list loses its key, otherwise WATCHers are told. */
function afterRemoval(c: Client, key: Bytes, l: ListValue, n: number): void {
  if (l.size === 0) c.db.delete(key);
  else c.db.touch(key);
  c.srv.dirty += n;
}

/** LEFT / RIGHT argument (case-insensitive). Returns true for LEFT, null after a syntax error. */
function argSide(c: Client, s: Bytes): boolean | null {
  const w = s.toLowerCase();
  if (w === 'left') return true;
  if (w === 'right') return false;
  c.syntaxError();
  return null;
}

/** Blocking commands reply a null array on timeout in Redis 7.0 — BLMOVE and BRPOPLPUSH included. */
function timeoutReply(c: Client): void {
  c.out.nullArray();
}

/** Blocking is not allowed inside MULTI/EXEC: the command then acts as if it timed out at once. */
function mayBlock(c: Client): boolean {
  return !c.inMulti && !c.inExec;
}

// ---- push ---------------------------------------------------------------------------------------------------------

function push(c: Client, left: boolean, onlyIfExists: boolean): void {
  const argv = c.argv;
  const key = argv[1];
  let l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) {
    if (onlyIfExists) return c.out.int(0);
    l = new ListValue();
    c.db.add(key, l); // wakes clients blocked on the key once this command is done
  }
  if (left) for (let j = 2; j < argv.length; j++) l.pushLeft(argv[j]);
  else for (let j = 2; j < argv.length; j++) l.pushRight(argv[j]);
  c.srv.dirty += argv.length - 2;
  c.db.touch(key);
  c.out.int(l.size);
}

// ---- pop ----------------------------------------------------------------------------------------------------------

function pop(c: Client, left: boolean): void {
  const argv = c.argv;
  if (argv.length > 3) return c.wrongArity();
  let count = -1;
  if (argv.length === 3) {
    const n = parseLong(argv[2]);
    if (n === null || n < 0) return c.error('ERR value is out of range, must be positive');
    count = n;
  }
  const key = argv[1];
  const l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) return count < 0 ? c.out.null() : c.out.nullArray();
  if (count === 0) return c.out.emptyArray();
  if (count < 0) {
    c.out.bulk((left ? l.popLeft() : l.popRight()) as Bytes);
    afterRemoval(c, key, l, 1);
    return;
  }
  const items = l.popMany(count, !left);
  c.out.bulks(items);
  afterRemoval(c, key, l, items.length);
}

/** Pops up to `count` elements for LMPOP/BLMPOP, replies [key, [elements]] and records the LPOP/RPOP effect. */
function popRangeWithKey(c: Client, key: Bytes, l: ListValue, left: boolean, count: number): void {
  const items = l.popMany(count, !left);
  c.out.arrayLen(2);
  c.out.bulk(key);
  c.out.bulks(items);
  afterRemoval(c, key, l, items.length);
  c.propagateArgv = [left ? 'LPOP' : 'RPOP', key, String(items.length)];
}

/** BLPOP/BRPOP: serve one element from the first non-empty key, or block on all of them. */
function blockingPop(c: Client, left: boolean): void {
  const argv = c.argv;
  const last = argv.length - 1;
  const timeout = argTimeout(c, argv[last]);
  if (timeout === null) return;
  if (c.retryingBlocked) {
    const key = c.srv.blocking.readyKey as Bytes;
    const v = c.db.get(key);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply); // not servable after all: stay in line
      return;
    }
    servePop(c, key, v, left);
    return;
  }
  for (let j = 1; j < last; j++) {
    const key = argv[j];
    const l = writeList(c, key);
    if (l === WRONG) return;
    if (l !== undefined) return servePop(c, key, l, left);
  }
  if (!mayBlock(c)) return c.out.nullArray();
  c.srv.blocking.block(c, argv.slice(1, last), timeout, timeoutReply);
}

function servePop(c: Client, key: Bytes, l: ListValue, left: boolean): void {
  const v = (left ? l.popLeft() : l.popRight()) as Bytes;
  c.out.arrayLen(2);
  c.out.bulk(key);
  c.out.bulk(v);
  afterRemoval(c, key, l, 1);
  c.propagateArgv = [left ? 'LPOP' : 'RPOP', key];
}

interface MpopArgs {
  keys: Bytes[];
  left: boolean;
  count: number;
}

/** Parses `numkeys key... LEFT|RIGHT [COUNT count]` starting at argv[at]; null after replying the error. */
function parseMpop(c: Client, at: number): MpopArgs | null {
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

function lmpop(c: Client): void {
  const a = parseMpop(c, 1);
  if (a === null) return;
  for (const key of a.keys) {
    const l = writeList(c, key);
    if (l === WRONG) return;
    if (l !== undefined) return popRangeWithKey(c, key, l, a.left, a.count);
  }
  c.out.nullArray();
}

function blmpop(c: Client): void {
  const a = parseMpop(c, 2);
  if (a === null) return;
  const timeout = argTimeout(c, c.argv[1]);
  if (timeout === null) return;
  if (c.retryingBlocked) {
    const key = c.srv.blocking.readyKey as Bytes;
    const v = c.db.get(key);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply);
      return;
    }
    popRangeWithKey(c, key, v, a.left, a.count);
    return;
  }
  for (const key of a.keys) {
    const l = writeList(c, key);
    if (l === WRONG) return;
    if (l !== undefined) return popRangeWithKey(c, key, l, a.left, a.count);
  }
  if (!mayBlock(c)) return c.out.nullArray();
  c.srv.blocking.block(c, a.keys, timeout, timeoutReply);
}

/** Key positions of LMPOP (numkeys at argv[1]) / BLMPOP (numkeys at argv[2]) for COMMAND GETKEYS and friends. */
function mpopKeys(at: number): (argv: readonly string[]) => number[] {
  return (argv) => {
    const n = parseLong(argv[at] ?? '');
    if (n === null || n < 1 || at + n >= argv.length) return [];
    return Array.from({ length: n }, (_, i) => at + 1 + i);
  };
}

// ---- move ---------------------------------------------------------------------------------------------------------

/**
 * Moves one element from the (non-empty) source list to dst and replies it. Returns false if dst holds another type
 * (WRONGTYPE replied, nothing moved).
 */
function moveOne(c: Client, src: Bytes, sl: ListValue, dst: Bytes, fromLeft: boolean, toLeft: boolean): boolean {
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

function lmoveGeneric(c: Client, fromLeft: boolean, toLeft: boolean): void {
  const src = c.argv[1];
  const sl = writeList(c, src);
  if (sl === WRONG) return;
  if (sl === undefined) return c.out.null();
  moveOne(c, src, sl, c.argv[2], fromLeft, toLeft);
}

function lmove(c: Client): void {
  const fromLeft = argSide(c, c.argv[3]);
  if (fromLeft === null) return;
  const toLeft = argSide(c, c.argv[4]);
  if (toLeft === null) return;
  lmoveGeneric(c, fromLeft, toLeft);
}

/** BLMOVE/BRPOPLPUSH: move at once if the source has data, else block on it; replicated as LMOVE/RPOPLPUSH. */
function blockingMove(c: Client, fromLeft: boolean, toLeft: boolean, timeout: number, asRpoplpush: boolean): void {
  const argv = c.argv;
  const src = argv[1];
  let sl: ListValue | undefined | typeof WRONG;
  if (c.retryingBlocked) {
    const v = c.db.get(src);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply);
      return;
    }
    sl = v;
  } else {
    sl = writeList(c, src);
    if (sl === WRONG) return;
    if (sl === undefined) {
      if (!mayBlock(c)) return c.out.null();
      c.srv.blocking.block(c, [src], timeout, timeoutReply);
      return;
    }
  }
  if (!moveOne(c, src, sl, argv[2], fromLeft, toLeft)) return;
  c.propagateArgv = asRpoplpush ? ['RPOPLPUSH', src, argv[2]] : ['LMOVE', src, argv[2], argv[3], argv[4]];
}

function blmove(c: Client): void {
  const fromLeft = argSide(c, c.argv[3]);
  if (fromLeft === null) return;
  const toLeft = argSide(c, c.argv[4]);
  if (toLeft === null) return;
  const timeout = argTimeout(c, c.argv[5]);
  if (timeout === null) return;
  blockingMove(c, fromLeft, toLeft, timeout, false);
}

function brpoplpush(c: Client): void {
  const timeout = argTimeout(c, c.argv[3]);
  if (timeout === null) return;
  blockingMove(c, false, true, timeout, true);
}

// ---- read ---------------------------------------------------------------------------------------------------------

function llen(c: Client): void {
  const l = lookup(c, c.argv[1], 'list');
  if (l === WRONG) return;
  c.out.int(l === undefined ? 0 : l.size);
}

/** Clamps Redis-style inclusive [start, end] (negative from the tail) to the list; null when the range is empty. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function lrange(c: Client): void {
  const start = argLong(c, c.argv[2]);
  if (start === null) return;
  const end = argLong(c, c.argv[3]);
  if (end === null) return;
  const l = lookup(c, c.argv[1], 'list');
  if (l === WRONG) return;
  if (l === undefined) return c.out.emptyArray();
  const r = clampRange(start, end, l.size);
  if (r === null) return c.out.emptyArray();
  c.out.bulks(l.range(r[0], r[1]));
}

function lindex(c: Client): void {
  const l = lookup(c, c.argv[1], 'list');
  if (l === WRONG) return;
  if (l === undefined) return c.out.null();
  const index = argLong(c, c.argv[2]);
  if (index === null) return;
  c.out.bulkOrNull(l.at(index));
}

function lset(c: Client): void {
  const key = c.argv[1];
  const l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) return c.error(ERR_NO_SUCH_KEY);
  const index = argLong(c, c.argv[2]);
  if (index === null) return;
  if (!l.set(index, c.argv[3])) return c.error(ERR_INDEX_RANGE);
  c.db.touch(key);
  c.srv.dirty++;
  c.ok();
}

function linsert(c: Client): void {
  const where = c.argv[2].toLowerCase();
  if (where !== 'before' && where !== 'after') return c.syntaxError();
  const key = c.argv[1];
  const l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) return c.out.int(0);
  const i = l.indexOf(c.argv[3]);
  if (i < 0) return c.out.int(-1);
  l.insertAt(where === 'after' ? i + 1 : i, c.argv[4]);
  c.db.touch(key);
  c.srv.dirty++;
  c.out.int(l.size);
}

function lrem(c: Client): void {
  const count = argLong(c, c.argv[2]);
  if (count === null) return;
  const key = c.argv[1];
  const l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) return c.out.int(0);
  const removed = l.removeValue(c.argv[3], count);
  if (removed > 0) afterRemoval(c, key, l, removed);
  c.out.int(removed);
}

function ltrim(c: Client): void {
  const start = argLong(c, c.argv[2]);
  if (start === null) return;
  const end = argLong(c, c.argv[3]);
  if (end === null) return;
  const key = c.argv[1];
  const l = writeList(c, key);
  if (l === WRONG) return;
  if (l === undefined) return c.ok();
  const before = l.size;
  const r = clampRange(start, end, before);
  if (r === null) l.trim(1, 0);
  else l.trim(r[0], r[1]);
  // Redis signals the key as modified even when nothing was trimmed
  afterRemoval(c, key, l, before - l.size);
  c.ok();
}

const INT64_MAX = 2 ** 63;

function lpos(c: Client): void {
  const argv = c.argv;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankIsMin = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'rank' && more) {
      const n = parseLong(argv[++j]);
      if (n === null) return c.notInteger();
      if (n === 0) {
        return c.error(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
      rank = n;
      // a double cannot tell -2^63 from -2^63+1: ask BigInt
      rankIsMin = n <= -INT64_MAX && parseLongExact(argv[j]) === -(2n ** 63n);
    } else if (opt === 'count' && more) {
      const n = parseLong(argv[++j]);
      if (n === null || n < 0) return c.error("ERR COUNT can't be negative");
      count = n;
    } else if (opt === 'maxlen' && more) {
      const n = parseLong(argv[++j]);
      if (n === null || n < 0) return c.error("ERR MAXLEN can't be negative");
      maxlen = n;
    } else {
      return c.syntaxError();
    }
  }
  const l = lookup(c, argv[1], 'list');
  if (l === WRONG) return;
  if (l === undefined) return count === -1 ? c.out.null() : c.out.emptyArray();
  const reverse = rank < 0;
  let skip = Math.abs(rank) - 1;
  let limit = count === -1 ? 1 : count;
  // Redis negates RANK -2^63 into itself: every match then ranks high enough and COUNT never ends the scan
  if (rankIsMin) {
    skip = 0;
    if (count !== -1) limit = 0;
  }
  const found = l.positions(argv[2], reverse, skip, limit, maxlen);
  if (count === -1) {
    if (found.length === 0) c.out.null();
    else c.out.int(found[0]);
    return;
  }
  c.out.arrayLen(found.length);
  for (const i of found) c.out.int(i);
}

// ---- table --------------------------------------------------------------------------------------------------------

const BLOCKING_ELEMENTS_NOTE = 'O(N) where N is the number of provided keys';

export const listCommands: CommandSpec[] = [
  cmd(
    'lpush',
    -3,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta(
      'Prepends elements to a list, creating it if needed',
      '1.0.0',
      'key element [element ...]',
      'O(1) for each element added',
    ),
    (c) => push(c, true, false),
  ),
  cmd(
    'rpush',
    -3,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta(
      'Appends elements to a list, creating it if needed',
      '1.0.0',
      'key element [element ...]',
      'O(1) for each element added',
    ),
    (c) => push(c, false, false),
  ),
  cmd(
    'lpushx',
    -3,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta(
      'Prepends elements to a list only if it exists',
      '2.2.0',
      'key element [element ...]',
      'O(1) for each element added',
    ),
    (c) => push(c, true, true),
  ),
  cmd(
    'rpushx',
    -3,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta(
      'Appends elements to a list only if it exists',
      '2.2.0',
      'key element [element ...]',
      'O(1) for each element added',
    ),
    (c) => push(c, false, true),
  ),
  cmd(
    'lpop',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    meta(
      'Removes and returns the first elements of a list',
      '1.0.0',
      'key [count]',
      'O(N) where N is the number of elements returned',
    ),
    (c) => pop(c, true),
  ),
  cmd(
    'rpop',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    meta(
      'Removes and returns the last elements of a list',
      '1.0.0',
      'key [count]',
      'O(N) where N is the number of elements returned',
    ),
    (c) => pop(c, false),
  ),
  cmd(
    'llen',
    2,
    ['readonly', 'fast'],
    [1, 1, 1],
    meta('Returns the number of elements of a list', '1.0.0', 'key'),
    llen,
  ),
  cmd(
    'lrange',
    4,
    ['readonly'],
    [1, 1, 1],
    meta(
      'Returns a range of elements of a list',
      '1.0.0',
      'key start stop',
      'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    ),
    lrange,
  ),
  cmd(
    'lindex',
    3,
    ['readonly'],
    [1, 1, 1],
    meta(
      'Returns the element at an index of a list',
      '1.0.0',
      'key index',
      'O(N) where N is the number of elements to traverse to get to the element at index.',
    ),
    lindex,
  ),
  cmd(
    'lset',
    4,
    ['write', 'denyoom'],
    [1, 1, 1],
    meta(
      'Replaces the element at an index of a list',
      '1.0.0',
      'key index element',
      'O(N) where N is the length of the list.',
    ),
    lset,
  ),
  cmd(
    'lrem',
    4,
    ['write'],
    [1, 1, 1],
    meta(
      'Removes elements equal to a value from a list',
      '1.0.0',
      'key count element',
      'O(N+M) where N is the length of the list and M is the number of elements removed.',
    ),
    lrem,
  ),
  cmd(
    'ltrim',
    4,
    ['write'],
    [1, 1, 1],
    meta(
      'Keeps only a range of elements of a list',
      '1.0.0',
      'key start stop',
      'O(N) where N is the number of elements to be removed by the operation.',
    ),
    ltrim,
  ),
  cmd(
    'linsert',
    5,
    ['write', 'denyoom'],
    [1, 1, 1],
    meta(
      'Inserts an element before or after another one',
      '2.2.0',
      'key BEFORE|AFTER pivot element',
      'O(N) where N is the number of elements to traverse before seeing the value pivot.',
    ),
    linsert,
  ),
  cmd(
    'lpos',
    -3,
    ['readonly'],
    [1, 1, 1],
    meta(
      'Returns the indexes of elements equal to a value',
      '6.0.6',
      'key element [RANK rank] [COUNT num-matches] [MAXLEN len]',
      'O(N) where N is the number of elements in the list, for the average case.',
    ),
    lpos,
  ),
  cmd(
    'lmove',
    5,
    ['write', 'denyoom'],
    [1, 2, 1],
    meta('Pops an element from one list and pushes it to another', '6.2.0', 'source destination LEFT|RIGHT LEFT|RIGHT'),
    lmove,
  ),
  cmd(
    'rpoplpush',
    3,
    ['write', 'denyoom'],
    [1, 2, 1],
    meta('Pops the last element of a list and prepends it to another', '1.2.0', 'source destination'),
    (c) => lmoveGeneric(c, false, true),
  ),
  cmd(
    'lmpop',
    -4,
    ['write', 'movablekeys'],
    [0, 0, 0],
    meta(
      'Pops elements from the first non-empty list of several',
      '7.0.0',
      'numkeys key [key ...] LEFT|RIGHT [COUNT count]',
      'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    ),
    lmpop,
    { getKeys: mpopKeys(1) },
  ),
  cmd(
    'blpop',
    -3,
    ['write', 'noscript', 'blocking'],
    [1, -2, 1],
    meta(
      'Pops the first element of the first non-empty list, or blocks until one is available',
      '2.0.0',
      'key [key ...] timeout',
      BLOCKING_ELEMENTS_NOTE,
    ),
    (c) => blockingPop(c, true),
  ),
  cmd(
    'brpop',
    -3,
    ['write', 'noscript', 'blocking'],
    [1, -2, 1],
    meta(
      'Pops the last element of the first non-empty list, or blocks until one is available',
      '2.0.0',
      'key [key ...] timeout',
      BLOCKING_ELEMENTS_NOTE,
    ),
    (c) => blockingPop(c, false),
  ),
  cmd(
    'blmove',
    6,
    ['write', 'denyoom', 'noscript', 'blocking'],
    [1, 2, 1],
    meta(
      'Moves an element between lists, blocking until the source has one',
      '6.2.0',
      'source destination LEFT|RIGHT LEFT|RIGHT timeout',
    ),
    blmove,
  ),
  cmd(
    'brpoplpush',
    4,
    ['write', 'denyoom', 'noscript', 'blocking'],
    [1, 2, 1],
    meta(
      'Pops the last element of a list and prepends it to another, blocking until there is one',
      '2.2.0',
      'source destination timeout',
    ),
    brpoplpush,
  ),
  cmd(
    'blmpop',
    -5,
    ['write', 'blocking', 'movablekeys'],
    [0, 0, 0],
    meta(
      'Pops elements from the first non-empty list of several, or blocks until one has some',
      '7.0.0',
      'timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]',
      'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    ),
    blmpop,
    { getKeys: mpopKeys(2) },
  ),
];
