/**
 * tandem-server as a process: its PID is the server's, SIGTERM/SIGINT shut it down gracefully, SIGSTOP/SIGCONT only
 * pause it, the pid file is written and removed, `daemonize yes` detaches (setsid) and the launcher exits once the
 * server listens. The shutdown sequence itself (hooks refusing the exit, FORCE, replica waits, SHUTDOWN ABORT, a
 * second SIGINT) is driven in-process against a server listening on a real socket.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { serverExtras } from '../../src/commands/server-extras';
import { Config } from '../../src/config/config';
import { log } from '../../src/server/log';
import {
  abortShutdown,
  onShutdownSignal,
  type ReplicaWaiter,
  ShutdownRefused,
  setReplicaWaiter,
  shutdownInProgress,
  shutdownRemainingMs,
  shutdownServer,
  signalShutdownRequest,
  writePidFile,
} from '../../src/server/process';
import { Server } from '../../src/server/server';
import { RespClient } from '../helpers/resp-client';
import {
  freePort,
  lostPortRace,
  makeTempDir,
  redisAvailable,
  startRedis,
  startTandem,
  stopAll,
  TANDEM_BIN,
} from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(stopAll);

/** Running (not exited): a zombie waiting for init to reap it counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return procStat(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(25);
  }
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, session, ...]. */
function procStat(pid: number): string[] {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

describe('process model', () => {
  it('the spawned bin/tandem-server PID is the server itself (no wrapper process)', async () => {
    const srv = await startTandem();
    const pid = srv.proc.pid!;
    const c = await srv.client();
    const info = (await c.cmd('INFO', 'server')) as string;
    expect(info).toContain(`process_id:${pid}\r\n`);
    expect(srv.output()).toContain(`pid=${pid}, just started`);
    expect(srv.output()).toMatch(new RegExp(`^${pid}:M .* Ready to accept connections$`, 'm'));
    // The process's own command line runs node on the script: nothing sits between the supervisor and the server.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    expect(cmdline.some((a) => a.endsWith(path.join('bin', 'tandem-server')))).toBe(true);
    expect(path.basename(cmdline[0])).toMatch(/^node/);
    c.close();
    await srv.stop();
  });

  it('SIGTERM shuts down gracefully: exit status 0 and the Redis shutdown lines, in order', async () => {
    const srv = await startTandem();
    const c = await srv.client();
    expect(await c.cmd('SET', 'k', 'v')).toBe('OK');
    const code = await srv.stop('SIGTERM');
    expect(code).toBe(0);
    const out = srv.output();
    const pid = srv.proc.pid!;
    const sig = out.search(
      new RegExp(`^${pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.$`, 'm'),
    );
    const user = out.search(/^\d+:M .* # User requested shutdown\.\.\.$/m);
    const bye = out.search(/^\d+:M .* # Tandem is now ready to exit, bye bye\.\.\.$/m);
    expect(sig).toBeGreaterThanOrEqual(0);
    expect(user).toBeGreaterThan(sig);
    expect(bye).toBeGreaterThan(user);
  });

  it('SIGINT shuts down gracefully too', async () => {
    const srv = await startTandem();
    expect(await srv.stop('SIGINT')).toBe(0);
    expect(srv.output()).toMatch(/signal-handler \(\d+\) Received SIGINT scheduling shutdown\.\.\./);
    expect(srv.output()).toMatch(/ready to exit, bye bye/);
  });

  it('SIGHUP is ignored, as Redis does', async () => {
    const srv = await startTandem();
    srv.proc.kill('SIGHUP');
    await sleep(200);
    const c = await srv.client();
    expect(await c.cmd('PING')).toBe('PONG');
    c.close();
    expect(await srv.stop()).toBe(0);
  });

  it('SIGSTOP freezes the server and SIGCONT resumes it, with pending requests answered', async () => {
    const srv = await startTandem();
    const c = await srv.client();
    expect(await c.cmd('SET', 'a', '1')).toBe('OK');
    srv.proc.kill('SIGSTOP');
    await waitFor(() => procStat(srv.proc.pid!)[0] === 'T', 'stopped state');
    let answered = false;
    const pending = c.cmd('INCR', 'a').then((v) => {
      answered = true;
      return v;
    });
    await sleep(300);
    expect(answered).toBe(false);
    srv.proc.kill('SIGCONT');
    expect(await pending).toBe(2);
    expect(await c.cmd('GET', 'a')).toBe('2');
    c.close();
    expect(await srv.stop('SIGTERM')).toBe(0);
  });

  it('keeps serving and still exits cleanly when whoever read its stdout went away', async () => {
    const port = await freePort();
    const p = spawn(
      TANDEM_BIN,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--loglevel', 'verbose'],
      {
        cwd: makeTempDir('tandem-proc-'),
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const exited = new Promise<number | null>((res) => p.on('exit', (x) => res(x)));
    await new Promise<void>((res) => {
      let out = '';
      p.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('Ready to accept connections')) res();
      });
    });
    p.stdout!.destroy(); // the next log line meets EPIPE
    for (let i = 0; i < 3; i++) {
      const c = await RespClient.connect(port);
      expect(await c.cmd('PING')).toBe('PONG');
      c.close();
      await sleep(20);
    }
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('fails to start with Redis wording and status 1 when the port is taken', async () => {
    const first = await startTandem();
    const dir = makeTempDir('tandem-proc-');
    const pidfile = path.join(dir, 'x.pid');
    const second = await startTandem({ port: first.port, noWait: true, args: ['--pidfile', pidfile] });
    const code = await new Promise<number | null>((res) => second.proc.on('exit', (x) => res(x)));
    expect(code).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(
        `# Warning: Could not create server TCP listening socket 127\\.0\\.0\\.1:${first.port}: bind: Address already in use`,
      ),
    );
    expect(second.output()).toMatch(new RegExp(`# Failed listening on port ${first.port} \\(TCP\\), aborting\\.`));
    expect(fs.existsSync(pidfile)).toBe(false);
    await first.stop();
  });
});

describe('pidfile', () => {
  it('holds "<pid>\\n" while running and is removed at exit', async () => {
    const dir = makeTempDir('tandem-pid-');
    const pidfile = path.join(dir, 'tandem.pid');
    const srv = await startTandem({ dir, args: ['--pidfile', pidfile] });
    expect(fs.readFileSync(pidfile, 'latin1')).toBe(`${srv.proc.pid}\n`);
    const c = await srv.client();
    expect(await c.cmd('CONFIG', 'GET', 'pidfile')).toEqual(['pidfile', pidfile]);
    c.close();
    expect(await srv.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(srv.output()).toMatch(/\* Removing the pid file\./);
  });

  it('a relative pidfile lands in `dir` (config loading changes directory first)', async () => {
    const dir = makeTempDir('tandem-pid-');
    const srv = await startTandem({ dir, args: ['--pidfile', 'rel.pid'] });
    expect(fs.readFileSync(path.join(dir, 'rel.pid'), 'latin1')).toBe(`${srv.proc.pid}\n`);
    expect(await srv.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(path.join(dir, 'rel.pid'))).toBe(false);
  });

  it('no pid file is written when neither pidfile nor daemonize is set', async () => {
    const srv = await startTandem();
    const c = await srv.client();
    expect(await c.cmd('CONFIG', 'GET', 'pidfile')).toEqual(['pidfile', '']);
    c.close();
    await srv.stop();
    expect(srv.output()).not.toMatch(/pid file/);
  });
});

describe('daemonize', () => {
  const daemons: number[] = [];
  afterEach(() => {
    for (const pid of daemons.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  /** Runs the launcher to completion; resolves with its status and output. */
  function launch(
    args: string[],
    stdin?: string,
    cwd?: string,
  ): Promise<{ code: number | null; out: string; pid: number }> {
    return new Promise((resolve) => {
      const p = spawn(TANDEM_BIN, args, { cwd, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.on('data', (d) => {
        out += d;
      });
      p.stderr!.on('data', (d) => {
        out += d;
      });
      if (stdin !== undefined) p.stdin!.end(stdin);
      p.on('exit', (code) => resolve({ code, out, pid: p.pid! }));
    });
  }

  it('detaches into its own session, writes the child PID, and stops on SIGTERM', async () => {
    const dir = makeTempDir('tandem-daemon-');
    const port = await freePort();
    const pidfile = path.join(dir, 'd.pid');
    const logfile = path.join(dir, 'd.log');
    const r = await launch([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      dir,
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--logfile',
      logfile,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(''); // nothing on the terminal: the log is in the file
    // The launcher only returns once the daemon listens, so everything is in place already.
    const pid = Number(fs.readFileSync(pidfile, 'latin1'));
    daemons.push(pid);
    expect(pid).not.toBe(r.pid);
    expect(alive(pid)).toBe(true);
    const [, ppid, pgrp, session] = procStat(pid);
    expect(Number(session)).toBe(pid); // setsid: session and group leader, no controlling terminal
    expect(Number(pgrp)).toBe(pid);
    expect(Number(ppid)).not.toBe(r.pid);
    const c = await RespClient.connect(port);
    expect(await c.cmd('PING')).toBe('PONG');
    expect(await c.cmd('CONFIG', 'GET', 'daemonize')).toEqual(['daemonize', 'yes']);
    const info = (await c.cmd('INFO', 'server')) as string;
    expect(info).toContain(`process_id:${pid}\r\n`);
    c.close();
    const log1 = fs.readFileSync(logfile, 'latin1');
    expect(log1).toContain(`pid=${pid}, just started`);
    expect(log1).toMatch(new RegExp(`^${pid}:M .* Ready to accept connections$`, 'm'));
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), 'daemon exit');
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(fs.readFileSync(logfile, 'latin1')).toMatch(/Received SIGTERM scheduling shutdown[\s\S]*bye bye/);
  });

  it('without pidfile uses /var/run/redis_<port>.pid and reports it in CONFIG GET', async () => {
    const port = await freePort();
    const expected = `/var/run/redis_${port}.pid`;
    const r = await launch(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'yes']);
    expect(r.code).toBe(0);
    const c = await RespClient.connect(port);
    expect(await c.cmd('CONFIG', 'GET', 'pidfile')).toEqual(['pidfile', expected]);
    const pid = Number(((await c.cmd('INFO', 'server')) as string).match(/process_id:(\d+)/)![1]);
    daemons.push(pid);
    c.close();
    let writable = true;
    try {
      fs.accessSync('/var/run', fs.constants.W_OK);
    } catch {
      writable = false;
    }
    if (writable) expect(fs.readFileSync(expected, 'latin1')).toBe(`${pid}\n`);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), 'daemon exit');
    expect(fs.existsSync(expected)).toBe(false);
  });

  it('takes its config from stdin and a relative config file, like the foreground server', async () => {
    const dir = makeTempDir('tandem-daemon-');
    const port = await freePort();
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'my.conf'), `port ${port}\nbind 127.0.0.1\nsave ""\ndir data\nlogfile t.log\n`);
    const r = await launch(['my.conf', '-'], 'daemonize yes\npidfile p.pid\nmaxmemory 3mb\n', dir);
    expect(r.code).toBe(0);
    const pidfile = path.join(dir, 'data', 'p.pid');
    const pid = Number(fs.readFileSync(pidfile, 'latin1'));
    daemons.push(pid);
    const c = await RespClient.connect(port);
    expect(await c.cmd('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '3145728']);
    expect(await c.cmd('CONFIG', 'GET', 'dir')).toEqual(['dir', fs.realpathSync(path.join(dir, 'data'))]);
    c.close();
    expect(fs.readFileSync(path.join(dir, 'data', 't.log'), 'latin1')).toContain('Configuration loaded');
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), 'daemon exit');
    expect(fs.existsSync(pidfile)).toBe(false);
  });

  it('the launcher exits 1 when the daemon cannot start', async () => {
    const busy = await startTandem();
    const dir = makeTempDir('tandem-daemon-');
    const logfile = path.join(dir, 'd.log');
    const r = await launch([
      '--port',
      String(busy.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--daemonize',
      'yes',
      '--logfile',
      logfile,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/exited with code 1 before it was ready/);
    expect(fs.readFileSync(logfile, 'latin1')).toMatch(/Failed listening on port \d+ \(TCP\), aborting\./);
    await busy.stop();
  });

  it('config errors are reported on the terminal before detaching', async () => {
    const r = await launch(['--daemonize', 'yes', '--port', 'notanumber']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('*** FATAL CONFIG FILE ERROR');
  });
});

describe('shutdown sequence (in-process, real listener)', () => {
  let dir = '';
  let logPath = '';
  const servers: Server[] = [];

  async function startInProcess(
    extra: [string, string][] = [],
  ): Promise<{ srv: Server; port: number; exits: number[] }> {
    dir = makeTempDir('tandem-shut-');
    logPath = path.join(dir, 'log.txt');
    log.setFile(logPath);
    const config = new Config();
    const port = await freePort();
    config.set('port', [String(port)], true);
    config.set('bind', ['127.0.0.1'], true);
    for (const [k, v] of extra) config.set(k, [v], true);
    const srv = new Server(config);
    const exits: number[] = [];
    serverExtras(srv).exit = (code) => exits.push(code);
    await srv.start();
    servers.push(srv);
    return { srv, port, exits };
  }

  afterEach(() => {
    for (const s of servers.splice(0)) s.stop();
    log.setFile('');
  });

  const logText = () => fs.readFileSync(logPath, 'latin1');

  it('a refusing hook keeps the server running (and serving); a later shutdown succeeds', async () => {
    const { srv, port, exits } = await startInProcess();
    let refuse = true;
    let sawOptions: unknown = null;
    srv.shutdownHooks.push(() => {
      sawOptions = serverExtras(srv).shutdown;
      if (refuse) {
        log.warning("Error trying to save the DB, can't exit.");
        throw new ShutdownRefused();
      }
    });
    expect(await shutdownServer(srv, { save: true, now: false, force: false })).toBe(false);
    expect(sawOptions).toEqual({ save: true, now: false, force: false });
    expect(serverExtras(srv).shutdown).toBeNull();
    expect(exits).toEqual([]);
    expect(shutdownInProgress(srv)).toBe(false);
    const c = await RespClient.connect(port);
    expect(await c.cmd('PING')).toBe('PONG');
    expect(logText()).toMatch(
      /# User requested shutdown\.\.\.\n.*# Error trying to save the DB, can't exit\.\n.*# Errors trying to shut down the server\. Check the logs for more information\.\n/,
    );
    refuse = false;
    expect(await shutdownServer(srv, { save: null, now: false, force: false })).toBe(true);
    expect(exits).toEqual([0]);
    await c.waitClose();
    await expect(RespClient.connect(port)).rejects.toThrow();
    expect(logText()).toMatch(/# Tandem is now ready to exit, bye bye\.\.\.\n$/);
  });

  it('an unexpected hook error is logged; FORCE exits anyway', async () => {
    const { srv, exits } = await startInProcess();
    srv.shutdownHooks.push(() => {
      throw new Error('disk on fire');
    });
    expect(await shutdownServer(srv, { save: null, now: false, force: false })).toBe(false);
    expect(logText()).toMatch(/# disk on fire\n/);
    expect(await shutdownServer(srv, { save: null, now: false, force: true })).toBe(true);
    expect(exits).toEqual([0]);
  });

  it('concurrent requests share one shutdown', async () => {
    const { srv, exits } = await startInProcess();
    let release!: () => void;
    let calls = 0;
    srv.shutdownHooks.push(() => {
      calls++;
      return new Promise<void>((r) => {
        release = r;
      });
    });
    const a = shutdownServer(srv, { save: null, now: false, force: false });
    const b = shutdownServer(srv, { save: false, now: true, force: false });
    expect(a).toBe(b);
    await waitFor(() => release !== undefined, 'hook running');
    release();
    expect(await a).toBe(true);
    expect(calls).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('waits for replicas unless NOW, bounded by shutdown-timeout, and SHUTDOWN ABORT cancels the wait', async () => {
    const { srv, port, exits } = await startInProcess([['shutdown-timeout', '7']]);
    const seen: number[] = [];
    const waiter: ReplicaWaiter = (_s, timeoutMs, signal) => {
      seen.push(timeoutMs);
      return new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined)));
    };
    setReplicaWaiter(srv, waiter);
    expect(abortShutdown(srv)).toBe(false);
    const p = shutdownServer(srv, { save: null, now: false, force: false });
    await waitFor(() => seen.length === 1, 'waiter called');
    expect(seen).toEqual([7000]);
    expect(shutdownRemainingMs(srv)).toBeGreaterThan(6000);
    expect(abortShutdown(srv)).toBe(true);
    expect(await p).toBe(false);
    expect(exits).toEqual([]);
    expect(logText()).toMatch(/\* Shutdown manually aborted\.\n/);
    const c = await RespClient.connect(port);
    expect(await c.cmd('PING')).toBe('PONG');
    c.close();
    // NOW skips the wait entirely.
    expect(await shutdownServer(srv, { save: null, now: true, force: false })).toBe(true);
    expect(seen.length).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('writes the replica wait paused are resumed only when the shutdown is refused afterwards', async () => {
    const { srv, exits } = await startInProcess([['shutdown-timeout', '5']]);
    let resumed = 0;
    setReplicaWaiter(srv, async () => () => resumed++);
    let refuse = true;
    srv.shutdownHooks.push(() => {
      if (refuse) throw new ShutdownRefused('no');
    });
    expect(await shutdownServer(srv, { save: null, now: false, force: false })).toBe(false);
    expect(resumed).toBe(1);
    refuse = false;
    expect(await shutdownServer(srv, { save: null, now: false, force: false })).toBe(true);
    expect(resumed).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('signals use shutdown-on-sigterm / shutdown-on-sigint flags; a second SIGINT exits at once with 1', async () => {
    expect(signalShutdownRequest('default')).toEqual({ save: null, now: false, force: false });
    expect(signalShutdownRequest('nosave now')).toEqual({ save: false, now: true, force: false });
    expect(signalShutdownRequest('save force')).toEqual({ save: true, now: false, force: true });
    const { srv, exits } = await startInProcess([['shutdown-on-sigint', 'nosave force']]);
    let options: unknown = null;
    let release!: () => void;
    srv.shutdownHooks.push(() => {
      options = serverExtras(srv).shutdown;
      return new Promise<void>((r) => {
        release = r;
      });
    });
    onShutdownSignal(srv, 'SIGINT');
    await waitFor(() => options !== null, 'hook running');
    expect(options).toEqual({ save: false, now: false, force: true });
    onShutdownSignal(srv, 'SIGINT');
    expect(exits).toEqual([1]);
    expect(logText()).toMatch(/^\d+:signal-handler \(\d+\) You insist\.\.\. exiting now\.$/m);
    release();
  });

  it('writePidFile records the path it used', async () => {
    const { srv } = await startInProcess();
    const pidfile = path.join(dir, 's.pid');
    srv.config.set('pidfile', [pidfile], true);
    writePidFile(srv);
    expect(fs.readFileSync(pidfile, 'latin1')).toBe(`${process.pid}\n`);
    expect(await shutdownServer(srv, { save: null, now: false, force: false })).toBe(true);
    expect(fs.existsSync(pidfile)).toBe(false);
  });
});

describe('against real Redis 7.0', () => {
  const each = redisAvailable() ? [startTandem, startRedis] : [startTandem];
  it.each(each.map((s) => [s === startTandem ? 'tandem' : 'redis', s] as const))(
    '%s: a taken port fails the start with the words the test helpers retry on (freePort race)',
    async (_name, start) => {
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (taken.address() as net.AddressInfo).port;
        const err = await start({ port }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(lostPortRace(err)).toBe(true);
        expect(lostPortRace(new Error('exited with 1 before ready: some other failure'))).toBe(false);
      } finally {
        taken.close();
      }
    },
  );

  it.each(each.map((s) => [s === startTandem ? 'tandem' : 'redis', s] as const))(
    '%s: a failing final save refuses SIGTERM and SHUTDOWN (server keeps running); SHUTDOWN NOSAVE exits',
    async (_name, start) => {
      const dir = makeTempDir('refuse-');
      const data = path.join(dir, 'data');
      fs.mkdirSync(data);
      const srv = await start({ dir, args: ['--dir', data, '--save', '3600 1'] });
      const c = await srv.client();
      expect(await c.cmd('SET', 'k', 'v')).toBe('OK');
      fs.rmSync(data, { recursive: true });
      srv.proc.kill('SIGTERM');
      await srv.waitForLog(/# Errors trying to shut down the server\. Check the logs for more information\.\n/);
      expect(srv.output()).toMatch(/# Error trying to save the DB, can't exit\.\n/);
      expect(await c.cmd('PING')).toBe('PONG');
      expect(await c.cmd('SHUTDOWN')).toEqual({ error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
      expect(await c.cmd('GET', 'k')).toBe('v');
      c.send('SHUTDOWN', 'NOSAVE');
      await c.waitClose();
      expect(await srv.stop()).toBe(0);
      expect(srv.output()).toMatch(/is now ready to exit, bye bye\.\.\.\n$/);
    },
  );

  it.runIf(redisAvailable())('both log the same shutdown lines for SIGTERM with a pid file', async () => {
    const lines = [
      /^\d+:signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.$/m,
      /^\d+:M .* # User requested shutdown\.\.\.$/m,
      /^\d+:M .* \* Removing the pid file\.$/m,
      /^\d+:M .* # \w+ is now ready to exit, bye bye\.\.\.$/m,
    ];
    for (const start of [startRedis, startTandem]) {
      const dir = makeTempDir('pid-cmp-');
      const pidfile = path.join(dir, 'x.pid');
      const srv = await start({ dir, args: ['--pidfile', pidfile] });
      expect(fs.readFileSync(pidfile, 'latin1')).toBe(`${srv.proc.pid}\n`);
      expect(await srv.stop('SIGTERM')).toBe(0);
      expect(fs.existsSync(pidfile)).toBe(false);
      let last = -1;
      for (const re of lines) {
        const at = srv.output().search(re);
        expect(at, `${srv.kind}: ${re}`).toBeGreaterThan(last);
        last = at;
      }
    }
  });
});
