/**
 * The packed (listpack-encoding) form of ZSetValue: entries in (score, member bytes) order concatenated into one
 * binary string, each a member behind a 1- or 2-byte length (as in list-pack.ts) followed by its score in 1, 5 or 9
 * bytes. Only forward scans are possible; the listpack form's size is bounded by zset-max-listpack-entries, so linear
 * scans are what Redis does too.
 */
import type { Bytes } from '../../protocol/bytes';
import { cut, ONE_CHAR, ownSlice, PACKED_MAX_ITEM, prefix } from './list-pack';
import { LEX_VALUE, type LexRange } from './skiplist';

export { cut, ownSlice, PACKED_MAX_ITEM, prefix };

// Score encodings. Integers 0..127 (the common small counters and ranks) take one byte, other 32-bit integers five,
// anything else the eight bytes of the double itself, so every score comes back bit for bit.
const TAG_INT32 = 0x80;
const TAG_DOUBLE = 0x81;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** The packed form of a score; negative zero becomes zero, as Redis' listpack (text/integer scores) has none. */
export function encodeScore(s: number): string {
  if ((s | 0) === s) {
    if (s >= 0 && s < 0x80) return ONE_CHAR[s];
    return String.fromCharCode(TAG_INT32, s & 0xff, (s >> 8) & 0xff, (s >> 16) & 0xff, (s >> 24) & 0xff);
  }
  f64[0] = s;
  const b = f64Bytes;
  return String.fromCharCode(TAG_DOUBLE, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

export function decodeScore(p: string, pos: number): number {
  const t = p.charCodeAt(pos);
  if (t < 0x80) return t;
  if (t === TAG_INT32) {
    return (
      p.charCodeAt(pos + 1) |
      (p.charCodeAt(pos + 2) << 8) |
      (p.charCodeAt(pos + 3) << 16) |
      (p.charCodeAt(pos + 4) << 24)
    );
  }
  const b = f64Bytes;
  for (let k = 0; k < 8; k++) b[k] = p.charCodeAt(pos + 1 + k);
  return f64[0];
}

/** Bytes taken by the score whose first byte is t. */
export function scoreLen(t: number): number {
  return t < 0x80 ? 1 : t === TAG_INT32 ? 5 : 9;
}

/** Offset just past `count` entries starting at offset pos. */
export function skip(p: string, pos: number, count: number): number {
  for (let i = 0; i < count; i++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    pos += l;
    pos += scoreLen(p.charCodeAt(pos));
  }
  return pos;
}

/**
 * Where readEntry()/find() found an entry: its bounds [start, end), its member's first byte and length, and the offset
 * of its score. One shared record, so scans allocate nothing; read it before the next scan.
 */
export const at = { start: 0, end: 0, ele: 0, len: 0, score: 0 };

/** Decodes the entry at pos into `at`. */
export function readEntry(p: string, pos: number): void {
  at.start = pos;
  let l = p.charCodeAt(pos++);
  if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
  at.ele = pos;
  at.len = l;
  pos += l;
  at.score = pos;
  at.end = pos + scoreLen(p.charCodeAt(pos));
}

/**
 * Index of `member` among the n entries (its bounds left in `at`), or -1. The native substring search finds
 * candidate positions (an absent member usually costs one search and no walk); the walk only checks that a candidate
 * is a whole member: comparing each entry in JS measured several times slower on 100-member sets.
 */
export function find(p: string, n: number, member: Bytes): number {
  let hit = p.indexOf(member);
  if (hit < 0) return -1;
  const ml = member.length;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = pos;
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    // a candidate before this member lay inside an earlier entry: look again from here
    if (hit < pos) {
      hit = p.indexOf(member, pos);
      if (hit < 0) return -1;
    }
    const ele = pos;
    pos += l;
    const t = p.charCodeAt(pos);
    if (hit === ele && l === ml) {
      at.start = start;
      at.ele = ele;
      at.len = l;
      at.score = pos;
      at.end = pos + scoreLen(t);
      return i;
    }
    pos += scoreLen(t);
  }
  return -1;
}

/** Byte-order comparison of p[pos, pos + len) with s: negative, 0 or positive. */
export function cmpAt(p: string, pos: number, len: number, s: Bytes): number {
  const sl = s.length;
  const m = Math.min(len, sl);
  for (let k = 0; k < m; k++) {
    const d = p.charCodeAt(pos + k) - s.charCodeAt(k);
    if (d !== 0) return d;
  }
  return len - sl;
}

export function lexGteMinAt(p: string, pos: number, len: number, r: LexRange): boolean {
  if (r.minKind !== LEX_VALUE) return r.minKind < 0;
  const c = cmpAt(p, pos, len, r.min);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMaxAt(p: string, pos: number, len: number, r: LexRange): boolean {
  if (r.maxKind !== LEX_VALUE) return r.maxKind > 0;
  const c = cmpAt(p, pos, len, r.max);
  return r.maxex ? c < 0 : c <= 0;
}

/**
 * Offset of the first entry that sorts after (score, member), skipping the entry at [skipA, skipB) (the one being
 * moved by an update; -1 for none).
 */
export function insertPos(p: string, score: number, member: Bytes, skipA: number, skipB: number): number {
  const end = p.length;
  let pos = 0;
  while (pos < end) {
    if (pos === skipA) {
      pos = skipB;
      continue;
    }
    const start = pos;
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    const ele = pos;
    pos += l;
    const s = decodeScore(p, pos);
    if (s > score || (s === score && cmpAt(p, ele, l, member) > 0)) return start;
    pos += scoreLen(p.charCodeAt(pos));
  }
  return end;
}

/** Packs count sorted entries. */
export function pack(eles: readonly Bytes[], scores: readonly number[], count: number): string {
  if (count === 0) return '';
  const parts = new Array<string>(count * 3);
  for (let i = 0; i < count; i++) {
    const e = eles[i];
    parts[3 * i] = prefix(e.length);
    parts[3 * i + 1] = e;
    parts[3 * i + 2] = encodeScore(scores[i]);
  }
  return parts.join('');
}
