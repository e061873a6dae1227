/**
 * INFO against real Redis 7.0: section titles, field names, their order and the shape of each value (integer, fixed
 * decimals, percent, k=v lists with the same keys, text) must match, in RESP2 and RESP3, for a plain server, for
 * section arguments, as a master with a replica attached, as a replica, while a full sync is transferring, and while
 * a dump loads. Values themselves differ (memory, times, ids) except for the state fields compared exactly.
 *
 * Differences allowed on purpose: `tandem_version` (one extra server field naming what really runs). Commandstats
 * and latencystats lines come in hash-table order in Redis, so those two sections compare as sets.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Reply, RespClient } from '../helpers/resp-client';
import { requireRedis, type ServerHandle, startRedis, startTandem } from '../helpers/servers';

const enabled = requireRedis('INFO differential');
const DEBUG = ['--enable-debug-command', 'yes'];
/** sections whose lines come in Redis' hash order */
const UNORDERED = new Set(['Commandstats', 'Latencystats']);
/** fields whose value must be the same on both (they describe state, not measurements) */
const STATE_FIELDS = [
  'redis_version',
  'redis_mode',
  'arch_bits',
  'process_supervised',
  'hz',
  'configured_hz',
  'io_threads_active',
  'cluster_connections',
  'maxclients',
  'blocked_clients',
  'tracking_clients',
  'maxmemory',
  'maxmemory_human',
  'maxmemory_policy',
  'loading',
  'async_loading',
  'rdb_bgsave_in_progress',
  'rdb_last_bgsave_status',
  'aof_enabled',
  'aof_rewrite_in_progress',
  'role',
  'master_host',
  'master_link_status',
  'master_sync_in_progress',
  'slave_priority',
  'slave_read_only',
  'replica_announced',
  'connected_slaves',
  'min_slaves_good_slaves',
  'master_failover_state',
  'repl_backlog_active',
  'repl_backlog_size',
  'cluster_enabled',
];

interface Layout {
  titles: string[];
  /** section title -> [name, shape] in order */
  sections: Map<string, [string, string][]>;
  values: Map<string, string>;
}

/** The kind of a value: what a parser relies on, without the figure itself. */
function shape(v: string): string {
  if (v === '') return 'empty';
  if (/^-?\d+$/.test(v)) return 'int';
  const dec = /^-?\d+\.(\d+)(%?)$/.exec(v);
  if (dec) return `dec${dec[1].length}${dec[2]}`;
  if (/^[^=,]+=[^=]*(,[^=,]+=[^=]*)*$/.test(v)) {
    return `kv(${v
      .split(',')
      .map((kv) => kv.slice(0, kv.indexOf('=')))
      .join(',')})`;
  }
  return 'text';
}

/** Field names are the same for every command/db/replica line of a kind: keep the kind as the name. */
function fieldKind(name: string, section: string): string {
  if (section === 'Keyspace') return name.replace(/^db\d+$/, 'db<n>');
  if (section === 'Replication') return name.replace(/^slave\d+$/, 'slave<n>');
  return name;
}

function layoutOf(text: string): Layout {
  const titles: string[] = [];
  const sections = new Map<string, [string, string][]>();
  const values = new Map<string, string>();
  let cur: [string, string][] = [];
  if (text !== '') expect(text.endsWith('\r\n'), 'INFO ends with CRLF').toBe(true);
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if (line.startsWith('# ')) {
      titles.push(line.slice(2));
      sections.set(line.slice(2), (cur = []));
      continue;
    }
    const colon = line.indexOf(':');
    expect(colon, `line without a colon: ${line}`).toBeGreaterThan(0);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1);
    values.set(name, value);
    const section = titles.at(-1) ?? '';
    if (name === 'tandem_version') continue;
    cur.push([fieldKind(name, section), shape(value)]);
  }
  return { titles, sections, values };
}

function text(r: Reply): string {
  if (r.t === 'bulk' && r.v !== null) return r.v;
  if (r.t === 'verbatim') return r.v.startsWith('txt:') ? r.v.slice(4) : r.v;
  throw new Error(`INFO replied ${JSON.stringify(r)}`);
}

