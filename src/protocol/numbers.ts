/**
 * Number <-> bytes conversions with Redis' exact rules (string2ll, strtod-based parsing, %.17g replies).
 * Kept pure so every command family parses arguments the same way.
 */
import type { Bytes } from './bytes';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** True when `s` is a canonical int64 in Redis' string2ll sense: no '+', no leading zeros, no spaces, not "-0". */
function isCanonicalIntSyntax(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1; // "0" only; "-0" and "01" are rejected
  if (first < 49 || first > 57) return false;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Parses an int64 as Redis' string2ll does. Returns a JS number (exact up to 2^53, approximate beyond; fine for
 * counts, indices and timeouts that are clamped anyway) or null when the bytes are not an int64.
 */
export function parseLong(s: Bytes): number | null {
  if (!isCanonicalIntSyntax(s)) return null;
  if (s.length < 16) return +s;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  return Number(b);
}

/** Parses an int64 exactly (for arithmetic such as INCRBY). Null when not an int64. */
export function parseLongExact(s: Bytes): bigint | null {
  if (!isCanonicalIntSyntax(s)) return null;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  return b;
}

export function inInt64Range(b: bigint): boolean {
  return b <= INT64_MAX && b >= INT64_MIN;
}

export { INT64_MAX, INT64_MIN };

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)$/i;
const HEX_FLOAT_RE = /^[+-]?0x[0-9a-f]+$/i;

/**
 * Parses a double like Redis' string2d/strtod: no leading/trailing space, "inf"/"-inf"/"+inf" accepted,
 * NaN rejected. Returns null on bad input.
 */
export function parseDouble(s: Bytes): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  if (!FLOAT_RE.test(s)) {
    if (HEX_FLOAT_RE.test(s)) return Number.parseInt(s, 16);
    return null;
  }
  const c = s.charCodeAt(s[0] === '-' || s[0] === '+' ? 1 : 0) | 0x20;
  if (c === 0x69 /* i */) return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** Formats a double as C's "%.17g" (Redis' reply format for scores and RESP3 doubles). */
export function formatDouble(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return 'inf';
  if (d === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Safe integers (counters, timestamps as scores): %.17g prints all their digits, exactly what String() prints.
  if (Number.isSafeInteger(d)) return String(d);
  // toExponential(16) gives exactly the 17 significant digits %.17g rounds to, plus the decimal exponent.
  const [mant, e] = d.toExponential(16).split('e');
  const expo = Number(e);
  if (expo < -4 || expo >= 17) {
    const m = mant.replace(/\.?0+$/, '');
    const a = Math.abs(expo);
    return `${m}e${expo < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  const neg = d < 0 ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (expo >= 0) {
    const frac = digits.slice(expo + 1);
    out = frac.length ? `${digits.slice(0, expo + 1)}.${frac}` : digits.slice(0, expo + 1);
  } else {
    out = `0.${'0'.repeat(-expo - 1)}${digits}`;
  }
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return neg + out;
}

/** Formats an integer reply or stored integer. */
export function formatLong(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}
