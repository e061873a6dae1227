/**
 * String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN GETRANGE SUBSTR
 * SETRANGE LCS, and the counters INCR DECR INCRBY DECRBY INCRBYFLOAT.
 *
 * Values are binary strings stored directly in the keyspace. Replication gets the rewritten forms Redis 7.0 sends
 * (relative expiries become `SET k v PXAT <abs>`, INCRBYFLOAT becomes `SET k v KEEPTTL`, GETDEL becomes DEL, ...),
 * so a replica ends up with exactly the master's state whatever its clock says.
 */
import type { Bytes } from '../protocol/bytes';
import { incrByFloat } from '../protocol/longdouble';
import { parseLong, parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import { clearEncodingMark, markNoIntEncoding, markRaw } from '../store/objects';
import { type CommandFlag, type CommandSpec, cmd } from './command';
import { lcs } from './lcs';
import { WRONG, lookup } from './util';

/** V8 cannot build longer strings (2^29 - 24 chars); we refuse before trying rather than crash. */
const MAX_JS_STRING = 2 ** 29 - 24;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Below this magnitude JS number arithmetic on int64 values is exact. */
const SAFE = 2 ** 53;

const ERR_TOO_BIG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

/** Looks a key up for writing: no hit/miss statistics (as Redis' lookupKeyWrite). WRONG after replying. */
function lookupStringWrite(c: Client, key: Bytes): Bytes | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined || typeof v === 'string') return v;
  c.wrongType();
  return WRONG;
}

/** Replies the proto-max-bulk-len error and returns false when a string would grow beyond the limit. */
function checkStringLength(c: Client, size: number): boolean {
  if (size > c.srv.config.num('proto-max-bulk-len') || size > MAX_JS_STRING) {
    c.error(ERR_TOO_BIG);
    return false;
  }
  return true;
}

// ---- expiry arguments -----------------------------------------------------------------------------------------

const UNIT_SECONDS = 1000;
const UNIT_MS = 1;

/**
 * Converts an expire argument of SET/SETEX/PSETEX/GETEX to an absolute unix time in ms. Non-positive values and
 * anything that overflows int64 after unit conversion or adding the current time give "invalid expire time".
 * Returns null after replying.
 */
function expireArgToAbsMs(c: Client, arg: Bytes, unit: number, relative: boolean, name: string): number | null {
  const n = parseLong(arg);
  if (n === null) {
    c.notInteger();
    return null;
  }
  if (n <= 0) return invalidExpire(c, name);
  const now = relative ? Date.now() : 0;
  if (n * unit < SAFE && n * unit + now < SAFE) return n * unit + now;
  // Large values: check int64 overflow exactly.
  const big = parseLongExact(arg) as bigint;
  if (unit === UNIT_SECONDS && big > INT64_MAX / 1000n) return invalidExpire(c, name);
  const abs = big * BigInt(unit) + BigInt(now);
  if (abs > INT64_MAX) return invalidExpire(c, name);
  return Number(abs);
}

function invalidExpire(c: Client, name: string): null {
  c.error(`ERR invalid expire time in '${name}' command`);
  return null;
}

// ---- GET / SET family -----------------------------------------------------------------------------------------

function get(c: Client): void {
  const v = lookup(c, c.argv[1], 'string');
  if (v === WRONG) return;
  if (v === undefined) c.out.null();
  else c.out.bulk(v);
}

const F_NX = 1;
const F_XX = 2;
const F_GET = 4;
const F_KEEPTTL = 8;
const F_EX = 16;
const F_PX = 32;
const F_EXAT = 64;
const F_PXAT = 128;
const F_PERSIST = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

interface ExtendedArgs {
  flags: number;
  /** the expire argument (last one given wins, as in Redis) */
  expire: Bytes | null;
}

/**
 * Parses SET's (isSet) or GETEX's options from argv[start]. Repeating an option is allowed; only conflicting ones
 * (NX+XX, two different expiry kinds, KEEPTTL/PERSIST with an expiry, options foreign to the command) are a syntax
 * error. Returns null after replying.
 */