async function info(c: RespClient, ...args: string[]): Promise<Layout> {
  return layoutOf(text(await c.call('INFO', ...args)));
}

/** Asserts Tandem's layout equals Redis' (and the state fields are equal). */
function expectSameLayout(
  t: Layout,
  r: Layout,
  what: string,
  skip: { sections?: readonly string[]; fields?: readonly string[] } = {},
): void {
  expect(t.titles, `${what}: sections`).toEqual(r.titles);
  for (const title of r.titles) {
    if (skip.sections?.includes(title)) continue;
    const a = t.sections.get(title)!;
    const b = r.sections.get(title)!;
    if (UNORDERED.has(title)) {
      const key = (x: [string, string]) => x.join(' ');
      expect(a.map(key).sort(), `${what}: ${title}`).toEqual(b.map(key).sort());
    } else {
      expect(a, `${what}: ${title}`).toEqual(b);
    }
  }
  for (const f of STATE_FIELDS) {
    if (!skip.fields?.includes(f)) expect(t.values.get(f), `${what}: ${f}`).toBe(r.values.get(f));
  }
}

async function until(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const servers: ServerHandle[] = [];
const clients: RespClient[] = [];

async function pair(args: string[] = []): Promise<[RespClient, RespClient, ServerHandle, ServerHandle]> {
  const [t, r] = await Promise.all([startTandem({ args }), startRedis({ args })]);
  servers.push(t, r);
  const [ct, cr] = await Promise.all([t.client(), r.client()]);
  clients.push(ct, cr);
  return [ct, cr, t, r];
}

/** The same commands on both: data in two dbs, errors of several codes, a blocking timeout, a subcommand. */
async function workload(c: RespClient): Promise<void> {
  await c.call('SET', 'k', 'v', 'EX', '100');
  await c.call('SET', 'n', '1');
  await c.call('GET', 'k');
  await c.call('GET', 'missing');
  await c.call('LPUSH', 'k', 'x'); // WRONGTYPE
  await c.call('INCR', 'k'); // ERR
  await c.call('NOSUCHCOMMAND'); // rejected, ERR
  await c.call('GET'); // arity: rejected
  await c.call('BLPOP', 'q', '0.01');
  await c.call('CONFIG', 'GET', 'maxmemory');
  await c.call('SELECT', '3');
  await c.call('HSET', 'h', 'f', 'v');
  await c.call('SELECT', '0');
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});

