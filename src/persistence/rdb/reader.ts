/**
 * Resumable primitive reads over a window of the RDB byte stream. Every read checks that its bytes are present; when
 * they are not it records the absolute offset it needs (`need`) and throws the shared NEED_MORE marker. The decoder
 * catches that marker, rewinds to its last committed position and waits for more input. Because `need` is exact for
 * strings, a large value arriving in many chunks is parsed once, not once per chunk.
 */
import type { Bytes } from '../../protocol/bytes';
import { lzfDecompress } from './lzf';
import { bytesToString } from './strings';
import { RdbError } from './types';

/** Thrown (never escapes the decoder) when the window ends before the current unit. */
export const NEED_MORE: { readonly needMore: true } = Object.freeze({ needMore: true });

/** Largest string V8 can hold (chars); longer RDB strings cannot be represented as binary strings. */
const MAX_STRING = (1 << 29) - 24;

export class ByteReader {
  /** current window of input */
  protected buf: Buffer = Buffer.alloc(0);
  protected pos = 0;
  protected lim = 0;
  /** absolute stream offset of buf[0] */
  protected base = 0;
  /** absolute offset the interrupted read needs to be available */
  protected need = 0;

  /** Where the last blob read put its bytes (the input window, or a decompression buffer). */
  protected blobBuf: Buffer = this.buf;
  protected blobStart = 0;
  protected blobEnd = 0;

  protected fail(at: number, reason: string): never {
    throw new RdbError(at, reason);
  }

  protected short(from: number, n: number): never {
    this.need = this.base + from + n;
    throw NEED_MORE;
  }

  protected readByte(): number {
    if (this.pos >= this.lim) this.short(this.pos, 1);
    return this.buf[this.pos++];
  }

  protected skipBytes(n: number): void {
    if (this.pos + n > this.lim) this.short(this.pos, n);
    this.pos += n;
  }

  /** Length encoding: 6-bit, 14-bit (BE), 32-bit BE, 64-bit BE. */
  protected readLen(): number {
    const b = this.buf;
    const p = this.pos;
    if (p >= this.lim) this.short(p, 1);
    const c = b[p];
    const kind = c >> 6;
    if (kind === 0) {
      this.pos = p + 1;
      return c;
    }
    if (kind === 1) {
      if (p + 2 > this.lim) this.short(p, 2);
      this.pos = p + 2;
      return ((c & 0x3f) << 8) | b[p + 1];
    }
    if (c === 0x80) {
      if (p + 5 > this.lim) this.short(p, 5);
      this.pos = p + 5;
      return b.readUInt32BE(p + 1);
    }
    if (c === 0x81) {
      if (p + 9 > this.lim) this.short(p, 9);
      const hi = b.readUInt32BE(p + 1);
      if (hi >= 0x200000) this.fail(this.base + p, 'length does not fit in 53 bits');
      this.pos = p + 9;
      return hi * 4294967296 + b.readUInt32BE(p + 5);
    }
    if (kind === 3) this.fail(this.base + p, `string encoding 0x${c.toString(16)} found where a length was expected`);
    return this.fail(this.base + p, `unknown length encoding 0x${c.toString(16)}`);
  }

  /** A 64-bit length read exactly (module ids use all 64 bits). */
  protected readLenBig(): bigint {
    const p = this.pos;
    if (p < this.lim && this.buf[p] === 0x81) {
      if (p + 9 > this.lim) this.short(p, 9);
      this.pos = p + 9;
      return this.buf.readBigUInt64BE(p + 1);
    }
    return BigInt(this.readLen());
  }

  /** An RDB string (raw, int-encoded or LZF) as a binary string. */
  protected readString(): Bytes {
    const b = this.buf;
    const p = this.pos;
    if (p >= this.lim) this.short(p, 1);
    const c = b[p];
    if (c < 0x40) {
      // 6-bit length: the common case for keys and small values
      const e = p + 1 + c;
      if (e > this.lim) this.short(p, 1 + c);
      this.pos = e;
      return bytesToString(b, p + 1, c);
    }
    if (c >= 0xc0) return this.readSpecialString(c);
    const n = this.readLen();
    if (n > MAX_STRING) this.fail(this.base + p, `string of ${n} bytes is too large`);
    const s = this.pos;
    if (s + n > this.lim) this.short(s, n);
    this.pos = s + n;
    return b.latin1Slice(s, s + n);
  }

