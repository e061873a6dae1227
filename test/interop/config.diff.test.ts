/**
 * CONFIG against real Redis 7.0: GET patterns, SET validation and canonical forms, atomic multi-SET, RESP3 maps,
 * the whole CONFIG GET * table, and the FATAL CONFIG FILE ERROR blocks of bad start-up options.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffCase, differential } from '../helpers/differential';
import type { Reply } from '../helpers/resp-client';
import { makeTempDir, requireRedis, type ServerHandle, startRedis, startTandem, TANDEM_BIN } from '../helpers/servers';

const get = (...names: string[]): DiffCase => ({ cmd: ['CONFIG', 'GET', ...names], mode: 'pairs' });
const set = (...args: string[]): DiffCase => ['CONFIG', 'SET', ...args];

differential('config', {
  get: [
    get('maxmemory'),
    get('MAXMEMORY'),
    get('TIMEOUT', 'timeout'),
    get('TIMEOUT', 't*t'),
    get('t*t', 'TIMEOUT'),
    get('hash-max-*'),
    get('*max-*-entries*'),
    get('slave*'),
    get('nosuch'),
    get('nosuch*'),
    get('key-load-delay'),
    get('key-load*'),
    get('save', 'appendonly', 'appendfsync', 'hz'),
    get('[mz]*-max-*'),
    get('notify-keyspace-events', 'client-output-buffer-limit', 'oom-score-adj-values'),
    get('latency-tracking-info-percentiles', 'unixsocketperm', 'maxmemory-clients', 'shutdown-on-sigint'),
    ['CONFIG', 'GET'],
    ['CONFIG'],
    ['CONFIG', 'NOSUCH'],
    ['CONFIG', 'HELP'],
    ['CONFIG', 'HELP', 'x'],
  ],
  setErrors: [
    set('nosuch', '1'),
    set('maxmemory'),
    set('maxmemory', '1', 'hz'),
    set('daemonize', 'yes'),
    set('databases', '2'),
    set('port', 'abc'),
    set('port', '99999'),
    set('port', '-1'),
    set('timeout', '01'),
    set('timeout', '+5'),
    set('timeout', ' 5'),
    set('maxclients', '0'),
    set('maxclients', '-1'),
    set('slowlog-log-slower-than', '-2'),
    set('slowlog-max-len', '9223372036854775808'),
    set('maxmemory', '-1'),
    set('maxmemory', '1.5gb'),
    set('maxmemory', '10%'),
    set('maxmemory', '1x'),
    set('proto-max-bulk-len', '1000'),
    set('maxmemory-clients', '200%'),
    set('maxmemory-clients', '-5'),
    set('appendonly', 'maybe'),
    set('slave-read-only', 'x'),
    set('loglevel', 'loud'),
    set('maxmemory-policy', 'lru'),
    set('dbfilename', 'a/b.rdb'),
    set('dir', '/tmp'),
    set('save', '100'),
    set('save', '0 1'),
    set('save', '100 -1'),
    set('save', 'a b'),
    set('client-output-buffer-limit', 'normal 1 2'),
    set('client-output-buffer-limit', 'master 1 2 3'),
    set('client-output-buffer-limit', 'normal x 2 3'),
    set('client-output-buffer-limit', 'normal 1 2 -3'),
    set('notify-keyspace-events', 'Q'),
    set('oom-score-adj-values', '1 2'),
    set('oom-score-adj-values', '1 2 3000'),
    set('latency-tracking-info-percentiles', '101'),
    set('latency-tracking-info-percentiles', 'abc'),
    set('shutdown-on-sigint', 'save nosave'),
    set('shutdown-on-sigint', 'later'),
    set('shutdown-on-sigint', ''),
    set('bind', 'a b c d e f g h i j k l m n o p q'),
    set('replicaof', 'no one'),
    set('cluster-announce-hostname', 'bad_host'),
    set('proc-title-template', '{nosuch}'),
    set('appendfilename', 'x'),
  ],
  setPrecedence: [
    set('port', '1', 'nosuch', '2'),
    set('nosuch', '2', 'daemonize', 'yes'),
    set('daemonize', 'yes', 'nosuch', '2'),
    set('hz', '11', 'HZ', '12'),
    set('slave-read-only', 'yes', 'replica-read-only', 'yes'),
    set('slave-read-only', 'no', 'replica-read-only', 'yes'),
    get('slave-read-only'),
    set('hz', 'x', 'daemonize', 'yes'),
    set('timeout', '7', 'maxmemory', 'x'),
    get('timeout', 'hz'),
    set('timeout', '7', 'maxmemory', '1gb', 'SLAVE-READ-ONLY', 'maybe'),
    get('timeout', 'maxmemory', 'slave-read-only'),
  ],
  setCanonical: [
    set('maxmemory', '1gb'),
    get('maxmemory'),
    set('maxmemory', '2K'),
    get('maxmemory'),
    set('maxmemory', ''),
    get('maxmemory'),
    set('maxmemory', 'kb'),
    get('maxmemory'),
    set('maxmemory', '0'),
    set('maxmemory-clients', '10%'),
    get('maxmemory-clients'),
    set('maxmemory-clients', '0'),
    set('hz', '1000'),
    get('hz'),
    set('hz', '0'),
    get('hz'),
    set('hz', '10'),
    set('slave-read-only', 'NO'),
    get('replica-read-only', 'slave-read-only'),
    set('replica-read-only', 'yes'),
    set('loglevel', 'VERBOSE'),
    get('loglevel'),
    set('loglevel', 'notice'),
    set('oom-score-adj', 'relative'),
    get('oom-score-adj'),
    set('oom-score-adj', 'no'),
    set('notify-keyspace-events', 'KEA'),
    get('notify-keyspace-events'),
    set('notify-keyspace-events', 'Elg$xm'),
    get('notify-keyspace-events'),
    set('notify-keyspace-events', ''),
    set('save', '100 1 200 2'),
    get('save'),
    set('save', ''),
    get('save'),
    set('client-output-buffer-limit', 'replica 1mb 512kb 30 pubsub 1gb 0 0'),
    get('client-output-buffer-limit'),
    set('client-output-buffer-limit', 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60'),
    get('client-output-buffer-limit'),
    set('oom-score-adj-values', '-10 20 30'),
    get('oom-score-adj-values'),
    set('oom-score-adj-values', '0 200 800'),
    set('latency-tracking-info-percentiles', '50.0 99.90 100'),
    get('latency-tracking-info-percentiles'),
    set('latency-tracking-info-percentiles', ''),
    get('latency-tracking-info-percentiles'),
    set('latency-tracking-info-percentiles', '50 99 99.9'),
    set('shutdown-on-sigterm', 'force save'),
    get('shutdown-on-sigterm'),
    set('shutdown-on-sigterm', 'default'),
    set('list-max-ziplist-size', '-3'),
    get('list-max-listpack-size', 'list-max-ziplist-size'),
    set('list-max-listpack-size', '-2'),
    set('timeout', '0', 'maxmemory', '0', 'hz', '10'),
    get('timeout', 'maxmemory', 'hz'),
    set('masterauth', ''),
    get('masterauth'),
  ],
});

differential(
  'config (RESP3)',
  {
    maps: [
      ['CONFIG', 'GET', 'maxmemory'],
      { cmd: ['CONFIG', 'GET', 'hash-max-*'], mode: 'unordered' },
      ['CONFIG', 'GET', 'nosuch'],
      ['CONFIG', 'SET', 'nosuch', '1'],
      ['CONFIG', 'HELP'],
    ],
  },
  { resp3: true },
);

function pairsOf(r: Reply): Map<string, string> {
  const out = new Map<string, string>();
  if (r.t !== 'array' || !r.v) throw new Error('not an array');
  for (let i = 0; i + 1 < r.v.length; i += 2) {
    const k = r.v[i];
    const v = r.v[i + 1];
    if (k.t === 'bulk' && v.t === 'bulk') out.set(k.v ?? '', v.v ?? '');
  }
  return out;
}

const enabled = requireRedis('config interop');

describe.skipIf(!enabled)('CONFIG GET * against Redis', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([tandem?.stop(), redis?.stop()]);
  });

  it('reports the same names and values (except the port and the directory)', async () => {
    const [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
    const [t, r] = await Promise.all([ct.call('CONFIG', 'GET', '*'), cr.call('CONFIG', 'GET', '*')]);
    ct.close();
    cr.close();
    const a = pairsOf(t);
    const b = pairsOf(r);
    expect(a.size).toBe(192);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, v] of b) {
      if (k === 'port' || k === 'dir') continue;
      expect(a.get(k), k).toBe(v);
    }
    expect(a.get('port')).toBe(String(tandem.port));
    expect(a.get('dir')).toBe(fs.realpathSync(tandem.dir));
  });
});

/** Runs a server binary with bad options and returns what it printed on stderr (it must exit 1). */
function startFails(bin: string, args: string[], cwd: string): { code: number | null; err: string } {
  const r = spawnSync(bin, args, { cwd, encoding: 'latin1', timeout: 10_000 });
  return { code: r.status, err: r.stderr };
}

