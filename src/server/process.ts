/**
 * The server as an operating-system process: the pid file, `daemonize yes`, signals, and the one shutdown sequence
 * that SHUTDOWN, SIGTERM and SIGINT share.
 *
 * Shutdown, in Redis' order: log "User requested shutdown...", let replicas catch up (a waiter replication installs
 * with setReplicaWaiter(), bounded by `shutdown-timeout`, skipped with NOW), run `srv.shutdownHooks` (persistence
 * saves there, reading the request from serverExtras(srv).shutdown), remove the pid file, close listeners and
 * clients, log the farewell line and exit 0. A hook refuses the exit by throwing (ShutdownRefused when it has logged
 * its reasons itself): the server then logs that it could not shut down and keeps running, unless FORCE was given.
 *
 * Node cannot fork, so daemonizing re-runs the same command line as a detached process (setsid, stdio on the log
 * file or /dev/null) and the foreground process exits 0 once that child reports it is listening, or 1 if it dies
 * first.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type ShutdownOptions, serverExtras } from '../commands/server-extras';
import type { Config } from '../config/config';
import { log } from './log';
import type { Server } from './server';

export type ShutdownRequest = ShutdownOptions;

/** Thrown by a shutdown hook that refuses the exit after logging why (e.g. "Error trying to save the DB, can't exit."). */
export class ShutdownRefused extends Error {}

/**
 * Replication's wait for replicas to acknowledge the master offset before exiting. It resolves when they have (or
 * right away when there are none, which is also when it should not log), and must stop waiting when `signal` aborts
 * (SHUTDOWN ABORT) or after `timeoutMs`. Writes it paused stay paused until the process exits, as in Redis: a write
 * let through after the wait (a sentinel's hello PUBLISH) would leave every replica behind. It resolves to the
 * function that resumes them, called only if the shutdown does not go ahead after all.
 */
export type ReplicaWaiter = (srv: Server, timeoutMs: number, signal: AbortSignal) => Promise<(() => void) | undefined>;

interface ProcessState {
  inFlight: Promise<boolean> | null;
  /** a SIGTERM/SIGINT asked for the current shutdown (a second SIGINT then exits at once) */
  bySignal: boolean;
  waiting: AbortController | null;
  /** when waiting for replicas: the time the wait gives up (INFO shutdown_in_milliseconds) */
  deadline: number;
  waitForReplicas: ReplicaWaiter | null;
  /** absolute path of the pid file we wrote, '' if none */
  pidfile: string;
}

const states = new WeakMap<Server, ProcessState>();

function state(srv: Server): ProcessState {
  let st = states.get(srv);
  if (!st) {
    st = { inFlight: null, bySignal: false, waiting: null, deadline: 0, waitForReplicas: null, pidfile: '' };
    states.set(srv, st);
  }
  return st;
}

// ---- shutdown ----------------------------------------------------------------------------------------------------

export function setReplicaWaiter(srv: Server, fn: ReplicaWaiter | null): void {
  state(srv).waitForReplicas = fn;
}

export function shutdownInProgress(srv: Server): boolean {
  return state(srv).inFlight !== null;
}

/** Milliseconds left before a shutdown stops waiting for replicas; 0 when not waiting. */
export function shutdownRemainingMs(srv: Server): number {
  const st = state(srv);
  return st.waiting ? Math.max(0, st.deadline - Date.now()) : 0;
}

/**
 * Starts (or joins) the shutdown. Resolves true once the server has stopped and exit was called
 * (serverExtras(srv).exit, i.e. process.exit unless a test replaced it), false when it was refused or aborted and the
 * server keeps running; SHUTDOWN then replies "ERR Errors trying to SHUTDOWN. Check logs.".
 */
export function shutdownServer(srv: Server, req: ShutdownRequest): Promise<boolean> {
  const st = state(srv);
  // Started from a microtask so the promise is recorded before any step of the sequence can clear it.
  if (st.inFlight === null) st.inFlight = Promise.resolve().then(() => runShutdown(srv, st, req));
  return st.inFlight;
}

/** SHUTDOWN ABORT: stops a shutdown still waiting for replicas. False when there is none to abort. */
export function abortShutdown(srv: Server): boolean {
  const st = state(srv);
  if (st.waiting === null || st.waiting.signal.aborted) return false;
  st.waiting.abort();
  log.notice('Shutdown manually aborted.');
  return true;
}

