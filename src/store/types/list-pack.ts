/**
 * The packed node format of ListValue: elements concatenated into one binary string, each preceded by its length in
 * one byte (< 128) or two bytes (low 7 bits with the high bit set, then the rest). Packed nodes never exceed
 * NODE_MAX_BYTES, so two bytes always suffice. Only forward scans are possible, which is all a node of bounded size
 * needs.
 */
import type { Bytes } from '../../protocol/bytes';

/** one-char strings for the common 1-byte prefixes (and other small codes), so packing allocates nothing for them */
export const ONE_CHAR: string[] = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i));

/** The 2-byte length prefix holds 15 bits: a longer item can never be packed. */
export const PACKED_MAX_ITEM = 0x7fff;

/** The length prefix of an item of `l` bytes. */
export function prefix(l: number): string {
  return l < 0x80 ? ONE_CHAR[l] : String.fromCharCode(0x80 | (l & 0x7f), l >> 7);
}

/** Packs elements into one flat string (Array#join builds a flat one-byte string, never a rope). */
export function packItems(items: readonly Bytes[]): string {
  const n = items.length;
  const parts = new Array<string>(n * 2);
  for (let i = 0; i < n; i++) {
    const s = items[i];
    const l = s.length;
    parts[2 * i] = prefix(l);
    parts[2 * i + 1] = s;
  }
  return parts.join('');
}

/** The n elements of a packed string as a new array. */
export function unpackItems(p: string, n: number): Bytes[] {
  const out = new Array<Bytes>(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    out[i] = p.slice(pos, pos + l);
    pos += l;
  }
  return out;
}

/** Element k of a packed string (k must be in range). */
export function packedAt(p: string, k: number): Bytes {
  let pos = 0;
  for (;;) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    if (k-- === 0) return p.slice(pos, pos + l);
    pos += l;
  }
}

/** Copies n elements starting at element k into out[o...]; returns the next free index of out. */
export function packedCopy(p: string, k: number, n: number, out: Bytes[], o: number): number {
  let pos = 0;
  for (let j = 0; j < k; j++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    pos += l;
  }
  for (let j = 0; j < n; j++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    out[o++] = p.slice(pos, pos + l);
    pos += l;
  }
  return o;
}

/** Index of the first of the first n elements equal to v, or -1; compares in place, without slicing. */
export function packedIndexOf(p: string, n: number, v: Bytes): number {
  const vl = v.length;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    if (l === vl && p.startsWith(v, pos)) return i;
    pos += l;
  }
  return -1;
}

let scratch: number[] = [];

/**
 * Start offsets of the first n elements at [0, n) and their lengths at [n, 2n) of a shared scratch array (valid until
 * the next call), for scans that go backwards.
 */
export function packedOffsets(p: string, n: number): number[] {
  if (scratch.length < 2 * n) scratch = new Array<number>(2 * n).fill(0);
  const s = scratch;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    s[i] = pos;
    s[n + i] = l;
    pos += l;
  }
  return s;
}

/** V8 makes a slice of this many chars or more a view that keeps its whole parent string alive. */
const MIN_SLICE_VIEW = 13;

/** A flat copy of p[a, b): a longer plain slice would be a view pinning all of p. */
export function ownSlice(p: string, a: number, b: number): string {
  if (b - a < MIN_SLICE_VIEW) return p.slice(a, b);
  // join copies its parts into one new flat string once there are two non-empty ones
  return [p.slice(a, a + 1), p.slice(a + 1, b)].join('');
}

/** p without [a, b), as a flat string. */
export function cut(p: string, a: number, b: number): string {
  if (a === 0) return ownSlice(p, b, p.length);
  if (b === p.length) return ownSlice(p, 0, a);
  return [p.slice(0, a), p.slice(b)].join('');
}
