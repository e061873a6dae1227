/**
 * A minimal raw RESP client for tests: sends argv as a RESP array (or raw bytes) and parses replies into a typed tree
 * that keeps the exact wire type (status vs bulk, RESP3 map vs array, ...), so tests can compare Tandem and Redis
 * byte for byte or structurally.
 */
import net from 'node:net';

export type Reply =
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bulk'; v: string | null } // binary string (latin1), null for $-1
  | { t: 'array'; v: Reply[] | null } // null for *-1
  | { t: 'null' } // RESP3 _
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'map'; v: [Reply, Reply][] }
  | { t: 'set'; v: Reply[] }
  | { t: 'push'; v: Reply[] }
  | { t: 'verbatim'; v: string }
  | { t: 'bignum'; v: string }
  | { t: 'attr'; v: [Reply, Reply][] };

/** Parses one reply from `buf` at `pos`; returns [reply, nextPos] or null when incomplete. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.latin1Slice(pos + 1, nl);
  let p = nl + 2;
  const aggregate = (n: number): [Reply[], number] | null => {
    const items: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (!r) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  };
  switch (type) {
    case '+':
      return [{ t: 'status', v: line }, p];
    case '-':
      return [{ t: 'error', v: line }, p];
    case ':':
      return [{ t: 'int', v: BigInt(line) }, p];
    case ',':
      return [{ t: 'double', v: line }, p];
    case '#':
      return [{ t: 'bool', v: line === 't' }, p];
    case '_':
      return [{ t: 'null' }, p];
    case '(':
      return [{ t: 'bignum', v: line }, p];
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return [{ t: 'bulk', v: null }, p];
      if (buf.length < p + n + 2) return null;
      const s = buf.latin1Slice(p, p + n);
      if (type === '!') return [{ t: 'error', v: s }, p + n + 2];
      return [type === '=' ? { t: 'verbatim', v: s } : { t: 'bulk', v: s }, p + n + 2];
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(line);
      if (n < 0) return [{ t: 'array', v: null }, p];
      const r = aggregate(n);
      if (!r) return null;
      const kind = type === '*' ? 'array' : type === '~' ? 'set' : 'push';
      return [{ t: kind, v: r[0] } as Reply, r[1]];
    }
    case '%':
    case '|': {
      const n = Number(line);
      const r = aggregate(n * 2);
      if (!r) return null;
      const pairs: [Reply, Reply][] = [];
      for (let i = 0; i < r[0].length; i += 2) pairs.push([r[0][i], r[0][i + 1]]);
      return [{ t: type === '%' ? 'map' : 'attr', v: pairs }, r[1]];
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.latin1Slice(pos, pos + 40))}`);
  }
}

export function encodeArgv(argv: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Converts a reply to plain JS for easy assertions: strings, bigints->numbers, arrays; errors become {error}. */
export function plain(r: Reply): unknown {
  switch (r.t) {
    case 'status':
    case 'bulk':
    case 'double':
    case 'verbatim':
    case 'bignum':
      return r.v;
    case 'error':
      return { error: r.v };
    case 'int':
      return Number(r.v);
    case 'null':
      return null;
    case 'bool':
      return r.v;
    case 'array':
      return r.v === null ? null : r.v.map(plain);
    case 'set':
    case 'push':
      return r.v.map(plain);
    case 'map':
    case 'attr':
      return r.v.map(([k, v]) => [plain(k), plain(v)]);
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  /** replies nobody waited for (pushes, or replies read with next()) */
  private queue: Reply[] = [];
  closed = false;
  raw = Buffer.alloc(0);
  keepRaw = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      if (this.keepRaw) this.raw = Buffer.concat([this.raw, d]);
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const r = parseReply(this.buf, 0);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        const w = this.waiters.shift();
        if (w) w.resolve(r[0]);
        else this.queue.push(r[0]);
      }
    });
    const fail = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RespClient(s)));
      s.once('error', reject);
    });
  }

  /** Next reply (queued or future). */
  next(timeoutMs = 5000): Promise<Reply> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (r: Reply) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('timeout waiting for reply'));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  send(...argv: (string | Buffer | number)[]): void {
    this.socket.write(encodeArgv(argv.map((a) => (typeof a === 'number' ? String(a) : a))));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends a command and returns its reply. */
  async call(...argv: (string | Buffer | number)[]): Promise<Reply> {
    this.send(...argv);
    return this.next();
  }

  /** Sends a command and returns its reply as plain JS. */
  async cmd(...argv: (string | Buffer | number)[]): Promise<unknown> {
    return plain(await this.call(...argv));
  }

  /** Resolves when the server closes the connection. */
  waitClose(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
