/**
 * Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HEXISTS HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HSTRLEN
 * HSCAN HRANDFIELD. Argument checks happen in the same order as Redis 7.0 so that a call with several faults gets
 * the same error (e.g. HINCRBY parses its increment before looking at the key's type).
 */
import type { Bytes } from '../protocol/bytes';
import { incrByFloat, isValidLongDouble, parseLongDouble } from '../protocol/longdouble';
import { parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import { globMatch } from '../store/glob';
import { HashValue } from '../store/types/hash';
import { type CommandSpec, cmd } from './command';
import { WRONG, lookup, parseScanArgs, parseScanCursor } from './util';

const meta = (summary: string, since: string, args: string, complexity?: string) => ({
  group: 'hash',
  summary,
  since,
  args,
  complexity,
});

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
/** LONG_MAX, the bound Redis' range-checked count arguments use */
const LONG_MAX = 9223372036854775807n;

/**
 * Write-path lookup: like Redis' lookupKeyWrite it does not count keyspace hits/misses. Returns the hash, undefined
 * when missing, or WRONG after replying WRONGTYPE.
 */
function lookupWrite(c: Client, key: Bytes): HashValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') {
    c.wrongType();
    return WRONG;
  }
  return v;
}

/** The hash at `key`, created empty (and added) when missing; null after WRONGTYPE. */
function lookupOrCreate(c: Client, key: Bytes): HashValue | null {
  const h = lookupWrite(c, key);
  if (h === WRONG) return null;
  if (h !== undefined) return h;
  const created = new HashValue();
  c.db.add(key, created);
  return created;
}

function hsetGeneric(c: Client, isHmset: boolean): void {
  const argv = c.argv;
  if (argv.length % 2 === 1) return c.wrongArity();
  const key = argv[1];
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const cfg = c.srv.config;
  const maxEntries = cfg.num('hash-max-listpack-entries');
  const maxValue = cfg.num('hash-max-listpack-value');
  // Redis converts up front when any argument is too long, even one that ends up not changing anything.
  if (h.isListpack) {
    for (let i = 2; i < argv.length; i++) {
      if (argv[i].length > maxValue) {
        h.convert();
        break;
      }
    }
  }
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (h.set(argv[i], argv[i + 1], maxEntries, maxValue)) created++;
  }
  c.db.touch(key);
  c.srv.dirty += (argv.length - 2) / 2;
  if (isHmset) c.ok();
  else c.out.int(created);
}

function hsetnx(c: Client): void {
  const [, key, field, value] = c.argv;
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  if (h.has(field)) {
    c.out.int(0);
    return;
  }
  const cfg = c.srv.config;
  h.set(field, value, cfg.num('hash-max-listpack-entries'), cfg.num('hash-max-listpack-value'));
  c.db.touch(key);
  c.srv.dirty++;
  c.out.int(1);
}

function hget(c: Client): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  c.out.bulkOrNull(h?.get(c.argv[2]));
}

function hmget(c: Client): void {
  const argv = c.argv;
  const h = lookup(c, argv[1], 'hash');
  if (h === WRONG) return;
  c.out.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.out.bulkOrNull(h?.get(argv[i]));
}

function hdel(c: Client): void {
  const argv = c.argv;
  const key = argv[1];
  const h = lookupWrite(c, key);
  if (h === WRONG) return;
  if (h === undefined) {
    c.out.int(0);
    return;
  }
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++;
      if (h.size === 0) break;
    }
  }
  if (deleted > 0) {
    if (h.size === 0) c.db.delete(key);
    else c.db.touch(key);
    c.srv.dirty += deleted;
  }
  c.out.int(deleted);
}

function hlen(c: Client): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  c.out.int(h?.size ?? 0);
}

function hexists(c: Client): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  c.out.int(h?.has(c.argv[2]) ? 1 : 0);
}

function hstrlen(c: Client): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  c.out.int(h?.get(c.argv[2])?.length ?? 0);
}

const WANT_KEYS = 1;
const WANT_VALUES = 2;

