/**
 * CRC-64/Jones as used by RDB files and DUMP payloads: reflected, polynomial 0xAD93D23594C935A9 (reversed form
 * 0x95AC9329AC4BC9B5), init 0, no final xor. JS has no fast 64-bit integers, so the register is kept as two uint32
 * halves and tables hold (hi, lo) pairs. Slicing-by-8 processes eight input bytes per step, which keeps checksumming
 * far below the cost of parsing when loading or saving.
 */

const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** 8 tables x 256 entries x (lo, hi), interleaved: index (t * 256 + n) * 2. */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tab = new Uint32Array(8 * 256 * 2);
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    tab[n * 2] = lo;
    tab[n * 2 + 1] = hi;
  }
  // Table t gives the effect of a byte followed by t zero bytes: one more byte-step applied to table t-1.
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const p = ((t - 1) * 256 + n) * 2;
      const lo = tab[p];
      const hi = tab[p + 1];
      const q = (lo & 0xff) * 2;
      const o = (t * 256 + n) * 2;
      tab[o] = (tab[q] ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      tab[o + 1] = (tab[q + 1] ^ (hi >>> 8)) >>> 0;
    }
  }
  return tab;
}

/** Incremental CRC64 state. */
export class Crc64 {
  hi = 0;
  lo = 0;

  reset(): void {
    this.hi = 0;
    this.lo = 0;
  }

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    const T = TABLES;
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const stop8 = end - 7;
    while (i < stop8) {
      const a = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
      const b = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
      const p7 = (0x700 + (a & 0xff)) << 1;
      const p6 = (0x600 + ((a >>> 8) & 0xff)) << 1;
      const p5 = (0x500 + ((a >>> 16) & 0xff)) << 1;
      const p4 = (0x400 + (a >>> 24)) << 1;
      const p3 = (0x300 + (b & 0xff)) << 1;
      const p2 = (0x200 + ((b >>> 8) & 0xff)) << 1;
      const p1 = (0x100 + ((b >>> 16) & 0xff)) << 1;
      const p0 = (b >>> 24) << 1;
      lo = T[p7] ^ T[p6] ^ T[p5] ^ T[p4] ^ T[p3] ^ T[p2] ^ T[p1] ^ T[p0];
      hi = T[p7 + 1] ^ T[p6 + 1] ^ T[p5 + 1] ^ T[p4 + 1] ^ T[p3 + 1] ^ T[p2 + 1] ^ T[p1 + 1] ^ T[p0 + 1];
      i += 8;
    }
    while (i < end) {
      const p = ((lo ^ buf[i]) & 0xff) << 1;
      lo = T[p] ^ ((lo >>> 8) | (hi << 24));
      hi = T[p + 1] ^ (hi >>> 8);
      i++;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the checksum as 8 bytes little-endian (the RDB trailer form). */
  writeLE(out: Uint8Array, at: number): void {
    writeU32LE(out, at, this.lo);
    writeU32LE(out, at + 4, this.hi);
  }

  /** True when the 8 little-endian bytes at `at` equal this checksum. */
  equalsLE(buf: Uint8Array, at: number): boolean {
    return readU32LE(buf, at) === this.lo && readU32LE(buf, at + 4) === this.hi;
  }
}

function writeU32LE(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

function readU32LE(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** One-shot CRC64 of a byte range. */
export function crc64(buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Crc64().update(buf, start, end).value();
}

/** Formats a checksum the way Redis logs it (lowercase hex, no padding). */
export function crcHex(v: bigint): string {
  return v.toString(16);
}
