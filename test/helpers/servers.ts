/**
 * Spawning real server processes for integration and interop tests: Tandem (bin/tandem-server) or real Redis
 * (redis-server), on 127.0.0.1 with a free port, in a private temp dir, always killed at the end.
 * Interop tests call `requireRedis()`: locally they skip with a printed reason when Redis is absent; under CI=true
 * they fail instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RespClient } from './resp-client';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TANDEM_BIN = path.join(ROOT, 'bin', 'tandem-server');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
    s.on('error', reject);
  });
}

export function makeTempDir(prefix = 'tandem-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ServerHandle {
  kind: 'tandem' | 'redis';
  port: number;
  dir: string;
  proc: ChildProcess;
  /** stdout+stderr collected so far */
  output(): string;
  /** resolves when the output matches */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  client(): Promise<RespClient>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const live = new Set<ServerHandle>();
process.on('exit', () => {
  for (const h of live) h.proc.kill('SIGKILL');
});

let redisChecked: boolean | null = null;

export function redisAvailable(): boolean {
  if (redisChecked === null) {
    try {
      execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
      redisChecked = true;
    } catch {
      redisChecked = false;
    }
  }
  return redisChecked;
}

/**
 * For interop suites: returns true when real Redis can be used. When absent, prints why and returns false (the
 * suite then skips); under CI=true it throws, so CI never silently skips interop.
 */
export function requireRedis(what: string): boolean {
  if (redisAvailable()) return true;
  const msg = `${what}: redis-server not found on PATH (apt-get install redis-server redis-tools)`;
  if (process.env.CI === 'true') throw new Error(`${msg} — required under CI=true`);
  console.warn(`SKIP ${msg}`);
  return false;
}

export interface StartOptions {
  /** extra `--directive value` words */
  args?: string[];
  /** config file text written to the temp dir and passed first */
  configText?: string;
  port?: number;
  dir?: string;
  env?: Record<string, string>;
  /** do not wait for the ready line */
  noWait?: boolean;
}

/** The process could not bind the port it was given (it exited saying so before it was ready). */
export const lostPortRace = (err: unknown) => /Address already in use/.test(String((err as Error)?.message ?? err));

/**
 * Starts a server. A port picked by freePort() is only free until someone binds it: another test's server, or any
 * outgoing connection's ephemeral port, can take it first. Such a start is retried on a new port (a fixed port is
 * the caller's to manage).
 */
async function start(kind: 'tandem' | 'redis', opts: StartOptions = {}): Promise<ServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, opts);
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || !lostPortRace(err)) throw err;
    }
  }
}

async function startOnce(kind: 'tandem' | 'redis', opts: StartOptions): Promise<ServerHandle> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? makeTempDir(`${kind}-`);
  const args: string[] = [];
  if (opts.configText !== undefined) {
    const f = path.join(dir, `${kind}.conf`);
    fs.writeFileSync(f, opts.configText);
    args.push(f);
  }
  args.push('--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no');
  if (opts.args) args.push(...opts.args);
  const cmd = kind === 'tandem' ? TANDEM_BIN : 'redis-server';
  const proc = spawn(cmd, args, { cwd: dir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  let exited: number | null | undefined;
  const exitP = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      exited = code;
      live.delete(handle);
      resolve(code);
    }),
  );
  const handle: ServerHandle = {
    kind,
    port,
    dir,
    proc,
    output: () => out,
    waitForLog(re, timeoutMs = 10_000) {
      if (re.test(out)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout waiting for ${re} in ${kind} log:\n${out}`)), timeoutMs);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
    client: () => RespClient.connect(port),
    async stop(signal = 'SIGTERM') {
      if (exited !== undefined) return exited;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exitP;
      clearTimeout(t);
      return code;
    },
  };
  live.add(handle);
  if (!opts.noWait) {
    await Promise.race([
      handle.waitForLog(/Ready to accept connections/, 20_000),
      exitP.then((code) => {
        throw new Error(`${kind} exited with ${code} before ready:\n${out}`);
      }),
    ]);
  }
  return handle;
}

export const startTandem = (opts?: StartOptions) => start('tandem', opts);
export const startRedis = (opts?: StartOptions) => start('redis', opts);

/** Stops every server still running (use in afterAll as a safety net). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop('SIGKILL')));
}
