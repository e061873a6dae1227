/**
 * A replica scripted byte by byte over raw TCP, speaking what a Redis 7.0 replica speaks: handshake, PSYNC, payload
 * (disk `$len` or diskless `$EOF:`), then stream commands with their exact sizes (for offsets and ACKs).
 */
import net from 'node:net';
import { expect } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function encode(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** A replica scripted byte by byte: reads lines, payloads and stream commands with timeouts. */
export class FakeReplica {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;
  /** bytes of stream commands read so far (the replica's applied offset relative to its sync point) */
  streamBytes = 0;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    sock.on('error', () => {});
  }

  static connect(port: number): Promise<FakeReplica> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new FakeReplica(s)));
      s.once('error', reject);
    });
  }

  send(...argv: string[]): void {
    this.sock.write(encode(argv), 'latin1');
  }

  raw(s: string): void {
    this.sock.write(s, 'latin1');
  }

  get pending(): number {
    return this.buf.length;
  }

  /** Waits until `n` bytes are buffered (or the socket closed); resolves false on timeout. */
  private async need(test: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (this.closed) return test();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = null;
          r();
        };
      });
    }
    return true;
  }

  /** One line ending in \n (CRLF stripped); a bare "\n" keepalive gives ''. */
  async line(timeoutMs = 5000): Promise<string> {
    const ok = await this.need(() => this.buf.indexOf(10) >= 0, timeoutMs);
    if (!ok)
      throw new Error(`no line within ${timeoutMs} ms (buffered: ${JSON.stringify(this.buf.latin1Slice(0, 80))})`);
    const nl = this.buf.indexOf(10);
    let end = nl;
    if (end > 0 && this.buf[end - 1] === 13) end--;
    const s = this.buf.latin1Slice(0, end);
    this.buf = this.buf.subarray(nl + 1);
    return s;
  }

  /** The first non-empty line, counting the newline keepalives skipped on the way. */
  async lineSkippingKeepalives(timeoutMs = 15000): Promise<{ line: string; keepalives: number }> {
    let keepalives = 0;
    for (;;) {
      const l = await this.line(timeoutMs);
      if (l !== '') return { line: l, keepalives };
      keepalives++;
    }
  }

  async bytes(n: number, timeoutMs = 10000): Promise<Buffer> {
    const ok = await this.need(() => this.buf.length >= n, timeoutMs);
    if (!ok) throw new Error(`wanted ${n} bytes, have ${this.buf.length}`);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(out);
  }

  /** Reads a full-sync payload in either framing; returns the RDB and the framing used. */
  async payload(timeoutMs = 15000): Promise<{ rdb: Buffer; eof: boolean }> {
    const { line } = await this.lineSkippingKeepalives(timeoutMs);
    if (line.startsWith('$EOF:')) {
      const mark = Buffer.from(line.slice(5), 'latin1');
      expect(mark.length).toBe(40);
      const ok = await this.need(() => this.buf.indexOf(mark) >= 0, timeoutMs);
      if (!ok) throw new Error('EOF mark never came');
      const at = this.buf.indexOf(mark);
      const rdb = Buffer.from(this.buf.subarray(0, at));
      this.buf = this.buf.subarray(at + 40);
      return { rdb, eof: true };
    }
    expect(line[0]).toBe('$');
    return { rdb: await this.bytes(Number(line.slice(1)), timeoutMs), eof: false };
  }

  /** One RESP command of the stream, with its exact size in bytes. */
  async command(timeoutMs = 5000): Promise<{ argv: string[]; size: number }> {
    const head = await this.line(timeoutMs);
    if (!head.startsWith('*')) throw new Error(`not a command: ${JSON.stringify(head)}`);
    let size = head.length + 2;
    const argv: string[] = [];
    for (let i = 0; i < Number(head.slice(1)); i++) {
      const h = await this.line(timeoutMs);
      const n = Number(h.slice(1));
      argv.push((await this.bytes(n + 2, timeoutMs)).latin1Slice(0, n));
      size += h.length + 2 + n + 2;
    }
    this.streamBytes += size;
    return { argv, size };
  }

  async commandSkippingPings(timeoutMs = 5000): Promise<{ argv: string[]; size: number }> {
    for (;;) {
      const c = await this.command(timeoutMs);
      if (c.argv.length !== 1 || c.argv[0] !== 'ping') return c;
    }
  }

  /**
   * Reads the stream until it closes, answering each REPLCONF GETACK with everything read so far (as a replica's
   * next ACK would). Resolves to the number of PINGs read meanwhile.
   */
  async answerGetacks(): Promise<number> {
    let pings = 0;
    try {
      for (;;) {
        const c = await this.command(60_000);
        if (c.argv[0] === 'ping') pings++;
        else if (c.argv[0] === 'REPLCONF' && c.argv[1] === 'GETACK')
          this.send('REPLCONF', 'ACK', String(this.streamBytes));
      }
    } catch {
      return pings; // closed
    }
  }

  /** Resolves true if nothing arrives for `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.buf.length;
    await sleep(ms);
    return this.buf.length === before;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.need(() => this.closed, timeoutMs).then(() => this.closed);
  }

  close(): void {
    this.sock.destroy();
  }

  /** The usual Redis 7.0 handshake, replies checked. */
  async handshake(port: number, capa: string[] = ['eof', 'psync2']): Promise<void> {
    this.send('PING');
    expect(await this.line()).toBe('+PONG');
    this.send('REPLCONF', 'listening-port', String(port));
    const args: string[] = ['REPLCONF'];
    for (const c of capa) args.push('capa', c);
    this.send(...args);
    expect(await this.line()).toBe('+OK');
    expect(await this.line()).toBe('+OK');
  }
}
