/**
 * Parser for the command stream a master sends (spec §5): RESP arrays of bulk strings, each returned with the exact
 * number of bytes it occupied, because replication offsets count every byte. A bare newline is a keepalive (1 or 2
 * bytes that still count); any other inline text means the stream is out of sync, which is a protocol error.
 * Pure: no sockets. Large bulks are gathered chunk by chunk and joined once.
 */
import { lengthLine, scanLengthLine } from '../protocol/resp-parser';
import type { Bytes } from '../protocol/bytes';

export class MasterProtocolError extends Error {}

export interface StreamCommand {
  /** empty for a keepalive newline (or an empty array) */
  argv: Bytes[];
  /** bytes the command occupied in the stream */
  size: number;
}

/** Longest header line accepted (Redis' PROTO_INLINE_MAX_SIZE). */
const LINE_MAX = 64 * 1024;
/** From this size on a bulk is gathered in a list of chunks rather than by re-concatenation. */
const BIG_BULK = 32 * 1024;

export class MasterStreamParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** arguments still to read in the current array; 0 between commands */
  private remaining = 0;
  private argv: Bytes[] = [];
  /** length of the bulk being read, -1 while reading its header */
  private bulkLen = -1;
  /** bytes of the current command consumed so far */
  private size = 0;
  private big: Buffer[] | null = null;
  private bigHave = 0;

  constructor(private readonly maxBulkLen = 512 * 1024 * 1024) {}

  /** Bytes received but not yet returned as part of a command. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigHave;
  }

  push(chunk: Buffer): void {
    if (this.big !== null) {
      this.big.push(chunk);
      this.bigHave += chunk.length;
      return;
    }
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** The next complete command, or null when more bytes are needed. Throws MasterProtocolError. */
  next(): StreamCommand | null {
    if (this.big !== null && !this.joinBig()) return null;
    if (this.remaining === 0 && this.bulkLen < 0) {
      if (this.pos >= this.buf.length) return null;
      const first = this.buf[this.pos];
      if (first !== 0x2a /* * */) return this.inline();
      const n = this.header(0x2a);
      if (n === null) return null;
      if (n <= 0) return this.take(); // empty or null array: nothing to run, bytes still count
      if (n > 1024 * 1024) throw new MasterProtocolError('Protocol error: invalid multibulk length');
      this.remaining = n;
    }
    while (this.remaining > 0) {
      if (this.bulkLen < 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 0x24 /* $ */) {
          throw new MasterProtocolError(
            `Protocol error: expected '$', got '${String.fromCharCode(this.buf[this.pos])}'`,
          );
        }
        const len = this.header(0x24);
        if (len === null) return null;
        if (len < 0 || len > this.maxBulkLen) throw new MasterProtocolError('Protocol error: invalid bulk length');
        this.bulkLen = len;
      }
      const avail = this.buf.length - this.pos;
      if (avail < this.bulkLen + 2) {
        if (this.bulkLen >= BIG_BULK) {
          this.big = [this.buf.subarray(this.pos)];
          this.bigHave = avail;
          this.buf = Buffer.alloc(0);
          this.pos = 0;
        }
        return null;
      }
      this.argv.push(this.buf.latin1Slice(this.pos, this.pos + this.bulkLen));
      this.pos += this.bulkLen + 2;
      this.size += this.bulkLen + 2;
      this.bulkLen = -1;
      this.remaining--;
    }
    return this.take();
  }

  private take(): StreamCommand {
    const cmd = { argv: this.argv, size: this.size };
    this.argv = [];
    this.size = 0;
    return cmd;
  }

  /** A big bulk is complete: join its chunks once and continue parsing from there. */
  private joinBig(): boolean {
    if (this.bigHave < this.bulkLen + 2) return false;
    this.buf = Buffer.concat(this.big as Buffer[], this.bigHave);
    this.pos = 0;
    this.big = null;
    this.bigHave = 0;
    return true;
  }

  /** `*<n>\r\n` or `$<n>\r\n` at pos; null when the line is incomplete. */
  private header(kind: number): number | null {
    const n = scanLengthLine(this.buf, this.pos);
    if (n !== null) {
      this.size += lengthLine.end - this.pos;
      this.pos = lengthLine.end;
      return n;
    }
    const buf = this.buf;
    const len = buf.length;
    // Incomplete, or not a length line at all.
    const cr = buf.indexOf(13, this.pos);
    if (cr < 0 || cr + 1 >= len) {
      if (len - this.pos > LINE_MAX) throw new MasterProtocolError('Protocol error: too big count string');
      return null;
    }
    throw new MasterProtocolError(`Protocol error: invalid ${kind === 0x2a ? 'multibulk' : 'bulk'} length`);
  }

  /** Only an empty line (a keepalive) is acceptable outside RESP framing. */
  private inline(): StreamCommand | null {
    const buf = this.buf;
    const nl = buf.indexOf(10, this.pos);
    let end = nl;
    if (nl < 0) {
      // "\r" alone may still become "\r\n"; anything else is already inline text.
      if (buf.length - this.pos === 1 && buf[this.pos] === 13) return null;
      throw new MasterProtocolError('Master using the inline protocol. Desync?');
    }
    if (end > this.pos && buf[end - 1] === 13) end--;
    if (end !== this.pos) throw new MasterProtocolError('Master using the inline protocol. Desync?');
    this.size = nl + 1 - this.pos;
    this.pos = nl + 1;
    return this.take();
  }
}
