/**
 * The replica's side of the replication handshake as a pure state machine (no sockets, no timers): it produces the
 * bytes to write and interprets each reply line the master sends back, following ../shared/spec/replication.md §2–§3.
 *
 *   PING                                   -> one reply
 *   [AUTH] REPLCONF listening-port [REPLCONF ip-address] REPLCONF capa eof capa psync2
 *                                          -> written in one burst, then one reply per command, in order
 *   PSYNC <replid> <offset> | PSYNC ? -1   -> +FULLRESYNC / +CONTINUE / error (then SYNC)
 *
 * Log lines use Redis' wording, since operators grep for them; they go through the injected `log` callback.
 */
import type { Bytes } from '../protocol/bytes';
import { encodeCommand } from './propagate';

export type HandshakeLogLevel = 'notice' | 'warning';

export interface HandshakeOptions {
  /** masteruser ('' = authenticate as the default user) */
  masterUser: string;
  /** masterauth ('' = no AUTH) */
  masterAuth: string;
  /** REPLCONF listening-port value (replica-announce-port, else our port) */
  listeningPort: number;
  /** replica-announce-ip ('' = not sent) */
  announceIp: string;
  /** the cached master to continue from: its replid and the next byte we lack; null asks for a full sync */
  psync: { replid: string; offset: number } | null;
  /** coordinated failover: PSYNC carries a 4th argument FAILOVER */
  failover: boolean;
}

export type HandshakePhase = 'ping' | 'auth' | 'port' | 'ip' | 'capa' | 'psync' | 'done';

export type HandshakeStep =
  /** nothing to do: read the next line */
  | { kind: 'wait' }
  /** write these bytes, then read the next line */
  | { kind: 'send'; data: Buffer }
  /**
   * give up this attempt (already logged): close and retry later. `failoverRejected`: the new master of a
   * coordinated FAILOVER refused our PSYNC, which ends the failover (no SYNC fallback: it would discard our data).
   */
  | { kind: 'fail'; failoverRejected?: boolean }
  /** +FULLRESYNC: the RDB payload follows. replid '' (and offset -1) when the line was malformed. */
  | { kind: 'full'; replid: string; offset: number }
  /** +CONTINUE: the stream follows. `replid` is the master's id when it sent one (it may differ from ours). */
  | { kind: 'continue'; replid: string | null }
  /** the master does not do PSYNC: write `data` (SYNC) and expect a payload without +FULLRESYNC */
  | { kind: 'sync'; data: Buffer };

const WAIT: HandshakeStep = { kind: 'wait' };
const FAIL: HandshakeStep = { kind: 'fail' };
const FAILOVER_REJECTED: HandshakeStep = { kind: 'fail', failoverRejected: true };

/** Replies to PING that still let the handshake go on: the master only wants AUTH, which comes next. */
function pingReplyAcceptable(line: string): boolean {
  if (line[0] !== '-') return true;
  return line.startsWith('-NOAUTH') || line.startsWith('-NOPERM') || line.startsWith('-ERR operation not permitted');
}

export class Handshake {
  phase: HandshakePhase = 'ping';

  constructor(
    private readonly opts: HandshakeOptions,
    private readonly log: (level: HandshakeLogLevel, msg: string) => void = () => {},
  ) {}

  /** The first bytes to write once connected. */
  start(): Buffer {
    this.phase = 'ping';
    return encodeCommand(['PING']);
  }