async function runShutdown(srv: Server, st: ProcessState, req: ShutdownRequest): Promise<boolean> {
  // Saving a half-loaded dataset would overwrite the good file on disk.
  if (srv.loading) req = { ...req, save: false };
  const extras = serverExtras(srv);
  extras.shutdown = req;
  log.warning('User requested shutdown...');
  let resumeWrites: (() => void) | undefined;
  const cancel = (): false => {
    resumeWrites?.();
    st.inFlight = null;
    st.bySignal = false;
    st.waiting = null;
    st.deadline = 0;
    extras.shutdown = null;
    return false;
  };

  const timeoutSec = srv.config.num('shutdown-timeout');
  if (!req.now && timeoutSec > 0 && st.waitForReplicas) {
    const ctl = new AbortController();
    st.waiting = ctl;
    st.deadline = Date.now() + timeoutSec * 1000;
    try {
      resumeWrites = await st.waitForReplicas(srv, timeoutSec * 1000, ctl.signal);
    } catch (err) {
      if (!ctl.signal.aborted) log.warning(`Error waiting for replicas: ${(err as Error).message}`);
    }
    if (ctl.signal.aborted) return cancel();
    st.waiting = null;
    st.deadline = 0;
  }

  for (const hook of srv.shutdownHooks) {
    try {
      await hook();
    } catch (err) {
      if (!(err instanceof ShutdownRefused)) log.warning((err as Error).message ?? String(err));
      if (req.force) continue;
      log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return cancel();
    }
  }

  removePidFile(srv);
  srv.stop();
  log.warning(`${log.currentRole() === 'X' ? 'Sentinel' : 'Tandem'} is now ready to exit, bye bye...`);
  log.flushSync();
  extras.exit(0);
  return true;
}

/** Flags of `shutdown-on-sigterm` / `shutdown-on-sigint` ('default' or words among save, nosave, now, force). */
export function signalShutdownRequest(value: string): ShutdownRequest {
  const words = value.split(' ');
  return {
    save: words.includes('save') ? true : words.includes('nosave') ? false : null,
    now: words.includes('now'),
    force: words.includes('force'),
  };
}

/** What SIGTERM / SIGINT do; also callable directly (tests, service wrappers). */
export function onShutdownSignal(srv: Server, sig: 'SIGTERM' | 'SIGINT'): void {
  const st = state(srv);
  // A second Ctrl-C means the operator will not wait for a save or for replicas.
  if (sig === 'SIGINT' && st.bySignal && st.inFlight !== null) {
    log.fromSignal('You insist... exiting now.');
    log.flushSync();
    serverExtras(srv).exit(1);
    return;
  }
  log.fromSignal(
    srv.loading
      ? 'Received shutdown signal during loading, scheduling shutdown.'
      : `Received ${sig} scheduling shutdown...`,
  );
  if (st.inFlight !== null) {
    st.bySignal = true;
    return;
  }
  const req = signalShutdownRequest(srv.config.get(sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm'));
  const p = shutdownServer(srv, req);
  st.bySignal = true;
  p.catch((err) => log.warning(`Shutdown failed: ${(err as Error).stack ?? err}`));
}

let signalsInstalled = false;

/** SIGTERM/SIGINT shut down gracefully; SIGHUP is ignored, as Redis does (no terminal is attached to a server). */
export function installSignalHandlers(srv: Server): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  process.on('SIGTERM', () => onShutdownSignal(srv, 'SIGTERM'));
  process.on('SIGINT', () => onShutdownSignal(srv, 'SIGINT'));
  process.on('SIGHUP', () => {});
}

// ---- pid file ------------------------------------------------------------------------------------------------------

/**
 * The pid file to write: `pidfile` if set; when daemonized without one, /var/run/redis_<port>.pid (the name stock
 * redis.conf and Redis' init scripts use, unique per port so several instances can coexist; Redis itself falls back
 * to /var/run/redis.pid). Otherwise none.
 */
export function pidfilePath(config: Config): string {
  const p = config.get('pidfile');
  if (p !== '') return p;
  return config.bool('daemonize') ? `/var/run/redis_${config.num('port')}.pid` : '';
}

/** Writes "<pid>\n" to the pid file, if any. Failing to write it is logged, not fatal (as in Redis). */
export function writePidFile(srv: Server): void {
  const p = pidfilePath(srv.config);
  if (p === '') return;
  // CONFIG GET pidfile shows the file actually used, as Redis does with its default.
  if (srv.config.get('pidfile') === '') srv.config.set('pidfile', [p], true);
  const abs = path.resolve(p);
  try {
    fs.writeFileSync(abs, `${process.pid}\n`);
    state(srv).pidfile = abs;
  } catch (err) {
    log.warning(`Failed to write PID file: ${strerrorOf(err)}`);
  }
}

export function removePidFile(srv: Server): void {
  const st = state(srv);
  if (st.pidfile === '') return;
  log.notice('Removing the pid file.');
  try {
    fs.unlinkSync(st.pidfile);
  } catch {
    // already gone
  }
  st.pidfile = '';
}

function strerrorOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES') return 'Permission denied';
  if (e.code === 'ENOENT') return 'No such file or directory';
  if (e.code === 'EROFS') return 'Read-only file system';
  return e.message;
}