function parseExtended(c: Client, start: number, isSet: boolean): ExtendedArgs | null {
  const argv = c.argv;
  let flags = 0;
  let expire: Bytes | null = null;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const hasNext = j + 1 < argv.length;
    let f = 0;
    if (opt === 'nx' && isSet && !(flags & F_XX)) f = F_NX;
    else if (opt === 'xx' && isSet && !(flags & F_NX)) f = F_XX;
    else if (opt === 'get' && isSet) f = F_GET;
    else if (opt === 'keepttl' && isSet && !(flags & (F_ANY_EXPIRE | F_PERSIST))) f = F_KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) f = F_PERSIST;
    else if (hasNext && !(flags & (F_KEEPTTL | F_PERSIST))) {
      if (opt === 'ex' && !(flags & (F_ANY_EXPIRE & ~F_EX))) f = F_EX;
      else if (opt === 'px' && !(flags & (F_ANY_EXPIRE & ~F_PX))) f = F_PX;
      else if (opt === 'exat' && !(flags & (F_ANY_EXPIRE & ~F_EXAT))) f = F_EXAT;
      else if (opt === 'pxat' && !(flags & (F_ANY_EXPIRE & ~F_PXAT))) f = F_PXAT;
      if (f !== 0) expire = argv[++j];
    }
    if (f === 0) {
      c.syntaxError();
      return null;
    }
    flags |= f;
  }
  return { flags, expire };
}

/** Absolute ms deadline for the expiry option in `flags`, or null after replying the error. */
function extendedExpire(c: Client, a: ExtendedArgs, name: string): number | null {
  const f = a.flags;
  const unit = f & (F_EX | F_EXAT) ? UNIT_SECONDS : UNIT_MS;
  return expireArgToAbsMs(c, a.expire as Bytes, unit, (f & (F_EX | F_PX)) !== 0, name);
}

/**
 * The common core of SET/SETNX/SETEX/PSETEX: stores `value` at argv[1] honouring NX/XX/KEEPTTL/GET, sets the
 * expiry `when` (absolute ms, or -1), and picks the argv to propagate. Returns whether the value was stored.
 */
function setGeneric(c: Client, flags: number, value: Bytes, when: number): boolean {
  const key = c.argv[1];
  const db = c.db;
  if (flags & F_GET) {
    const old = lookup(c, key, 'string');
    if (old === WRONG) return false;
    c.out.bulkOrNull(old);
  }
  const found = db.get(key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) return false;
  db.set(key, value, (flags & F_KEEPTTL) !== 0);
  clearEncodingMark(db, key);
  c.srv.dirty++;
  if (when >= 0) {
    db.setExpire(key, when);
    // Replicas must not depend on their own clock: always the absolute form, without NX/XX/GET.
    c.propagateArgv = ['SET', key, value, 'PXAT', String(when)];
  } else if (flags & F_GET) {
    c.propagateArgv = c.argv.filter((a, i) => i < 3 || a.toLowerCase() !== 'get');
  }
  return true;
}

function set(c: Client): void {
  const argv = c.argv;
  if (argv.length === 3) {
    // Fast path: plain SET k v.
    const db = c.db;
    const key = argv[1];
    db.get(key); // an expired key is deleted (and the DEL propagated) first, as Redis does
    db.set(key, argv[2]);
    clearEncodingMark(db, key);
    c.srv.dirty++;
    c.out.ok();
    return;
  }
  const a = parseExtended(c, 3, true);
  if (a === null) return;
  let when = -1;
  if (a.flags & F_ANY_EXPIRE) {
    const w = extendedExpire(c, a, 'set');
    if (w === null) return;
    when = w;
  }
  const stored = setGeneric(c, a.flags, argv[2], when);
  if (a.flags & F_GET) return; // the old value was the reply
  if (stored) c.out.ok();
  else c.out.null();
}

function setnx(c: Client): void {
  c.out.int(setGeneric(c, F_NX, c.argv[2], -1) ? 1 : 0);
}

const setex = (c: Client): void => setexGeneric(c, UNIT_SECONDS, 'setex');
const psetex = (c: Client): void => setexGeneric(c, UNIT_MS, 'psetex');
const mset = (c: Client): void => msetGeneric(c, false);
const msetnx = (c: Client): void => msetGeneric(c, true);
const incr = (c: Client): void => incrDecr(c, 1);
const decr = (c: Client): void => incrDecr(c, -1);
const LCS_ARGS = 'key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]';

