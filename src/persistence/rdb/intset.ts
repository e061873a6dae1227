/**
 * Intset blobs (type 11): u32 LE element width (2, 4 or 8), u32 LE count, then the elements as signed LE integers
 * of that width, strictly ascending.
 */
import type { Bytes } from '../../protocol/bytes';
import { canonicalInt, cmpInt, readInt64LEString, writeInt64LE } from './ints';

/** Appends the members of the intset in `b[start, end)` to `out`; returns null or a description of the problem. */
export function decodeIntset(b: Uint8Array, start: number, end: number, out: Bytes[]): string | null {
  const size = end - start;
  if (size < 8) return `intset too short (${size} bytes)`;
  const enc = (b[start] | (b[start + 1] << 8) | (b[start + 2] << 16) | (b[start + 3] << 24)) >>> 0;
  const n = (b[start + 4] | (b[start + 5] << 8) | (b[start + 6] << 16) | (b[start + 7] << 24)) >>> 0;
  if (enc !== 2 && enc !== 4 && enc !== 8) return `intset has invalid encoding ${enc}`;
  if (8 + n * enc !== size) return `intset of ${n} x ${enc} bytes does not match its blob size ${size}`;
  if (n === 0) return 'intset is empty';
  let p = start + 8;
  let prev: number | bigint = 0;
  for (let i = 0; i < n; i++, p += enc) {
    let v: number | bigint;
    let text: string;
    if (enc === 2) {
      v = ((b[p] | (b[p + 1] << 8)) << 16) >> 16;
      text = String(v);
    } else if (enc === 4) {
      v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
      text = String(v);
    } else {
      text = readInt64LEString(b, p);
      v = text.length < 16 ? Number(text) : BigInt(text);
    }
    if (i > 0 && cmpInt(v, prev) <= 0) return `intset elements are not strictly ascending at index ${i}`;
    prev = v;
    out.push(text);
  }
  return null;
}

/**
 * Encodes integer members as an intset blob, or returns null when some member is not a canonical int64
 * (then the set must be stored as a hashtable).
 */
export function encodeIntset(members: readonly Bytes[]): Buffer | null {
  const vals: (number | bigint)[] = new Array(members.length);
  let width = 2;
  for (let i = 0; i < members.length; i++) {
    const v = canonicalInt(members[i]);
    if (v === null) return null;
    vals[i] = v;
    if (v < -2147483648 || v > 2147483647) width = 8;
    else if (width < 4 && (v < -32768 || v > 32767)) width = 4;
  }
  vals.sort(cmpInt);
  const out = Buffer.allocUnsafe(8 + vals.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(vals.length, 4);
  let p = 8;
  for (const v of vals) {
    if (width === 2) out.writeInt16LE(v as number, p);
    else if (width === 4) out.writeInt32LE(v as number, p);
    else writeInt64LE(out, p, v);
    p += width;
  }
  return out;
}
