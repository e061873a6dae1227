/**
 * Helpers shared by command families: typed key lookup with WRONGTYPE, and argument parsing with Redis' errors.
 * Each returns `null` after replying with the error, so handlers can `if (x === null) return;`.
 */
import type { Bytes } from '../protocol/bytes';
import { parseDouble, parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { TypeName } from '../store/value';
import type { HashValue } from '../store/types/hash';
import type { ListValue } from '../store/types/list';
import type { SetValue } from '../store/types/set';
import type { ZSetValue } from '../store/types/zset';

interface TypeMap {
  string: Bytes;
  list: ListValue;
  hash: HashValue;
  set: SetValue;
  zset: ZSetValue;
}

/** Sentinel for "the key holds another type; WRONGTYPE was replied". */
export const WRONG = Symbol('wrongtype');

/**
 * Looks up `key` in the client's db expecting `type`. Returns the value, undefined if missing, or WRONG after
 * replying -WRONGTYPE. Counts keyspace hits/misses as Redis' lookupKeyRead does.
 */
export function lookup<K extends TypeName>(c: Client, key: Bytes, type: K): TypeMap[K] | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) {
    c.srv.stats.keyspaceMisses++;
    return undefined;
  }
  c.srv.stats.keyspaceHits++;
  const t = typeof v === 'string' ? 'string' : v.type;
  if (t !== type) {
    c.wrongType();
    return WRONG;
  }
  return v as TypeMap[K];
}

/** Integer argument (int64 semantics); replies "value is not an integer or out of range" on failure. */
export function argLong(c: Client, s: Bytes): number | null {
  const n = parseLong(s);
  if (n === null) c.notInteger();
  return n;
}

/** Float argument; replies "value is not a valid float" on failure. */
export function argDouble(c: Client, s: Bytes): number | null {
  const n = parseDouble(s);
  if (n === null) c.notFloat();
  return n;
}

/**
 * Timeout argument of blocking commands (seconds, may be fractional). Returns milliseconds (0 = forever), or null
 * after replying "timeout is not a float or out of range" / "timeout is negative".
 * Mirrors Redis 7.0's arithmetic: ceil(seconds * 1000) in long double, then a conversion to int64 that turns +-inf and
 * anything beyond int64 into INT64_MIN ("negative"); a deadline that overflows int64 never fires.
 */
export function argTimeout(c: Client, s: Bytes): number | null {
  const d = parseDouble(s);
  if (d === null || Number.isNaN(d)) {
    c.error('ERR timeout is not a float or out of range');
    return null;
  }
  let ms = Math.ceil(d * 1000);
  // long double rounds -0.001 * 1000 to just above -1, so it means "forever" there, not "negative"
  if (ms === -1 && d * 1000 === -1) ms = 0;
  // a positive value too small for a double (1e-400) is still a positive long double: 1 ms
  if (d === 0 && s[0] !== '-' && /[1-9]/.test(s.split(/[eE]/)[0])) ms = 1;
  if (ms < 0 || ms > 2 ** 63) {
    c.error('ERR timeout is negative');
    return null;
  }
  if (ms > 0 && ms + Date.now() >= 2 ** 63) return 0;
  return ms === 0 ? 0 : ms;
}

export interface ScanArgs {
  cursor: bigint;
  count: number;
  pattern: Bytes | null;
  type: Bytes | null;
}

/**
 * A SCAN cursor as Redis reads it with strtoul: optional sign then decimal digits, a negative value wraps modulo
 * 2^64, the empty string is 0; leading space, other trailing bytes and values beyond 2^64-1 are invalid (null).
 */
export function parseScanCursor(s: Bytes): bigint | null {
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null || (m[2] === '' && s !== '')) return null;
  const digits = m[2].replace(/^0+/, '');
  if (digits.length > 20) return null;
  const v = digits === '' ? 0n : BigInt(digits);
  if (v > 18446744073709551615n) return null;
  return m[1] === '-' && v !== 0n ? 18446744073709551616n - v : v;
}

/**
 * Parses `<cursor> [MATCH pattern] [COUNT count] [TYPE type]` starting at argv[cursorIdx]. TYPE only when allowType.
 * Replies with Redis' error and returns null on bad input.
 */
export function parseScanArgs(c: Client, cursorIdx: number, allowType: boolean): ScanArgs | null {
  const argv = c.argv;
  const cursor = parseScanCursor(argv[cursorIdx]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return null;
  }
  const out: ScanArgs = { cursor, count: 10, pattern: null, type: null };
  for (let i = cursorIdx + 1; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    if (i + 1 >= argv.length) {
      c.syntaxError();
      return null;
    }
    if (opt === 'count') {
      const n = parseLong(argv[i + 1]);
      if (n === null) {
        c.notInteger();
        return null;
      }
      if (n < 1) {
        c.syntaxError();
        return null;
      }
      out.count = n;
    } else if (opt === 'match') {
      out.pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else if (opt === 'type' && allowType) {
      out.type = argv[i + 1].toLowerCase();
    } else {
      c.syntaxError();
      return null;
    }
  }
  return out;
}
