/**
 * Sorted-set commands. This file holds the member-level commands (ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD,
 * ZRANK, ZREVRANK, ZRANDMEMBER, ZSCAN) and the family's command table; ranges, pops and set operations live in
 * zsets-range.ts, zsets-pop.ts and zsets-setops.ts.
 */
import type { Bytes } from '../protocol/bytes';
import { formatDouble, parseLongExact } from '../protocol/numbers';
import type { Client } from '../server/client';
import { globMatch } from '../store/glob';
import { ZSetValue } from '../store/types/zset';
import { type CommandFlag, type CommandSpec, cmd } from './command';
import { WRONG, lookup, parseScanArgs, parseScanCursor } from './util';
import { lookupWrite, maxEntries, maxValue, parseScore, replyScore } from './zsets-args';
import { bzmpop, bzpopmax, bzpopmin, mpopKeys, zmpop, zpopmax, zpopmin } from './zsets-pop';
import {
  BY_AUTO,
  BY_LEX,
  BY_RANK,
  BY_SCORE,
  DIR_AUTO,
  DIR_FWD,
  DIR_REV,
  afterRemoval,
  zcount,
  zlexcount,
  zrangeGeneric,
  zremrangeGeneric,
} from './zsets-range';
import { numkeysKeys, zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore } from './zsets-setops';

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

