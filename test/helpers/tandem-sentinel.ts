/**
 * Sentinel processes of either implementation for tests: Tandem's (bin/tandem-sentinel, a node script, so the child
 * PID is the sentinel) or real redis-sentinel, each with a generated sentinel.conf in its own temp dir and a free
 * port on 127.0.0.1. Both log events in Redis' format (`<pid>:X <date> <level> <event> <text>`), so tests wait for
 * `+switch-master` and friends the same way whichever implementation runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { plain, RespClient } from './resp-client';
import { type MonitorSpec, type SentinelEvent, sentinelConf, until } from './sentinel';
import { freePort, lostPortRace, makeTempDir, ROOT } from './servers';

export const TANDEM_SENTINEL_BIN = path.join(ROOT, 'bin', 'tandem-sentinel');

export type SentinelKind = 'tandem' | 'redis';

export interface SentinelProc {
  kind: SentinelKind;
  port: number;
  dir: string;
  confPath: string;
  proc: ChildProcess;
  output(): string;
  events(): SentinelEvent[];
  waitEvent(type: string, re?: RegExp, timeoutMs?: number): Promise<SentinelEvent>;
  /** one command on a fresh connection, reply as plain JS */
  cmd(...argv: (string | number)[]): Promise<unknown>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited(): boolean;
}

const live = new Set<SentinelProc>();
process.on('exit', () => {
  for (const h of live) h.proc.kill('SIGKILL');
});

const EVENT_LINE = /^\d+:X (\d+ \w+ \d+ \d+:\d+:\d+\.\d+) [.\-*#] ([+-][a-z][\w-]*)(?: (.*))?$/;

export function parseEvents(out: string): SentinelEvent[] {
  const events: SentinelEvent[] = [];
  for (const line of out.split('\n')) {
    const m = EVENT_LINE.exec(line);
    if (m) events.push({ at: Date.parse(m[1]), type: m[2], text: m[3] ?? '' });
  }
  return events;
}

export interface SentinelStart {
  kind: SentinelKind;
  monitors: MonitorSpec[];
  /** extra config lines */
  extra?: string[];
  /** SENTINEL DEBUG name/value pairs applied right after the start (faster hellos, INFO...) */
  debug?: (string | number)[];
  /** reuse a config file (and its dir/port) instead of generating one: a restart */
  reuse?: { dir: string; port: number; confPath: string };
}

/** Spawns a sentinel and resolves once it announced its masters (config saved, links opening). */
export async function startSentinelProc(o: SentinelStart): Promise<SentinelProc> {
  // A fresh port can be taken between freePort() and the bind (see startTandem): retried on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSentinelOnce(o);
    } catch (err) {
      if (o.reuse !== undefined || attempt >= 3 || !lostPortRace(err)) throw err;
    }
  }
}

async function startSentinelOnce(o: SentinelStart): Promise<SentinelProc> {
  const port = o.reuse?.port ?? (await freePort());
  const dir = o.reuse?.dir ?? makeTempDir(`${o.kind}-sentinel-`);
  const confPath = o.reuse?.confPath ?? path.join(dir, 'sentinel.conf');
  if (!o.reuse) fs.writeFileSync(confPath, sentinelConf(port, dir, o.monitors, o.extra ?? []));
  const proc =
    o.kind === 'tandem'
      ? spawn(process.execPath, [TANDEM_SENTINEL_BIN, confPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('redis-sentinel', [confPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString('latin1');
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
  const handle: SentinelProc = {
    kind: o.kind,
    port,
    dir,
    confPath,
    proc,
    output: () => out,
    events: () => parseEvents(out),
    exited: () => exited,
    waitEvent(type, re, timeoutMs = 20_000) {
      const find = () => parseEvents(out).find((e) => e.type === type && (!re || re.test(e.text)));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`${o.kind} sentinel :${port}: no ${type} ${re ?? ''} within ${timeoutMs} ms; log:\n${out}`));
        }, timeoutMs);
        function check() {
          const e = find();
          if (e) {
            clearTimeout(timer);
            resolve(e);
          } else if (exited) {
            clearTimeout(timer);
            reject(new Error(`${o.kind} sentinel :${port} exited; log:\n${out}`));
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
  const last = o.monitors[o.monitors.length - 1];
  const ready = last ? `+monitor master ${last.name} ` : 'Sentinel ID is';
  await until(
    `${o.kind} sentinel :${port} to start`,
    () => exited || out.includes(ready),
    15_000,
    20,
    () => out,
  );
  if (exited) throw new Error(`${o.kind} sentinel exited before ready:\n${out}`);
  if (o.debug?.length) {
    const r = await handle.cmd('SENTINEL', 'DEBUG', ...o.debug);
    if (r !== 'OK') throw new Error(`SENTINEL DEBUG on :${port}: ${JSON.stringify(r)}`);
  }
  return handle;
}

export async function stopAllSentinelProcs(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop('SIGKILL')));
}