  /** Interprets one reply line (without its CRLF). */
  onLine(line: Bytes): HandshakeStep {
    switch (this.phase) {
      case 'ping':
        if (!pingReplyAcceptable(line)) {
          this.log('warning', `Error reply to PING from master: '${line}'`);
          return FAIL;
        }
        this.log('notice', 'Master replied to PING, replication can continue...');
        return { kind: 'send', data: this.burst() };
      case 'auth':
        if (line[0] === '-') {
          this.log('warning', `Unable to AUTH to MASTER: ${line}`);
          return FAIL;
        }
        this.phase = 'port';
        return WAIT;
      case 'port':
        if (line[0] === '-')
          this.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${line}`);
        this.phase = this.opts.announceIp !== '' ? 'ip' : 'capa';
        return WAIT;
      case 'ip':
        if (line[0] === '-')
          this.log('notice', `(Non critical) Master does not understand REPLCONF ip-address: ${line}`);
        this.phase = 'capa';
        return WAIT;
      case 'capa':
        if (line[0] === '-') this.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${line}`);
        return { kind: 'send', data: this.psyncCommand() };
      case 'psync':
        return this.psyncReply(line);
      case 'done':
        return WAIT;
    }
  }

  /** AUTH and the REPLCONFs, written together: the replies are then read one per line. */
  private burst(): Buffer {
    const o = this.opts;
    const parts: Buffer[] = [];
    if (o.masterAuth !== '') {
      parts.push(encodeCommand(o.masterUser !== '' ? ['AUTH', o.masterUser, o.masterAuth] : ['AUTH', o.masterAuth]));
    }
    parts.push(encodeCommand(['REPLCONF', 'listening-port', String(o.listeningPort)]));
    if (o.announceIp !== '') parts.push(encodeCommand(['REPLCONF', 'ip-address', o.announceIp]));
    parts.push(encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']));
    this.phase = o.masterAuth !== '' ? 'auth' : 'port';
    return Buffer.concat(parts);
  }

  private psyncCommand(): Buffer {
    this.phase = 'psync';
    const p = this.opts.psync;
    let argv: string[];
    if (p !== null) {
      this.log('notice', `Trying a partial resynchronization (request ${p.replid}:${p.offset}).`);
      argv = ['PSYNC', p.replid, String(p.offset)];
    } else {
      this.log('notice', 'Partial resynchronization not possible (no cached master)');
      argv = ['PSYNC', '?', '-1'];
    }
    if (this.opts.failover) argv.push('FAILOVER');
    return encodeCommand(argv);
  }

  private psyncReply(line: string): HandshakeStep {
    // Masters send bare newlines while they prepare the snapshot: keepalives, not replies.
    if (line === '') return WAIT;
    if (line.startsWith('+FULLRESYNC')) {
      this.phase = 'done';
      const m = /^\+FULLRESYNC ([^ ]*) (.*)$/s.exec(line);
      if (m === null || m[1].length !== 40) {
        // Supports PSYNC but the line is garbled: forget the id so that the next PSYNC cannot match anything.
        this.log('warning', 'Master replied with wrong +FULLRESYNC syntax.');
        return { kind: 'full', replid: '', offset: -1 };
      }
      const offset = leadingInteger(m[2]);
      this.log('notice', `Full resync from master: ${m[1]}:${offset}`);
      return { kind: 'full', replid: m[1], offset };
    }
    if (line.startsWith('+CONTINUE')) {
      this.phase = 'done';
      if (this.opts.psync === null) {
        // We asked for a full sync; continuing from nothing cannot be right.
        this.log('warning', `Unexpected reply to PSYNC from master: ${line}`);
        return FAIL;
      }
      this.log('notice', 'Successful partial resynchronization with master.');
      const id = line.slice(10);
      return { kind: 'continue', replid: line[9] === ' ' && id.length === 40 ? id : null };
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      this.log('notice', `Master is currently unable to PSYNC but should be in the future: ${line}`);
      return this.opts.failover ? FAILOVER_REJECTED : FAIL;
    }
    if (line.startsWith('-ERR')) {
      this.log('notice', `Master does not support PSYNC or is in error state (reply: ${line})`);
    } else {
      this.log('warning', `Unexpected reply to PSYNC from master: ${line}`);
    }
    if (this.opts.failover) return FAILOVER_REJECTED;
    this.log('notice', 'Retrying with SYNC...');
    this.phase = 'done';
    return { kind: 'sync', data: Buffer.from('SYNC\r\n', 'latin1') };
  }
}

/** strtoll-like: the leading integer of `s` (0 when there is none). */
export function leadingInteger(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m === null ? 0 : Number(m[0]);
}
