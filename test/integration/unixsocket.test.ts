/**
 * The unix socket listener: redis-cli and redis-benchmark over it, permissions from `unixsocketperm`, TCP and the
 * socket together or the socket alone (`port 0`), a stale file replaced at start and the file removed at exit, how
 * unix clients look in CLIENT LIST, and the start-up failures — each compared with real Redis 7.0 where it prints or
 * replies the same thing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReply, type Reply } from '../helpers/resp-client';
import {
  makeTempDir,
  redisAvailable,
  type ServerHandle,
  type StartOptions,
  startRedis,
  startTandem,
  stopAll,
} from '../helpers/servers';

const run = promisify(execFile);
afterAll(stopAll);

type Start = (o?: StartOptions) => Promise<ServerHandle>;
const servers = redisAvailable() ? ([startTandem, startRedis] as const) : ([startTandem] as const);
const named = servers.map((s) => [s === startTandem ? 'tandem' : 'redis', s] as const);

/** Starts with a unix socket and waits until the server announces it. */
async function startWithSocket(start: Start, sock: string, opts: StartOptions = {}): Promise<ServerHandle> {
  const srv = await start({ ...opts, noWait: true, args: ['--unixsocket', sock, ...(opts.args ?? [])] });
  await srv.waitForLog(/The server is now ready to accept connections at /, 15_000);
  return srv;
}

/** One command over a unix socket connection, returning the parsed reply. */
async function unixCall(sock: string, ...argv: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: sock });
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const r = parseReply(buf, 0);
      if (r) {
        s.end();
        resolve(r[0]);
      }
    });
    let req = `*${argv.length}\r\n`;
    for (const a of argv) req += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    s.write(req);
  });
}

