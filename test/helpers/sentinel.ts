/**
 * Real `redis-sentinel` processes for interop tests: each gets a generated sentinel.conf in its own temp dir (Sentinel
 * insists on a writable config file, which it rewrites on every state change), a free port on 127.0.0.1, and is
 * SIGKILLed at the end. Sentinel events are read from its log (every event above debug level is logged as
 * `<pid>:X <date> <level> <event> <text>`), so tests can wait for `+switch-master` and friends without a
 * pub/sub connection of their own.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { redisAvailable } from './servers';
import { startSentinelProc, stopAllSentinelProcs } from './tandem-sentinel';

let sentinelChecked: boolean | null = null;

export function sentinelAvailable(): boolean {
  if (sentinelChecked === null) {
    try {
      execFileSync('redis-sentinel', ['--version'], { stdio: 'ignore' });
      sentinelChecked = true;
    } catch {
      sentinelChecked = false;
    }
  }
  return sentinelChecked;
}

/**
 * Like requireRedis: true when redis-server and redis-sentinel are both on PATH; otherwise prints why and returns
 * false (the suite skips), except under CI=true where a missing binary is an error.
 */
export function requireSentinel(what: string): boolean {
  const missing = [redisAvailable() ? '' : 'redis-server', sentinelAvailable() ? '' : 'redis-sentinel'].filter(Boolean);
  if (missing.length === 0) return true;
  const msg = `${what}: ${missing.join(' and ')} not found on PATH (apt-get install redis-server redis-sentinel)`;
  if (process.env.CI === 'true') throw new Error(`${msg} — required under CI=true`);
  console.warn(`SKIP ${msg}`);
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `test` until it returns true; throws with `what` (and the last detail, if any) after the deadline. */
export async function until(
  what: string,
  test: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 50,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await test();
    } catch {
      // a node being restarted or killed refuses connections for a while; keep polling until the deadline
    }
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(intervalMs);
  }
}

/** INFO text → field map. */
export function parseInfo(text: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of String(text).split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0 && l[0] !== '#') m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

/** SENTINEL MASTER/REPLICAS/SENTINELS entries are flat [k1, v1, k2, v2, ...] arrays of bulk strings. */
export function flatToMap(entry: unknown): Map<string, string> {
  const m = new Map<string, string>();
  const a = entry as string[];
  for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i], a[i + 1]);
  return m;
}

export interface SentinelEvent {
  /** ms since the Unix epoch, parsed from the log line */
  at: number;
  /** e.g. '+switch-master' */
  type: string;
  text: string;
}

export interface MonitorSpec {
  name: string;
  host?: string;
  port: number;
  quorum: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  parallelSyncs?: number;
}

export interface SentinelHandle {
  port: number;
  dir: string;
  confPath: string;
  proc: ChildProcess;
  output(): string;
  /** every event logged so far, oldest first */
  events(): SentinelEvent[];
  /** resolves with the first logged event of `type` whose text matches `re` (default: any) */
  waitEvent(type: string, re?: RegExp, timeoutMs?: number): Promise<SentinelEvent>;
  /** one command on a fresh connection, reply as plain JS */
  cmd(...argv: (string | number)[]): Promise<unknown>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function sentinelConf(port: number, dir: string, monitors: MonitorSpec[], extra: string[] = []): string {
  // verbose adds the role changes and link events that explain a failure
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'loglevel verbose'];
  for (const m of monitors) {
    lines.push(`sentinel monitor ${m.name} ${m.host ?? '127.0.0.1'} ${m.port} ${m.quorum}`);
    if (m.downAfterMs !== undefined) lines.push(`sentinel down-after-milliseconds ${m.name} ${m.downAfterMs}`);
    if (m.failoverTimeoutMs !== undefined) lines.push(`sentinel failover-timeout ${m.name} ${m.failoverTimeoutMs}`);
    if (m.parallelSyncs !== undefined) lines.push(`sentinel parallel-syncs ${m.name} ${m.parallelSyncs}`);
  }
  lines.push(...extra);
  return `${lines.join('\n')}\n`;
}

/** A real redis-sentinel (the implementation-neutral starter lives in tandem-sentinel.ts). */
export function startSentinel(monitors: MonitorSpec[], extra: string[] = []): Promise<SentinelHandle> {
  return startSentinelProc({ kind: 'redis', monitors, extra });
}

export function stopAllSentinels(): Promise<void> {
  return stopAllSentinelProcs();
}
