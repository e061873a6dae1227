/**
 * Legacy compact blobs, only read (Redis 7.0 converts them on load and never writes them):
 * - ziplist (types 10, 12, 13, 14): u32 zlbytes, u32 zltail, u16 zllen, entries (prevlen, encoding, data), 0xFF;
 * - zipmap (type 9, Redis <= 2.4 hashes): u8 count, then (len key len free value+free) pairs, 0xFF.
 */
import type { Bytes } from '../../protocol/bytes';
import { readInt64LEString } from './ints';

/** Appends the entries of the ziplist in `b[start, end)` to `out`; returns null or a description of the problem. */
export function decodeZiplist(b: Buffer, start: number, end: number, out: Bytes[]): string | null {
  const size = end - start;
  if (size < 11) return `ziplist too short (${size} bytes)`;
  const zlbytes = b.readUInt32LE(start);
  if (zlbytes !== size) return `ziplist header says ${zlbytes} bytes but the blob has ${size}`;
  if (b[end - 1] !== 0xff) return 'ziplist does not end with 0xFF';
  const declared = b.readUInt16LE(start + 8);
  const last = end - 1;
  let p = start + 10;
  let prevEntryLen = 0;
  let count = 0;
  while (p < last) {
    const entryStart = p;
    // prevlen: 1 byte, or 0xFE + u32 LE
    let prevlen: number;
    if (b[p] < 0xfe) {
      prevlen = b[p];
      p += 1;
    } else if (b[p] === 0xfe) {
      if (p + 5 > last) return `ziplist entry at byte ${entryStart - start} overflows the blob`;
      prevlen = b.readUInt32LE(p + 1);
      p += 5;
    } else {
      return `ziplist entry at byte ${entryStart - start} has an invalid prevlen`;
    }
    if (prevlen !== prevEntryLen) return `ziplist entry at byte ${entryStart - start} has a wrong prevlen`;
    if (p >= last) return `ziplist entry at byte ${entryStart - start} overflows the blob`;
    const c = b[p];
    const top = c >> 6;
    if (top !== 3) {
      let n: number;
      if (top === 0) {
        n = c & 0x3f;
        p += 1;
      } else if (top === 1) {
        if (p + 2 > last) return `ziplist entry at byte ${entryStart - start} overflows the blob`;
        n = ((c & 0x3f) << 8) | b[p + 1];
        p += 2;
      } else {
        if (c !== 0x80 || p + 5 > last) return `ziplist entry at byte ${entryStart - start} has an invalid encoding`;
        n = b.readUInt32BE(p + 1);
        p += 5;
      }
      if (p + n > last) return `ziplist entry at byte ${entryStart - start} overflows the blob`;
      out.push(b.latin1Slice(p, p + n));
      p += n;
    } else {
      p += 1;
      let n: number;
      let text: string;
      if (c === 0xc0) {
        n = 2;
        text = p + n <= last ? String(b.readInt16LE(p)) : '';
      } else if (c === 0xd0) {
        n = 4;
        text = p + n <= last ? String(b.readInt32LE(p)) : '';
      } else if (c === 0xe0) {
        n = 8;
        text = p + n <= last ? readInt64LEString(b, p) : '';
      } else if (c === 0xf0) {
        n = 3;
        text = p + n <= last ? String(b.readIntLE(p, 3)) : '';
      } else if (c === 0xfe) {
        n = 1;
        text = p + n <= last ? String(b.readInt8(p)) : '';
      } else if (c >= 0xf1 && c <= 0xfd) {
        n = 0;
        text = String((c & 0x0f) - 1);
      } else {
        return `ziplist entry at byte ${entryStart - start} has invalid encoding 0x${c.toString(16)}`;
      }
      if (p + n > last) return `ziplist entry at byte ${entryStart - start} overflows the blob`;
      out.push(text);
      p += n;
    }
    prevEntryLen = p - entryStart;
    count++;
  }
  if (declared !== 65535 && declared !== count) return `ziplist header says ${declared} entries but has ${count}`;
  return null;
}

/** Appends key, value, key, value... of the zipmap in `b[start, end)` to `out`; null or a problem description. */
export function decodeZipmap(b: Buffer, start: number, end: number, out: Bytes[]): string | null {
  if (end - start < 2) return 'zipmap too short';
  let p = start + 1; // count byte: informational (254 = unknown)
  const readLen = (): number => {
    if (p >= end) return -1;
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 254) {
      if (p + 5 > end) return -1;
      const n = b.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    p += 1;
    return -2; // 0xFF: end marker
  };
  for (;;) {
    const klen = readLen();
    if (klen === -2) break;
    if (klen < 0 || p + klen > end) return 'zipmap key overflows the blob';
    const key = b.latin1Slice(p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0 || p >= end) return 'zipmap value overflows the blob';
    const free = b[p++];
    if (p + vlen + free > end) return 'zipmap value overflows the blob';
    out.push(key, b.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  if (p !== end) return 'zipmap has bytes after its end marker';
  return null;
}
