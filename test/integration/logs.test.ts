/**
 * Log output in Redis' format, checked on real processes and side by side with real Redis 7.0 where Redis prints the
 * same line: `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level-char> <message>`, the start-up and shutdown lines tools
 * wait for, `loglevel` filtering (at start and through CONFIG SET), and `logfile` (including a rotated file being
 * recreated on the next line, as Redis does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLine, formatTimestamp } from '../../src/server/log';
import { RespClient } from '../helpers/resp-client';
import {
  makeTempDir,
  redisAvailable,
  type ServerHandle,
  type StartOptions,
  startRedis,
  startTandem,
  stopAll,
} from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterAll(stopAll);

const LINE =
  /^(\d+):([MSXC]) (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([.\-*#]) (.*)$/;
const SIGNAL_LINE = /^(\d+):signal-handler \((\d+)\) (.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Parsed {
  pid: number;
  role: string;
  time: Date;
  level: string;
  msg: string;
}

function parseLine(l: string): Parsed | null {
  const m = LINE.exec(l);
  if (!m) return null;
  const time = new Date(+m[5], MONTHS.indexOf(m[4]), +m[3], +m[6], +m[7], +m[8], +m[9]);
  return { pid: +m[1], role: m[2], time, level: m[10], msg: m[11] };
}

/** Lines Redis writes that Tandem has no reason to (allocator, kernel and AOF notes). */
const REDIS_ONLY = /monotonic clock|WARNING|overcommit|AOF|appendonly/;

function lines(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

/** Connects and disconnects once (a verbose-level event on both servers). */
async function touch(port: number): Promise<void> {
  const c = await RespClient.connect(port);
  await c.cmd('PING');
  c.close();
}

async function waitUntil(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(25);
  }
}

/** Starts without waiting for the ready line (it is filtered out above notice level) and waits for the port. */
async function startQuiet(start: (o?: StartOptions) => Promise<ServerHandle>, o: StartOptions): Promise<ServerHandle> {
  const srv = await start({ ...o, noWait: true });
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      const c = await RespClient.connect(srv.port);
      c.close();
      return srv;
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(50);
    }
  }
}

const servers = redisAvailable() ? ([startTandem, startRedis] as const) : ([startTandem] as const);

describe('line format', () => {
  it('every line carries pid, role, local time with milliseconds, level char and message', async () => {
    const srv = await startTandem({ args: ['--loglevel', 'verbose'] });
    await touch(srv.port);
    await srv.waitForLog(/Client closed connection/);
    expect(await srv.stop('SIGTERM')).toBe(0);
    const pid = srv.proc.pid!;
    const all = lines(srv.output());
    expect(all.length).toBeGreaterThan(8);
    const now = Date.now();
    for (const l of all) {
      const sig = SIGNAL_LINE.exec(l);
      if (sig) {
        expect(+sig[1]).toBe(pid);
        expect(Math.abs(+sig[2] - now / 1000)).toBeLessThan(120);
        continue;
      }
      const p = parseLine(l);
      expect(p, l).not.toBeNull();
      expect(p!.pid).toBe(pid);
      expect(Math.abs(p!.time.getTime() - now)).toBeLessThan(120_000);
    }
    const levelOf = (re: RegExp) => all.map(parseLine).find((p) => p && re.test(p.msg));
    // Before the server exists lines are tagged C (as Redis' pre-initialization lines); the master's are M.
    expect(levelOf(/just started/)).toMatchObject({ role: 'C', level: '#' });
    expect(levelOf(/^Configuration loaded$/)).toMatchObject({ role: 'C', level: '#' });
    expect(levelOf(/^Running mode=standalone, port=\d+\.$/)).toMatchObject({ role: 'M', level: '*' });
    expect(levelOf(/^Server initialized$/)).toMatchObject({ role: 'M', level: '#' });
    expect(levelOf(/^Ready to accept connections$/)).toMatchObject({ role: 'M', level: '*' });
    expect(levelOf(/^Accepted 127\.0\.0\.1:\d+$/)).toMatchObject({ role: 'M', level: '-' });
    expect(levelOf(/^Client closed connection id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ /)).toMatchObject({
      level: '-',
    });
    expect(levelOf(/^User requested shutdown\.\.\.$/)).toMatchObject({ role: 'M', level: '#' });
    expect(levelOf(/is now ready to exit, bye bye\.\.\.$/)).toMatchObject({ role: 'M', level: '#' });
  });

  it('formats timestamps as dd Mon yyyy hh:mm:ss.mmm and cuts messages at 1023 characters like Redis', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9, 45);
    expect(formatTimestamp(d)).toBe('05 Jan 2026 07:08:09.045');
    expect(formatLine(42, 'S', 'verbose', 'hello', d)).toBe('42:S 05 Jan 2026 07:08:09.045 - hello\n');
    expect(formatLine(1, 'X', 'debug', 'x', d)).toMatch(/^1:X .* \. x\n$/);
    const long = formatLine(1, 'M', 'warning', 'a'.repeat(5000), d);
    expect(long).toBe(`1:M 05 Jan 2026 07:08:09.045 # ${'a'.repeat(1023)}\n`);
  });
});

