/**
 * Incremental parser for client requests: RESP multibulk (`*N\r\n$len\r\n...`) and inline commands (telnet style).
 * It is fed socket chunks and yields one argv (array of binary strings) at a time, so thousands of pipelined commands
 * in one read cost no extra copies. Large bulk payloads are gathered as a list of chunks and joined once.
 * Error messages match Redis 7.0's processMultibulkBuffer / processInlineBuffer.
 */
import type { Bytes } from './bytes';

/** Where the line read by the last successful scanLengthLine() ends (the byte after its CRLF). */
export const lengthLine = { end: 0 };

/**
 * Fast path for a `*<n>\r\n` / `$<n>\r\n` header whose type byte is at buf[pos]: the value when the line is complete
 * and in canonical form (string2ll rules: optional '-', no '+', no leading zeros, not "-0", at most 18 digits),
 * with lengthLine.end set; null otherwise, for the caller's careful path (incomplete line, or an error to report).
 * Digits are scanned in plain JS: cheaper than a native indexOf plus a slice per length line.
 */
export function scanLengthLine(buf: Buffer, pos: number): number | null {
  const len = buf.length;
  let i = pos + 1;
  const neg = i < len && buf[i] === 0x2d;
  if (neg) i++;
  const start = i;
  const stop = Math.min(len, start + 19);
  let n = 0;
  for (; i < stop; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  const digits = i - start;
  if (i + 1 < len && buf[i] === 0x0d && digits > 0 && digits <= 18 && !(buf[start] === 0x30 && (digits > 1 || neg))) {
    lengthLine.end = i + 2;
    return neg ? -n : n;
  }
  return null;
}

export class ProtocolError extends Error {}

/** Longest inline line or length header accepted (Redis' PROTO_INLINE_MAX_SIZE). */
const INLINE_MAX = 64 * 1024;
/** Above this size a bulk is gathered in chunks rather than re-concatenated on every read. */
const BIG_BULK = 32 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** true while the connection must still authenticate: Redis refuses big requests from such clients */
  authRequired: boolean;
}

export class RespParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  // Multibulk in progress
  private multibulkLen = 0; // remaining args of the current command
  private argv: Bytes[] = [];
  private argc = 0;
  private bulkLen = -1; // expected length of the current bulk, -1 when reading its header
  // Big bulk being gathered
  private bigChunks: Buffer[] | null = null;
  private bigHave = 0;

  constructor(public limits: ParserLimits) {}

  /** Bytes buffered but not yet turned into commands (for client-query-buffer-limit and CLIENT LIST qbuf). */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigHave;
  }

  feed(chunk: Buffer): void {
    if (this.bigChunks) {
      this.bigChunks.push(chunk);
      this.bigHave += chunk.length;
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /**
   * Returns the next complete command, or null when more bytes are needed.
   * An empty array is never returned: empty inline lines and `*0` are skipped as Redis does.
   * Throws ProtocolError on malformed input; the connection must then be closed after replying.
   */
  next(): Bytes[] | null {
    for (;;) {
      if (this.bigChunks) {
        if (!this.finishBigBulk()) return null;
        if (this.multibulkLen === 0) return this.takeArgv();
        continue;
      }
      if (this.multibulkLen === 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 0x2a /* * */) {
          const argv = this.parseInline();
          if (argv === null) return null;
          if (argv.length === 0) continue;
          return argv;
        }
        const n = this.readHeaderNumber('multibulk');
        if (n === null) return null;
        if (n <= 0) continue;
        if (n > 2147483647) throw new ProtocolError('Protocol error: invalid multibulk length');
        if (n > 10 && this.limits.authRequired)
          throw new ProtocolError('Protocol error: unauthenticated multibulk length');
        this.multibulkLen = n;
        // Pre-sized (capped: a hostile count must not allocate a huge array before any argument arrives).
        this.argv = n <= 1024 ? new Array(n) : [];
        this.argc = 0;
      }
      while (this.multibulkLen > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= this.buf.length) return null;
          if (this.buf[this.pos] !== 0x24 /* $ */) {
            throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(this.buf[this.pos])}'`);
          }
          const len = this.readHeaderNumber('bulk');
          if (len === null) return null;
          if (len < 0 || len > this.limits.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
          if (len > 16384 && this.limits.authRequired) {
            throw new ProtocolError('Protocol error: unauthenticated bulk length');
          }
          this.bulkLen = len;
        }
        const avail = this.buf.length - this.pos;
        if (avail < this.bulkLen + 2) {
          if (this.bulkLen >= BIG_BULK) {
            // Switch to chunk gathering: keep what we have, join once when complete.
            this.bigChunks = [this.buf.subarray(this.pos)];
            this.bigHave = avail;
            this.buf = Buffer.alloc(0);
            this.pos = 0;
          }
          return null;
        }
        this.argv[this.argc++] = bytesAt(this.buf, this.pos, this.bulkLen);
        this.pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.multibulkLen--;
      }
      return this.takeArgv();
    }
  }

  private takeArgv(): Bytes[] {
    const argv = this.argv;
    this.argv = [];
    return argv;
  }

  private finishBigBulk(): boolean {
    const need = this.bulkLen + 2;
    if (this.bigHave < need) return false;
    const all = Buffer.concat(this.bigChunks!, this.bigHave);
    this.bigChunks = null;
    this.bigHave = 0;
    this.argv[this.argc++] = all.latin1Slice(0, this.bulkLen);
    this.buf = all;
    this.pos = need;
    this.bulkLen = -1;
    this.multibulkLen--;
    return true;
  }

  /** Reads `*<n>\r\n` or `$<n>\r\n` at pos. Returns null when the line is incomplete. */
  private readHeaderNumber(kind: 'multibulk' | 'bulk'): number | null {
    const n = scanLengthLine(this.buf, this.pos);
    if (n !== null) {
      this.pos = lengthLine.end;
      return n;
    }
    return this.readHeaderSlow(kind);
  }

  /** Incomplete or malformed length line: Redis' exact outcomes (wait for more, or which error). */
  private readHeaderSlow(kind: 'multibulk' | 'bulk'): null {
    const buf = this.buf;
    const nl = buf.indexOf(0x0d, this.pos);
    const what = kind === 'multibulk' ? 'mbulk' : 'bulk';
    if (nl < 0 || nl + 1 >= buf.length) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError(`Protocol error: too big ${what} count string`);
      return null;
    }
    if (nl - this.pos > INLINE_MAX) throw new ProtocolError(`Protocol error: too big ${what} count string`);
    throw new ProtocolError(`Protocol error: invalid ${kind} length`);
  }

  /** Inline command: one line, split like sdssplitargs. Returns null if the line is incomplete. */
  private parseInline(): Bytes[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(0x0a, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 0x0d) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const argv = splitArgs(line);
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return argv;
  }
}

