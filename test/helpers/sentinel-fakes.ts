/**
 * Fakes for unit-testing the sentinel's decision logic without sockets or timers: a hand-driven clock, an io that
 * records events / log lines / config flushes / scripts, and channels that record the commands sent and let the test
 * answer them.
 */
import { SentinelCore, type SentinelIo } from '../../src/sentinel/core';
import { type Channel, F_MASTER, F_SENTINEL, F_SLAVE, type Instance } from '../../src/sentinel/instance';
import type { Connector } from '../../src/sentinel/monitor';
import type { Reply } from '../../src/sentinel/reply';

export class FakeChannel implements Channel {
  readonly sent: string[][] = [];
  private readonly callbacks: (((r: Reply | null) => void) | null)[] = [];
  closed = false;
  constructor(
    readonly host = '',
    readonly port = 0,
    readonly onGone: ((ch: Channel) => void) | null = null,
    readonly onPush: ((r: Reply) => void) | null = null,
  ) {}
  send(argv: readonly string[], onReply: ((r: Reply | null) => void) | null): boolean {
    if (this.closed) return false;
    this.sent.push([...argv]);
    if (this.onPush === null || onReply !== null) this.callbacks.push(onReply);
    return true;
  }
  close(): void {
    this.closed = true;
  }
  localAddress(): string | undefined {
    return '127.0.0.1';
  }
  /** Answers the oldest pending command. */
  reply(r: Reply): void {
    const cb = this.callbacks.shift();
    cb?.(r);
  }
  /** Answers every pending command by inspecting it. */
  replyAll(answer: (argv: string[]) => Reply): void {
    const pending = this.sent.slice(this.sent.length - this.callbacks.length);
    for (const argv of pending) this.reply(answer(argv));
  }
  pendingCount(): number {
    return this.callbacks.length;
  }
  /** The peer drops the connection. */
  fail(): void {
    this.closed = true;
    this.onGone?.(this);
  }
}

export const status = (v: string): Reply => ({ t: 'status', v });
export const err = (v: string): Reply => ({ t: 'error', v });
export const int = (v: number): Reply => ({ t: 'int', v });
export const bulk = (v: string | null): Reply => ({ t: 'bulk', v });
export const arr = (...v: Reply[]): Reply => ({ t: 'array', v });

export interface Harness {
  s: SentinelCore;
  clock: { t: number };
  /** "type message" of every event, in order */
  events: string[];
  logs: string[];
  flushes: number;
  scripts: string[][];
  /** events of the given types only */
  typed(...types: string[]): string[];
  advance(ms: number): void;
}

export function harness(myid = 'a'.repeat(40)): Harness {
  const h: Harness = {
    s: undefined as unknown as SentinelCore,
    clock: { t: 1_000_000 },
    events: [],
    logs: [],
    flushes: 0,
    scripts: [],
    typed: (...types) => h.events.filter((e) => types.includes(e.split(' ')[0])),
    advance: (ms) => {
      h.clock.t += ms;
    },
  };
  const io: SentinelIo = {
    log: (_level, msg) => h.logs.push(msg),
    publish: (channel, message) => h.events.push(`${channel} ${message}`),
    writeConfig: () => {
      h.flushes++;
    },
    scheduleScript: (path, args) => h.scripts.push([path, ...args]),
    crash: () => {
      throw new Error('crash');
    },
    requirepass: () => '',
    listeningPort: () => 26379,
  };
  const s = new SentinelCore(io);
  s.now = () => h.clock.t;
  s.rand = () => 0;
  s.myid = myid;
  s.previousTime = h.clock.t;
  h.s = s;
  return h;
}

/** Gives an instance live fake connections, as if reconnectInstance had succeeded. */
export function connect(ri: Instance): { cc: FakeChannel; pc: FakeChannel | null } {
  const cc = new FakeChannel();
  const pc = ri.flags & (F_MASTER | F_SLAVE) ? new FakeChannel() : null;
  ri.link.cc = cc;
  ri.link.pc = pc;
  ri.link.disconnected = false;
  return { cc, pc };
}

export function cc(ri: Instance): FakeChannel {
  return ri.link.cc as FakeChannel;
}

export function addMaster(h: Harness, name = 'mymaster', port = 6379, quorum = 2): Instance {
  const m = h.s.createInstance(F_MASTER, name, '127.0.0.1', port, quorum, null);
  if (typeof m === 'string') throw new Error(m);
  return m;
}

export function addReplica(h: Harness, master: Instance, port: number): Instance {
  const r = h.s.createInstance(F_SLAVE, null, '127.0.0.1', port, master.quorum, master);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

export function addSentinel(h: Harness, master: Instance, port: number, runid: string): Instance {
  const si = h.s.createInstance(F_SENTINEL, runid, '127.0.0.1', port, master.quorum, master);
  if (typeof si === 'string') throw new Error(si);
  si.runid = runid;
  return si;
}

/** A connector handing out FakeChannels, remembered per "host:port". */
export class FakeConnector implements Connector {
  readonly opened: FakeChannel[] = [];
  connect(host: string, port: number, onGone: (ch: Channel) => void, onPush: ((r: Reply) => void) | null): Channel {
    const ch = new FakeChannel(host, port, onGone, onPush);
    this.opened.push(ch);
    return ch;
  }
}

/** An INFO reply of a replica. */
export function replicaInfo(o: {
  runid?: string;
  masterPort: number;
  linkUp?: boolean;
  priority?: number;
  offset?: number;
  downSince?: number;
}): string {
  const lines = [
    '# Server',
    `run_id:${o.runid ?? 'f'.repeat(40)}`,
    '',
    '# Replication',
    'role:slave',
    'master_host:127.0.0.1',
    `master_port:${o.masterPort}`,
    `master_link_status:${o.linkUp === false ? 'down' : 'up'}`,
  ];
  if (o.downSince !== undefined) lines.push(`master_link_down_since_seconds:${o.downSince}`);
  lines.push(`slave_priority:${o.priority ?? 100}`, `slave_repl_offset:${o.offset ?? 0}`, 'replica_announced:1');
  return `${lines.join('\r\n')}\r\n`;
}

/** An INFO reply of a master listing replica ports. */
export function masterInfo(runid: string, replicaPorts: number[]): string {
  const lines = [
    '# Server',
    `run_id:${runid}`,
    '',
    '# Replication',
    'role:master',
    `connected_slaves:${replicaPorts.length}`,
  ];
  for (const [i, p] of replicaPorts.entries())
    lines.push(`slave${i}:ip=127.0.0.1,port=${p},state=online,offset=0,lag=0`);
  return `${lines.join('\r\n')}\r\n`;
}