function setexGeneric(c: Client, unit: number, name: string): void {
  const when = expireArgToAbsMs(c, c.argv[2], unit, true, name);
  if (when === null) return;
  setGeneric(c, 0, c.argv[3], when);
  c.out.ok();
}

function mget(c: Client): void {
  const argv = c.argv;
  c.out.arrayLen(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = c.db.get(argv[i]);
    if (v === undefined) {
      c.srv.stats.keyspaceMisses++;
      c.out.null();
    } else {
      c.srv.stats.keyspaceHits++;
      // MGET never errors: keys of another type read as missing
      if (typeof v === 'string') c.out.bulk(v);
      else c.out.null();
    }
  }
}

function msetGeneric(c: Client, nx: boolean): void {
  const argv = c.argv;
  if (argv.length % 2 === 0) return c.wrongArity();
  const db = c.db;
  if (nx) {
    for (let i = 1; i < argv.length; i += 2) {
      if (db.get(argv[i]) !== undefined) {
        c.out.int(0);
        return;
      }
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i];
    db.get(key);
    db.set(key, argv[i + 1]);
    clearEncodingMark(db, key);
  }
  c.srv.dirty += (argv.length - 1) / 2;
  if (nx) c.out.int(1);
  else c.out.ok();
}

function getset(c: Client): void {
  const key = c.argv[1];
  const old = lookup(c, key, 'string');
  if (old === WRONG) return;
  c.out.bulkOrNull(old);
  c.db.set(key, c.argv[2]);
  clearEncodingMark(c.db, key);
  c.srv.dirty++;
  c.propagateArgv = ['SET', key, c.argv[2]];
}

function getdel(c: Client): void {
  const key = c.argv[1];
  const v = lookup(c, key, 'string');
  if (v === WRONG) return;
  if (v === undefined) {
    c.out.null();
    return;
  }
  c.out.bulk(v);
  c.db.delete(key);
  clearEncodingMark(c.db, key);
  c.srv.dirty++;
  c.propagateArgv = [lazyUserDel(c) ? 'UNLINK' : 'DEL', key];
}

/** Reads a yes/no directive that may not exist in this build's config table. */
function configFlag(c: Client, name: string): boolean {
  return c.srv.config.directive(name) !== undefined && c.srv.config.bool(name);
}

function lazyUserDel(c: Client): boolean {
  return configFlag(c, 'lazyfree-lazy-user-del');
}

