/**
 * Argument parsing and reply helpers shared by the sorted-set command files.
 *
 * Redis parses sorted-set numbers with C strtod in two different ways, and clients can tell them apart:
 * - scores, increments and weights must be the whole argument, with no leading space, no NaN, and no overflow or
 *   underflow to zero ("1e400" and "1e-400" are rejected; "inf" and hex floats such as "0x1p3" are accepted);
 * - range bounds ("(1.5", "-inf") only need strtod to stop at the end of the C string: leading spaces pass,
 *   overflow saturates to inf, an empty bound is 0, and an embedded NUL ends the number.
 */
import type { Bytes } from '../protocol/bytes';
import type { ReplyWriter } from '../protocol/resp-writer';
import type { Client } from '../server/client';
import { LEX_MINUS, LEX_PLUS, LEX_VALUE, type LexRange, type ScoreRange } from '../store/types/skiplist';
import type { ZSetValue } from '../store/types/zset';
import { WRONG } from './util';

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Case-insensitive match of lower-case ASCII `word` at s[i]. */
function matchWord(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

// Results of the last strtod() call (kept in module state to avoid allocating a tuple per parse).
let sdValue = 0;
let sdRangeError = false;

/**
 * C strtod on s[from..]: returns the index where parsing stopped (`from` when nothing was converted) and leaves the
 * value in sdValue and whether it overflowed or underflowed to zero in sdRangeError.
 */
function strtod(s: string, from: number): number {
  sdValue = 0;
  sdRangeError = false;
  const n = s.length;
  let i = from;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  if (matchWord(s, i, 'inf')) {
    sdValue = neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return matchWord(s, i, 'infinity') ? i + 8 : i + 3;
  }
  if (matchWord(s, i, 'nan')) {
    sdValue = Number.NaN;
    let j = i + 3;
    if (s[j] === '(') {
      let k = j + 1;
      while (k < n && /[0-9A-Za-z_]/.test(s[k])) k++;
      if (s[k] === ')') j = k + 1;
    }
    return j;
  }
  if (s[i] === '0' && (s.charCodeAt(i + 1) | 0x20) === 0x78 /* x */) {
    const end = hexFloat(s, i + 2);
    if (end > 0) {
      if (neg) sdValue = -sdValue;
      return end;
    }
    // "0x" with no hex digits: only the "0" converts
    sdValue = neg ? -0 : 0;
    return i + 1;
  }
  const start = i;
  let digits = 0;
  let nonZero = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    if (s[i] !== '0') nonZero = true;
    i++;
    digits++;
  }
  if (i < n && s[i] === '.') {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (s[i] !== '0') nonZero = true;
      i++;
      digits++;
    }
  }
  if (digits === 0) return from;
  if (i < n && (s[i] === 'e' || s[i] === 'E')) {
    let k = i + 1;
    if (k < n && (s[k] === '+' || s[k] === '-')) k++;
    if (k < n && isDigit(s.charCodeAt(k))) {
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      i = k;
    }
  }
  // JS number parsing rounds correctly, like glibc's strtod
  const v = Number(s.slice(start, i));
  sdValue = neg ? -v : v;
  sdRangeError = !Number.isFinite(v) || (v === 0 && nonZero);
  return i;
}

/** Hex float body after "0x": returns the end index, or -1 when there is no hex digit. Value in sdValue. */
function hexFloat(s: string, i: number): number {
  const n = s.length;
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let h: number;
  while (i < n && (h = hexVal(s.charCodeAt(i))) >= 0) {
    mant = mant * 16 + h;
    i++;
    digits++;
  }
  if (i < n && s[i] === '.') {
    let k = i + 1;
    while (k < n && (h = hexVal(s.charCodeAt(k))) >= 0) {
      mant = mant * 16 + h;
      k++;
      digits++;
      fracDigits++;
    }
    if (digits > 0) i = k;
  }
  if (digits === 0) return -1;
  let exp = 0;
  if (i < n && (s[i] === 'p' || s[i] === 'P')) {
    let k = i + 1;
    let eneg = false;
    if (k < n && (s[k] === '+' || s[k] === '-')) {
      eneg = s[k] === '-';
      k++;
    }
    if (k < n && isDigit(s.charCodeAt(k))) {
      while (k < n && isDigit(s.charCodeAt(k))) {
        exp = Math.min(exp * 10 + (s.charCodeAt(k) - 48), 100000);
        k++;
      }
      if (eneg) exp = -exp;
      i = k;
    }
  }
  const v = mant * 2 ** (exp - 4 * fracDigits);
  sdValue = v;
  sdRangeError = !Number.isFinite(v) || (v === 0 && mant !== 0);
  return i;
}