describe.each(named)('%s', (_name, start) => {
  it('answers redis-cli -s and serves redis-benchmark -s without errors', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock);
    const ping = await run('redis-cli', ['-s', sock, 'ping']);
    expect(ping.stdout).toBe('PONG\n');
    const bench = await run('redis-benchmark', ['-s', sock, '-t', 'set,get', '-n', '2000', '-q'], {
      timeout: 60_000,
    });
    const text = `${bench.stdout}${bench.stderr}`;
    expect(text).toMatch(/SET: [\d.]+ requests per second/);
    expect(text).toMatch(/GET: [\d.]+ requests per second/);
    expect(text).not.toMatch(/error/i);
    expect((await run('redis-cli', ['-s', sock, 'dbsize'])).stdout).toBe('1\n'); // key:__rand_int__
    await srv.stop();
  });

  it('listens on TCP and on the socket at once, sharing one dataset', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock);
    expect(srv.output()).toMatch(/\* Ready to accept connections\n/);
    expect(srv.output()).toContain(`* The server is now ready to accept connections at ${sock}\n`);
    const c = await srv.client();
    expect(await c.cmd('SET', 'shared', 'via-tcp')).toBe('OK');
    expect(await unixCall(sock, 'GET', 'shared')).toEqual({ t: 'bulk', v: 'via-tcp' });
    expect(await c.cmd('CONFIG', 'GET', 'unixsocket')).toEqual(['unixsocket', sock]);
    c.close();
    await srv.stop();
  });

  it('port 0 turns TCP off: only the socket, no TCP ready line', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock, { port: 0 });
    expect(srv.output()).not.toMatch(/Ready to accept connections/);
    expect(await unixCall(sock, 'CONFIG', 'GET', 'port')).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'port' },
        { t: 'bulk', v: '0' },
      ],
    });
    const info = await unixCall(sock, 'INFO', 'server');
    expect(info.t === 'bulk' && info.v).toMatch(/\r\ntcp_port:0\r\n/);
    await srv.stop();
  });

  it('unixsocketperm sets the socket mode; 0 leaves the umask default', async () => {
    for (const [perm, mode] of [
      ['700', 0o700],
      ['755', 0o755],
      ['770', 0o770],
    ] as const) {
      const dir = makeTempDir('unix-');
      const sock = path.join(dir, 's.sock');
      const srv = await startWithSocket(start, sock, { args: ['--unixsocketperm', perm] });
      const st = fs.statSync(sock);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(mode);
      expect(await unixCall(sock, 'CONFIG', 'GET', 'unixsocketperm')).toEqual({
        t: 'array',
        v: [
          { t: 'bulk', v: 'unixsocketperm' },
          { t: 'bulk', v: perm },
        ],
      });
      await srv.stop();
    }
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock);
    const umask = process.umask();
    expect(fs.statSync(sock).mode & 0o777).toBe(0o777 & ~umask);
    await srv.stop();
  });

  it('replaces a stale file at the path at start and removes the socket at exit', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    fs.writeFileSync(sock, 'left over');
    const srv = await startWithSocket(start, sock);
    expect(fs.statSync(sock).isSocket()).toBe(true);
    expect(await unixCall(sock, 'PING')).toEqual({ t: 'status', v: 'PONG' });
    expect(await srv.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(sock)).toBe(false);
    expect(srv.output()).toMatch(/\* Removing the unix socket file\.\n/);
  });

  it('shows unix clients as <path>:0 with flag U (relative paths as configured)', async () => {
    const dir = makeTempDir('unix-');
    const srv = await startWithSocket(start, 'rel.sock', { dir });
    const sock = path.join(dir, 'rel.sock');
    const list = await unixCall(sock, 'CLIENT', 'LIST');
    expect(list.t).toBe('bulk');
    const line = (list as { v: string }).v;
    expect(line).toMatch(/^id=\d+ addr=rel\.sock:0 laddr=rel\.sock:0 fd=\d+ name= age=\d+ idle=\d+ flags=U db=0 /);
    const info = await unixCall(sock, 'CLIENT', 'INFO');
    expect((info as { v: string }).v).toMatch(/ addr=rel\.sock:0 laddr=rel\.sock:0 .* flags=U /);
    // A TCP client in the same list keeps its ip:port form and no U.
    const c = await srv.client();
    const both = (await c.cmd('CLIENT', 'LIST')) as string;
    expect(both).toMatch(/ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ .* flags=N /);
    c.close();
    await srv.stop();
  });

  it('unix clients are served under protected mode with no password', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock, { args: ['--protected-mode', 'yes', '--bind', '* -::*'] });
    expect(await unixCall(sock, 'SET', 'k', 'v')).toEqual({ t: 'status', v: 'OK' });
    await srv.stop();
  });

  it('fails to start with Redis wording when the socket cannot be created', async () => {
    const long = `/tmp/${'x'.repeat(120)}.sock`;
    for (const [sockPath, msg] of [
      ['/nonexistent-dir/s.sock', '# Failed opening Unix socket: bind: No such file or directory'],
      [long, `# Failed opening Unix socket: unix socket path too long (${long.length}), must be under 108`],
    ]) {
      const srv = await start({ noWait: true, args: ['--unixsocket', sockPath] });
      const code = await new Promise<number | null>((res) => srv.proc.on('exit', (x) => res(x)));
      expect(code).toBe(1);
      expect(srv.output()).toContain(msg);
    }
  });

  it('with port 0 and no socket there is nothing to listen on', async () => {
    const srv = await start({ port: 0, noWait: true });
    const code = await new Promise<number | null>((res) => srv.proc.on('exit', (x) => res(x)));
    expect(code).toBe(1);
    expect(srv.output()).toMatch(/# Configured to not listen anywhere, exiting\.\n/);
  });
});

describe.each(named)('%s log', (_name, start) => {
  it('logs unix connections at verbose level', async () => {
    const dir = makeTempDir('unix-');
    const sock = path.join(dir, 's.sock');
    const srv = await startWithSocket(start, sock, { args: ['--loglevel', 'verbose'] });
    await unixCall(sock, 'PING');
    await srv.waitForLog(new RegExp(`- Client closed connection id=\\d+ addr=${sock}:0 laddr=${sock}:0 `));
    expect(srv.output()).toContain(`- Accepted connection to ${sock}\n`);
    await srv.stop();
  });
});
