/**
 * Low-level RDB output: a chunked byte sink with the RDB primitive encodings (lengths, strings with Redis' integer and
 * LZF choices). Bytes accumulate in a buffer of `chunkSize` that is handed to the sink when full, so a snapshot
 * streams to a file or socket with bounded memory; the CRC64 is computed over every byte handed out.
 */
import type { Bytes } from '../../protocol/bytes';
import { Crc64 } from './crc64';
import { canonicalInt, maybeInt } from './ints';
import { lzfCompress } from './lzf';

export type ChunkSink = (chunk: Buffer) => void;

/** scratch buffers up to this size are kept between values */
const KEEP_SCRATCH = 1 << 20;

export class RdbWriter {
  protected out: Buffer;
  protected pos = 0;
  private readonly cap: number;
  /** bytes handed to the sink so far */
  protected flushed = 0;
  protected readonly crc = new Crc64();
  private tmpIn: Buffer = Buffer.allocUnsafe(1024);
  private tmpOut: Buffer = Buffer.allocUnsafe(1024);

  constructor(
    private readonly sink: ChunkSink,
    protected readonly compression: boolean,
    chunkSize: number,
  ) {
    this.cap = Math.max(64, chunkSize);
    this.out = Buffer.allocUnsafe(this.cap);
  }

  /** Total bytes produced (handed out or pending). */
  get bytes(): number {
    return this.flushed + this.pos;
  }

  /** Hands pending bytes to the sink (ownership passes: the writer never touches a chunk again). */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.out.subarray(0, this.pos);
    this.crc.update(chunk);
    this.flushed += this.pos;
    this.out = Buffer.allocUnsafe(this.cap);
    this.pos = 0;
    this.sink(chunk);
  }

  /** Makes room for `n` contiguous bytes. */
  protected room(n: number): void {
    if (this.pos + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) this.out = Buffer.allocUnsafe(n);
  }

  /** Flushes when a full chunk is pending (called between records). */
  protected maybeFlush(): void {
    if (this.pos >= this.cap) this.flush();
  }

  byte(v: number): void {
    this.room(1);
    this.out[this.pos++] = v;
  }

  /** RDB length: 6-bit, 14-bit BE, 32-bit BE or 64-bit BE form, smallest that fits. */
  len(n: number): void {
    this.room(9);
    const o = this.out;
    let p = this.pos;
    if (n < 64) {
      o[p++] = n;
    } else if (n < 16384) {
      o[p++] = 0x40 | (n >> 8);
      o[p++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      o[p++] = 0x80;
      o.writeUInt32BE(n, p);
      p += 4;
    } else {
      o[p++] = 0x81;
      o.writeUInt32BE(Math.floor(n / 4294967296), p);
      o.writeUInt32BE(n >>> 0, p + 4);
      p += 8;
    }
    this.pos = p;
  }

  int64LE(v: number): void {
    this.room(8);
    const lo = v >>> 0;
    const hi = Math.floor(v / 4294967296) | 0;
    this.out.writeUInt32LE(lo, this.pos);
    this.out.writeInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  doubleLE(v: number): void {
    this.room(8);
    this.out.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /**
   * A string as Redis writes it: int8/16/32 form for short canonical integers, LZF when compression is on, the
   * string is longer than 20 bytes and it compresses to at most len-4 bytes, else raw.
   */
  string(s: Bytes): void {
    const n = s.length;
    if (n <= 11 && maybeInt(s, 11)) {
      const v = canonicalInt(s);
      if (v !== null && v >= -2147483648 && v <= 2147483647) {
        this.intString(v as number);
        return;
      }
    }
    if (this.compression && n > 20) {
      const bytes = n <= KEEP_SCRATCH ? this.scratchIn(n) : Buffer.allocUnsafe(n);
      bytes.latin1Write(s, 0, n);
      if (this.lzf(bytes, 0, n)) return;
      this.rawBytes(bytes, 0, n);
      return;
    }
    this.len(n);
    this.room(n);
    const o = this.out;
    const p = this.pos;
    if (n < 16) {
      for (let i = 0; i < n; i++) o[p + i] = s.charCodeAt(i);
    } else {
      o.latin1Write(s, p, n);
    }
    this.pos = p + n;
  }

  private intString(v: number): void {
    this.room(5);
    const o = this.out;
    const p = this.pos;
    if (v >= -128 && v <= 127) {
      o[p] = 0xc0;
      o[p + 1] = v & 0xff;
      this.pos = p + 2;
    } else if (v >= -32768 && v <= 32767) {
      o[p] = 0xc1;
      o.writeInt16LE(v, p + 1);
      this.pos = p + 3;
    } else {
      o[p] = 0xc2;
      o.writeInt32LE(v, p + 1);
      this.pos = p + 5;
    }
  }

  /** Bytes written exactly as given (a raw value payload kept from a decoded file). */
  verbatim(s: Bytes): void {
    const n = s.length;
    this.room(n);
    this.out.latin1Write(s, this.pos, n);
    this.pos += n;
  }

  /** A byte blob (listpack, intset...) as a string: LZF under the same rule as strings, else raw. */
  blob(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.compression && n > 20 && this.lzf(b, start, end)) return;
    this.rawBytes(b, start, end);
  }

  private rawBytes(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.len(n);
    if (n > this.cap) {
      // Large payloads go out as their own chunk instead of being copied through the buffer.
      this.flush();
      const chunk = Buffer.from(b.subarray(start, end));
      this.crc.update(chunk);
      this.flushed += n;
      this.sink(chunk);
      return;
    }
    this.room(n);
    this.out.set(b.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** Tries LZF with Redis' budget (len - 4); writes the compressed form and returns true when it fits. */
  private lzf(b: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    const out = this.scratchOut(n);
    const clen = lzfCompress(b, start, end, out, 0, n - 4);
    if (clen === 0) return false;
    this.lzfBlob(out, clen, n);
    return true;
  }

  /**
   * Reusable scratch buffers for compression. Up to KEEP_SCRATCH bytes they are kept (and grown); bigger values get
   * a one-off buffer so a single huge value does not pin that much memory for the rest of the snapshot.
   */
  private scratchIn(n: number): Buffer {
    if (this.tmpIn.length < n) this.tmpIn = Buffer.allocUnsafe(Math.min(KEEP_SCRATCH, n * 2));
    return this.tmpIn;
  }

  private scratchOut(n: number): Buffer {
    if (n > KEEP_SCRATCH) return Buffer.allocUnsafe(n);
    if (this.tmpOut.length < n) this.tmpOut = Buffer.allocUnsafe(Math.min(KEEP_SCRATCH, n * 2));
    return this.tmpOut;
  }

  /** An already compressed blob: 0xC3, compressed length, original length, data. */
  lzfBlob(data: Uint8Array, clen: number, ulen: number): void {
    this.byte(0xc3);
    this.len(clen);
    this.len(ulen);
    this.room(clen);
    this.out.set(data.subarray(0, clen), this.pos);
    this.pos += clen;
  }

  /**
   * Writes a quicklist node the way a compressed in-memory node is saved: LZF with the whole size as budget, used
   * only when the node has at least 48 bytes and shrinks by more than 8 (Redis' node compression rule).
   * Returns false (nothing written) when the node stays uncompressed.
   */
  compressedNode(b: Uint8Array, n: number): boolean {
    if (n < 48) return false;
    const out = this.scratchOut(n);
    const clen = lzfCompress(b, 0, n, out, 0, n);
    if (clen === 0 || clen + 8 >= n) return false;
    this.lzfBlob(out, clen, n);
    return true;
  }
}
