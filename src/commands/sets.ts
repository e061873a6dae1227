/**
 * Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SSCAN, plus the set algebra
 * family from set-algebra.ts. Checks run in Redis 7.0's order, and SPOP replicates as SREM/DEL like 7.0 does.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { globMatch } from '../store/glob';
import { SetValue } from '../store/types/set';
import { type CommandSpec, cmd } from './command';
import { emptyScan, randCount, sampleIndexes } from './hashes';
import { replySet, setAlgebraCommands, setMeta } from './set-algebra';
import { WRONG, lookup, parseScanArgs, parseScanCursor } from './util';

/** Write-path lookup (no keyspace hit/miss counting, as Redis' lookupKeyWrite). WRONG after replying WRONGTYPE. */
function lookupWrite(c: Client, key: Bytes): SetValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'set') {
    c.wrongType();
    return WRONG;
  }
  return v;
}

function sadd(c: Client): void {
  const argv = c.argv;
  const key = argv[1];
  let s = lookupWrite(c, key);
  if (s === WRONG) return;
  if (s === undefined) {
    s = new SetValue();
    c.db.add(key, s);
  }
  const max = c.srv.config.num('set-max-intset-entries');
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++;
  if (added > 0) {
    c.db.touch(key);
    c.srv.dirty += added;
  }
  c.out.int(added);
}

function srem(c: Client): void {
  const argv = c.argv;
  const key = argv[1];
  const s = lookupWrite(c, key);
  if (s === WRONG) return;
  if (s === undefined) return c.out.int(0);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (s.delete(argv[i])) {
      deleted++;
      if (s.size === 0) break;
    }
  }
  if (deleted > 0) {
    if (s.size === 0) c.db.delete(key);
    else c.db.touch(key);
    c.srv.dirty += deleted;
  }
  c.out.int(deleted);
}

function smembers(c: Client): void {
  const s = lookup(c, c.argv[1], 'set');
  if (s === WRONG) return;
  replySet(c, s);
}

function sismember(c: Client): void {
  const s = lookup(c, c.argv[1], 'set');
  if (s === WRONG) return;
  c.out.int(s?.has(c.argv[2]) ? 1 : 0);
}

function smismember(c: Client): void {
  const argv = c.argv;
  const s = lookup(c, argv[1], 'set');
  if (s === WRONG) return;
  c.out.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.out.int(s?.has(argv[i]) ? 1 : 0);
}

function scard(c: Client): void {
  const s = lookup(c, c.argv[1], 'set');
  if (s === WRONG) return;
  c.out.int(s?.size ?? 0);
}

function spop(c: Client): void {
  const argv = c.argv;
  if (argv.length === 3) return spopWithCount(c);
  if (argv.length > 3) return c.syntaxError();
  const key = argv[1];
  const s = lookupWrite(c, key);
  if (s === WRONG) return;
  if (s === undefined) return c.out.null();
  const m = s.popRandom();
  if (s.size === 0) c.db.delete(key);
  else c.db.touch(key);
  c.srv.dirty++;
  // A replica must remove the same member, not draw its own.
  c.propagateArgv = ['SREM', key, m];
  c.out.bulk(m);
}

