/**
 * Client connections are read and written at the socket handle (src/server/socket-io.ts) unless TANDEM_STREAM_IO=1
 * selects Node's stream API. Both paths must behave the same: ordered replies to a deep pipeline arriving in odd
 * chunks, queued output visible in CLIENT LIST / INFO and counted against the output buffer limit, EOF handling.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeArgv, parseReply, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem, stopAll } from '../helpers/servers';

afterAll(stopAll);

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends `payload` in chunks of `chunk` bytes and collects `count` replies. */
async function exchange(port: number, payload: Buffer, chunk: number, count: number): Promise<unknown[]> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const replies: unknown[] = [];
  let buf = Buffer.alloc(0);
  const done = new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let pos = 0;
      for (;;) {
        const r = parseReply(buf, pos);
        if (r === null) break;
        replies.push(plain(r[0]));
        pos = r[1];
      }
      buf = buf.subarray(pos);
      if (replies.length >= count) resolve();
    });
  });
  for (let i = 0; i < payload.length; i += chunk) {
    sock.write(payload.subarray(i, i + chunk));
    if (i % (chunk * 64) === 0) await new Promise((r) => setImmediate(r));
  }
  await done;
  sock.end();
  return replies;
}

async function field(port: number, section: string, name: string): Promise<string | undefined> {
  const [info] = await exchange(port, encodeArgv(['INFO', section]), 1 << 16, 1);
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(String(info))?.[1];
}

describe.each([
  ['handle-level I/O (default)', {}],
  ['stream API (TANDEM_STREAM_IO=1)', { TANDEM_STREAM_IO: '1' }],
])('client connections over %s', (_name, env: Record<string, string>) => {
  let srv: ServerHandle;

  it('answers a 20 000-command pipeline split at odd byte boundaries, in order', async () => {
    srv = await startTandem({ env });
    const parts: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      parts.push(encodeArgv(['SET', `k${i}`, `v${i}`]), encodeArgv(['INCR', 'counter']));
    }
    const replies = await exchange(srv.port, Buffer.concat(parts), 7919, 20_000);
    expect(replies.length).toBe(20_000);
    for (let i = 0; i < 10_000; i++) {
      expect(replies[2 * i]).toBe('OK');
      expect(replies[2 * i + 1]).toBe(i + 1);
    }
    const check = await exchange(srv.port, encodeArgv(['MGET', 'k0', 'k9999', 'missing']), 3, 1);
    expect(check[0]).toEqual(['v0', 'v9999', null]);
  });

  it('shows replies the kernel has not taken in CLIENT LIST omem and INFO, and enforces the normal limit', async () => {
    const big = 'x'.repeat(1 << 20);
    const setup = await exchange(srv.port, encodeArgv(['SET', 'big', big]), 1 << 16, 1);
    expect(setup[0]).toBe('OK');
    const sock = net.connect(srv.port, '127.0.0.1');
    sock.on('error', () => {});
    await new Promise((r) => sock.once('connect', r));
    sock.pause();
    const get = encodeArgv(['GET', 'big']);
    for (let i = 0; i < 40; i++) sock.write(get); // ~40 MB of replies, far beyond the socket buffers
    await until('queued output on the server', async () => {
      const [list] = await exchange(srv.port, encodeArgv(['CLIENT', 'LIST']), 1 << 16, 1);
      const omems = [...String(list).matchAll(/omem=(\d+)/g)].map((m) => Number(m[1]));
      return omems.some((n) => n > 1 << 20);
    });
    expect(Number(await field(srv.port, 'clients', 'client_recent_max_output_buffer'))).toBeGreaterThan(1 << 20);
    sock.destroy();
    await until('the first client to go', async () => (await field(srv.port, 'clients', 'connected_clients')) === '1');

    const limit = await exchange(
      srv.port,
      encodeArgv(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 4mb 0 0']),
      1 << 16,
      1,
    );
    expect(limit[0]).toBe('OK');
    const stalled = net.connect(srv.port, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise((r) => stalled.once('connect', r));
    stalled.pause();
    for (let i = 0; i < 40; i++) stalled.write(get);
    await until(
      'the stalled client to be dropped',
      async () => (await field(srv.port, 'clients', 'connected_clients')) === '1',
    );
    await srv.waitForLog(/scheduled to be closed ASAP for overcoming of output buffer limits/);
    stalled.destroy();
  });

  it('closes the connection after a half-close from the client, and keeps serving others', async () => {
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    const closed = new Promise((r) => sock.once('close', r));
    sock.end(encodeArgv(['PING']));
    await closed;
    expect(Buffer.concat(got).toString()).toBe('+PONG\r\n');
    await until(
      'the server to forget the client',
      async () => (await field(srv.port, 'clients', 'connected_clients')) === '1',
    );
    await srv.stop();
  });
});
