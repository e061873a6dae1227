/**
 * Reply encoder: appends RESP2 or RESP3 frames to one growable buffer per client. The connection flushes it with a
 * single socket write per event-loop turn, which is where most of a Node server's throughput is won or lost.
 * Type mapping between protocols follows Redis 7.0 (maps become flat arrays, doubles become bulk strings, nulls become
 * $-1 or *-1 in RESP2).
 */
import type { Bytes } from './bytes';
import { formatDouble } from './numbers';

const INITIAL = 16 * 1024;
/** below this much free space after take(), a new buffer is started */
const MIN_ROOM = 2048;
/**
 * Strings up to this length are copied byte by byte in JS: Buffer#latin1Write is a call into C++ whose fixed cost
 * (~100 ns) exceeds a short loop.
 */
const SHORT = 48;

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  len = 0;
  /** 2 or 3, set by HELLO */
  resp: 2 | 3 = 2;

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  /**
   * Takes everything written so far as a Buffer of its own (or null) and empties the writer. No copy: the bytes are
   * handed over as a view and the writer moves on to the free space after them, so a turn's replies cost one view
   * instead of an allocation plus a copy. A fresh buffer is started when the free space left is small, or large
   * enough (after a big reply) that keeping it would pin memory.
   */
  take(): Buffer | null {
    const n = this.len;
    if (n === 0) return null;
    const buf = this.buf;
    const out = buf.subarray(0, n);
    const room = buf.length - n;
    this.buf = room >= MIN_ROOM && room <= 4 * INITIAL ? buf.subarray(n) : Buffer.allocUnsafe(INITIAL);
    this.len = 0;
    return out;
  }

  /** Raw bytes already in protocol form. */
  raw(s: Bytes): void {
    const n = s.length;
    this.ensure(n);
    this.put(s, n);
  }

  /** Copies s (n = s.length, room ensured) at len. */
  private put(s: Bytes, n: number): void {
    if (n <= SHORT) {
      const buf = this.buf;
      let p = this.len;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      this.len = p;
    } else {
      this.len += this.buf.latin1Write(s, this.len);
    }
  }

  /** Writes the decimal digits of a non-negative safe integer (room ensured). */
  private digits(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.len++] = 48 + n;
      return;
    }
    let d = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) d++;
    let p = this.len + d;
    this.len = p;
    for (let x = n; p > this.len - d; x = Math.floor(x / 10)) buf[--p] = 48 + (x % 10);
  }

  rawBuffer(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  private header(prefix: number, n: number): void {
    this.ensure(24);
    const buf = this.buf;
    buf[this.len++] = prefix;
    if (n >= 0) {
      this.digits(n);
    } else {
      buf[this.len++] = 0x2d;
      this.digits(-n);
    }
    buf[this.len++] = 13;
    buf[this.len++] = 10;
  }

  status(s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.len++] = 0x2b;
    this.put(s, s.length);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  ok(): void {
    this.ensure(5);
    const buf = this.buf;
    const p = this.len;
    buf[p] = 0x2b;
    buf[p + 1] = 0x4f;
    buf[p + 2] = 0x4b;
    buf[p + 3] = 13;
    buf[p + 4] = 10;
    this.len = p + 5;
  }

  /** `msg` includes the error code, e.g. "ERR syntax error" or "WRONGTYPE ...". CR/LF are replaced by spaces. */
  error(msg: string): void {
    if (msg.indexOf('\r') >= 0 || msg.indexOf('\n') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    this.ensure(msg.length + 3);
    this.buf[this.len++] = 0x2d;
    this.put(msg, msg.length);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.header(0x3a, n);
      return;
    }
    this.raw(`:${n}\r\n`);
  }

  bulk(s: Bytes): void {
    const n = s.length;
    this.header(0x24, n);
    this.ensure(n + 2);
    this.put(s, n);
    const buf = this.buf;
    buf[this.len++] = 13;
    buf[this.len++] = 10;
  }

  bulkBuffer(b: Buffer): void {
    this.header(0x24, b.length);
    this.ensure(b.length + 2);
    b.copy(this.buf, this.len);
    this.len += b.length;
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** Bulk string or null. */
  bulkOrNull(s: Bytes | null | undefined): void {
    if (s === null || s === undefined) this.null();
    else this.bulk(s);
  }

  /** Null bulk: `$-1` in RESP2, `_` in RESP3. */
  null(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '*-1\r\n');
  }

  arrayLen(n: number): void {
    this.header(0x2a, n);
  }

  /** Map of n pairs: `%n` in RESP3, array of 2n in RESP2. */
  mapLen(n: number): void {
    if (this.resp === 3) this.header(0x25, n);
    else this.header(0x2a, n * 2);
  }

  /** Set: `~n` in RESP3, array in RESP2. */
  setLen(n: number): void {
    this.header(this.resp === 3 ? 0x7e : 0x2a, n);
  }

  /** Out-of-band push (pub/sub messages): `>n` in RESP3, array in RESP2. */
  pushLen(n: number): void {
    this.header(this.resp === 3 ? 0x3e : 0x2a, n);
  }

  /** Attribute-free double: `,d` in RESP3, bulk string in RESP2, both formatted as %.17g. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 3) this.raw(`,${s}\r\n`);
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.int(b ? 1 : 0);
  }

  /** Verbatim string (`=len\r\ntxt:...`) in RESP3, bulk in RESP2. `format` is three chars such as "txt". */
  verbatim(s: Bytes, format = 'txt'): void {
    if (this.resp === 3) {
      this.header(0x3d, s.length + 4);
      this.raw(`${format}:`);
      this.raw(s);
      this.raw('\r\n');
    } else {
      this.bulk(s);
    }
  }

  bulks(items: readonly Bytes[]): void {
    this.arrayLen(items.length);
    for (const s of items) this.bulk(s);
  }

  emptyArray(): void {
    this.raw('*0\r\n');
  }
}
