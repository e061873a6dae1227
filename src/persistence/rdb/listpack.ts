/**
 * Listpack blobs (hash/zset listpack values, quicklist-2 nodes, stream nodes): a 6-byte header (total bytes u32 LE,
 * element count u16 LE, 65535 = unknown), entries, and a 0xFF terminator. Each entry is its encoding+data followed
 * by a "backlen" (the entry's encoding+data size in 7-bit groups, readable right to left).
 *
 * The decoder validates every entry as it goes (it has to walk them anyway), so a corrupt blob is reported instead of
 * producing garbage. The writer picks the same encodings as Redis: canonical int64 strings become integers.
 */
import type { Bytes } from '../../protocol/bytes';
import { canonicalInt, maybeInt, readInt64LEString, writeInt64LE } from './ints';
import { bytesToString } from './strings';

const HEADER = 6;

/**
 * Decodes the listpack in `b[start, end)`, appending its elements to `out` as binary strings.
 * Returns null on success or a description of the first problem found.
 */
export function decodeListpack(b: Buffer, start: number, end: number, out: Bytes[]): string | null {
  const size = end - start;
  if (size < HEADER + 1) return `listpack too short (${size} bytes)`;
  const total = (b[start] | (b[start + 1] << 8) | (b[start + 2] << 16) | (b[start + 3] << 24)) >>> 0;
  if (total !== size) return `listpack header says ${total} bytes but the blob has ${size}`;
  if (b[end - 1] !== 0xff) return 'listpack does not end with 0xFF';
  const declared = b[start + 4] | (b[start + 5] << 8);
  let p = start + HEADER;
  const last = end - 1;
  let count = 0;
  while (p < last) {
    const entryStart = p;
    const c = b[p];
    let len: number; // bytes of encoding+data
    if (c < 0x80) {
      out.push(String(c));
      len = 1;
    } else if (c < 0xc0) {
      const n = c & 0x3f;
      len = 1 + n;
      if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
      out.push(bytesToString(b, p + 1, n));
    } else if (c < 0xe0) {
      if (p + 2 > last) return `listpack entry at byte ${p - start} overflows the blob`;
      const u = ((c & 0x1f) << 8) | b[p + 1];
      out.push(String(u >= 4096 ? u - 8192 : u));
      len = 2;
    } else if (c < 0xf0) {
      if (p + 2 > last) return `listpack entry at byte ${p - start} overflows the blob`;
      const n = ((c & 0x0f) << 8) | b[p + 1];
      len = 2 + n;
      if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
      out.push(b.latin1Slice(p + 2, p + len));
    } else {
      switch (c) {
        case 0xf0: {
          if (p + 5 > last) return `listpack entry at byte ${p - start} overflows the blob`;
          const n = (b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)) >>> 0;
          len = 5 + n;
          if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
          out.push(b.latin1Slice(p + 5, p + len));
          break;
        }
        case 0xf1:
          len = 3;
          if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
          out.push(String(((b[p + 1] | (b[p + 2] << 8) | 0) << 16) >> 16));
          break;
        case 0xf2:
          len = 4;
          if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
          out.push(String(((b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16)) << 8) >> 8));
          break;
        case 0xf3:
          len = 5;
          if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
          out.push(String(b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)));
          break;
        case 0xf4:
          len = 9;
          if (p + len > last) return `listpack entry at byte ${p - start} overflows the blob`;
          out.push(readInt64LEString(b, p + 1));
          break;
        default:
          return `listpack entry at byte ${p - start} has invalid encoding 0x${c.toString(16)}`;
      }
    }
    p += len;
    // The backlen must encode `len`; checking it catches most corruptions that keep the forward walk plausible.
    const bl = backlenSize(len);
    if (p + bl > last) return `listpack entry at byte ${entryStart - start} overflows the blob`;
    if (bl === 1 ? b[p] !== len : !backlenMatches(b, p, bl, len)) {
      return `listpack entry at byte ${entryStart - start} has a wrong back-length`;
    }
    p += bl;
    count++;
  }
  if (declared !== 65535 && declared !== count) return `listpack header says ${declared} elements but has ${count}`;
  return null;
}

export function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function backlenMatches(b: Uint8Array, at: number, size: number, l: number): boolean {
  // Rightmost byte holds the least significant 7 bits; all but the leftmost carry the 0x80 flag.
  for (let i = size - 1; i >= 0; i--) {
    const expected = (l & 127) | (i === 0 ? 0 : 128);
    if (b[at + i] !== expected) return false;
    l = Math.floor(l / 128);
  }
  return true;
}

