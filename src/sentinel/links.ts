/**
 * The socket side of instance links: one TCP connection per Channel, commands written as RESP2 arrays as soon as
 * they are queued (the kernel buffers them until the connection completes, like hiredis' output buffer), replies
 * matched to callbacks in order. On a pub/sub connection, array frames are subscription pushes and go to `onPush`.
 * If the peer closes or errors, pending callbacks get null and the owner is told through `onGone`; a close() we
 * asked for ends quietly.
 */
import net from 'node:net';
import type { Channel } from './instance';
import type { Connector } from './monitor';
import { encodeCommand, type Reply, ReplyParser } from './reply';

type Callback = ((r: Reply | null) => void) | null;

export class Conn implements Channel {
  private readonly sock: net.Socket;
  private readonly parser = new ReplyParser();
  private readonly callbacks: Callback[] = [];
  private head = 0;
  private done = false;

  constructor(
    host: string,
    port: number,
    private readonly onGone: (ch: Channel) => void,
    private readonly onPush: ((r: Reply) => void) | null,
  ) {
    this.sock = net.connect({ host, port });
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', () => this.fail());
    this.sock.on('close', () => this.fail());
  }

  send(argv: readonly string[], onReply: Callback): boolean {
    if (this.done) return false;
    this.sock.write(encodeCommand(argv));
    if (this.onPush === null || onReply !== null) this.callbacks.push(onReply);
    return true;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.sock.destroy();
    this.flushCallbacks();
  }

  localAddress(): string | undefined {
    return this.sock.localAddress;
  }

  private onData(d: Buffer): void {
    if (this.done) return;
    this.parser.feed(d);
    for (;;) {
      let r: Reply | undefined;
      try {
        r = this.parser.next();
      } catch {
        this.fail();
        return;
      }
      if (r === undefined) return;
      if (this.onPush !== null && r.t === 'array') {
        this.onPush(r);
      } else if (this.head < this.callbacks.length) {
        const cb = this.callbacks[this.head];
        this.callbacks[this.head++] = null;
        if (this.head === this.callbacks.length) {
          this.callbacks.length = 0;
          this.head = 0;
        }
        cb?.(r);
      }
      if (this.done) return;
    }
  }

  private fail(): void {
    if (this.done) return;
    this.done = true;
    this.sock.destroy();
    this.flushCallbacks();
    this.onGone(this);
  }

  private flushCallbacks(): void {
    const pending = this.callbacks.slice(this.head);
    this.callbacks.length = 0;
    this.head = 0;
    for (const cb of pending) cb?.(null);
  }
}

export const socketConnector: Connector = {
  connect: (host, port, onGone, onPush) => new Conn(host, port, onGone, onPush),
};