function zrem(c: Client): void {
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

function zscore(c: Client): void {
  const z = lookup(c, c.argv[1], 'zset');
  if (z === WRONG) return;
  const s = z === undefined ? undefined : z.score(c.argv[2]);
  if (s === undefined) c.out.null();
  else replyScore(c.out, s);
}

function zmscore(c: Client): void {
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

function zcard(c: Client): void {
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

function zrandmember(c: Client): void {
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
  const emit = (rank: number) => {
    if (nested) out.arrayLen(2);
    if (z.sl === null) {
      out.bulk(z.lpEle[rank]);
      if (withScores) replyScore(out, z.lpScore[rank]);
    } else {
      const node = z.sl.byRank(rank + 1)!;
      out.bulk(node.ele);
      if (withScores) replyScore(out, node.score);
    }
  };
  // Negative count: independent draws, repetitions allowed.
  if (l < 0 || l === 1) {
    const count = l < 0 ? -l : 1;
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

function zscan(c: Client): void {
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

const Z = (summary: string, since: string, args: string, complexity?: string) => ({
  group: 'sorted-set',
  summary,
  since,
  args,
  complexity,
});

const W_FAST: CommandFlag[] = ['write', 'denyoom', 'fast'];
const R_FAST: CommandFlag[] = ['readonly', 'fast'];
const ACL_W_FAST = ['write', 'sortedset', 'fast'];
const ACL_R_FAST = ['read', 'sortedset', 'fast'];
const ACL_W_SLOW = ['write', 'sortedset', 'slow'];
const ACL_R_SLOW = ['read', 'sortedset', 'slow'];
const ACL_BLOCK_FAST = ['write', 'sortedset', 'fast', 'blocking'];
const ACL_BLOCK_SLOW = ['write', 'sortedset', 'slow', 'blocking'];

const withAcl = <T extends object>(meta: T, acl: string[]) => ({ ...meta, acl });

export const zsetCommands: CommandSpec[] = [
  cmd(
    'zadd',
    -4,
    W_FAST,
    [1, 1, 1],
    withAcl(
      Z(
        'Adds members with scores, or updates their scores',
        '1.2.0',
        'key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]',
      ),
      ACL_W_FAST,
    ),
    (c) => zaddGeneric(c, false),
  ),
  cmd(
    'zincrby',
    4,
    W_FAST,
    [1, 1, 1],
    withAcl(Z("Increments a member's score", '1.2.0', 'key increment member'), ACL_W_FAST),
    (c) => zaddGeneric(c, true),
  ),
  cmd(
    'zrem',
    -3,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes members', '1.2.0', 'key member [member ...]'), ACL_W_FAST),
    zrem,
  ),
  cmd(
    'zscore',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z("Returns a member's score", '1.2.0', 'key member'), ACL_R_FAST),
    zscore,
  ),
  cmd(
    'zmscore',
    -3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the scores of several members', '6.2.0', 'key member [member ...]'), ACL_R_FAST),
    zmscore,
  ),
  cmd('zcard', 2, R_FAST, [1, 1, 1], withAcl(Z('Returns the number of members', '1.2.0', 'key'), ACL_R_FAST), zcard),
  cmd(
    'zcount',
    4,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Counts members within a score range', '2.0.0', 'key min max'), ACL_R_FAST),
    zcount,
  ),
  cmd(
    'zlexcount',
    4,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Counts members within a lexicographical range', '2.8.9', 'key min max'), ACL_R_FAST),
    zlexcount,
  ),
  cmd(
    'zrange',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z(
        'Returns members in a range of ranks, scores or names',
        '1.2.0',
        'key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_AUTO, DIR_AUTO),
  ),
  cmd(
    'zrangestore',
    -5,
    ['write', 'denyoom'],
    [1, 2, 1],
    withAcl(
      Z(
        'Stores a range of a sorted set in another key',
        '6.2.0',
        'dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]',
      ),
      ACL_W_SLOW,
    ),
    (c) => zrangeGeneric(c, 2, true, BY_AUTO, DIR_AUTO),
  ),
  cmd(
    'zrangebyscore',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a score range', '1.0.5', 'key min max [WITHSCORES] [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_SCORE, DIR_FWD),
  ),
  cmd(
    'zrevrangebyscore',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z(
        'Returns members within a score range, highest first',
        '2.2.0',
        'key max min [WITHSCORES] [LIMIT offset count]',
      ),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_SCORE, DIR_REV),
  ),
  cmd(
    'zrangebylex',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a lexicographical range', '2.8.9', 'key min max [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_LEX, DIR_FWD),
  ),
  cmd(
    'zrevrangebylex',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a lexicographical range, highest first', '2.8.9', 'key max min [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_LEX, DIR_REV),
  ),
  cmd(
    'zrevrange',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members in a range of ranks, highest first', '1.2.0', 'key start stop [WITHSCORES]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_RANK, DIR_REV),
  ),
  cmd(
    'zrank',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the rank of a member, lowest score first', '2.0.0', 'key member'), ACL_R_FAST),
    (c) => zrankGeneric(c, false),
  ),
  cmd(
    'zrevrank',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the rank of a member, highest score first', '2.0.0', 'key member'), ACL_R_FAST),
    (c) => zrankGeneric(c, true),
  ),
  cmd(
    'zpopmin',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes and returns the lowest-scored members', '5.0.0', 'key [count]'), ACL_W_FAST),
    zpopmin,
  ),
  cmd(
    'zpopmax',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes and returns the highest-scored members', '5.0.0', 'key [count]'), ACL_W_FAST),
    zpopmax,
  ),
  cmd(
    'bzpopmin',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    withAcl(
      Z('Pops the lowest-scored member, blocking until one exists', '5.0.0', 'key [key ...] timeout'),
      ACL_BLOCK_FAST,
    ),
    bzpopmin,
  ),
  cmd(
    'bzpopmax',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    withAcl(
      Z('Pops the highest-scored member, blocking until one exists', '5.0.0', 'key [key ...] timeout'),
      ACL_BLOCK_FAST,
    ),
    bzpopmax,
  ),
  cmd(
    'zmpop',
    -4,
    ['write', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z('Pops members from the first non-empty sorted set', '7.0.0', 'numkeys key [key ...] MIN|MAX [COUNT count]'),
      ACL_W_SLOW,
    ),
    zmpop,
    { getKeys: mpopKeys(1) },
  ),
  cmd(
    'bzmpop',
    -5,
    ['write', 'blocking', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Pops members from the first non-empty sorted set, blocking until one exists',
        '7.0.0',
        'timeout numkeys key [key ...] MIN|MAX [COUNT count]',
      ),
      ACL_BLOCK_SLOW,
    ),
    bzmpop,
    { getKeys: mpopKeys(2) },
  ),
  cmd(
    'zunion',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Returns the union of sorted sets',
        '6.2.0',
        'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    zunion,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zinter',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Returns the intersection of sorted sets',
        '6.2.0',
        'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    zinter,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zdiff',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(Z('Returns the difference of sorted sets', '6.2.0', 'numkeys key [key ...] [WITHSCORES]'), ACL_R_SLOW),
    zdiff,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zintercard',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z('Counts the members of the intersection of sorted sets', '7.0.0', 'numkeys key [key ...] [LIMIT limit]'),
      ACL_R_SLOW,
    ),
    zintercard,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zunionstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(
      Z(
        'Stores the union of sorted sets',
        '2.0.0',
        'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]',
      ),
      ACL_W_SLOW,
    ),
    zunionstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zinterstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(
      Z(
        'Stores the intersection of sorted sets',
        '2.0.0',
        'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]',
      ),
      ACL_W_SLOW,
    ),
    zinterstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zdiffstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(Z('Stores the difference of sorted sets', '6.2.0', 'destination numkeys key [key ...]'), ACL_W_SLOW),
    zdiffstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zremrangebyrank',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a range of ranks', '2.0.0', 'key start stop'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_RANK),
  ),
  cmd(
    'zremrangebyscore',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a score range', '1.2.0', 'key min max'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_SCORE),
  ),
  cmd(
    'zremrangebylex',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a lexicographical range', '2.8.9', 'key min max'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_LEX),
  ),
  cmd(
    'zrandmember',
    -2,
    ['readonly'],
    [1, 1, 1],
    withAcl(Z('Returns random members', '6.2.0', 'key [count [WITHSCORES]]'), ACL_R_SLOW),
    zrandmember,
  ),
  cmd(
    'zscan',
    -3,
    ['readonly'],
    [1, 1, 1],
    withAcl(Z('Iterates over members and scores', '2.8.0', 'key cursor [MATCH pattern] [COUNT count]'), ACL_R_SLOW),
    zscan,
  ),
];