  private readSpecialString(c: number): Bytes {
    const b = this.buf;
    const p = this.pos;
    switch (c) {
      case 0xc0:
        if (p + 2 > this.lim) this.short(p, 2);
        this.pos = p + 2;
        return String((b[p + 1] << 24) >> 24);
      case 0xc1:
        if (p + 3 > this.lim) this.short(p, 3);
        this.pos = p + 3;
        return String(((b[p + 1] | (b[p + 2] << 8)) << 16) >> 16);
      case 0xc2:
        if (p + 5 > this.lim) this.short(p, 5);
        this.pos = p + 5;
        return String(b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24));
      case 0xc3: {
        this.readLzf();
        if (this.blobEnd > MAX_STRING) this.fail(this.base + p, `string of ${this.blobEnd} bytes is too large`);
        return this.blobBuf.latin1Slice(0, this.blobEnd);
      }
      default:
        return this.fail(this.base + p, `unknown string encoding 0x${c.toString(16)}`);
    }
  }

  /** Reads an LZF string (after its 0xC3 byte) into blobBuf/blobStart/blobEnd. */
  private readLzf(): void {
    const at = this.pos;
    this.pos++;
    const clen = this.readLen();
    const ulen = this.readLen();
    const s = this.pos;
    if (s + clen > this.lim) this.short(s, clen);
    if (ulen === 0 || clen === 0) this.fail(this.base + at, 'LZF string with zero length');
    if (ulen > 0x7fffffff) this.fail(this.base + at, `LZF string of ${ulen} bytes is too large`);
    const out = lzfDecompress(this.buf, s, s + clen, ulen);
    if (out === null) this.fail(this.base + at, 'invalid LZF compressed string');
    this.pos = s + clen;
    this.blobBuf = out;
    this.blobStart = 0;
    this.blobEnd = ulen;
  }

  /**
   * An RDB string used as a container blob (listpack, intset, ziplist...): sets blobBuf/blobStart/blobEnd without
   * copying when it is stored raw.
   */
  protected readBlob(): void {
    const p = this.pos;
    if (p >= this.lim) this.short(p, 1);
    const c = this.buf[p];
    if (c === 0xc3) {
      this.readLzf();
      return;
    }
    if (c >= 0xc0) {
      // An int-encoded blob is legal in the format (it is just a string); hand over its text.
      const text = this.readSpecialString(c);
      this.blobBuf = Buffer.from(text, 'latin1');
      this.blobStart = 0;
      this.blobEnd = this.blobBuf.length;
      return;
    }
    const n = this.readLen();
    const s = this.pos;
    if (s + n > this.lim) this.short(s, n);
    this.pos = s + n;
    this.blobBuf = this.buf;
    this.blobStart = s;
    this.blobEnd = s + n;
  }

  protected blobString(): Bytes {
    return this.blobBuf.latin1Slice(this.blobStart, this.blobEnd);
  }

  /**
   * Skips the payload of a stream value (type 15, or 19 with `v2`), whose extent is only known by walking it.
   * Used when streams are skipped or kept raw.
   */
  protected skipStream(v2: boolean): void {
    const nodes = this.readLen();
    for (let i = 0; i < nodes; i++) {
      const at = this.base + this.pos;
      this.readBlob();
      if (this.blobEnd - this.blobStart !== 16) this.fail(at, 'stream node key is not a 128-bit ID');
      this.readBlob();
    }
    this.readLen(); // length
    this.readLen(); // last id
    this.readLen();
    if (v2) {
      this.readLen(); // first id
      this.readLen();
      this.readLen(); // max deleted id
      this.readLen();
      this.readLen(); // entries added
    }
    const groups = this.readLen();
    for (let g = 0; g < groups; g++) {
      this.readBlob(); // name
      this.readLen(); // last id
      this.readLen();
      if (v2) this.readLen(); // entries read
      const pel = this.readLen();
      for (let i = 0; i < pel; i++) {
        this.skipBytes(16 + 8); // id, delivery time
        this.readLen(); // delivery count
      }
      const consumers = this.readLen();
      for (let c = 0; c < consumers; c++) {
        this.readBlob(); // name
        this.skipBytes(8); // seen time
        const owned = this.readLen();
        for (let i = 0; i < owned; i++) this.skipBytes(16);
      }
    }
  }

  /** Skips module-serialized data: typed fields until the EOF opcode (0). */
  protected skipModuleOpcodes(): void {
    for (;;) {
      const at = this.base + this.pos;
      const op = this.readLen();
      switch (op) {
        case 0:
          return;
        case 1: // signed int
        case 2: // unsigned int
          this.readLen();
          break;
        case 3: // float
          this.skipBytes(4);
          break;
        case 4: // double
          this.skipBytes(8);
          break;
        case 5: // string
          this.readBlob();
          break;
        default:
          this.fail(at, `unknown module data opcode ${op}`);
      }
    }
  }
}
