/**
 * Value syntaxes shared by the directive table: Redis' memory units, its integer/octal rules, the formats CONFIG
 * REWRITE writes back, and sdscatrepr-style quoting. Pure functions, no state.
 */

export class ConfigError extends Error {}

export const INT_MIN = -2147483648n;
export const INT_MAX = 2147483647n;
export const UINT_MAX = 4294967295n;
export const LLONG_MAX = 9223372036854775807n;
export const ULLONG_MAX = 18446744073709551615n;
const TWO64 = 18446744073709551616n;

/** Reinterprets an unsigned 64-bit quantity as signed, the way a C cast to long long does. */
export function toSigned64(v: bigint): bigint {
  const u = ((v % TWO64) + TWO64) % TWO64;
  return u > LLONG_MAX ? u - TWO64 : u;
}

/** And back: a signed 64-bit value seen as unsigned. */
export function toUnsigned64(v: bigint): bigint {
  return ((v % TWO64) + TWO64) % TWO64;
}

const UNIT: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * Parses a memory amount like Redis: digits followed by an optional unit (k=1000, kb=1024, m, mb, g, gb, b; any
 * case). No sign allowed. Overflow wraps modulo 2^64 as the C arithmetic does. Null on bad syntax. Note the quirk
 * kept from Redis: an empty digit run counts as 0, so "" and "kb" are 0.
 */
export function parseMemoryExact(v: string): bigint | null {
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  const mul = UNIT[v.slice(i).toLowerCase()];
  if (mul === undefined || i >= 128) return null;
  let n = i === 0 ? 0n : BigInt(v.slice(0, i));
  if (n > ULLONG_MAX) n = ULLONG_MAX; // strtoull saturates
  return (n * mul) % TWO64;
}

/** Parses Redis memory units to a JS number (NaN on bad input). Kept for callers wanting a plain number. */
export function parseMemory(v: string): number {
  if (v.startsWith('-')) {
    const n = parseMemoryExact(v.slice(1));
    return n === null ? Number.NaN : -Number(n);
  }
  const n = parseMemoryExact(v);
  return n === null ? Number.NaN : Number(n);
}

/** string2ll: canonical decimal int64 only (no '+', no leading zeros, no spaces). */
export function parseStrictInt(v: string): bigint | null {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(v) || v.length > 20) return null;
  const n = BigInt(v);
  return n > LLONG_MAX || n < -LLONG_MAX - 1n ? null : n;
}

/**
 * strtoll(v, &end, base) that must consume the whole string: leading blanks and a sign allowed, and (a C quirk Redis
 * inherits) an empty string parses as 0. Null on junk or overflow.
 */
export function parseCLong(v: string, base: 8 | 10): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)$/.exec(v);
  if (!m) return null;
  if (m[2] === '') return v === '' ? 0n : null;
  if (base === 8 && !/^[0-7]+$/.test(m[2])) return null;
  let n = base === 8 ? BigInt(`0o${m[2]}`) : BigInt(m[2]);
  if (m[1] === '-') n = -n;
  return n > LLONG_MAX || n < -LLONG_MAX - 1n ? null : n;
}

/** CONFIG REWRITE's memory format: the largest of gb/mb/kb dividing the value exactly. */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % 1024n === 0n) return `${bytes / 1024n}kb`;
  return String(bytes);
}

/** Quotes a string like Redis' sdscatrepr: always in double quotes, with C escapes for unprintable bytes. */
export function reprQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x5c) out += '\\\\';
    else if (ch === 0x22) out += '\\"';
    else if (ch === 0x0a) out += '\\n';
    else if (ch === 0x0d) out += '\\r';
    else if (ch === 0x09) out += '\\t';
    else if (ch === 0x07) out += '\\a';
    else if (ch === 0x08) out += '\\b';
    else if (ch >= 0x20 && ch < 0x7f) out += s[i];
    else out += `\\x${ch.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** C's "%f" followed by Redis' trimDoubleString (drop trailing zeros and a dangling dot). */
export function formatPercentile(d: number): string {
  let s = d.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

// ---- notify-keyspace-events --------------------------------------------------------------------------------------

const NOTIFY: Record<string, number> = {
  K: 1 << 0,
  E: 1 << 1,
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  t: 1 << 10,
  m: 1 << 11,
  d: 1 << 13,
  n: 1 << 14,
};
/** 'A' is every class except key-miss and new-key events (those must be asked for explicitly). */
const NOTIFY_ALL = 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x2000;

/** Flags of a notify-keyspace-events string, or -1 when it holds an unknown class character. */
export function keyspaceEventFlags(classes: string): number {
  let flags = 0;
  for (const ch of classes) {
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (NOTIFY[ch] !== undefined) flags |= NOTIFY[ch];
    else return -1;
  }
  return flags;
}

/** The canonical spelling CONFIG GET prints for a set of flags (e.g. "AKE"). */
export function keyspaceEventString(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else for (const ch of 'g$lshzxetdn') if (flags & NOTIFY[ch]) s += ch;
  if (flags & NOTIFY.K) s += 'K';
  if (flags & NOTIFY.E) s += 'E';
  if (flags & NOTIFY.m) s += 'm';
  return s;
}

// ---- errno texts --------------------------------------------------------------------------------------------------

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EEXIST: 'File exists',
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
};

/** The C library's strerror() text for a Node system error, so messages read exactly like Redis'. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && STRERROR[code]) return STRERROR[code];
  const msg = (err as Error | null)?.message ?? String(err);
  const m = /^[A-Z]+: ([^,]+)/.exec(msg);
  const text = m ? m[1] : msg;
  return text.charAt(0).toUpperCase() + text.slice(1);
}
