/**
 * A Server in sentinel mode: the sentinel state bound to the server (its pub/sub carries the events, its config file
 * holds the state), real sockets for the links, and the timer. Startup follows redis-sentinel: a config file is
 * mandatory and must be writable; a missing id is generated and saved; "+monitor" is announced for every master.
 */
import fs from 'node:fs';
import { strerror } from '../config/values';
import { log } from '../server/log';
import type { Server } from '../server/server';
import { type EventLevel, SentinelCore, type SentinelIo } from './core';
import { attachSentinel, type SentinelHost } from './host';
import { socketConnector } from './links';
import { type Connector, sentinelTimer } from './monitor';
import { ScriptQueue } from './scripts';
import { writeSentinelConfig } from './state-rewrite';

/** redis-sentinel's default port. */
export const SENTINEL_PORT = 26379;

export class SentinelRuntime implements SentinelIo, SentinelHost {
  readonly core: SentinelCore;
  readonly scripts: ScriptQueue;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    readonly srv: Server,
    private readonly net: Connector = socketConnector,
  ) {
    this.core = new SentinelCore(this);
    this.scripts = new ScriptQueue(this.core);
    attachSentinel(srv, this);
    srv.shutdownHooks.push(() => this.stop());
  }

  // ---- SentinelIo ------------------------------------------------------------------------------------------------

  log(level: EventLevel, msg: string): void {
    log.log(level, msg);
  }

  publish(channel: string, message: string): void {
    this.srv.pubsub.publish(channel, message);
  }

  writeConfig(): void {
    writeSentinelConfig(this.srv.config, this.core, this.srv.config.configFile);
  }

  scheduleScript(path: string, args: string[]): void {
    this.scripts.schedule(path, args);
  }

  crash(): void {
    log.warning('Sentinel CRASH because of SENTINEL simulate-failure');
    log.flushSync();
    process.exit(99);
  }

  requirepass(): string {
    return this.srv.config.get('requirepass');
  }

  listeningPort(): number {
    return this.srv.boundPort || this.srv.config.num('port');
  }

  // ---- life cycle ------------------------------------------------------------------------------------------------

  /** Checks the config file can hold the state; returns the reason to exit, or null. */
  static checkConfigFile(file: string): string | null {
    if (file === '') return 'Sentinel needs config file on disk to save state. Exiting...';
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch (err) {
      return `Sentinel config file ${file} is not writable: ${strerror(err)}. Exiting...`;
    }
    return null;
  }

  /** Once listening: settle the id, announce the masters, start the timer. */
  start(): void {
    const s = this.core;
    if (s.myid === '') {
      s.myid = randomId();
      s.flushConfig();
    }
    log.warning(`Sentinel ID is ${s.myid}`);
    for (const ri of s.masters.values()) s.event('warning', '+monitor', ri, `%@ quorum ${ri.quorum}`);
    s.previousTime = s.now();
    this.schedule();
  }

  /** One timer run, then the next at a random 10-19 Hz so sentinels started together drift apart. */
  private schedule(): void {
    if (this.stopped) return;
    const hz = 10 + this.core.rand(10);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        try {
          sentinelTimer(this.core, this.net);
          this.scripts.tick();
        } catch (err) {
          log.warning(`Sentinel timer error: ${(err as Error).stack ?? err}`);
        }
        this.schedule();
      },
      Math.floor(1000 / hz),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const m of [...this.core.masters.keys()]) this.core.removeMaster(m);
  }
}

function randomId(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('hex');
}