/**
 * A score/increment/weight argument (Redis' string2d): the whole argument must be a number, without leading space,
 * NaN, or a range error. Returns null when invalid.
 */
export function parseScore(s: Bytes): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  // fast path for plain integers, by far the most common scores
  if (s.length < 16) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    if (i < s.length) {
      for (; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) break;
      if (i === s.length) return +s;
    }
  }
  const end = strtod(s, 0);
  if (end !== s.length || Number.isNaN(sdValue)) return null;
  if (sdRangeError && (sdValue === 0 || !Number.isFinite(sdValue))) return null;
  return sdValue;
}

/** One bound of a score range: "(" makes it exclusive; strtod must end at the C string's end. */
function parseBound(s: Bytes, isMin: boolean, out: ScoreRange): boolean {
  const ex = s.charCodeAt(0) === 40; /* ( */
  const end = strtod(s, ex ? 1 : 0);
  if ((end !== s.length && s.charCodeAt(end) !== 0) || Number.isNaN(sdValue)) return false;
  if (isMin) {
    out.min = sdValue;
    out.minex = ex;
  } else {
    out.max = sdValue;
    out.maxex = ex;
  }
  return true;
}

/** Parses min/max of ZRANGEBYSCORE & co. Null when invalid (caller replies "min or max is not a float"). */
export function parseScoreRange(min: Bytes, max: Bytes): ScoreRange | null {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  return parseBound(min, true, r) && parseBound(max, false, r) ? r : null;
}

/** One lex bound: "[x" inclusive, "(x" exclusive, "-" / "+" the infinities (a NUL may follow them). */
function parseLexItem(s: Bytes, isMin: boolean, out: LexRange): boolean {
  const c = s.charCodeAt(0);
  let kind: number;
  let ex: boolean;
  let str = '';
  if (c === 43 /* + */ || c === 45 /* - */) {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return false;
    kind = c === 43 ? LEX_PLUS : LEX_MINUS;
    ex = true;
  } else if (c === 40 /* ( */ || c === 91 /* [ */) {
    kind = LEX_VALUE;
    ex = c === 40;
    str = s.slice(1);
  } else {
    return false;
  }
  if (isMin) {
    out.min = str;
    out.minKind = kind;
    out.minex = ex;
  } else {
    out.max = str;
    out.maxKind = kind;
    out.maxex = ex;
  }
  return true;
}

/** Parses min/max of ZRANGEBYLEX & co. Null when invalid (caller replies "min or max not valid string range item"). */
export function parseLexRange(min: Bytes, max: Bytes): LexRange | null {
  const r: LexRange = { min: '', max: '', minKind: LEX_VALUE, maxKind: LEX_VALUE, minex: false, maxex: false };
  return parseLexItem(min, true, r) && parseLexItem(max, false, r) ? r : null;
}

export const SCORE_RANGE_ERR = 'ERR min or max is not a float';
export const LEX_RANGE_ERR = 'ERR min or max not valid string range item';

/**
 * Writes a score as Redis does (%.17g; a RESP3 double). Integral scores, the common case, skip the generic
 * formatter: below 2^53 their shortest JS form is exactly their %.17g form.
 */
export function replyScore(out: ReplyWriter, d: number): void {
  if (Number.isSafeInteger(d) && (d !== 0 || 1 / d > 0)) {
    const s = '' + d;
    if (out.resp === 3) out.raw(',' + s + '\r\n');
    else out.bulk(s);
    return;
  }
  out.double(d);
}

/**
 * Key lookup for writing commands: like util.lookup but without touching keyspace hit/miss statistics, as Redis'
 * write lookups do not count.
 */
export function lookupWrite(c: Client, key: Bytes): ZSetValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') {
    c.wrongType();
    return WRONG;
  }
  return v;
}

export function maxEntries(c: Client): number {
  return c.srv.config.num('zset-max-listpack-entries');
}

export function maxValue(c: Client): number {
  return c.srv.config.num('zset-max-listpack-value');
}
