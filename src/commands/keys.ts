/**
 * Generic keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY TOUCH OBJECT, and
 * the expiry commands EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST.
 *
 * Expiry times are absolute unix milliseconds. Relative forms are propagated as PEXPIREAT so that replicas, whose
 * clocks differ, apply the master's deadline; a deadline already past deletes the key and propagates DEL instead.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong, parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { Db } from '../store/db';
import { globMatch } from '../store/glob';
import {
  clearEncodingMark,
  cloneValue,
  copyEncodingMark,
  encodingOf,
  moveEncodingMark,
  refcountOf,
} from '../store/objects';
import { type RedisValue, typeOf } from '../store/value';
import { type CommandFlag, type CommandSpec, cmd } from './command';
import { parseScanArgs } from './util';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const SAFE = 2 ** 53;

/** Read lookup of any type counting keyspace hits/misses (Redis' lookupKeyRead with NOTOUCH). */
function readKey(c: Client, key: Bytes): RedisValue | undefined {
  const v = c.db.get(key);
  if (v === undefined) c.srv.stats.keyspaceMisses++;
  else c.srv.stats.keyspaceHits++;
  return v;
}

/** Integer replies of times that may exceed 2^53 (PEXPIREAT accepts any int64): print digits, never "e+18". */
function replyLong(c: Client, n: number): void {
  if (n < SAFE && n > -SAFE) c.out.int(n);
  else c.out.int(n >= 2 ** 63 ? INT64_MAX : BigInt(n));
}

/** Reads a directive that may not exist in this build's config table. */
function configString(c: Client, name: string, fallback: string): string {
  return c.srv.config.directive(name) !== undefined ? c.srv.config.get(name) : fallback;
}

/** DB index argument as Redis' getIntFromObject + range check. Returns the Db or null after replying. */
function argDb(c: Client, s: Bytes): Db | null {
  const id = parseLong(s);
  if (id === null) {
    c.notInteger();
    return null;
  }
  if (id > INT32_MAX || id < INT32_MIN) {
    c.error(`ERR value is out of range, value must between ${INT32_MIN} and ${INT32_MAX}`);
    return null;
  }
  if (id < 0 || id >= c.srv.dbs.length) {
    c.error('ERR DB index is out of range');
    return null;
  }
  return c.srv.dbs[id];
}

// ---- DEL / EXISTS / TYPE / TOUCH ------------------------------------------------------------------------------

function del(c: Client): void {
  const argv = c.argv;
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i])) {
      clearEncodingMark(db, argv[i]);
      n++;
    }
  }
  c.srv.dirty += n;
  c.out.int(n);
}

/** EXISTS and TOUCH: count the arguments naming a live key (repeats count again). */
function countExisting(c: Client): void {
  const argv = c.argv;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (readKey(c, argv[i]) !== undefined) n++;
  c.out.int(n);
}

function type(c: Client): void {
  const v = readKey(c, c.argv[1]);
  c.out.status(v === undefined ? 'none' : typeOf(v));
}

// ---- KEYS / SCAN / RANDOMKEY ----------------------------------------------------------------------------------

function keys(c: Client): void {
  const pattern = c.argv[1];
  const all = pattern === '*';
  const db = c.db;
  const now = Date.now();
  const out: Bytes[] = [];
  for (const k of db.keys()) {
    if (!all && !globMatch(pattern, k)) continue;
    // Logically expired keys are skipped but not deleted here, as Redis' KEYS does.
    const when = db.getExpire(k);
    if (when !== -1 && when <= now) continue;
    out.push(k);
  }
  c.out.bulks(out);
}

function scan(c: Client): void {
  const args = parseScanArgs(c, 1, true);
  if (args === null) return;
  const db = c.db;
  const found: Bytes[] = [];
  const next = c.srv.scans.step(
    db,
    args.cursor,
    () => db.scanKeys(),
    args.count,
    (k: Bytes) => {
      found.push(k);
    },
  );
  const out: Bytes[] = [];
  for (const k of found) {
    if (args.pattern !== null && !globMatch(args.pattern, k)) continue;
    if (args.type !== null) {
      const v = db.peek(k);
      if (v === undefined || typeOf(v) !== args.type) continue;
    }
    if (db.get(k) === undefined) continue; // expired: deleted now, as Redis' SCAN does
    out.push(k);
  }
  c.out.arrayLen(2);
  c.out.bulk(next.toString());
  c.out.bulks(out);
}

function randomkey(c: Client): void {
  const k = c.db.randomKey();
  if (k === undefined) c.out.null();
  else c.out.bulk(k);
}

// ---- RENAME / MOVE / COPY -------------------------------------------------------------------------------------