/** HGETALL (map), HKEYS and HVALS (arrays), in the hash's iteration order. */
function hgetallGeneric(c: Client, what: number): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  const out = c.out;
  const both = what === (WANT_KEYS | WANT_VALUES);
  const n = h?.size ?? 0;
  if (both) out.mapLen(n);
  else out.arrayLen(n);
  if (h === undefined) return;
  const lp = h.listpack();
  if (lp !== null) {
    for (let i = 0; i < lp.length; i += 2) {
      if (what & WANT_KEYS) out.bulk(lp[i]);
      if (what & WANT_VALUES) out.bulk(lp[i + 1]);
    }
    return;
  }
  for (const [f, v] of h.table() as ReadonlyMap<Bytes, Bytes>) {
    if (what & WANT_KEYS) out.bulk(f);
    if (what & WANT_VALUES) out.bulk(v);
  }
}

function hincrby(c: Client): void {
  const [, key, field, incrArg] = c.argv;
  const incr = parseLongExact(incrArg);
  if (incr === null) return c.notInteger();
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(field);
  let old = 0n;
  if (cur !== undefined) {
    const v = parseLongExact(cur);
    if (v === null) return c.error('ERR hash value is not an integer');
    old = v;
  }
  const sum = old + incr;
  if (sum > INT64_MAX || sum < INT64_MIN) return c.error('ERR increment or decrement would overflow');
  const cfg = c.srv.config;
  h.set(field, sum.toString(), cfg.num('hash-max-listpack-entries'), cfg.num('hash-max-listpack-value'));
  c.db.touch(key);
  c.srv.dirty++;
  c.out.int(sum);
}

function hincrbyfloat(c: Client): void {
  const [, key, field, incrArg] = c.argv;
  // Redis validates the increment before the key, with its own messages for each operand.
  const incr = parseLongDouble(incrArg);
  if (incr === null) return c.notFloat();
  if (typeof incr === 'string') return c.error('ERR value is NaN or Infinity');
  const h = lookupOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(field);
  if (cur !== undefined && !isValidLongDouble(cur)) return c.error('ERR hash value is not a float');
  // Long double arithmetic (x87 80-bit) as Redis on x86-64, so that 0.1 + 0.2 prints "0.3".
  const r = incrByFloat(cur ?? '0', incrArg);
  if ('error' in r) return c.error(r.error);
  const cfg = c.srv.config;
  h.set(field, r.value, cfg.num('hash-max-listpack-entries'), cfg.num('hash-max-listpack-value'));
  c.db.touch(key);
  c.srv.dirty++;
  c.out.bulk(r.value);
  // Replicas must store the exact bytes computed here, not redo the float math.
  c.propagateArgv = ['HSET', key, field, r.value];
}

function hscan(c: Client): void {
  const argv = c.argv;
  // Redis checks the cursor, then the key, and only then the options (a missing key ignores bad options).
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) return c.error('ERR invalid cursor');
  const h = lookup(c, argv[1], 'hash');
  if (h === WRONG) return;
  if (h === undefined) {
    emptyScan(c);
    return;
  }
  const opts = parseScanArgs(c, 2, false);
  if (opts === null) return;
  const { count, pattern } = opts;
  const found: Bytes[] = [];
  let next = 0n;
  const lp = h.listpack();
  if (lp !== null) {
    // Small encodings are returned whole with cursor 0, whatever the cursor and COUNT.
    for (let i = 0; i < lp.length; i += 2) {
      if (pattern === null || globMatch(pattern, lp[i])) found.push(lp[i], lp[i + 1]);
    }
  } else {
    const ht = h.table() as ReadonlyMap<Bytes, Bytes>;
    next = c.srv.scans.step(
      h,
      cursor,
      () => ht.entries(),
      count,
      (e: [Bytes, Bytes]) => {
        if (pattern === null || globMatch(pattern, e[0])) found.push(e[0], e[1]);
      },
    );
  }
  c.out.arrayLen(2);
  c.out.bulk(next.toString());
  c.out.bulks(found);
}

