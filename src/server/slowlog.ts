/**
 * SLOWLOG: commands slower than `slowlog-log-slower-than` microseconds, newest first, at most `slowlog-max-len`.
 * Arguments are trimmed as Redis does (32 args, 128 bytes each) so the log cannot hold large payloads.
 */
import type { Bytes } from '../protocol/bytes';
import type { Client } from './client';

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  usec: number;
  argv: Bytes[];
  peer: string;
  name: string;
}

const MAX_ARGC = 32;
const MAX_ARGLEN = 128;

export class Slowlog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;
  slowerThan = 10000;
  maxLen = 128;

  maybeRecord(c: Client, argv: readonly Bytes[], usec: number): void {
    if (this.slowerThan < 0 || usec < this.slowerThan) return;
    const args: Bytes[] = [];
    const n = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGC - 1 && argv.length > MAX_ARGC) {
        args.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
        break;
      }
      const a = argv[i];
      args.push(a.length > MAX_ARGLEN ? `${a.slice(0, MAX_ARGLEN)}... (${a.length - MAX_ARGLEN} more bytes)` : a);
    }
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      usec: Math.round(usec),
      argv: args,
      peer: c.addr,
      name: c.name,
    });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