/**
 * Builds listpacks into a reusable growable buffer. `size` is the current lpBytes (header + entries + terminator),
 * the quantity Redis' quicklist fill rules are expressed in.
 */
export class ListpackWriter {
  buf: Buffer;
  private pos = HEADER;
  count = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.pos = HEADER;
    this.count = 0;
  }

  get size(): number {
    return this.pos + 1;
  }

  private room(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n + 1) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Appends an element, stored as an integer when it is a canonical int64 (as lpAppend does). */
  append(s: Bytes): void {
    if (maybeInt(s, 20)) {
      const v = canonicalInt(s);
      if (v !== null) {
        this.appendInt(v);
        return;
      }
    }
    this.appendString(s);
  }

  appendInt(v: number | bigint): void {
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    let len: number;
    if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
      if (v >= 0 && v <= 127) {
        b[p] = v;
        len = 1;
      } else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? v + 8192 : v;
        b[p] = 0xc0 | (u >> 8);
        b[p + 1] = u & 0xff;
        len = 2;
      } else if (v >= -32768 && v <= 32767) {
        b[p] = 0xf1;
        b[p + 1] = v & 0xff;
        b[p + 2] = (v >> 8) & 0xff;
        len = 3;
      } else {
        b[p] = 0xf2;
        b[p + 1] = v & 0xff;
        b[p + 2] = (v >> 8) & 0xff;
        b[p + 3] = (v >> 16) & 0xff;
        len = 4;
      }
    } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      b[p] = 0xf3;
      b[p + 1] = v & 0xff;
      b[p + 2] = (v >> 8) & 0xff;
      b[p + 3] = (v >> 16) & 0xff;
      b[p + 4] = (v >>> 24) & 0xff;
      len = 5;
    } else {
      b[p] = 0xf4;
      writeInt64LE(b, p + 1, v);
      len = 9;
    }
    p += len;
    b[p++] = len; // every integer entry is < 128 bytes: one backlen byte
    this.pos = p;
    this.count++;
  }

  appendString(s: Bytes): void {
    const n = s.length;
    this.room(n + 10);
    const b = this.buf;
    let p = this.pos;
    let len: number;
    if (n < 64) {
      b[p++] = 0x80 | n;
      len = 1 + n;
    } else if (n < 4096) {
      b[p++] = 0xe0 | (n >> 8);
      b[p++] = n & 0xff;
      len = 2 + n;
    } else {
      b[p++] = 0xf0;
      b[p++] = n & 0xff;
      b[p++] = (n >>> 8) & 0xff;
      b[p++] = (n >>> 16) & 0xff;
      b[p++] = n >>> 24;
      len = 5 + n;
    }
    if (n < 32) {
      for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
    } else {
      b.latin1Write(s, p, n);
    }
    p += n;
    this.pos = p + writeBacklen(b, p, len);
    this.count++;
  }

  /** Writes header and terminator; the listpack is `buf[0, size)`. */
  finish(): number {
    const b = this.buf;
    const total = this.pos + 1;
    b[this.pos] = 0xff;
    b[0] = total & 0xff;
    b[1] = (total >>> 8) & 0xff;
    b[2] = (total >>> 16) & 0xff;
    b[3] = total >>> 24;
    const c = Math.min(this.count, 65535);
    b[4] = c & 0xff;
    b[5] = c >>> 8;
    return total;
  }
}

function writeBacklen(b: Uint8Array, at: number, l: number): number {
  const size = backlenSize(l);
  for (let i = size - 1; i >= 0; i--) {
    b[at + i] = (l & 127) | (i === 0 ? 0 : 128);
    l = Math.floor(l / 128);
  }
  return size;
}

/** Bytes an element will add to a listpack (used to decide node splits without encoding twice). */
export function listpackEntrySize(s: Bytes): number {
  if (maybeInt(s, 20)) {
    const v = canonicalInt(s);
    if (v !== null) {
      if (typeof v === 'bigint') return 10;
      if (v >= 0 && v <= 127) return 2;
      if (v >= -4096 && v <= 4095) return 3;
      if (v >= -32768 && v <= 32767) return 4;
      if (v >= -8388608 && v <= 8388607) return 5;
      if (v >= -2147483648 && v <= 2147483647) return 6;
      return 10;
    }
  }
  const n = s.length;
  const len = n + (n < 64 ? 1 : n < 4096 ? 2 : 5);
  return len + backlenSize(len);
}
