import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('connection commands', () => {
  let srv: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    srv = await startTandem();
    c = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('PING and ECHO', async () => {
    expect(await c.call('PING')).toEqual({ t: 'status', v: 'PONG' });
    expect(await c.call('PING', 'x\r\ny')).toEqual({ t: 'bulk', v: 'x\r\ny' });
    expect(await c.cmd('ECHO', Buffer.from([0, 255, 10]))).toBe('\x00\xff\n');
    expect(await c.cmd('PING', 'a', 'b')).toEqual({ error: "ERR wrong number of arguments for 'ping' command" });
  });

  it('unknown commands and subcommands', async () => {
    expect(await c.cmd('FOO', 'a', 'b')).toEqual({
      error: "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
    });
    expect(await c.cmd('CLIENT', 'nope')).toEqual({ error: "ERR unknown subcommand 'nope'. Try CLIENT HELP." });
  });

  it('SELECT bounds', async () => {
    expect(await c.cmd('SELECT', '15')).toBe('OK');
    expect(await c.cmd('SELECT', '16')).toEqual({ error: 'ERR DB index is out of range' });
    expect(await c.cmd('SELECT', 'x')).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(await c.cmd('SELECT', '0')).toBe('OK');
  });

  it('HELLO 3 switches to RESP3 maps', async () => {
    const r = await c.call('HELLO', '3');
    expect(r.t).toBe('map');
    expect(await c.call('HELLO', '4')).toEqual({ t: 'error', v: 'NOPROTO unsupported protocol version' });
    expect((await c.call('HELLO', '2')).t).toBe('array');
  });

  it('inline commands and protocol errors', async () => {
    c.sendRaw('PING\r\nECHO "a b\\x41"\r\n');
    expect(await c.next()).toEqual({ t: 'status', v: 'PONG' });
    expect(await c.next()).toEqual({ t: 'bulk', v: 'a bA' });
    const d = await srv.client();
    d.sendRaw('*1\r\n$4\r\nPING\r\n*1\r\nx\r\n');
    expect(await d.next()).toEqual({ t: 'status', v: 'PONG' });
    expect(await d.next()).toEqual({ t: 'error', v: "ERR Protocol error: expected '$', got 'x'" });
    await d.waitClose();
  });
});