function renameGeneric(c: Client, nx: boolean): void {
  const src = c.argv[1];
  const dst = c.argv[2];
  const db = c.db;
  const v = db.get(src);
  if (v === undefined) return c.error('ERR no such key');
  if (src === dst) {
    if (nx) c.out.int(0);
    else c.ok();
    return;
  }
  const when = db.getExpire(src);
  if (db.get(dst) !== undefined && nx) {
    c.out.int(0);
    return;
  }
  db.removeRaw(src);
  db.set(dst, v);
  if (when !== -1) db.setExpire(dst, when);
  db.touch(src);
  moveEncodingMark(db, src, db, dst);
  c.srv.dirty++;
  if (nx) c.out.int(1);
  else c.ok();
}

function move(c: Client): void {
  const key = c.argv[1];
  const dst = argDb(c, c.argv[2]);
  if (dst === null) return;
  const src = c.db;
  if (dst === src) return c.error('ERR source and destination objects are the same');
  const v = src.get(key);
  if (v === undefined || dst.get(key) !== undefined) {
    c.out.int(0);
    return;
  }
  const when = src.getExpire(key);
  src.removeRaw(key);
  dst.set(key, v);
  if (when !== -1) dst.setExpire(key, when);
  src.touch(key);
  moveEncodingMark(src, key, dst, key);
  c.srv.dirty++;
  c.out.int(1);
}

function copy(c: Client): void {
  const argv = c.argv;
  const src = c.argv[1];
  const dstKey = c.argv[2];
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'replace') replace = true;
    else if (opt === 'db' && j + 1 < argv.length) {
      const d = argDb(c, argv[++j]);
      if (d === null) return;
      dst = d;
    } else return c.syntaxError();
  }
  if (dst === c.db && src === dstKey) return c.error('ERR source and destination objects are the same');
  const v = readKey(c, src);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  const when = c.db.getExpire(src);
  if (dst.get(dstKey) !== undefined && !replace) {
    c.out.int(0);
    return;
  }
  dst.set(dstKey, cloneValue(v));
  if (when !== -1) dst.setExpire(dstKey, when);
  copyEncodingMark(c.db, src, dst, dstKey, v);
  c.srv.dirty++;
  c.out.int(1);
}

// ---- expiry ---------------------------------------------------------------------------------------------------

const EX_NX = 1;
const EX_XX = 2;
const EX_GT = 4;
const EX_LT = 8;

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT. `unit` is 1000 for seconds; `relative` adds the current time.
 * Negative relative times are allowed (they delete the key); only int64 overflow is an invalid expire time.
 */