describe.skipIf(!enabled)('INFO layout vs Redis 7.0', () => {
  it('every section of INFO everything, after the same workload, in RESP2 and RESP3', async () => {
    const [ct, cr] = await pair();
    await Promise.all([workload(ct), workload(cr)]);
    expectSameLayout(await info(ct, 'everything'), await info(cr, 'everything'), 'everything');
    // RESP3: a verbatim string of format txt on both
    for (const c of [ct, cr]) expect((await c.call('HELLO', '3')).t).toBe('map');
    const [t3, r3] = await Promise.all([ct.call('INFO'), cr.call('INFO')]);
    expect(t3.t).toBe('verbatim');
    expect(r3.t).toBe('verbatim');
    expect((t3 as { v: string }).v.slice(0, 4)).toBe((r3 as { v: string }).v.slice(0, 4));
    expectSameLayout(layoutOf(text(t3)), layoutOf(text(r3)), 'RESP3 default');
    expectSameLayout(await info(ct, 'all'), await info(cr, 'all'), 'RESP3 all');
  });

  it('section arguments: defaults, all, case, repeats, modules, unknown names', async () => {
    const [ct, cr] = await pair();
    await Promise.all([workload(ct), workload(cr)]);
    const cases: string[][] = [
      [],
      ['default'],
      ['all'],
      ['SERVER'],
      ['clients', 'memory'],
      ['memory', 'clients'],
      ['cpu', 'cpu'],
      ['modules'],
      ['module_list'],
      ['commandstats'],
      ['latencystats'],
      ['errorstats'],
      ['keyspace'],
      ['default', 'commandstats'],
      ['all', 'keyspace'],
      ['nosuchsection'],
      ['persistence', 'nosuchsection', 'replication'],
    ];
    for (const args of cases) {
      expectSameLayout(await info(ct, ...args), await info(cr, ...args), `INFO ${args.join(' ')}`);
    }
    // an unknown section alone is an empty reply on both
    expect(await ct.call('INFO', 'nosuchsection')).toEqual(await cr.call('INFO', 'nosuchsection'));
  });

  it('latencystats follows latency-tracking and its percentiles; CONFIG RESETSTAT clears the counters', async () => {
    const [ct, cr] = await pair();
    for (const c of [ct, cr]) {
      await workload(c);
      await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 50 99.99 100');
    }
    expectSameLayout(await info(ct, 'latencystats'), await info(cr, 'latencystats'), 'percentiles');
    const t = await info(ct, 'latencystats');
    expect(t.values.get('latency_percentiles_usec_set')).toMatch(
      /^p0=\d+\.\d{3},p50=\d+\.\d{3},p99\.99=\d+\.\d{3},p100=\d+\.\d{3}$/,
    );
    for (const c of [ct, cr]) await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
    const [tl, rl] = [await info(ct, 'latencystats'), await info(cr, 'latencystats')];
    expect(tl.sections.get('Latencystats')).toEqual([]);
    expectSameLayout(tl, rl, 'tracking off');
    for (const c of [ct, cr]) {
      await c.call('CONFIG', 'SET', 'latency-tracking', 'yes');
      expect(await c.cmd('CONFIG', 'RESETSTAT')).toBe('OK');
    }
    const [ta, ra] = [
      await info(ct, 'stats', 'commandstats', 'errorstats'),
      await info(cr, 'stats', 'commandstats', 'errorstats'),
    ];
    expectSameLayout(ta, ra, 'after RESETSTAT');
    // only RESETSTAT itself has been counted since
    expect(ta.sections.get('Commandstats')!.map(([n]) => n)).toEqual(['cmdstat_config|resetstat']);
    expect(ta.sections.get('Errorstats')).toEqual([]);
    expect(ta.values.get('total_error_replies')).toBe('0');
    expect(ta.values.get('total_commands_processed')).toBe(ra.values.get('total_commands_processed'));
  });

  it('replication: a master with a replica attached, the replica, and min-replicas', async () => {
    const [ct, cr, t, r] = await pair(['--repl-diskless-sync-delay', '0']);
    const [tr, rr] = await Promise.all([
      startTandem({ args: ['--replicaof', '127.0.0.1', String(t.port)] }),
      startRedis({ args: ['--replicaof', '127.0.0.1', String(r.port)] }),
    ]);
    servers.push(tr, rr);
    const [ctr, crr] = await Promise.all([tr.client(), rr.client()]);
    clients.push(ctr, crr);
    for (const c of [ctr, crr]) {
      await until('link up', async () => (await info(c, 'replication')).values.get('master_link_status') === 'up');
    }
    for (const c of [ct, cr]) {
      await until('replica online', async () =>
        /state=online/.test((await info(c, 'replication')).values.get('slave0') ?? ''),
      );
      await c.call('SET', 'a', '1');
    }
    for (const c of [ctr, crr]) await until('SET replicated', async () => (await c.cmd('GET', 'a')) === '1');
    expectSameLayout(await info(ct, 'everything'), await info(cr, 'everything'), 'master');
    expectSameLayout(await info(ctr, 'everything'), await info(crr, 'everything'), 'replica');
    for (const c of [ct, cr]) await c.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
    const [mt, mr] = [await info(ct, 'replication'), await info(cr, 'replication')];
    expectSameLayout(mt, mr, 'min-replicas');
    expect(mt.values.get('min_slaves_good_slaves')).toBe('1');
  });

  it('replication: a replica while a full sync transfers (master_sync_* fields), and its master meanwhile', async () => {
    // 400 keys of 1000 bytes at 25 ms each: the diskless snapshot streams for ~10 s. Uncompressed, so that Redis'
    // snapshot child fills its 16 KB pipe buffer and the replica sees bytes flowing.
    const slow = ['--repl-diskless-sync-delay', '0', '--rdb-key-save-delay', '25000', '--rdbcompression', 'no'];
    const [ct, cr, t, r] = await pair([...slow, ...DEBUG]);
    for (const c of [ct, cr]) await c.call('DEBUG', 'POPULATE', '400', 'key', '1000');
    const [tr, rr] = await Promise.all([
      startTandem({ args: ['--replicaof', '127.0.0.1', String(t.port)] }),
      startRedis({ args: ['--replicaof', '127.0.0.1', String(r.port)] }),
    ]);
    servers.push(tr, rr);
    const [ctr, crr] = await Promise.all([tr.client(), rr.client()]);
    clients.push(ctr, crr);
    for (const c of [ctr, crr]) {
      await until('transfer', async () => {
        const l = await info(c, 'replication');
        return l.values.get('master_sync_in_progress') === '1' && Number(l.values.get('master_sync_read_bytes')) > 0;
      });
    }
    const [rt, rrr] = [await info(ctr, 'everything'), await info(crr, 'everything')];
    expectSameLayout(rt, rrr, 'replica during sync');
    // EOF-framed transfer: the size is unknown (0) on both
    expect(rt.values.get('master_sync_total_bytes')).toBe('0');
    expect(rrr.values.get('master_sync_total_bytes')).toBe('0');
    const [mt, mr] = [await info(ct, 'everything'), await info(cr, 'everything')];
    expectSameLayout(mt, mr, 'master during sync');
    expect(mt.values.get('slave0')).toMatch(/state=wait_bgsave|state=send_bulk/);
  });

  it('persistence: while a dump loads at start-up (loading_* fields), RESP2 and RESP3', async () => {
    const [ct, cr, t, r] = await pair(DEBUG);
    for (const c of [ct, cr]) {
      await c.call('DEBUG', 'POPULATE', '3000');
      expect(await c.cmd('SAVE')).toBe('OK');
    }
    const dirs = [t.dir, r.dir];
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    // 3000 keys at 2 ms each: about 6 s of loading. Redis answers clients during a load only every
    // loading-process-events-interval-bytes: the smallest value lets it answer INFO on a small dump.
    const args = ['--key-load-delay', '2000', '--loading-process-events-interval-bytes', '1024', ...DEBUG];
    const [t2, r2] = await Promise.all([
      startTandem({ dir: dirs[0], args, noWait: true }),
      startRedis({ dir: dirs[1], args, noWait: true }),
    ]);
    servers.push(t2, r2);
    const connect = async (h: ServerHandle) => {
      let c: RespClient | null = null;
      await until('listening', async () => {
        c = await h.client().catch(() => null);
        return c !== null;
      });
      clients.push(c!);
      return c!;
    };
    const [lt, lr] = await Promise.all([connect(t2), connect(r2)]);
    for (const c of [lt, lr]) {
      await until('loading', async () => {
        const l = await info(c, 'persistence');
        return l.values.get('loading') === '1' && Number(l.values.get('loading_loaded_bytes')) > 0;
      });
    }
    // Redis fills the live keyspace as it reads; Tandem loads into staging maps swapped in at the end (a bad file
    // never leaves half a dataset), so Keyspace lists no db until the load completes. A loading Redis master also
    // holds a backlog for the DELs of keys found expired; Tandem drops those keys without propagating anything.
    const skip = { sections: ['Keyspace'], fields: ['repl_backlog_active'] };
    expectSameLayout(await info(lt, 'everything'), await info(lr, 'everything'), 'loading', skip);
    for (const c of [lt, lr]) expect((await c.call('HELLO', '3')).t).toBe('map');
    expectSameLayout(await info(lt), await info(lr), 'loading, RESP3', skip);
    expect(await lt.call('GET', 'key:1')).toEqual(await lr.call('GET', 'key:1'));
  });
});