describe.each(servers.map((s) => [s === startTandem ? 'tandem' : 'redis', s] as const))('%s', (_name, start) => {
  it('prints the start-up lines tools wait for', async () => {
    const srv = await start();
    const out = srv.output();
    const pid = srv.proc.pid!;
    expect(out).toMatch(
      new RegExp(
        `^${pid}:C .* # Redis version=7\\.0\\.15, bits=64, commit=[0-9a-f]{8}, modified=0, pid=${pid}, just started$`,
        'm',
      ),
    );
    expect(out).toMatch(/^\d+:C .* # Configuration loaded$/m);
    expect(out).toMatch(new RegExp(`^${pid}:M .* \\* Running mode=standalone, port=${srv.port}\\.$`, 'm'));
    expect(out).toMatch(new RegExp(`^${pid}:M .* # Server initialized$`, 'm'));
    expect(out).toMatch(new RegExp(`^${pid}:M .* \\* Ready to accept connections$`, 'm'));
    const order = ['just started', 'Configuration loaded', 'Server initialized', 'Ready to accept connections'];
    const at = order.map((s) => out.indexOf(s));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    await srv.stop();
  });

  it('loglevel warning keeps only # lines (so no ready line either)', async () => {
    const srv = await startQuiet(start, { args: ['--loglevel', 'warning'] });
    await touch(srv.port);
    expect(await srv.stop('SIGTERM')).toBe(0);
    const parsed = lines(srv.output())
      .filter((l) => !REDIS_ONLY.test(l))
      .map((l) => [l, parseLine(l)] as const);
    expect(parsed.length).toBeGreaterThan(3);
    for (const [l, p] of parsed) {
      if (SIGNAL_LINE.test(l)) continue;
      expect(p?.level, l).toBe('#');
    }
    expect(srv.output()).toMatch(/# Server initialized/);
    expect(srv.output()).not.toMatch(/Ready to accept connections/);
  });

  it('verbose adds connection lines; debug adds the periodic client summary', async () => {
    const srv = await start({ args: ['--loglevel', 'debug'] });
    await touch(srv.port);
    await srv.waitForLog(
      / - Client closed connection id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= /,
    );
    expect(srv.output()).toMatch(/ - Accepted 127\.0\.0\.1:\d+\n/);
    await srv.waitForLog(/ \. \d+ clients connected \(0 replicas\), \d+ bytes in use\n/, 12_000);
    await srv.stop();
  });

  it('CONFIG SET loglevel takes effect for the next line', async () => {
    const srv = await start();
    const c = await RespClient.connect(srv.port);
    await touch(srv.port);
    await sleep(100);
    expect(srv.output()).not.toMatch(/Accepted/);
    expect(await c.cmd('CONFIG', 'SET', 'loglevel', 'verbose')).toBe('OK');
    await touch(srv.port);
    await srv.waitForLog(/ - Accepted 127\.0\.0\.1:\d+/);
    expect(await c.cmd('CONFIG', 'SET', 'loglevel', 'warning')).toBe('OK');
    const before = srv.output().match(/Accepted/g)!.length;
    await touch(srv.port);
    await sleep(150);
    expect(srv.output().match(/Accepted/g)!.length).toBe(before);
    expect(await c.cmd('CONFIG', 'GET', 'loglevel')).toEqual(['loglevel', 'warning']);
    // logfile cannot change at run time in Redis 7.0
    expect(await c.cmd('CONFIG', 'SET', 'logfile', 'x.log')).toEqual({
      error: "ERR CONFIG SET failed (possibly related to argument 'logfile') - can't set immutable config",
    });
    c.close();
    await srv.stop();
  });

  it('logfile receives the lines (stdout stays silent) and a rotated file is recreated on the next line', async () => {
    const dir = makeTempDir('logs-');
    const file = path.join(dir, 'server.log');
    const srv = await startQuiet(start, { dir, args: ['--logfile', file, '--loglevel', 'verbose'] });
    await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'latin1').includes('Ready to accept'), 'ready');
    expect(srv.output()).toBe('');
    fs.renameSync(file, `${file}.1`);
    await touch(srv.port);
    await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'latin1').includes('Accepted'), 'new file');
    expect(fs.readFileSync(`${file}.1`, 'latin1')).toMatch(/Configuration loaded/);
    expect(fs.readFileSync(file, 'latin1')).not.toMatch(/Configuration loaded/);
    expect(await srv.stop('SIGTERM')).toBe(0);
    expect(fs.readFileSync(file, 'latin1')).toMatch(
      /signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.\n[\s\S]*# User requested shutdown\.\.\.\n[\s\S]*is now ready to exit, bye bye\.\.\.\n$/,
    );
  });

  it('a log file that cannot be opened is a fatal config error', async () => {
    const srv = await start({ noWait: true, args: ['--logfile', '/nonexistent-dir/x.log'] });
    const code = await new Promise<number | null>((res) => srv.proc.on('exit', (x) => res(x)));
    expect(code).toBe(1);
    expect(srv.output()).toMatch(/\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*/);
    expect(srv.output()).toMatch(/Can't open the log file: No such file or directory/);
  });
});