function expireGeneric(c: Client, unit: number, relative: boolean): void {
  const argv = c.argv;
  const name = argv[0].toLowerCase();
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= EX_NX;
    else if (opt === 'xx') flags |= EX_XX;
    else if (opt === 'gt') flags |= EX_GT;
    else if (opt === 'lt') flags |= EX_LT;
    else return c.error(`ERR Unsupported option ${argv[j]}`);
  }
  if (flags & EX_NX && flags & (EX_XX | EX_GT | EX_LT)) {
    return c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EX_GT && flags & EX_LT) return c.error('ERR GT and LT options at the same time are not compatible');
  const n = parseLong(argv[2]);
  if (n === null) return c.notInteger();
  const now = Date.now();
  const base = relative ? now : 0;
  let when: number;
  if (n * unit < SAFE && n * unit > -SAFE && n * unit + base < SAFE) {
    when = n * unit + base;
  } else {
    // Near the int64 limits: check the unit conversion and the addition exactly.
    let big = parseLongExact(argv[2]) as bigint;
    if (unit !== 1 && (big > INT64_MAX / 1000n || big < INT64_MIN / 1000n)) {
      return c.error(`ERR invalid expire time in '${name}' command`);
    }
    big *= BigInt(unit);
    if (big > INT64_MAX - BigInt(base)) return c.error(`ERR invalid expire time in '${name}' command`);
    when = Number(big + BigInt(base));
  }
  const db = c.db;
  const key = argv[1];
  if (db.get(key) === undefined) {
    c.out.int(0);
    return;
  }
  if (flags !== 0) {
    const cur = db.getExpire(key);
    if (
      (flags & EX_NX && cur !== -1) ||
      (flags & EX_XX && cur === -1) ||
      // a key without TTL counts as expiring never: GT cannot beat it, LT always does
      (flags & EX_GT && (cur === -1 || when <= cur)) ||
      (flags & EX_LT && cur !== -1 && when >= cur)
    ) {
      c.out.int(0);
      return;
    }
  }
  c.srv.dirty++;
  if (when <= now && c.srv.masterHost === null) {
    db.delete(key);
    clearEncodingMark(db, key);
    c.propagateArgv = [configString(c, 'lazyfree-lazy-expire', 'no') === 'yes' ? 'UNLINK' : 'DEL', key];
  } else {
    db.setExpire(key, when);
    db.touch(key);
    if (name !== 'pexpireat') c.propagateArgv = ['PEXPIREAT', key, String(when), ...argv.slice(3)];
  }
  c.out.int(1);
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 for a missing key, -1 without expiry. */
function ttlGeneric(c: Client, ms: boolean, absolute: boolean): void {
  const key = c.argv[1];
  if (readKey(c, key) === undefined) {
    c.out.int(-2);
    return;
  }
  const when = c.db.getExpire(key);
  if (when === -1) {
    c.out.int(-1);
    return;
  }
  if (absolute) {
    replyLong(c, ms ? when : Math.floor(when / 1000));
    return;
  }
  const ttl = Math.max(0, when - Date.now());
  replyLong(c, ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(c: Client): void {
  const key = c.argv[1];
  const db = c.db;
  if (db.get(key) === undefined || !db.persist(key)) {
    c.out.int(0);
    return;
  }
  db.touch(key);
  c.srv.dirty++;
  c.out.int(1);
}

// ---- OBJECT ---------------------------------------------------------------------------------------------------

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** Looks up OBJECT's key argument; replies null when missing. */
function objectLookup(c: Client): RedisValue | undefined {
  const v = readKey(c, c.argv[2]);
  if (v === undefined) c.out.null();
  return v;
}

function maxmemoryPolicy(c: Client): string {
  return configString(c, 'maxmemory-policy', 'noeviction');
}

function objectEncoding(c: Client): void {
  const v = objectLookup(c);
  if (v !== undefined) c.out.bulk(encodingOf(c.db, c.argv[2], v));
}

function objectRefcount(c: Client): void {
  const v = objectLookup(c);
  if (v === undefined) return;
  // With maxmemory and an LRU/LFU policy every object needs its own access clock, so Redis stops sharing integers.
  const policy = maxmemoryPolicy(c);
  const maxmemory = configString(c, 'maxmemory', '0');
  const sharing = maxmemory === '0' || !(policy.includes('lru') || policy.includes('lfu'));
  c.out.int(refcountOf(c.db, c.argv[2], v, sharing));
}

function objectIdletime(c: Client): void {
  const v = objectLookup(c);
  if (v === undefined) return;
  if (maxmemoryPolicy(c).includes('lfu')) {
    return c.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  // Tandem keeps no per-key access clock (it would cost memory on every key); every key reads as just used.
  c.out.int(0);
}

function objectFreq(c: Client): void {
  const v = objectLookup(c);
  if (v === undefined) return;
  if (!maxmemoryPolicy(c).includes('lfu')) {
    return c.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  // No per-key LFU counter is kept: report the value Redis gives a freshly created key.
  c.out.int(5);
}

function objectHelp(c: Client): void {
  c.out.arrayLen(OBJECT_HELP.length);
  for (const l of OBJECT_HELP) c.out.status(l);
}

// ---- table ----------------------------------------------------------------------------------------------------

const gen = (summary: string, since: string, acl: readonly string[], args?: string, complexity?: string) => ({
  group: 'generic',
  summary,
  since,
  acl,
  args,
  complexity,
});
const RF: readonly CommandFlag[] = ['readonly', 'fast'];
const WF: readonly CommandFlag[] = ['write', 'fast'];
const ACL_RF = ['keyspace', 'read', 'fast'];
const ACL_RS = ['keyspace', 'read', 'slow'];
const ACL_WF = ['keyspace', 'write', 'fast'];
const ACL_WS = ['keyspace', 'write', 'slow'];
const EXPIRE_OPTS = '[NX|XX|GT|LT]';

const objectSub = (name: string, summary: string, handler: (c: Client) => void) =>
  cmd(name, 3, ['readonly'], [2, 2, 1], gen(summary, '2.2.3', ACL_RS, 'key'), handler);

export const keyCommands: CommandSpec[] = [
  cmd('del', -2, ['write'], [1, -1, 1], gen('Deletes keys', '1.0.0', ACL_WS, 'key [key ...]'), del),
  cmd(
    'unlink',
    -2,
    WF,
    [1, -1, 1],
    gen('Deletes keys (memory reclaimed lazily)', '4.0.0', ACL_WF, 'key [key ...]'),
    del,
  ),
  cmd(
    'exists',
    -2,
    RF,
    [1, -1, 1],
    gen('Counts how many of the keys exist', '1.0.0', ACL_RF, 'key [key ...]'),
    countExisting,
  ),
  cmd('type', 2, RF, [1, 1, 1], gen('Returns the type of the value of a key', '1.0.0', ACL_RF, 'key'), type),
  cmd(
    'keys',
    2,
    ['readonly'],
    [0, 0, 0],
    gen('Returns the keys matching a glob pattern', '1.0.0', ['keyspace', 'read', 'slow', 'dangerous'], 'pattern'),
    keys,
  ),
  cmd(
    'scan',
    -2,
    ['readonly'],
    [0, 0, 0],
    gen('Iterates over the keys incrementally', '2.8.0', ACL_RS, 'cursor [MATCH pattern] [COUNT count] [TYPE type]'),
    scan,
  ),
  cmd('randomkey', 1, ['readonly'], [0, 0, 0], gen('Returns a random key', '1.0.0', ACL_RS), randomkey),
  cmd(
    'rename',
    3,
    ['write'],
    [1, 2, 1],
    gen('Renames a key, replacing any destination', '1.0.0', ACL_WS, 'key newkey'),
    (c) => renameGeneric(c, false),
  ),
  cmd(
    'renamenx',
    3,
    WF,
    [1, 2, 1],
    gen('Renames a key unless the destination exists', '1.0.0', ACL_WF, 'key newkey'),
    (c) => renameGeneric(c, true),
  ),
  cmd('move', 3, WF, [1, 1, 1], gen('Moves a key to another database', '1.0.0', ACL_WF, 'key db'), move),
  cmd(
    'copy',
    -3,
    ['write', 'denyoom'],
    [1, 2, 1],
    gen(
      'Copies the value of a key to another key',
      '6.2.0',
      ACL_WS,
      'source destination [DB destination-db] [REPLACE]',
    ),
    copy,
  ),
  cmd(
    'expire',
    -3,
    WF,
    [1, 1, 1],
    gen('Sets a time to live in seconds', '1.0.0', ACL_WF, `key seconds ${EXPIRE_OPTS}`),
    (c) => expireGeneric(c, 1000, true),
  ),
  cmd(
    'pexpire',
    -3,
    WF,
    [1, 1, 1],
    gen('Sets a time to live in milliseconds', '2.6.0', ACL_WF, `key milliseconds ${EXPIRE_OPTS}`),
    (c) => expireGeneric(c, 1, true),
  ),
  cmd(
    'expireat',
    -3,
    WF,
    [1, 1, 1],
    gen('Sets the expiry as a unix time in seconds', '1.2.0', ACL_WF, `key unix-time-seconds ${EXPIRE_OPTS}`),
    (c) => expireGeneric(c, 1000, false),
  ),
  cmd(
    'pexpireat',
    -3,
    WF,
    [1, 1, 1],
    gen('Sets the expiry as a unix time in milliseconds', '2.6.0', ACL_WF, `key unix-time-milliseconds ${EXPIRE_OPTS}`),
    (c) => expireGeneric(c, 1, false),
  ),
  cmd('ttl', 2, RF, [1, 1, 1], gen('Returns the time to live in seconds', '1.0.0', ACL_RF, 'key'), (c) =>
    ttlGeneric(c, false, false),
  ),
  cmd('pttl', 2, RF, [1, 1, 1], gen('Returns the time to live in milliseconds', '2.6.0', ACL_RF, 'key'), (c) =>
    ttlGeneric(c, true, false),
  ),
  cmd(
    'expiretime',
    2,
    RF,
    [1, 1, 1],
    gen('Returns the expiry as a unix time in seconds', '7.0.0', ACL_RF, 'key'),
    (c) => ttlGeneric(c, false, true),
  ),
  cmd(
    'pexpiretime',
    2,
    RF,
    [1, 1, 1],
    gen('Returns the expiry as a unix time in milliseconds', '7.0.0', ACL_RF, 'key'),
    (c) => ttlGeneric(c, true, true),
  ),
  cmd('persist', 2, WF, [1, 1, 1], gen('Removes the expiry of a key', '2.2.0', ACL_WF, 'key'), persist),
  cmd(
    'touch',
    -2,
    RF,
    [1, -1, 1],
    gen('Counts existing keys, marking them as accessed', '3.2.1', ACL_RF, 'key [key ...]'),
    countExisting,
  ),
  cmd('object', -2, [], [0, 0, 0], gen('Inspects the internals of values', '2.2.3', ['slow']), () => {}, {
    subcommands: [
      // same order as Redis 7.0 lists them in COMMAND output
      objectSub('encoding', 'Returns the internal encoding of a value', objectEncoding),
      objectSub('refcount', 'Returns the reference count of a value', objectRefcount),
      objectSub('freq', 'Returns the logarithmic access frequency counter of a key', objectFreq),
      objectSub('idletime', 'Returns the seconds since a key was last accessed', objectIdletime),
      cmd(
        'help',
        2,
        ['loading', 'stale'],
        [0, 0, 0],
        gen('Lists OBJECT subcommands', '6.2.0', ['keyspace', 'slow']),
        objectHelp,
      ),
    ],
  }),
];
