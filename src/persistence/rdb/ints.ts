/**
 * Integer helpers for the RDB codec: recognising canonical decimal integers (the test Redis applies before storing a
 * string as an integer in RDB strings, listpacks and intsets) and exact little-endian int64 reads/writes. Values that
 * do not fit a double exactly travel as bigint, so no digit is ever lost.
 */
import type { Bytes } from '../../protocol/bytes';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses `s` when it is a canonical int64 (what Redis' string2ll accepts: optional '-', no leading zeros, no '+',
 * no spaces, not "-0"). Returns a number when exact as a double, a bigint for larger int64 values, null otherwise.
 */
export function canonicalInt(s: Bytes): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    if (n === 1) return null;
    c = s.charCodeAt(1);
    i = 1;
  }
  if (c === 48 /* 0 */) return n === 1 ? 0 : null;
  if (c < 49 || c > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  // Up to 15 digits the accumulated value is exact.
  if (n <= 15) return s.charCodeAt(0) === 45 ? -v : v;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  if (b <= 9007199254740991n && b >= -9007199254740991n) return Number(b);
  return b;
}

/** Quick pre-check: can `s` possibly be a canonical integer of at most `maxLen` chars? (avoids most parse calls) */
export function maybeInt(s: Bytes, maxLen: number): boolean {
  const n = s.length;
  if (n === 0 || n > maxLen) return false;
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45;
}

/** Reads a signed int64 LE as an exact decimal string. */
export function readInt64LEString(b: Uint8Array, at: number): string {
  const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  const hi = b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24); // signed
  // |v| < 2^53 when hi is in [-2^21, 2^21): then the double is exact.
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * 4294967296 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Reads a signed int64 LE as a number (exact for |v| < 2^53; used for timestamps). */
export function readInt64LE(b: Uint8Array, at: number): number {
  const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  const hi = b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24);
  return hi * 4294967296 + lo;
}

/** Writes a signed int64 LE (number must be an integer; exact up to 2^53, bigint beyond). */
export function writeInt64LE(b: Uint8Array, at: number, v: number | bigint): void {
  let lo: number;
  let hi: number;
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    lo = Number(u & 0xffffffffn);
    hi = Number(u >> 32n);
  } else {
    lo = v >>> 0; // low 32 bits of the two's complement form (ToUint32 is modular)
    hi = Math.floor(v / 4294967296) >>> 0;
  }
  b[at] = lo & 0xff;
  b[at + 1] = (lo >>> 8) & 0xff;
  b[at + 2] = (lo >>> 16) & 0xff;
  b[at + 3] = lo >>> 24;
  b[at + 4] = hi & 0xff;
  b[at + 5] = (hi >>> 8) & 0xff;
  b[at + 6] = (hi >>> 16) & 0xff;
  b[at + 7] = hi >>> 24;
}

/** Compares two int64 values given as number | bigint. */
export function cmpInt(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
