/**
 * CRC-64/Jones as used by RDB files and DUMP payloads: reflected, polynomial 0xAD93D23594C935A9 (reversed form
 * 0x95AC9329AC4BC9B5), init 0, no final xor. JS has no fast 64-bit integers, so the register is kept as two int32
 * halves with separate lo/hi tables. Slicing-by-8 consumes eight input bytes per step, read as two 32-bit words
 * through an aligned Int32Array view on little-endian hosts; checksumming then stays a small part of saving/loading.
 */

const POLY_HI = 0x95ac9329 | 0;
const POLY_LO = 0xac4bc9b5 | 0;

/** Table t (at t * 256): effect of a byte followed by t zero bytes, low and high halves. */
const LO = new Int32Array(8 * 256);
const HI = new Int32Array(8 * 256);
buildTables();

function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = (lo >>> 1) | ((hi & 1) << 31);
      hi = hi >>> 1;
      if (bit) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    LO[n] = lo;
    HI[n] = hi;
  }
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const lo = LO[(t - 1) * 256 + n];
      const hi = HI[(t - 1) * 256 + n];
      const q = lo & 0xff;
      LO[t * 256 + n] = LO[q] ^ ((lo >>> 8) | (hi << 24));
      HI[t * 256 + n] = HI[q] ^ (hi >>> 8);
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Incremental CRC64 state. */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  reset(): void {
    this.hi = 0;
    this.lo = 0;
  }

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    // Bytes up to a 4-aligned address, so the bulk can be read as 32-bit words.
    while (i < end && ((buf.byteOffset + i) & 3) !== 0) {
      const p = (lo ^ buf[i++]) & 0xff;
      lo = LO[p] ^ ((lo >>> 8) | (hi << 24));
      hi = HI[p] ^ (hi >>> 8);
    }
    const pairs = (end - i) >>> 3;
    if (pairs > 0 && LITTLE_ENDIAN) {
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, pairs * 2);
      for (let j = 0; j < w.length; j += 2) {
        const a = lo ^ w[j];
        const b = hi ^ w[j + 1];
        const p7 = 0x700 + (a & 0xff);
        const p6 = 0x600 + ((a >>> 8) & 0xff);
        const p5 = 0x500 + ((a >>> 16) & 0xff);
        const p4 = 0x400 + (a >>> 24);
        const p3 = 0x300 + (b & 0xff);
        const p2 = 0x200 + ((b >>> 8) & 0xff);
        const p1 = 0x100 + ((b >>> 16) & 0xff);
        const p0 = b >>> 24;
        lo = LO[p7] ^ LO[p6] ^ LO[p5] ^ LO[p4] ^ LO[p3] ^ LO[p2] ^ LO[p1] ^ LO[p0];
        hi = HI[p7] ^ HI[p6] ^ HI[p5] ^ HI[p4] ^ HI[p3] ^ HI[p2] ^ HI[p1] ^ HI[p0];
      }
      i += pairs * 8;
    }
    while (i < end) {
      const p = (lo ^ buf[i++]) & 0xff;
      lo = LO[p] ^ ((lo >>> 8) | (hi << 24));
      hi = HI[p] ^ (hi >>> 8);
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }

  /** Writes the checksum as 8 bytes little-endian (the RDB trailer form). */
  writeLE(out: Uint8Array, at: number): void {
    writeI32LE(out, at, this.lo);
    writeI32LE(out, at + 4, this.hi);
  }

  /** True when the 8 little-endian bytes at `at` equal this checksum. */
  equalsLE(buf: Uint8Array, at: number): boolean {
    return readI32LE(buf, at) === this.lo && readI32LE(buf, at + 4) === this.hi;
  }
}

function writeI32LE(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

function readI32LE(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

/** One-shot CRC64 of a byte range. */
export function crc64(buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Crc64().update(buf, start, end).value();
}

/** Formats a checksum the way Redis logs it (lowercase hex, no padding). */
export function crcHex(v: bigint): string {
  return v.toString(16);
}