/** Redis pops the complement instead once fewer than count/5 members would remain. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(c: Client): void {
  const key = c.argv[1];
  const count = parseLong(c.argv[2]);
  if (count === null || count < 0) return c.error('ERR value is out of range, must be positive');
  const s = lookupWrite(c, key);
  if (s === WRONG) return;
  if (s === undefined || count === 0) return c.out.setLen(0);
  const size = s.size;
  const srv = c.srv;
  srv.dirty += Math.min(count, size);

  if (count >= size) {
    // Everything goes: reply the set as it is and replicate a plain deletion.
    replySet(c, s);
    c.db.delete(key);
    const lazy = srv.config.directive('lazyfree-lazy-server-del') !== undefined;
    c.propagateArgv = [lazy && srv.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key];
    return;
  }

  // Each popped member is replicated as its own SREM (the propagator wraps them in MULTI/EXEC).
  const prop = srv.propagator;
  const propagate = prop.active;
  const db = c.db.id;
  c.propagateHandled = true;
  const out = c.out;
  out.setLen(count);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) {
      const m = s.popRandom();
      out.bulk(m);
      if (propagate) prop.add(db, ['SREM', key, m]);
    }
    c.db.touch(key);
    return;
  }
  // Popping most of the set: draw the members that stay into a new set (which gets the encoding Redis would give
  // it, possibly intset again) and reply the rest of the old one.
  const keep = new SetValue();
  const max = srv.config.num('set-max-intset-entries');
  for (let i = 0; i < remaining; i++) keep.add(s.popRandom(), max);
  for (const m of s) {
    out.bulk(m);
    if (propagate) prop.add(db, ['SREM', key, m]);
  }
  c.db.set(key, keep, true);
}

function srandmember(c: Client): void {
  const argv = c.argv;
  if (argv.length === 3) return srandmemberWithCount(c);
  if (argv.length > 3) return c.syntaxError();
  const s = lookup(c, argv[1], 'set');
  if (s === WRONG) return;
  if (s === undefined) return c.out.null();
  c.out.bulk(s.randomMember());
}

function srandmemberWithCount(c: Client): void {
  const exact = randCount(c, c.argv[2]);
  if (exact === null) return;
  const count = Number(exact);
  const s = lookup(c, c.argv[1], 'set');
  if (s === WRONG) return;
  const out = c.out;
  if (s === undefined || count === 0) return out.emptyArray();
  const size = s.size;
  // Negative count (or 1): independent draws, repeats allowed.
  if (count < 0 || count === 1) {
    const n = count < 0 ? -count : 1;
    out.arrayLen(n);
    for (let i = 0; i < n; i++) out.bulk(s.randomMember());
    return;
  }
  // At least the whole set: all of it, in its own order.
  if (count >= size) {
    out.arrayLen(size);
    for (const m of s) out.bulk(m);
    return;
  }
  out.arrayLen(count);
  if (s.isIntset || count * 3 > size) {
    const all = s.members();
    for (const i of sampleIndexes(size, count)) out.bulk(all[i]);
    return;
  }
  const picked = new Set<Bytes>();
  while (picked.size < count) picked.add(s.randomMember());
  for (const m of picked) out.bulk(m);
}

function smove(c: Client): void {
  const [, srcKey, dstKey, member] = c.argv;
  const src = lookupWrite(c, srcKey);
  if (src === WRONG) return;
  if (src === undefined) return c.out.int(0);
  const dstVal = lookupWrite(c, dstKey);
  if (dstVal === WRONG) return;
  if (src === dstVal) return c.out.int(src.has(member) ? 1 : 0);
  if (!src.delete(member)) return c.out.int(0);
  if (src.size === 0) c.db.delete(srcKey);
  else c.db.touch(srcKey);
  c.srv.dirty++;
  let dst = dstVal;
  if (dst === undefined) {
    dst = new SetValue();
    c.db.add(dstKey, dst);
  }
  if (dst.add(member, c.srv.config.num('set-max-intset-entries'))) {
    c.srv.dirty++;
    c.db.touch(dstKey);
  }
  c.out.int(1);
}

function sscan(c: Client): void {
  const argv = c.argv;
  // Cursor first, then the key, then the options (a missing key ignores bad options), as Redis.
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const s = lookup(c, argv[1], 'set');
  if (s === WRONG) return;
  if (s === undefined) return emptyScan(c);
  const opts = parseScanArgs(c, 2, false);
  if (opts === null) return;
  const pattern = opts.pattern;
  const found: Bytes[] = [];
  let next = 0n;
  const ints = s.intset();
  if (ints !== null) {
    // An intset is returned whole with cursor 0, whatever the cursor and COUNT.
    for (let i = 0; i < ints.length; i++) {
      const m = String(ints[i]);
      if (pattern === null || globMatch(pattern, m)) found.push(m);
    }
  } else {
    const ht = s.table() as ReadonlySet<Bytes>;
    next = c.srv.scans.step(
      s,
      cursor,
      () => ht.values(),
      opts.count,
      (m: Bytes) => {
        if (pattern === null || globMatch(pattern, m)) found.push(m);
      },
    );
  }
  c.out.arrayLen(2);
  c.out.bulk(next.toString());
  c.out.bulks(found);
}

export const setCommands: CommandSpec[] = [
  cmd(
    'sadd',
    -3,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    setMeta('Adds members to a set, creating it if needed', '1.0.0', 'key member [member ...]', 'O(N)'),
    sadd,
  ),
  cmd(
    'srem',
    -3,
    ['write', 'fast'],
    [1, 1, 1],
    setMeta('Removes members from a set', '1.0.0', 'key member [member ...]', 'O(N)'),
    srem,
  ),
  cmd(
    'smembers',
    2,
    ['readonly'],
    [1, 1, 1],
    setMeta('Returns all members of a set', '1.0.0', 'key', 'O(N)'),
    smembers,
  ),
  cmd(
    'sismember',
    3,
    ['readonly', 'fast'],
    [1, 1, 1],
    setMeta('Tells whether a value is a member of a set', '1.0.0', 'key member', 'O(1)'),
    sismember,
  ),
  cmd(
    'smismember',
    -3,
    ['readonly', 'fast'],
    [1, 1, 1],
    setMeta('Tells for each value whether it is a member of a set', '6.2.0', 'key member [member ...]', 'O(N)'),
    smismember,
  ),
  cmd('scard', 2, ['readonly', 'fast'], [1, 1, 1], setMeta('Returns the size of a set', '1.0.0', 'key', 'O(1)'), scard),
  cmd(
    'spop',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    setMeta('Removes and returns random members of a set', '1.0.0', 'key [count]', 'O(N) where N is the count'),
    spop,
  ),
  cmd(
    'srandmember',
    -2,
    ['readonly'],
    [1, 1, 1],
    setMeta('Returns random members of a set', '1.0.0', 'key [count]', 'O(N) where N is the count'),
    srandmember,
  ),
  cmd(
    'smove',
    4,
    ['write', 'fast'],
    [1, 2, 1],
    setMeta('Moves a member from one set to another', '1.0.0', 'source destination member', 'O(1)'),
    smove,
  ),
  cmd(
    'sscan',
    -3,
    ['readonly'],
    [1, 1, 1],
    setMeta('Iterates over the members of a set', '2.8.0', 'key cursor [MATCH pattern] [COUNT count]', 'O(1) per call'),
    sscan,
  ),
  ...setAlgebraCommands,
];