/** Shared with sets.ts: the reply of *SCAN on a missing key. */
export function emptyScan(c: Client): void {
  c.out.arrayLen(2);
  c.out.bulk('0');
  c.out.arrayLen(0);
}

/**
 * Count argument of HRANDFIELD/SRANDMEMBER: an int64 in [-LONG_MAX, LONG_MAX] (so that negating it is safe), kept
 * exact for further range checks. Returns null after replying the error.
 */
export function randCount(c: Client, s: Bytes): bigint | null {
  const n = parseLongExact(s);
  if (n === null) {
    c.notInteger();
    return null;
  }
  if (n < -LONG_MAX) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return null;
  }
  return n;
}

/** With WITHVALUES twice the count must still fit a long. */
const HALF_LONG_MAX = LONG_MAX / 2n;

function hrandfield(c: Client): void {
  const argv = c.argv;
  if (argv.length >= 3) {
    const count = randCount(c, argv[2]);
    if (count === null) return;
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) return c.syntaxError();
    if (argv.length === 4) {
      withValues = true;
      if (count < -HALF_LONG_MAX || count > HALF_LONG_MAX) return c.error('ERR value is out of range');
    }
    return hrandfieldWithCount(c, Number(count), withValues);
  }
  const h = lookup(c, argv[1], 'hash');
  if (h === WRONG) return;
  if (h === undefined) return c.out.null();
  c.out.bulk(h.randomField());
}

/** Writes one HRANDFIELD result: a field, or in WITHVALUES mode a pair (a 2-array in RESP3, flat in RESP2). */
function emitPair(c: Client, f: Bytes, v: Bytes | undefined): void {
  if (v === undefined) {
    c.out.bulk(f);
    return;
  }
  if (c.resp === 3) c.out.arrayLen(2);
  c.out.bulk(f);
  c.out.bulk(v);
}

function hrandfieldWithCount(c: Client, count: number, withValues: boolean): void {
  const h = lookup(c, c.argv[1], 'hash');
  if (h === WRONG) return;
  if (h === undefined || count === 0) return c.out.emptyArray();
  const out = c.out;
  const size = h.size;
  const replyLen = (n: number) => out.arrayLen(withValues && c.resp === 2 ? n * 2 : n);
  const lp = h.listpack();

  // Negative count: that many independent picks, repeats allowed.
  if (count < 0 || count === 1) {
    const n = count < 0 ? -count : 1;
    replyLen(n);
    for (let i = 0; i < n; i++) {
      if (lp !== null) {
        const j = Math.floor(Math.random() * size) << 1;
        emitPair(c, lp[j], withValues ? lp[j + 1] : undefined);
      } else {
        const f = h.randomField();
        emitPair(c, f, withValues ? h.get(f) : undefined);
      }
    }
    return;
  }

  // Asking for at least everything: the whole hash in its own order.
  if (count >= size) {
    replyLen(size);
    if (lp !== null) {
      for (let i = 0; i < lp.length; i += 2) emitPair(c, lp[i], withValues ? lp[i + 1] : undefined);
    } else {
      for (const [f, v] of h.table() as ReadonlyMap<Bytes, Bytes>) emitPair(c, f, withValues ? v : undefined);
    }
    return;
  }

  // Distinct random fields. Listpack results keep listpack order, as Redis' sampling of a listpack does.
  replyLen(count);
  if (lp !== null) {
    const idx = sampleIndexes(size, count);
    idx.sort((a, b) => a - b);
    for (const i of idx) emitPair(c, lp[i * 2], withValues ? lp[i * 2 + 1] : undefined);
    return;
  }
  const ht = h.table() as ReadonlyMap<Bytes, Bytes>;
  if (count * 3 > size) {
    // Large share: choose by index over a snapshot of the fields.
    const fields = Array.from(ht.keys());
    for (const i of sampleIndexes(size, count)) emitPair(c, fields[i], withValues ? ht.get(fields[i]) : undefined);
    return;
  }
  const picked = new Set<Bytes>();
  while (picked.size < count) picked.add(h.randomField());
  for (const f of picked) emitPair(c, f, withValues ? ht.get(f) : undefined);
}