describe.skipIf(!enabled)('FATAL CONFIG FILE ERROR blocks match redis-server', () => {
  const dir = makeTempDir('tandem-fatal-');
  fs.writeFileSync(path.join(dir, 'ok.conf'), '# a comment\n\nport 7\n');
  fs.writeFileSync(path.join(dir, 'bad.conf'), 'port 6380\n\n  hz "10  \n');
  fs.writeFileSync(path.join(dir, 'sentinel.conf'), 'sentinel monitor m 127.0.0.1 6379 2\n');
  fs.writeFileSync(path.join(dir, 'user.conf'), 'user bob on badrule\n');
  const cases: string[][] = [
    ['--port', 'x'],
    ['--nosuch', '1'],
    ['--save', '1'],
    ['--port', '1', '2'],
    ['--maxmemory', '1x'],
    ['--client-output-buffer-limit', 'foo', '1', '2', '3'],
    ['--replicaof', 'a'],
    ['--replicaof', 'a', 'b'],
    ['--rename-command', 'nosuch', 'x'],
    ['--user'],
    ['--notify-keyspace-events', 'Q'],
    ['--dir', '/nonexistent-dir'],
    ['--logfile', '/nonexistent-dir/x.log'],
    ['--unixsocketperm', '999'],
    ['--oom-score-adj-values', '1', '2'],
    ['--latency-tracking-info-percentiles', '200'],
    ['--shutdown-on-sigint', 'save', 'nosave'],
    ['--loglevel', 'loud'],
    ['--databases', '0'],
    ['--masterauth', 'a b', '--port', 'q'],
    [path.join(dir, 'ok.conf'), '--hz', 'x'],
    [path.join(dir, 'bad.conf')],
    [path.join(dir, 'sentinel.conf')],
    [path.join(dir, 'user.conf')],
  ];
  for (const args of cases) {
    it(args.map((a) => path.basename(a)).join(' '), () => {
      const r = startFails('redis-server', args, dir);
      const t = startFails(TANDEM_BIN, args, dir);
      expect(r.code).toBe(1);
      expect(t.code).toBe(1);
      expect(t.err).toBe(r.err);
    });
  }
});
