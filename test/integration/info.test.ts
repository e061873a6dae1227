/**
 * INFO as tools read it, through real sockets: redis-cli --stat, ioredis' ready check (it parses INFO and waits
 * while `loading:1`), the counters CONFIG RESETSTAT clears, per-command latency percentiles and histograms, the
 * replication memory fields, async loading on a swapdb replica, and shutdown_in_milliseconds while a shutdown
 * waits for a replica.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client';
import { redisAvailable, type ServerHandle, startTandem } from '../helpers/servers';

const servers: ServerHandle[] = [];
const clients: RespClient[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});

async function tandem(args: string[] = [], opts: { dir?: string; noWait?: boolean } = {}) {
  const h = await startTandem({ args: ['--enable-debug-command', 'yes', ...args], ...opts });
  servers.push(h);
  return h;
}

async function client(h: ServerHandle): Promise<RespClient> {
  const c = await h.client();
  clients.push(c);
  return c;
}

function fields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function info(c: RespClient, ...sections: string[]): Promise<Map<string, string>> {
  return fields((await c.cmd('INFO', ...sections)) as string);
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('INFO read by tools', () => {
  it.skipIf(!redisAvailable())('redis-cli --stat prints rows from Tandem INFO, no errors', async () => {
    const h = await tandem();
    const c = await client(h);
    await c.cmd('DEBUG', 'POPULATE', '1234');
    const out = await new Promise<string>((resolve) => {
      let text = '';
      // line-buffered, or the rows would die in stdio's buffer when the tool is interrupted
      const argv = ['-oL', 'redis-cli', '-p', String(h.port), '--stat', '-i', '0.3'];
      const p = spawn('stdbuf', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      setTimeout(() => p.kill('SIGINT'), 2000);
      p.on('exit', () => resolve(text));
    });
    expect(out).not.toMatch(/error|ERR|Could not/i);
    const rows = out.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // keys (from the keyspace lines), memory (human form), clients, blocked, requests
    expect(rows[0]).toMatch(/^1234\s+\d+(\.\d+)?[BKMG]\s+2\s+0\s+\d+/);
    expect(out).toMatch(/keys\s+mem\s+clients\s+blocked\s+requests\s+connections/);
  });

  it("ioredis' ready check parses INFO: it waits out loading:1 and then serves the loaded data", async () => {
    const h = await tandem();
    const c = await client(h);
    await c.cmd('DEBUG', 'POPULATE', '1500');
    expect(await c.cmd('SAVE')).toBe('OK');
    c.close();
    await servers.pop()!.stop();
    // 1500 keys at 1 ms each: ~1.5 s of loading during which INFO says loading:1 with an ETA
    const h2 = await tandem(['--key-load-delay', '1000'], { dir: h.dir, noWait: true });
    let raw: RespClient | null = null;
    await until('listening', async () => {
      raw = await h2.client().catch(() => null);
      return raw !== null;
    });
    clients.push(raw!);
    expect((await info(raw!, 'persistence')).get('loading')).toBe('1');
    const r = new Redis({ port: h2.port, host: '127.0.0.1', maxRetriesPerRequest: null });
    try {
      const t0 = Date.now();
      // queued until ioredis' ready check sees loading:0: no LOADING error reaches the caller
      expect(await r.get('key:1499')).toBe('value:1499');
      expect(Date.now() - t0).toBeGreaterThan(200);
      expect(r.status).toBe('ready');
      expect(await r.dbsize()).toBe(1500);
      const parsed = (r as unknown as { serverInfo?: Record<string, string> }).serverInfo;
      if (parsed) expect(parsed.loading).toBe('0');
    } finally {
      r.disconnect();
    }
  });
});

describe('statistics', () => {
  it('CONFIG RESETSTAT zeroes stats, commandstats, errorstats and latency histograms', async () => {
    const h = await tandem();
    const c = await client(h);
    await c.call('SET', 'a', '1');
    await c.call('GET', 'a');
    await c.call('INCR', 'nope', 'x'); // arity error: rejected
    await c.call('LPUSH', 'a', 'x'); // WRONGTYPE: failed
    await c.call('NOSUCH');
    let f = await info(c, 'everything');
    expect(f.get('cmdstat_set')).toMatch(/^calls=1,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=0,failed_calls=0$/);
    expect(f.get('cmdstat_incr')).toMatch(/^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/);
    expect(f.get('cmdstat_lpush')).toMatch(/,rejected_calls=0,failed_calls=1$/);
    expect(f.get('errorstat_ERR')).toBe('count=2');
    expect(f.get('errorstat_WRONGTYPE')).toBe('count=1');
    expect(f.get('total_error_replies')).toBe('3');
    expect(f.get('latency_percentiles_usec_set')).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    expect(f.has('latency_percentiles_usec_incr')).toBe(false); // rejected: never ran
    expect(await c.cmd('CONFIG', 'RESETSTAT')).toBe('OK');
    f = await info(c, 'everything');
    for (const k of ['cmdstat_set', 'cmdstat_get', 'cmdstat_incr', 'errorstat_ERR', 'latency_percentiles_usec_set']) {
      expect(f.has(k), k).toBe(false);
    }
    expect(f.get('cmdstat_config|resetstat')).toMatch(/^calls=1,/);
    expect(f.get('total_error_replies')).toBe('0');
    expect(f.get('total_commands_processed')).toBe('1');
    expect(f.get('keyspace_hits')).toBe('0');
  });

  it('latency percentiles and LATENCY HISTOGRAM follow the calls and the tracking settings', async () => {
    const h = await tandem();
    const c = await client(h);
    for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
    await c.call('CONFIG', 'GET', 'hz');
    const hist = (await c.call('LATENCY', 'HISTOGRAM', 'set', 'config', 'nosuch')) as {
      t: string;
      v: unknown[];
    };
    expect(hist.t).toBe('array'); // RESP2 map
    const flat = (await c.cmd('LATENCY', 'HISTOGRAM', 'set', 'config', 'nosuch')) as unknown[];
    expect(flat[0]).toBe('set');
    const setMap = flat[1] as unknown[];
    expect(setMap.slice(0, 3)).toEqual(['calls', 50, 'histogram_usec']);
    const steps = setMap[3] as number[];
    expect(steps.length % 2).toBe(0);
    for (let i = 2; i < steps.length; i += 2) {
      expect(steps[i]).toBeGreaterThan(steps[i - 2]);
      expect(steps[i + 1]).toBeGreaterThan(steps[i - 1]);
    }
    expect(steps.at(-1)).toBe(50);
    // a container brings its subcommands
    expect(flat[2]).toBe('config|get');
    expect(flat.length).toBe(4);
    // RESP3: maps
    await c.call('HELLO', '3');
    const r3 = await c.call('LATENCY', 'HISTOGRAM', 'set');
    expect(r3.t).toBe('map');
    await c.call('HELLO', '2');

    await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '25 75');
    expect((await info(c, 'latencystats')).get('latency_percentiles_usec_set')).toMatch(/^p25=[\d.]+,p75=[\d.]+$/);
    await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '');
    expect((await info(c, 'latencystats')).get('latency_percentiles_usec_set')).toBe('');
    await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
    await c.call('GET', 'k1');
    expect(((await c.cmd('INFO', 'latencystats')) as string).trim()).toBe('# Latencystats');
    await c.call('CONFIG', 'SET', 'latency-tracking', 'yes');
    // GET ran while tracking was off: no histogram for it
    expect((await c.cmd('LATENCY', 'HISTOGRAM', 'get')) as unknown[]).toEqual([]);
  });
});

describe('INFO fields that follow replication and shutdown', () => {
  it('mem_replication_backlog and mem_total_replication_buffers report the backlog once a replica attached', async () => {
    const m = await tandem(['--repl-backlog-size', '200kb', '--repl-diskless-sync-delay', '0']);
    const cm = await client(m);
    let f = await info(cm, 'memory');
    expect(f.get('mem_replication_backlog')).toBe('0');
    expect(f.get('mem_total_replication_buffers')).toBe('0');
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port)]);
    const cr = await client(r);
    await until('link up', async () => (await info(cr, 'replication')).get('master_link_status') === 'up');
    f = await info(cm, 'memory');
    expect(f.get('mem_replication_backlog')).toBe(String(200 * 1024));
    expect(Number(f.get('mem_total_replication_buffers'))).toBeGreaterThanOrEqual(200 * 1024);
    expect(Number(f.get('used_memory_overhead'))).toBeGreaterThan(200 * 1024);
    const stats = (await cm.cmd('MEMORY', 'STATS')) as unknown[];
    expect(stats[stats.indexOf('replication.backlog') + 1]).toBe(200 * 1024);
  });

  it('async loading on a swapdb replica: loading:0, async_loading:1, loading_* fields, old data still served', async () => {
    const m = await tandem(['--repl-diskless-sync-delay', '0', '--repl-backlog-size', '16kb']);
    const cm = await client(m);
    await cm.cmd('DEBUG', 'POPULATE', '2000');
    const r = await tandem(['--replicaof', '127.0.0.1', String(m.port), '--repl-diskless-load', 'swapdb']);
    const cr = await client(r);
    await until('first sync', async () => (await info(cr, 'replication')).get('master_link_status') === 'up');
    expect(await cr.cmd('DBSIZE')).toBe(2000);
    // Same history, but the backlog cannot cover what the replica missed: a full sync it loads asynchronously.
    // A wrong masterauth keeps the replica out (the master refuses the AUTH) while the master writes past it.
    await cr.cmd('CONFIG', 'SET', 'masterauth', 'wrong');
    await cm.cmd('CLIENT', 'KILL', 'TYPE', 'replica');
    await until('link down', async () => (await info(cr, 'replication')).get('master_link_status') === 'down');
    await cm.cmd('SET', 'filler', 'x'.repeat(40_000));
    await cr.cmd('CONFIG', 'SET', 'key-load-delay', '1000');
    await cr.cmd('CONFIG', 'SET', 'masterauth', '');
    await until('async loading', async () => (await info(cr, 'persistence')).get('async_loading') === '1');
    const f = await info(cr, 'persistence');
    expect(f.get('loading')).toBe('0');
    for (const k of ['loading_start_time', 'loading_total_bytes', 'loading_loaded_bytes', 'loading_eta_seconds']) {
      expect(f.has(k), k).toBe(true);
    }
    expect(await cr.cmd('GET', 'key:7')).toBe('value:7'); // old dataset served meanwhile, no -LOADING
    expect(await cr.cmd('GET', 'filler')).toBe(null);
    await until('sync done', async () => (await info(cr, 'persistence')).get('async_loading') === '0', 20_000);
    expect((await cr.cmd('GET', 'filler')) as string).toHaveLength(40_000);
    expect(await cr.cmd('DBSIZE')).toBe(2001);
    expect((await info(cr, 'persistence')).has('loading_start_time')).toBe(false);
  });

  it('shutdown_in_milliseconds appears while SHUTDOWN waits for a lagging replica', async () => {
    const m = await tandem(['--shutdown-timeout', '10', '--repl-diskless-sync', 'no']);
    const cm = await client(m);
    await cm.cmd('SET', 'a', '1');
    // a replica that syncs but never acknowledges
    const s = net.connect(m.port, '127.0.0.1');
    sockets.push(s);
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    s.write('*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6999\r\n');
    await until('+OK', () => got.startsWith('+OK'));
    s.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    await until('replica online', async () => /state=online/.test((await info(cm, 'replication')).get('slave0') ?? ''));
    await cm.cmd('SET', 'b', '2');
    expect((await info(cm, 'server')).has('shutdown_in_milliseconds')).toBe(false);
    const waiter = await client(m);
    waiter.send('SHUTDOWN');
    await until('waiting', async () => (await info(cm, 'server')).has('shutdown_in_milliseconds'));
    const left = Number((await info(cm, 'server')).get('shutdown_in_milliseconds'));
    expect(left).toBeGreaterThan(5000);
    expect(left).toBeLessThanOrEqual(10_000);
    expect(await cm.cmd('SHUTDOWN', 'ABORT')).toBe('OK');
    expect((await waiter.next()).t).toBe('error');
    expect((await info(cm, 'server')).has('shutdown_in_milliseconds')).toBe(false);
  });
});
