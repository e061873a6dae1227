/**
 * Framing of the full-sync payload a master sends after +FULLRESYNC (or after SYNC), spec §4.2. Pure: fed socket
 * chunks, it separates the RDB bytes from what follows them.
 *
 *   \n ...                       keepalives before the header (ignored)
 *   -<error>                     the master gave up
 *   $<len>\r\n<len bytes>        disk-based: the stream starts right after the last byte (no CRLF)
 *   $EOF:<40 chars>\r\n<rdb><the same 40 chars>
 *                                diskless: the end is where the mark shows up again
 */

export type PayloadHeader = { kind: 'len'; length: number } | { kind: 'eof'; mark: string };

export class PayloadError extends Error {}

export interface PayloadChunk {
  /** set by the push that read the header line */
  header: PayloadHeader | null;
  /** RDB bytes found in this push, in order (views into the pushed chunks) */
  rdb: Buffer[];
  /** the payload ended in this push */
  done: boolean;
  /** bytes after the payload (the replication stream), when done */
  rest: Buffer | null;
  /** keepalive newlines seen before the header */
  keepalives: number;
}

const MARK_LEN = 40;
/** Redis reads the header with a 1024-byte line buffer; a longer line cannot be a header. */
const MAX_HEADER = 1024;

export class PayloadFramer {
  header: PayloadHeader | null = null;
  /** RDB bytes delivered so far (excluding the EOF mark) */
  rdbBytes = 0;
  done = false;
  /** partial header line */
  private line: Buffer | null = null;
  private markBuf: Buffer | null = null;
  /** last bytes held back in EOF mode: they may be the start of the mark */
  private held: Buffer | null = null;

  /**
   * Feeds a chunk. Throws PayloadError for an error line from the master ("MASTER aborted replication with an
   * error: ...") or anything that is not a payload header.
   */
  push(chunk: Buffer): PayloadChunk {
    const out: PayloadChunk = { header: null, rdb: [], done: false, rest: null, keepalives: 0 };
    if (this.done) {
      out.rest = chunk;
      return out;
    }
    let data = chunk;
    while (this.header === null) {
      if (this.line !== null) {
        data = Buffer.concat([this.line, data]);
        this.line = null;
      }
      const nl = data.indexOf(10);
      if (nl < 0) {
        if (data.length > MAX_HEADER) throw new PayloadError(badFirstByte(data.latin1Slice(0, MAX_HEADER)));
        if (data.length > 0) this.line = data;
        return out;
      }
      const text = data.latin1Slice(0, nl > 0 && data[nl - 1] === 13 ? nl - 1 : nl);
      data = data.subarray(nl + 1);
      if (text === '') {
        out.keepalives++;
        continue;
      }
      this.header = parseHeader(text);
      out.header = this.header;
    }
    if (this.header.kind === 'len') this.takeCounted(data, this.header.length, out);
    else this.takeMarked(data, out);
    return out;
  }

  private takeCounted(data: Buffer, length: number, out: PayloadChunk): void {
    const want = length - this.rdbBytes;
    if (data.length < want) {
      if (data.length > 0) out.rdb.push(data);
      this.rdbBytes += data.length;
      return;
    }
    if (want > 0) out.rdb.push(data.subarray(0, want));
    this.rdbBytes = length;
    this.finish(out, data.subarray(want));
  }

  private takeMarked(chunk: Buffer, out: PayloadChunk): void {
    if (this.markBuf === null) this.markBuf = Buffer.from((this.header as { mark: string }).mark, 'latin1');
    const data = this.held !== null ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = null;
    const at = data.indexOf(this.markBuf);
    if (at >= 0) {
      if (at > 0) out.rdb.push(data.subarray(0, at));
      this.rdbBytes += at;
      this.finish(out, data.subarray(at + MARK_LEN));
      return;
    }
    // Keep the tail that could be the beginning of a mark split across chunks.
    const keep = Math.min(MARK_LEN - 1, data.length);
    const pass = data.length - keep;
    if (pass > 0) out.rdb.push(data.subarray(0, pass));
    this.rdbBytes += pass;
    this.held = Buffer.from(data.subarray(pass)); // copy: the chunk it views is not ours to keep
  }

  private finish(out: PayloadChunk, rest: Buffer): void {
    this.done = true;
    out.done = true;
    out.rest = rest;
  }
}

function badFirstByte(text: string): string {
  return `Bad protocol from MASTER, the first byte is not '$' (we received '${text}'), are you sure the host and port are right?`;
}

function parseHeader(text: string): PayloadHeader {
  if (text[0] === '-') throw new PayloadError(`MASTER aborted replication with an error: ${text.slice(1)}`);
  if (text[0] !== '$') throw new PayloadError(badFirstByte(text));
  if (text.startsWith('$EOF:') && text.length - 5 >= MARK_LEN) {
    return { kind: 'eof', mark: text.slice(5, 5 + MARK_LEN) };
  }
  // strtol semantics: leading digits, anything after them ignored.
  const m = /^\s*[+-]?\d+/.exec(text.slice(1));
  const length = m === null ? 0 : Number(m[0]);
  if (length < 0 || !Number.isSafeInteger(length)) throw new PayloadError(badFirstByte(text));
  return { kind: 'len', length };
}
