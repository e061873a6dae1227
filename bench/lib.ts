/**
 * Shared benchmark plumbing: start Tandem and real Redis side by side, run external load tools, summarise rounds.
 * Figures are always reported as ratios against Redis measured in the same run (these machines are noisy).
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}x`;
}

/** Renders a GitHub-flavoured markdown table. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const fs = await import('node:fs/promises');
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One command as RESP (arguments are binary strings). */
export function resp(args: readonly string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** A field of an INFO text ("name:value" lines). */
export function infoField(text: string, name: string): string {
  const m = new RegExp(`(?:^|\\n)${name}:([^\\r\\n]*)`).exec(text);
  return m ? m[1] : '';
}

/** Deterministic xorshift generator (same data on both servers). */
export function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * A raw pipelining connection for commands answered by a single line (+OK, :n, -ERR): replies are only counted,
 * so the load generator stays cheap next to the server it measures.
 */
export class Pipe {
  private sent = 0;
  private received = 0;
  /** promises waiting for the reply count to reach `target`, in send order */
  private waiters: { target: number; resolve: () => void }[] = [];
  private constructor(readonly sock: import('node:net').Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) this.received++;
      while (this.waiters.length > 0 && this.waiters[0].target <= this.received) this.waiters.shift()!.resolve();
    });
  }

  static async open(port: number): Promise<Pipe> {
    const net = await import('node:net');
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }

  /** Sends already-encoded commands (`count` of them) and resolves when all their replies arrived. */
  sendEncoded(payload: string, count: number): Promise<void> {
    this.sent += count;
    const target = this.sent;
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.sock.write(payload, 'latin1');
    });
  }

  batch(cmds: string[][]): Promise<void> {
    let s = '';
    for (const c of cmds) s += resp(c);
    return this.sendEncoded(s, cmds.length);
  }

  /** Fire and forget: replies are counted and dropped. */
  send(payload: string, count: number): void {
    this.sent += count;
    this.sock.write(payload, 'latin1');
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * Loads `count` generated commands through one pipelined connection, `window` commands per write, with two windows
 * in flight so the generator and the server work at the same time. `gen(i)` returns the i-th command encoded.
 */
export async function loadPipelined(port: number, count: number, gen: (i: number) => string, window = 4000) {
  const p = await Pipe.open(port);
  try {
    let inFlight: Promise<void> | null = null;
    for (let i = 0; i < count; ) {
      const end = Math.min(count, i + window);
      let s = '';
      for (let j = i; j < end; j++) s += gen(j);
      const prev = inFlight;
      inFlight = p.sendEncoded(s, end - i);
      if (prev) await prev;
      i = end;
    }
    if (inFlight) await inFlight;
  } finally {
    p.close();
  }
}

/** Pipelining connection for commands answered by one line (+OK, :n): resolves when all replies are in. */
export class LineConn {
  private waiting = 0;
  private resolve: (() => void) | null = null;
  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) this.waiting--;
      if (this.waiting <= 0 && this.resolve) {
        const r = this.resolve;
        this.resolve = null;
        r();
      }
    });
  }
  static open(port: number): Promise<LineConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new LineConn(s)));
      s.once('error', reject);
    });
  }
  batch(cmds: string[][]): Promise<void> {
    this.waiting += cmds.length;
    return new Promise((r) => {
      this.resolve = r;
      this.sock.write(cmds.map(resp).join(''), 'latin1');
    });
  }
  /** Several commands in one socket write, fire and forget (replies are counted and dropped). */
  sendMany(cmds: string[][]): void {
    this.waiting += cmds.length;
    this.sock.write(cmds.map(resp).join(''), 'latin1');
  }
  close(): void {
    this.sock.destroy();
  }
}