function getex(c: Client): void {
  const key = c.argv[1];
  const a = parseExtended(c, 2, false);
  if (a === null) return;
  const v = lookup(c, key, 'string');
  if (v === WRONG) return;
  if (v === undefined) {
    c.out.null();
    return;
  }
  let when = -1;
  if (a.flags & F_ANY_EXPIRE) {
    const w = extendedExpire(c, a, 'getex');
    if (w === null) return;
    when = w;
  }
  c.out.bulk(v);
  const db = c.db;
  if (when >= 0) {
    if (when <= Date.now() && c.srv.masterHost === null) {
      db.delete(key);
      clearEncodingMark(db, key);
      c.propagateArgv = [configFlag(c, 'lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    } else {
      db.setExpire(key, when);
      db.touch(key);
      c.propagateArgv = ['PEXPIREAT', key, String(when)];
    }
    c.srv.dirty++;
  } else if (a.flags & F_PERSIST) {
    if (db.persist(key)) {
      db.touch(key);
      c.propagateArgv = ['PERSIST', key];
      c.srv.dirty++;
    }
  }
}

// ---- counters -------------------------------------------------------------------------------------------------

function incrDecr(c: Client, by: number | bigint): void {
  const key = c.argv[1];
  const cur = lookupStringWrite(c, key);
  if (cur === WRONG) return;
  let result: string;
  if (cur === undefined) {
    result = String(by);
  } else {
    const n = cur.length < 16 ? parseLong(cur) : null;
    if (n !== null && typeof by === 'number' && by < SAFE / 2 && by > -SAFE / 2) {
      result = String(n + by); // |n| < 10^15 < 2^52 and |by| < 2^52: the sum is exact and far from int64 limits
    } else {
      const big = parseLongExact(cur);
      if (big === null) return c.notInteger();
      const r = big + BigInt(by);
      if (r > INT64_MAX || r < INT64_MIN) return c.error('ERR increment or decrement would overflow');
      result = r.toString();
    }
  }
  c.db.set(key, result, true);
  clearEncodingMark(c.db, key);
  c.srv.dirty++;
  c.out.raw(`:${result}\r\n`);
}

/** INCRBY/DECRBY argument: a JS number when exactly representable, else the bigint. */
function argIncrement(c: Client, s: Bytes): number | bigint | null {
  if (s.length < 16) {
    const n = parseLong(s);
    if (n === null) c.notInteger();
    return n;
  }
  const b = parseLongExact(s);
  if (b === null) c.notInteger();
  return b;
}

function incrby(c: Client): void {
  const by = argIncrement(c, c.argv[2]);
  if (by !== null) incrDecr(c, by);
}

function decrby(c: Client): void {
  const by = argIncrement(c, c.argv[2]);
  if (by === null) return;
  if (by === INT64_MIN) return c.error('ERR decrement would overflow');
  incrDecr(c, -by);
}

function incrbyfloat(c: Client): void {
  const key = c.argv[1];
  const cur = lookupStringWrite(c, key);
  if (cur === WRONG) return;
  const r = incrByFloat(cur ?? '0', c.argv[2]);
  if ('error' in r) return c.error(r.error);
  c.db.set(key, r.value, true);
  markNoIntEncoding(c.db, key, r.value);
  c.srv.dirty++;
  c.out.bulk(r.value);
  // The replica must store the very same bytes, not redo float arithmetic.
  c.propagateArgv = ['SET', key, r.value, 'KEEPTTL'];
}

// ---- byte-level access ----------------------------------------------------------------------------------------

function append(c: Client): void {
  const key = c.argv[1];
  const add = c.argv[2];
  const cur = lookupStringWrite(c, key);
  if (cur === WRONG) return;
  let next: Bytes;
  if (cur === undefined) {
    next = add;
    c.db.set(key, next);
    clearEncodingMark(c.db, key);
  } else {
    if (!checkStringLength(c, cur.length + add.length)) return;
    next = cur + add;
    c.db.set(key, next, true);
    markRaw(c.db, key, next);
  }
  c.srv.dirty++;
  c.out.int(next.length);
}

function strlen(c: Client): void {
  const v = lookup(c, c.argv[1], 'string');
  if (v === WRONG) return;
  c.out.int(v === undefined ? 0 : v.length);
}

function getrange(c: Client): void {
  const start0 = parseLong(c.argv[2]);
  const end0 = parseLong(c.argv[3]);
  if (start0 === null || end0 === null) return c.notInteger();
  const v = lookup(c, c.argv[1], 'string');
  if (v === WRONG) return;
  const len = v === undefined ? 0 : v.length;
  let start = start0;
  let end = end0;
  if (start < 0 && end < 0 && start > end) return c.out.bulk('');
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (v === undefined || start > end || len === 0) return c.out.bulk('');
  c.out.bulk(v.slice(start, end + 1));
}

function setrange(c: Client): void {
  const key = c.argv[1];
  const value = c.argv[3];
  const offset = parseLong(c.argv[2]);
  if (offset === null) return c.notInteger();
  if (offset < 0) return c.error('ERR offset is out of range');
  const cur = lookupStringWrite(c, key);
  if (cur === WRONG) return;
  if (value.length === 0) {
    c.out.int(cur === undefined ? 0 : cur.length);
    return;
  }
  if (!checkStringLength(c, offset + value.length)) return;
  const base = cur ?? '';
  let next: Bytes;
  if (offset > base.length) next = base + '\0'.repeat(offset - base.length) + value;
  else next = base.slice(0, offset) + value + base.slice(offset + value.length);
  c.db.set(key, next, true);
  markRaw(c.db, key, next);
  c.srv.dirty++;
  c.out.int(next.length);
}

// ---- table ----------------------------------------------------------------------------------------------------

const RF: readonly CommandFlag[] = ['readonly', 'fast'];
const R: readonly CommandFlag[] = ['readonly'];
const W: readonly CommandFlag[] = ['write', 'denyoom'];
const WF: readonly CommandFlag[] = ['write', 'denyoom', 'fast'];
const WFO: readonly CommandFlag[] = ['write', 'fast'];
const K1: [number, number, number] = [1, 1, 1];
const ACL_RF = ['read', 'string', 'fast'];
const ACL_RS = ['read', 'string', 'slow'];
const ACL_WF = ['write', 'string', 'fast'];
const ACL_WS = ['write', 'string', 'slow'];
const SET_ARGS =
  'key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]';
const GETEX_ARGS = 'key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]';

type Row = [
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  keys: [number, number, number],
  acl: readonly string[],
  since: string,
  handler: (c: Client) => void,
  summary: string,
  args: string,
];

const rows: Row[] = [
  ['get', 2, RF, K1, ACL_RF, '1.0.0', get, 'Returns the value of a key', 'key'],
  ['set', -3, W, K1, ACL_WS, '1.0.0', set, 'Sets a key, with optional conditions and expiry', SET_ARGS],
  ['setnx', 3, WF, K1, ACL_WF, '1.0.0', setnx, 'Sets a key only when it does not exist', 'key value'],
  ['setex', 4, W, K1, ACL_WS, '2.0.0', setex, 'Sets a key with an expiry in seconds', 'key seconds value'],
  ['psetex', 4, W, K1, ACL_WS, '2.6.0', psetex, 'Sets a key with an expiry in milliseconds', 'key milliseconds value'],
  ['mget', -2, RF, [1, -1, 1], ACL_RF, '1.0.0', mget, 'Returns the values of several keys', 'key [key ...]'],
  ['mset', -3, W, [1, -1, 2], ACL_WS, '1.0.1', mset, 'Sets several keys at once', 'key value [key value ...]'],
  ['msetnx', -3, W, [1, -1, 2], ACL_WS, '1.0.1', msetnx, 'Sets several keys if none exists', 'key value [...]'],
  ['getset', 3, WF, K1, ACL_WF, '1.0.0', getset, 'Sets a key and returns its previous value', 'key value'],
  ['getdel', 2, WFO, K1, ACL_WF, '6.2.0', getdel, 'Returns the value of a key and deletes it', 'key'],
  ['getex', -2, WFO, K1, ACL_WF, '6.2.0', getex, 'Returns the value of a key and changes its expiry', GETEX_ARGS],
  ['incr', 2, WF, K1, ACL_WF, '1.0.0', incr, 'Adds one to the integer stored at a key', 'key'],
  ['decr', 2, WF, K1, ACL_WF, '1.0.0', decr, 'Subtracts one from the integer stored at a key', 'key'],
  ['incrby', 3, WF, K1, ACL_WF, '1.0.0', incrby, 'Adds an integer to the integer at a key', 'key increment'],
  ['decrby', 3, WF, K1, ACL_WF, '1.0.0', decrby, 'Subtracts an integer from the integer at a key', 'key decrement'],
  ['incrbyfloat', 3, WF, K1, ACL_WF, '2.6.0', incrbyfloat, 'Adds a decimal number to a key', 'key increment'],
  ['append', 3, WF, K1, ACL_WF, '2.0.0', append, 'Appends bytes to the value of a key', 'key value'],
  ['strlen', 2, RF, K1, ACL_RF, '2.2.0', strlen, 'Returns the length of the value of a key', 'key'],
  ['getrange', 4, R, K1, ACL_RS, '2.4.0', getrange, 'Returns a substring of the value of a key', 'key start end'],
  ['substr', 4, R, K1, ACL_RS, '1.0.0', getrange, 'Returns a substring (old name of GETRANGE)', 'key start end'],
  ['setrange', 4, W, K1, ACL_WS, '2.2.0', setrange, 'Overwrites part of a value from an offset', 'key offset value'],
  ['lcs', -3, R, [1, 2, 1], ACL_RS, '7.0.0', lcs, 'Longest common subsequence of two values', LCS_ARGS],
];

export const stringCommands: CommandSpec[] = rows.map(
  ([name, arity, flags, keys, acl, since, handler, summary, args]) =>
    cmd(name, arity, flags, keys, { group: 'string', summary, since, args, acl }, handler),
);
