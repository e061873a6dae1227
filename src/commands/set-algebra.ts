/**
 * Set algebra: SINTER SINTERSTORE SINTERCARD SUNION SUNIONSTORE SDIFF SDIFFSTORE.
 * Results are built the way Redis 7.0 builds them (a fresh set filled member by member, starting as an intset), so
 * the destination of a *STORE gets the same OBJECT ENCODING as in Redis, and small intset results come out sorted.
 * Every source key is type-checked before anything is computed, a missing key being an empty set.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { SetValue } from '../store/types/set';
import { type CommandSpec, cmd } from './command';
import { WRONG, lookup } from './util';

export const setMeta = (summary: string, since: string, args: string, complexity?: string) => ({
  group: 'set',
  summary,
  since,
  args,
  complexity,
});

/** Replies a whole set (RESP3 set type) in its iteration order: ascending for an intset. */
export function replySet(c: Client, s: SetValue | undefined): void {
  const out = c.out;
  if (s === undefined) {
    out.setLen(0);
    return;
  }
  out.setLen(s.size);
  const ints = s.intset();
  if (ints !== null) {
    for (let i = 0; i < ints.length; i++) out.bulk(String(ints[i]));
  } else {
    for (const m of s.table() as ReadonlySet<Bytes>) out.bulk(m);
  }
}

/**
 * Looks up argv[from .. from+n-1] as sets. Returns null after WRONGTYPE; missing keys are null entries. Like Redis,
 * a wrong type anywhere is reported even when an earlier key is missing.
 */
function loadSets(c: Client, from: number, n: number): (SetValue | null)[] | null {
  const sets: (SetValue | null)[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const s = lookup(c, c.argv[from + j], 'set');
    if (s === WRONG) return null;
    sets[j] = s ?? null;
  }
  return sets;
}

/** Stores a *STORE result: replaces dst (dropping its TTL), or deletes dst when the result is empty. */
function storeResult(c: Client, dst: Bytes, result: SetValue): void {
  const n = result.size;
  if (n > 0) {
    c.db.set(dst, result);
    c.srv.dirty++;
  } else if (c.db.delete(dst)) {
    c.srv.dirty++;
  }
  c.out.int(n);
}

const MODE_REPLY = 0;
const MODE_STORE = 1;
const MODE_CARD = 2;

/** SINTER / SINTERSTORE / SINTERCARD over `n` keys from argv[from]. `limit` 0 = no limit (SINTERCARD). */
function interGeneric(c: Client, from: number, n: number, mode: number, dst: Bytes, limit: number): void {
  const loaded = loadSets(c, from, n);
  if (loaded === null) return;
  if (loaded.includes(null)) {
    // Intersecting with an empty set: empty result.
    if (mode === MODE_STORE) storeResult(c, dst, new SetValue());
    else if (mode === MODE_CARD) c.out.int(0);
    else c.out.setLen(0);
    return;
  }
  // Smallest first: it drives the iteration, the others are only probed.
  const sets = (loaded as SetValue[]).sort((a, b) => a.size - b.size);
  const first = sets[0];
  const found: Bytes[] = [];
  let card = 0;
  for (const m of first) {
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== first && !sets[j].has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    card++;
    if (mode === MODE_CARD) {
      if (limit > 0 && card >= limit) break;
    } else {
      found.push(m);
    }
  }
  if (mode === MODE_CARD) {
    c.out.int(card);
  } else if (mode === MODE_STORE) {
    storeResult(c, dst, SetValue.fromMembers(found, c.srv.config.num('set-max-intset-entries')));
  } else {
    c.out.setLen(found.length);
    for (const m of found) c.out.bulk(m);
  }
}

const OP_UNION = 0;
const OP_DIFF = 1;

/** SUNION / SDIFF (and their STORE forms when dst is not null) over `n` keys from argv[from]. */
function unionDiffGeneric(c: Client, from: number, n: number, op: number, dst: Bytes | null): void {
  const sets = loadSets(c, from, n);
  if (sets === null) return;
  const max = c.srv.config.num('set-max-intset-entries');
  const result = new SetValue();
  const first = sets[0];
  if (op === OP_UNION) {
    for (const s of sets) {
      if (s !== null) for (const m of s) result.add(m, max);
    }
  } else if (first !== null && !sets.includes(first, 1)) {
    diffInto(result, first, sets, max);
  }
  if (dst !== null) storeResult(c, dst, result);
  else replySet(c, result);
}