const fcc = String.fromCharCode;

/**
 * buf[p, p + n) as a binary string. Short arguments (command names, most keys and small values) are built by one
 * String.fromCharCode call with the bytes as arguments: a V8 builtin that costs a third of latin1Slice, whose fixed
 * cost is the call into C++. Char codes below 256 give a one-byte string, so this is byte-exact.
 */
export function bytesAt(buf: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return fcc(buf[p]);
    case 2:
      return fcc(buf[p], buf[p + 1]);
    case 3:
      return fcc(buf[p], buf[p + 1], buf[p + 2]);
    case 4:
      return fcc(buf[p], buf[p + 1], buf[p + 2], buf[p + 3]);
    case 5:
      return fcc(buf[p], buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]);
    case 6:
      return fcc(buf[p], buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4], buf[p + 5]);
    case 7:
      return fcc(buf[p], buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4], buf[p + 5], buf[p + 6]);
    case 8:
      return fcc(buf[p], buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4], buf[p + 5], buf[p + 6], buf[p + 7]);
    case 9:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
      );
    case 10:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
      );
    case 11:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
      );
    case 12:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
        buf[p + 11],
      );
    case 13:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
        buf[p + 11],
        buf[p + 12],
      );
    case 14:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
        buf[p + 11],
        buf[p + 12],
        buf[p + 13],
      );
    case 15:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
        buf[p + 11],
        buf[p + 12],
        buf[p + 13],
        buf[p + 14],
      );
    case 16:
      return fcc(
        buf[p],
        buf[p + 1],
        buf[p + 2],
        buf[p + 3],
        buf[p + 4],
        buf[p + 5],
        buf[p + 6],
        buf[p + 7],
        buf[p + 8],
        buf[p + 9],
        buf[p + 10],
        buf[p + 11],
        buf[p + 12],
        buf[p + 13],
        buf[p + 14],
        buf[p + 15],
      );
    default:
      return buf.latin1Slice(p, p + n);
  }
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/**
 * Splits a line into arguments the way redis-cli and Redis' inline protocol do: whitespace separated, "double quotes"
 * with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \' only. Returns null on unbalanced quotes or a
 * closing quote not followed by a space.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      if (inDq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (inSq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') {
          done = true;
        } else if (c === '"') {
          inDq = true;
        } else if (c === "'") {
          inSq = true;
        } else {
          cur += c;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}
