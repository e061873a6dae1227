/**
 * INCRBYFLOAT arithmetic with the exact results of Redis on x86-64, where it computes in C `long double` (x87 80-bit
 * extended: 64-bit mantissa, 15-bit exponent): parse with strtold (correctly rounded), add (correctly rounded), print
 * with "%.17Lf" (exact decimal expansion, ties to even) and strip trailing zeros. JS doubles would give visibly
 * different strings (0.1 + 0.2), so values are carried as BigInt mantissa * 2^exponent and every rounding is done
 * explicitly, round-half-even like the FPU's default mode.
 */
import type { Bytes } from './bytes';

/** A finite extended-precision value: (-1)^neg * m * 2^e, with m < 2^64. Zero is m = 0. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
}

/** Smallest exponent of a 64-bit mantissa: subnormals bottom out at 2^-16445. */
const EMIN = -16445;
/** Values at or above 2^16384 overflow to infinity. */
const EMAX_BITS = 16384;
const MANT_BITS = 64;
/** strtold's input buffer in Redis: longer strings are rejected outright. */
const MAX_CHARS = 5 * 1024;
/** A decimal whose magnitude exceeds these powers of ten is certainly infinite / certainly rounds to zero. */
const DEC_OVERFLOW = 4934;
const DEC_UNDERFLOW = -4953;

const DEC_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;

export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_NAN_INF = 'ERR increment would produce NaN or Infinity';

function bitLength(n: bigint): number {
  // toString(16) is far cheaper than repeated shifts for big values
  if (n === 0n) return 0;
  const h = n.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(h[0], 16)));
}

/**
 * Rounds the exact value n * 2^e (plus "a little more" when sticky: the caller truncated a nonzero remainder) to the
 * long double grid, ties to even. Returns null on overflow.
 */
function round(neg: boolean, n: bigint, e: number, sticky: boolean): LongDouble | null {
  if (n === 0n) return { neg, m: 0n, e: 0 };
  const len = bitLength(n);
  let shift = len - MANT_BITS;
  if (e + shift < EMIN) shift = EMIN - e; // subnormal range: fewer mantissa bits
  if (shift > 0) {
    const big = BigInt(shift);
    let q = n >> big;
    const rem = n - (q << big);
    const half = 1n << (big - 1n);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
    n = q;
    e += shift;
    if (n >> 64n !== 0n) {
      n >>= 1n;
      e += 1;
    }
  }
  if (n !== 0n && bitLength(n) + e > EMAX_BITS) return null;
  return { neg, m: n, e };
}

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** Rounds sign * digits * 10^exp10 (digits a decimal integer string) to the nearest long double; null = overflow. */
function fromDecimal(neg: boolean, digits: string, exp10: number): LongDouble | null {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  digits = digits.slice(i);
  if (digits.length === 0) return { neg, m: 0n, e: 0 };
  const magnitude = digits.length + exp10; // value < 10^magnitude
  if (magnitude > DEC_OVERFLOW) return null;
  if (magnitude < DEC_UNDERFLOW) return { neg, m: 0n, e: 0 };
  const d = BigInt(digits);
  if (exp10 >= 0) return round(neg, d * pow10(exp10), 0, false);
  const p = pow10(-exp10);
  // Scale so the quotient carries at least 66 significant bits: enough for a correct round-to-nearest with sticky.
  const s = Math.max(0, MANT_BITS + 3 + bitLength(p) - bitLength(d));
  const num = d << BigInt(s);
  const q = num / p;
  return round(neg, q, -s, q * p !== num);
}

/**
 * Parses bytes as strtold would inside Redis' string2ld: the whole string must be a number (no spaces, no NUL),
 * at most 5119 chars, decimal or hex-float, "inf"/"infinity" allowed, NaN rejected, and overflow or underflow to
 * zero rejected. Returns null when invalid, 'inf'/'-inf' for infinities.
 */
export function parseLongDouble(s: Bytes): LongDouble | 'inf' | '-inf' | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = DEC_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intPart = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    let exp = 0;
    if (m[5] !== undefined) {
      // Clamp absurd exponents before they reach BigInt; any |exp| this large is already over/underflow.
      const ev = Number(m[5]);
      exp = Math.max(-1e6, Math.min(1e6, ev));
    }
    const r = fromDecimal(neg, intPart + frac, exp - frac.length);
    if (r === null) return null;
    if (r.m === 0n && /[1-9]/.test(intPart + frac)) return null; // underflow to zero: ERANGE
    return r;
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intPart = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    let exp = 0;
    if (m[5] !== undefined) exp = Math.max(-1e6, Math.min(1e6, Number(m[5])));
    const hex = (intPart + frac).replace(/^0+/, '');
    if (hex.length === 0) return { neg, m: 0n, e: 0 };
    const e2 = exp - 4 * frac.length;
    const top = (hex.length - 0) * 4 + e2;
    if (top > EMAX_BITS + 8) return null;
    if (top < EMIN - 8) return null; // underflows to zero
    const r = round(neg, BigInt(`0x${hex}`), e2, false);
    if (r === null || r.m === 0n) return null;
    return r;
  }
  if (INF_RE.test(s)) return s[0] === '-' ? '-inf' : 'inf';
  return null;
}

/** Correctly rounded a + b; null when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e);
  const mb = b.m << BigInt(b.e - e);
  const sa = a.neg ? -ma : ma;
  const sb = b.neg ? -mb : mb;
  const sum = sa + sb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 }; // x + (-x) is +0 when rounding to nearest
  return sum < 0n ? round(true, -sum, e, false) : round(false, sum, e, false);
}

/** "%.17Lf" with trailing zeros (and a bare '.') removed, and "-0" turned into "0", as Redis' human format. */
export function formatLongDouble(v: LongDouble): string {
  let text: string;
  if (v.e >= 0) {
    text = (v.m << BigInt(v.e)).toString();
  } else {
    const k = BigInt(-v.e);
    const scaled = v.m * 100000000000000000n; // 10^17
    let q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const digits = q.toString().padStart(18, '0');
    const intPart = digits.slice(0, -17);
    let end = digits.length;
    while (end > intPart.length && digits.charCodeAt(end - 1) === 48) end--;
    text = end > intPart.length ? `${intPart}.${digits.slice(intPart.length, end)}` : intPart;
  }
  if (!v.neg || text === '0') return text;
  return `-${text}`;
}

/** True when `s` is accepted as a float operand by INCRBYFLOAT / HINCRBYFLOAT (strtold rules, see parseLongDouble). */
export function isValidLongDouble(s: Bytes): boolean {
  return parseLongDouble(s) !== null;
}

/**
 * INCRBYFLOAT: `current` is the key's value ("0" when missing), `incr` the argument. Either operand invalid gives
 * ERR_NOT_FLOAT (current checked first); an infinite or NaN result gives ERR_NAN_INF. Error texts include the
 * "ERR " prefix, ready for c.error(). HINCRBYFLOAT, whose messages differ per operand, can pre-check with
 * isValidLongDouble().
 */
export function incrByFloat(current: Bytes, incr: Bytes): { value: Bytes } | { error: string } {
  const a = parseLongDouble(current);
  if (a === null) return { error: ERR_NOT_FLOAT };
  const b = parseLongDouble(incr);
  if (b === null) return { error: ERR_NOT_FLOAT };
  if (typeof a === 'string' || typeof b === 'string') return { error: ERR_NAN_INF };
  const sum = addLongDouble(a, b);
  if (sum === null) return { error: ERR_NAN_INF };
  return { value: formatLongDouble(sum) };
}