/**
 * first minus the others, with Redis' choice between its two algorithms, since that choice decides the result's
 * encoding: (1) add each member of first found in no other set; (2) add all of first, then remove the others'
 * members. (2) can leave a hashtable where (1) builds an intset.
 */
function diffInto(result: SetValue, first: SetValue, sets: (SetValue | null)[], max: number): void {
  let work1 = 0;
  let work2 = 0;
  for (const s of sets) {
    if (s === null) continue;
    work1 += first.size;
    work2 += s.size;
  }
  work1 = Math.floor(work1 / 2);
  if (work1 <= work2) {
    // Probe bigger sets first: they are the likeliest to contain the member.
    const others = sets.slice(1).filter((s): s is SetValue => s !== null);
    others.sort((a, b) => b.size - a.size);
    for (const m of first) {
      let found = false;
      for (const s of others) {
        if (s.has(m)) {
          found = true;
          break;
        }
      }
      if (!found) result.add(m, max);
    }
    return;
  }
  for (const m of first) result.add(m, max);
  for (let j = 1; j < sets.length; j++) {
    const s = sets[j];
    if (s === null) continue;
    for (const m of s) result.delete(m);
    if (result.size === 0) break;
  }
}

function sintercard(c: Client): void {
  const argv = c.argv;
  const numkeys = parseLong(argv[1]);
  if (numkeys === null || numkeys < 1) return c.error('ERR numkeys should be greater than 0');
  if (numkeys > argv.length - 2) return c.error("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'limit' && j + 1 < argv.length) {
      j++;
      const l = parseLong(argv[j]);
      if (l === null || l < 0) return c.error("ERR LIMIT can't be negative");
      limit = l;
    } else {
      return c.syntaxError();
    }
  }
  interGeneric(c, 2, numkeys, MODE_CARD, '', limit);
}

/** Key positions of SINTERCARD: numkeys keys after the count (none when the count is unusable). */
function sintercardKeys(argv: readonly string[]): number[] {
  const n = parseLong(argv[1] ?? '');
  if (n === null || n < 1 || n > argv.length - 2) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(2 + i);
  return out;
}

const KEYS_ALL: [number, number, number] = [1, -1, 1];

export const setAlgebraCommands: CommandSpec[] = [
  cmd(
    'sinter',
    -2,
    ['readonly'],
    KEYS_ALL,
    setMeta('Returns the intersection of sets', '1.0.0', 'key [key ...]', 'O(N*M) worst case'),
    (c) => interGeneric(c, 1, c.argv.length - 1, MODE_REPLY, '', 0),
  ),
  cmd(
    'sinterstore',
    -3,
    ['write', 'denyoom'],
    KEYS_ALL,
    setMeta('Stores the intersection of sets in a key', '1.0.0', 'destination key [key ...]', 'O(N*M) worst case'),
    (c) => interGeneric(c, 2, c.argv.length - 2, MODE_STORE, c.argv[1], 0),
  ),
  cmd(
    'sintercard',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    setMeta(
      'Returns the size of the intersection of sets',
      '7.0.0',
      'numkeys key [key ...] [LIMIT limit]',
      'O(N*M) worst case',
    ),
    sintercard,
    { getKeys: sintercardKeys },
  ),
  cmd(
    'sunion',
    -2,
    ['readonly'],
    KEYS_ALL,
    setMeta('Returns the union of sets', '1.0.0', 'key [key ...]', 'O(N)'),
    (c) => unionDiffGeneric(c, 1, c.argv.length - 1, OP_UNION, null),
  ),
  cmd(
    'sunionstore',
    -3,
    ['write', 'denyoom'],
    KEYS_ALL,
    setMeta('Stores the union of sets in a key', '1.0.0', 'destination key [key ...]', 'O(N)'),
    (c) => unionDiffGeneric(c, 2, c.argv.length - 2, OP_UNION, c.argv[1]),
  ),
  cmd(
    'sdiff',
    -2,
    ['readonly'],
    KEYS_ALL,
    setMeta('Returns the difference of the first set and the others', '1.0.0', 'key [key ...]', 'O(N)'),
    (c) => unionDiffGeneric(c, 1, c.argv.length - 1, OP_DIFF, null),
  ),
  cmd(
    'sdiffstore',
    -3,
    ['write', 'denyoom'],
    KEYS_ALL,
    setMeta('Stores the difference of sets in a key', '1.0.0', 'destination key [key ...]', 'O(N)'),
    (c) => unionDiffGeneric(c, 2, c.argv.length - 2, OP_DIFF, c.argv[1]),
  ),
];
