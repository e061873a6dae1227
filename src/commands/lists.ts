/**
 * List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT LPOS LMOVE RPOPLPUSH
 * LMPOP, and the table entries of the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (handlers in lists-blocking.ts).
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
import { blmove, blmpop, blockingPop, brpoplpush } from './lists-blocking';
import { afterRemoval, argSide, moveOne, parseMpop, popRangeWithKey, writeList } from './lists-common';
import { WRONG, argLong, lookup } from './util';

const ERR_NO_SUCH_KEY = 'ERR no such key';
const ERR_INDEX_RANGE = 'ERR index out of range';

function meta(summary: string, since: string, args: string, complexity = 'O(1)') {
  return { group: 'list', summary, since, args, complexity };
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

/** Key positions of LMPOP (numkeys at argv[1]) / BLMPOP (numkeys at argv[2]) for COMMAND GETKEYS and friends. */
function mpopKeys(at: number): (argv: readonly string[]) => number[] {
  return (argv) => {
    const n = parseLong(argv[at] ?? '');
    if (n === null || n < 1 || at + n >= argv.length) return [];
    return Array.from({ length: n }, (_, i) => at + 1 + i);
  };
}

// ---- move ---------------------------------------------------------------------------------------------------------

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