// ---- daemonize -----------------------------------------------------------------------------------------------------

/** Set in the environment of the detached child, so it does not daemonize again. */
const DAEMON_ENV = 'TANDEM_DAEMON_CHILD';

/** True in the detached copy started by daemonize() (read once: the marker is removed from the environment). */
export const isDaemonChild: boolean = (() => {
  const v = process.env[DAEMON_ENV] === '1';
  delete process.env[DAEMON_ENV];
  return v;
})();

export interface DaemonizeOptions {
  /** the command-line arguments to run again */
  argv: readonly string[];
  /** working directory at start (config loading chdirs to `dir`, the child must resolve paths as we did) */
  cwd: string;
  /** `logfile` ('' for none): the child's stdout/stderr go there, else to /dev/null */
  logfile: string;
  /** config text read from stdin, handed to the child on its stdin */
  stdinText: string | null;
}

/**
 * Foreground side of `daemonize yes`: starts the detached server and ends this process once the child is ready
 * (exit 0) or has died (exit 1). Never resolves.
 */
export function daemonize(opts: DaemonizeOptions): Promise<never> {
  let out: number | 'ignore' = 'ignore';
  if (opts.logfile !== '') {
    try {
      out = fs.openSync(path.resolve(opts.logfile), 'a');
    } catch {
      out = 'ignore';
    }
  }
  const script = process.argv[1];
  const child = spawn(process.execPath, [...process.execArgv, script, ...opts.argv], {
    cwd: opts.cwd,
    detached: true,
    env: { ...process.env, [DAEMON_ENV]: '1' },
    stdio: [opts.stdinText !== null ? 'pipe' : 'ignore', out, out, 'ipc'],
  });
  if (typeof out === 'number') fs.closeSync(out);
  if (opts.stdinText !== null) child.stdin?.end(opts.stdinText, 'latin1');
  return new Promise<never>(() => {
    child.on('message', (m) => {
      if (m === 'ready') process.exit(0);
    });
    child.on('exit', (code, signal) => {
      process.stderr.write(
        `tandem-server: the daemonized server (pid ${child.pid}) exited with ${signal ?? `code ${code}`} before it was ready${opts.logfile ? `; see ${opts.logfile}` : ''}\n`,
      );
      process.exit(1);
    });
    child.on('error', (err) => {
      process.stderr.write(`tandem-server: could not start the daemonized server: ${err.message}\n`);
      process.exit(1);
    });
  });
}

/** Daemon side: tells the waiting foreground process we are listening, then drops the channel so it can exit. */
export function notifyDaemonParent(): void {
  if (!isDaemonChild || typeof process.send !== 'function') return;
  process.send('ready', () => process.disconnect());
}

// ---- periodic log lines ----------------------------------------------------------------------------------------------

/** Redis' every-5-seconds debug line about clients and memory. */
export function installPeriodicLogs(srv: Server, usedMemory: () => number): void {
  let last = 0;
  srv.cronHooks.push((now) => {
    if (now - last < 5000) return;
    last = now;
    if (!log.enabled('debug')) return;
    let replicas = 0;
    for (const c of srv.clients.values()) if (c.isReplica) replicas++;
    log.debug(`${srv.clients.size - replicas} clients connected (${replicas} replicas), ${usedMemory()} bytes in use`);
  });
}
