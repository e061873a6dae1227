/**
 * Server commands through real sockets (and, for propagation, an in-process server with a stream sink): INFO
 * contents, statistics, MONITOR lines, SLOWLOG entries, FLUSH/SWAPDB effects on WATCH and blocked clients, DEBUG,
 * SHUTDOWN and rename-command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverExtras } from '../../src/commands/server-extras';
import { Config } from '../../src/config/config';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { parseReply, type RespClient } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

describe('server commands over sockets', () => {
  let srv: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    srv = await startTandem({ args: ['--enable-debug-command', 'yes'] });
    c = await srv.client();
  });
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('INFO reports sections in Redis order with our own figures', async () => {
    const text = (await c.cmd('INFO', 'everything')) as string;
    const titles = text.split('\r\n').filter((l) => l.startsWith('# '));
    expect(titles).toEqual([
      '# Server',
      '# Clients',
      '# Memory',
      '# Persistence',
      '# Stats',
      '# Replication',
      '# CPU',
      '# Modules',
      '# Commandstats',
      '# Errorstats',
      '# Latencystats',
      '# Cluster',
      '# Keyspace',
    ]);
    const f = infoFields(text);
    expect(f.get('redis_version')).toBe('7.0.15');
    expect(f.get('tandem_version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(f.get('tcp_port')).toBe(String(srv.port));
    expect(f.get('process_id')).toBe(String(srv.proc.pid));
    expect(f.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(f.get('master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(f.get('role')).toBe('master');
    expect(f.get('connected_slaves')).toBe('0');
    expect(Number(f.get('used_memory'))).toBeGreaterThan(0);
    expect(Number(f.get('connected_clients'))).toBeGreaterThanOrEqual(1);
    expect(f.get('config_file')).toBe('');
    expect(f.get('cluster_enabled')).toBe('0');
    // a bare INFO has no commandstats, and sections can be asked for in any case
    const def = (await c.cmd('INFO')) as string;
    expect(def).not.toContain('# Commandstats');
    expect(((await c.cmd('INFO', 'CPU')) as string).startsWith('# CPU\r\nused_cpu_sys:')).toBe(true);
  });

  it('keyspace, commandstats and errorstats follow what happened, and CONFIG RESETSTAT clears them', async () => {
    await c.cmd('FLUSHALL');
    await c.cmd('CONFIG', 'RESETSTAT');
    await c.cmd('SET', 'a', '1');
    await c.cmd('SET', 'b', '2', 'EX', '100');
    await c.cmd('LPUSH', 'a', 'x'); // WRONGTYPE
    await c.cmd('GET'); // rejected: arity
    const f = infoFields((await c.cmd('INFO', 'keyspace', 'commandstats', 'errorstats')) as string);
    expect(f.get('db0')).toBe('keys=2,expires=1,avg_ttl=0');
    expect(f.get('cmdstat_set')).toMatch(/^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    expect(f.get('cmdstat_lpush')).toMatch(/^calls=1,.*,rejected_calls=0,failed_calls=1$/);
    expect(f.get('cmdstat_get')).toMatch(/^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/);
    expect(f.get('errorstat_ERR')).toBe('count=1');
    expect(f.get('errorstat_WRONGTYPE')).toBe('count=1');
    await c.cmd('CONFIG', 'RESETSTAT');
    const g = infoFields((await c.cmd('INFO', 'commandstats', 'errorstats', 'stats')) as string);
    expect(g.has('cmdstat_set')).toBe(false);
    expect(g.has('errorstat_ERR')).toBe(false);
    expect(g.get('total_error_replies')).toBe('0');
  });

  it('MONITOR streams commands in Redis format, including the monitor’s own', async () => {
    const m = await srv.client();
    expect(await m.cmd('MONITOR')).toBe('OK');
    await c.cmd('SELECT', '2');
    await c.cmd('SET', 'k', 'x"y\n\x00\xff');
    await c.cmd('CONFIG', 'GET', 'hz'); // admin commands are not shown
    await c.cmd('SELECT', '0');
    const lines = [await m.next(), await m.next(), await m.next()].map((r) => (r as { v: string }).v);
    expect(lines[0]).toMatch(/^\d+\.\d{6} \[2 127\.0\.0\.1:\d+\] "SELECT" "2"$/);
    expect(lines[1]).toMatch(/^\d+\.\d{6} \[2 127\.0\.0\.1:\d+\] "SET" "k" "x\\"y\\n\\x00\\xff"$/);
    expect(lines[2]).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SELECT" "0"$/);
    m.send('PING');
    expect(await m.cmd()).toBe('PONG');
    m.close();
  });

  it('SLOWLOG records id, time, duration, arguments, peer and name', async () => {
    await c.cmd('SLOWLOG', 'RESET');
    await c.cmd('CLIENT', 'SETNAME', 'slowpoke');
    await c.cmd('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.cmd('SET', 'slow', 'v');
    await c.cmd('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const entries = (await c.cmd('SLOWLOG', 'GET', '-1')) as unknown[][];
    const set = entries.find((e) => (e[3] as string[])[0] === 'SET')!;
    expect(set).toBeDefined();
    expect(set[3]).toEqual(['SET', 'slow', 'v']);
    expect(Math.abs((set[1] as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(set[4]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(set[5]).toBe('slowpoke');
    // CONFIG SET of a secret is redacted in the log
    await c.cmd('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.cmd('CONFIG', 'SET', 'masterauth', 'hunter2');
    await c.cmd('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const again = (await c.cmd('SLOWLOG', 'GET', '2')) as unknown[][];
    expect(again.some((e) => JSON.stringify(e[3]) === '["CONFIG","SET","masterauth","(redacted)"]')).toBe(true);
    expect(await c.cmd('SLOWLOG', 'LEN')).toBeGreaterThan(1);
  });

  it('FLUSHDB and SWAPDB invalidate WATCH; SWAPDB wakes clients blocked on the new contents', async () => {
    const w = await srv.client();
    await c.cmd('FLUSHALL');
    await c.cmd('SET', 'wk', '1');
    await w.cmd('WATCH', 'wk');
    await c.cmd('FLUSHDB');
    await w.cmd('MULTI');
    await w.cmd('SET', 'wk', '2');
    expect(await w.cmd('EXEC')).toBe(null);

    await c.cmd('SELECT', '1');
    await c.cmd('SET', 'wk', 'db1');
    await c.cmd('SELECT', '0');
    await w.cmd('WATCH', 'wk');
    await c.cmd('SWAPDB', '0', '1');
    await w.cmd('MULTI');
    await w.cmd('GET', 'wk');
    expect(await w.cmd('EXEC')).toBe(null);
    expect(await w.cmd('GET', 'wk')).toBe('db1');

    // a client blocked on db 0 is served by the list SWAPDB brings in
    await c.cmd('FLUSHALL');
    w.send('BLPOP', 'bl', '5');
    await sleep(50);
    await c.cmd('SELECT', '1');
    await c.cmd('RPUSH', 'bl', 'v');
    await c.cmd('SELECT', '0');
    await c.cmd('SWAPDB', '0', '1');
    expect(await w.next()).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'bl' },
        { t: 'bulk', v: 'v' },
      ],
    });
    w.close();
  });

  it('DEBUG SLEEP stops the whole server; SET-ACTIVE-EXPIRE pauses background expiry', async () => {
    const other = await srv.client();
    const t0 = Date.now();
    c.send('DEBUG', 'SLEEP', '0.3');
    await sleep(20);
    expect(await other.cmd('PING')).toBe('PONG');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(await c.next()).toEqual({ t: 'status', v: 'OK' });
    other.close();

    await c.cmd('FLUSHALL');
    await c.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await c.cmd('SET', 'e', 'v', 'PX', '30');
    await sleep(300);
    expect(await c.cmd('DBSIZE')).toBe(1); // expired but not collected
    await c.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await sleep(400);
    expect(await c.cmd('DBSIZE')).toBe(0);
  });

  it('LASTSAVE is the start time until persistence reports saves; ROLE is the master form', async () => {
    const t = (await c.cmd('LASTSAVE')) as number;
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(await c.cmd('ROLE')).toEqual(['master', 0, []]);
  });

  it('COMMAND COUNT, LIST and DOCS describe the table', async () => {
    const count = (await c.cmd('COMMAND', 'COUNT')) as number;
    expect(count).toBeGreaterThan(50);
    const all = (await c.cmd('COMMAND')) as unknown[];
    expect(all.length).toBe(count);
    const list = (await c.cmd('COMMAND', 'LIST')) as string[];
    expect(list).toContain('config|get');
    expect(list).toContain('get');
    const docs = (await c.cmd('COMMAND', 'DOCS', 'config')) as [string, unknown[]];
    expect(docs[0]).toBe('config');
    const flat = docs[1];
    const fields = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
    expect(fields.get('group')).toBe('server');
    expect(fields.has('subcommands')).toBe(true);
  });
});

describe('SHUTDOWN', () => {
  it('stops the process with status 0 and logs it', async () => {
    const srv = await startTandem();
    const c = await srv.client();
    c.send('SHUTDOWN', 'NOSAVE');
    await c.waitClose();
    const code = await new Promise<number | null>((res) => srv.proc.on('exit', (x) => res(x)));
    expect(code).toBe(0);
    expect(srv.output()).toMatch(/User requested shutdown\.\.\./);
    expect(srv.output()).toMatch(/ready to exit, bye bye/);
  });
});

describe('rename-command', () => {
  it('renames and removes commands from the config file', async () => {
    const srv = await startTandem({ configText: 'rename-command FLUSHALL wipe-all\nrename-command DEBUG ""\n' });
    const c = await srv.client();
    expect(await c.cmd('FLUSHALL')).toEqual({ error: "ERR unknown command 'FLUSHALL', with args beginning with: " });
    expect(await c.cmd('wipe-all')).toBe('OK');
    expect(await c.cmd('DEBUG', 'HELP')).toEqual({
      error: "ERR unknown command 'DEBUG', with args beginning with: 'HELP' ",
    });
    c.close();
    await srv.stop();
  });
});

describe('propagation of server commands (in-process)', () => {
  function setup() {
    const srv = new Server(new Config());
    const stream: string[] = [];
    srv.propagator.addSink((b) => stream.push(b.toString('latin1')));
    const c = srv.createPseudoClient('test');
    const run = (...argv: string[]) => {
      processCommand(srv, c, argv);
      const buf = c.out.take();
      return buf ? parseReply(buf, 0)?.[0] : undefined;
    };
    return { srv, stream, run };
  }

  it('FLUSHDB/FLUSHALL are replicated even when nothing was removed; SWAPDB too; DEBUG POPULATE is not', () => {
    const { srv, stream, run } = setup();
    expect(run('FLUSHDB')).toEqual({ t: 'status', v: 'OK' });
    expect(stream.join('')).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$7\r\nFLUSHDB\r\n');
    stream.length = 0;
    run('SET', 'a', '1');
    const dirty = srv.dirty;
    run('FLUSHALL', 'ASYNC');
    expect(srv.dirty).toBe(dirty + 1);
    expect(stream.join('')).toContain('*2\r\n$8\r\nFLUSHALL\r\n$5\r\nASYNC\r\n');
    stream.length = 0;
    run('SWAPDB', '0', '1');
    expect(stream.join('')).toBe('*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n1\r\n');
    stream.length = 0;
    srv.config.set('enable-debug-command', ['yes'], true);
    expect(run('DEBUG', 'POPULATE', '10')).toEqual({ t: 'status', v: 'OK' });
    expect(srv.dbs[0].size).toBe(10);
    expect(stream).toEqual([]);
  });

  it('runs FLUSHALL hooks and takes LASTSAVE from its provider', () => {
    const { srv, run } = setup();
    let hooked = 0;
    serverExtras(srv).flushAllHooks.push(() => hooked++);
    serverExtras(srv).lastSave = () => 1234;
    run('FLUSHALL');
    expect(hooked).toBe(1);
    expect(run('LASTSAVE')).toEqual({ t: 'int', v: 1234n });
  });

  it('INFO sections can be replaced by providers', () => {
    const { srv, run } = setup();
    serverExtras(srv).infoProviders.set('replication', () => ['role:slave', 'master_host:10.0.0.1']);
    const r = run('INFO', 'replication') as { v: string };
    expect(r.v).toBe('# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\n');
  });
});