/** `k` distinct indexes in [0, n), uniformly (partial Fisher-Yates when k is a large share, else rejection). */
export function sampleIndexes(n: number, k: number): number[] {
  if (k * 3 > n) {
    const a = new Array<number>(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    a.length = k;
    return a;
  }
  const seen = new Set<number>();
  while (seen.size < k) seen.add(Math.floor(Math.random() * n));
  return Array.from(seen);
}

export const hashCommands: CommandSpec[] = [
  cmd(
    'hset',
    -4,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta('Sets fields of a hash, creating it if needed', '2.0.0', 'key field value [field value ...]', 'O(N)'),
    (c) => hsetGeneric(c, false),
  ),
  cmd(
    'hmset',
    -4,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta('Sets fields of a hash (replies OK)', '2.0.0', 'key field value [field value ...]', 'O(N)'),
    (c) => hsetGeneric(c, true),
  ),
  cmd(
    'hsetnx',
    4,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta('Sets a hash field only when it does not exist yet', '2.0.0', 'key field value', 'O(1)'),
    hsetnx,
  ),
  cmd(
    'hget',
    3,
    ['readonly', 'fast'],
    [1, 1, 1],
    meta('Returns the value of a hash field', '2.0.0', 'key field', 'O(1)'),
    hget,
  ),
  cmd(
    'hmget',
    -3,
    ['readonly', 'fast'],
    [1, 1, 1],
    meta('Returns the values of several hash fields', '2.0.0', 'key field [field ...]', 'O(N)'),
    hmget,
  ),
  cmd(
    'hdel',
    -3,
    ['write', 'fast'],
    [1, 1, 1],
    meta('Removes fields from a hash', '2.0.0', 'key field [field ...]', 'O(N)'),
    hdel,
  ),
  cmd('hlen', 2, ['readonly', 'fast'], [1, 1, 1], meta('Returns the number of fields', '2.0.0', 'key', 'O(1)'), hlen),
  cmd(
    'hexists',
    3,
    ['readonly', 'fast'],
    [1, 1, 1],
    meta('Tells whether a hash field exists', '2.0.0', 'key field', 'O(1)'),
    hexists,
  ),
  cmd(
    'hstrlen',
    3,
    ['readonly', 'fast'],
    [1, 1, 1],
    meta('Returns the length of a hash field value', '3.2.0', 'key field', 'O(1)'),
    hstrlen,
  ),
  cmd(
    'hgetall',
    2,
    ['readonly'],
    [1, 1, 1],
    meta('Returns all fields and values of a hash', '2.0.0', 'key', 'O(N)'),
    (c) => hgetallGeneric(c, WANT_KEYS | WANT_VALUES),
  ),
  cmd('hkeys', 2, ['readonly'], [1, 1, 1], meta('Returns all field names of a hash', '2.0.0', 'key', 'O(N)'), (c) =>
    hgetallGeneric(c, WANT_KEYS),
  ),
  cmd('hvals', 2, ['readonly'], [1, 1, 1], meta('Returns all values of a hash', '2.0.0', 'key', 'O(N)'), (c) =>
    hgetallGeneric(c, WANT_VALUES),
  ),
  cmd(
    'hincrby',
    4,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta('Adds an integer to a hash field', '2.0.0', 'key field increment', 'O(1)'),
    hincrby,
  ),
  cmd(
    'hincrbyfloat',
    4,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    meta('Adds a floating point number to a hash field', '2.6.0', 'key field increment', 'O(1)'),
    hincrbyfloat,
  ),
  cmd(
    'hscan',
    -3,
    ['readonly'],
    [1, 1, 1],
    meta('Iterates over the fields of a hash', '2.8.0', 'key cursor [MATCH pattern] [COUNT count]', 'O(1) per call'),
    hscan,
  ),
  cmd(
    'hrandfield',
    -2,
    ['readonly'],
    [1, 1, 1],
    meta('Returns random fields of a hash', '6.2.0', 'key [count [WITHVALUES]]', 'O(N) where N is the count'),
    hrandfield,
  ),
];
