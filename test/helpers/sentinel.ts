/**
 * Real `redis-sentinel` processes for interop tests: each gets a generated sentinel.conf in its own temp dir (Sentinel
 * insists on a writable config file, which it rewrites on every state change), a free port on 127.0.0.1, and is
 * SIGKILLed at the end. Sentinel events are read from its log (every event above debug level is logged as
 * `<pid>:X <date> <level> <event> <text>`), so tests can wait for `+switch-master` and friends without a
 * pub/sub connection of their own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { plain, RespClient } from './resp-client';
import { freePort, makeTempDir, redisAvailable } from './servers';

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

const live = new Set<SentinelHandle>();
process.on('exit', () => {
  for (const h of live) h.proc.kill('SIGKILL');
});

// `4482:X 25 Nov 2026 21:30:57.191 # +sdown master mymaster 127.0.0.1 27001`
const EVENT_LINE = /^\d+:X (\d+ \w+ \d+ \d+:\d+:\d+\.\d+) [.\-*#] ([+-][a-z][\w-]*)(?: (.*))?$/;

function parseEvents(out: string): SentinelEvent[] {
  const events: SentinelEvent[] = [];
  for (const line of out.split('\n')) {
    const m = EVENT_LINE.exec(line);
    if (m) events.push({ at: Date.parse(m[1]), type: m[2], text: m[3] ?? '' });
  }
  return events;
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

export async function startSentinel(monitors: MonitorSpec[], extra: string[] = []): Promise<SentinelHandle> {
  const port = await freePort();
  const dir = makeTempDir('sentinel-');
  const confPath = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(confPath, sentinelConf(port, dir, monitors, extra));
  const proc = spawn('redis-sentinel', [confPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  let exited = false;
  const exitP = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      live.delete(handle);
      for (const w of waiters.splice(0)) w();
      resolve();
    }),
  );
  const handle: SentinelHandle = {
    port,
    dir,
    confPath,
    proc,
    output: () => out,
    events: () => parseEvents(out),
    waitEvent(type, re, timeoutMs = 20_000) {
      const find = () => parseEvents(out).find((e) => e.type === type && (!re || re.test(e.text)));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`sentinel :${port}: no ${type} ${re ?? ''} within ${timeoutMs} ms; log:\n${out}`));
        }, timeoutMs);
        function check() {
          const e = find();
          if (e) {
            clearTimeout(timer);
            resolve(e);
          } else if (exited) {
            clearTimeout(timer);
            reject(new Error(`sentinel :${port} exited; log:\n${out}`));
          } else {
            waiters.push(check);
          }
        }
        check();
      });
    },
    async cmd(...argv) {
      const c = await RespClient.connect(port);
      try {
        return plain(await c.call(...argv));
      } finally {
        c.close();
      }
    },
    async stop(signal = 'SIGKILL') {
      if (exited) return;
      proc.kill(signal);
      await exitP;
    },
  };
  live.add(handle);
  // Ready once it has logged the monitor lines (it saved its config and opened its links by then).
  const ready = monitors.length ? `+monitor master ${monitors[monitors.length - 1].name} ` : 'Sentinel ID is';
  await until(
    `sentinel :${port} to start`,
    () => exited || out.includes(ready),
    10_000,
    20,
    () => out,
  );
  if (exited) throw new Error(`redis-sentinel exited before ready:\n${out}`);
  return handle;
}

export async function stopAllSentinels(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop('SIGKILL')));
}
