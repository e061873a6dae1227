/**
 * Turns executed write commands into the replication stream: each command is encoded once as a RESP array, preceded
 * by SELECT when the target db changes, and a command that produced several effects (or an EXEC) is wrapped in
 * MULTI/EXEC. The encoded bytes go to every registered sink (backlog, replica links) — nothing is encoded twice.
 */
import type { Bytes } from '../protocol/bytes';

export type StreamSink = (chunk: Buffer) => void;

/** A RESP array of bulk strings, as a binary string: built in JS and copied to a Buffer once (one native call). */
function respArray(argv: readonly Bytes[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

export function encodeCommand(argv: readonly Bytes[]): Buffer {
  return Buffer.from(respArray(argv), 'latin1');
}

const MULTI: readonly Bytes[] = ['MULTI'];
const EXEC: readonly Bytes[] = ['EXEC'];

export class Propagator {
  private readonly sinks: StreamSink[] = [];
  /** db of the last SELECT written to the stream; -1 forces a SELECT before the next command */
  selectedDb = -1;
  /** commands gathered for the current top-level call */
  private pending: { db: number; argv: Bytes[] }[] = [];
  /** >0 while inside a call whose effects must be emitted atomically (EXEC, or a command with several effects) */
  private depth = 0;

  get active(): boolean {
    return this.sinks.length > 0;
  }

  addSink(sink: StreamSink): void {
    this.sinks.push(sink);
  }

  removeSink(sink: StreamSink): void {
    const i = this.sinks.indexOf(sink);
    if (i >= 0) this.sinks.splice(i, 1);
  }

  /** Marks the start of a top-level call (dispatch). Nested begin/end pairs (EXEC running commands) nest. */
  begin(): void {
    this.depth++;
  }

  /** Adds an effect of the running call. Outside any call (active expiry), it is emitted at once. */
  add(db: number, argv: Bytes[]): void {
    if (this.sinks.length === 0) return;
    if (this.depth === 0) {
      this.emit([{ db, argv }]);
      return;
    }
    this.pending.push({ db, argv });
  }

  /** Ends the call: emits its effects, wrapped in MULTI/EXEC when there are several. */
  end(): void {
    if (--this.depth > 0) return;
    if (this.pending.length === 0) return;
    const effects = this.pending;
    this.pending = [];
    this.emit(effects);
  }

  /** Emits a call's effects as one chunk (SELECTs, MULTI/EXEC included): one encoding, one copy, one sink call. */
  private emit(effects: { db: number; argv: Bytes[] }[]): void {
    const multi = effects.length > 1;
    let s = '';
    if (multi) {
      // MULTI is sent in the db of the first effect, as Redis does (it selects before MULTI).
      s += this.write(effects[0].db, MULTI);
    }
    for (const e of effects) s += this.write(e.db, e.argv);
    if (multi) s += this.write(effects[effects.length - 1].db, EXEC);
    this.send(Buffer.from(s, 'latin1'));
  }

  private write(db: number, argv: readonly Bytes[]): string {
    let s = '';
    if (db !== this.selectedDb && db >= 0) {
      s = respArray(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    return s + respArray(argv);
  }

  /** Raw bytes into the stream (PING and REPLCONF GETACK from the replication cron). */
  send(chunk: Buffer): void {
    for (const s of this.sinks) s(chunk);
  }
}
