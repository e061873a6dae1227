/**
 * Replies read on the sentinel's own outgoing connections (to monitored nodes and to other sentinels). Those
 * connections speak RESP2 (no HELLO is ever sent), but RESP3 frames are tolerated so an odd peer cannot wedge the
 * parser. Strings are binary (latin1), like everything else in Tandem.
 */

export type Reply =
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number }
  | { t: 'bulk'; v: string | null }
  | { t: 'array'; v: Reply[] | null };

/** Incremental parser: feed() bytes, then next() until it returns undefined (incomplete). */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next complete reply, or undefined when more bytes are needed. Throws on a malformed stream. */
  next(): Reply | undefined {
    const r = this.parse(this.pos);
    if (r === undefined) return undefined;
    this.pos = r[1];
    return r[0];
  }

  private line(at: number): [string, number] | undefined {
    const nl = this.buf.indexOf('\r\n', at, 'latin1');
    if (nl < 0) return undefined;
    return [this.buf.latin1Slice(at, nl), nl + 2];
  }

  private parse(at: number): [Reply, number] | undefined {
    if (at >= this.buf.length) return undefined;
    const type = this.buf[at];
    const l = this.line(at + 1);
    if (l === undefined) return undefined;
    const [text, after] = l;
    switch (type) {
      case 0x2b: // +
        return [{ t: 'status', v: text }, after];
      case 0x2d: // -
        return [{ t: 'error', v: text }, after];
      case 0x3a: // :
      case 0x28: // ( big number
        return [{ t: 'int', v: Number(text) }, after];
      case 0x2c: // , double
      case 0x23: // # boolean
        return [{ t: 'status', v: text }, after];
      case 0x5f: // _ null
        return [{ t: 'bulk', v: null }, after];
      case 0x24: // $
      case 0x3d: // = verbatim
      case 0x21: {
        // ! blob error
        const n = Number(text);
        if (!Number.isInteger(n)) throw new Error(`bad bulk length '${text}'`);
        if (n < 0) return [{ t: 'bulk', v: null }, after];
        if (this.buf.length < after + n + 2) return undefined;
        let s = this.buf.latin1Slice(after, after + n);
        if (type === 0x21) return [{ t: 'error', v: s }, after + n + 2];
        if (type === 0x3d) s = s.slice(4); // "txt:" prefix
        return [{ t: 'bulk', v: s }, after + n + 2];
      }
      case 0x2a: // *
      case 0x7e: // ~ set
      case 0x3e: // > push
      case 0x25: {
        // % map: flattened into key, value, ...
        let n = Number(text);
        if (!Number.isInteger(n)) throw new Error(`bad aggregate length '${text}'`);
        if (n < 0) return [{ t: 'array', v: null }, after];
        if (type === 0x25) n *= 2;
        const items: Reply[] = [];
        let p = after;
        for (let i = 0; i < n; i++) {
          const r = this.parse(p);
          if (r === undefined) return undefined;
          items.push(r[0]);
          p = r[1];
        }
        return [{ t: 'array', v: items }, p];
      }
      default:
        throw new Error(`unexpected reply type byte ${type}`);
    }
  }
}

/** RESP2 encoding of a command (binary-safe, latin1). */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}
