/**
 * Server commands against real Redis 7.0: replies and errors of TIME, DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, LASTSAVE,
 * ROLE, SHUTDOWN (errors only), SLOWLOG, MONITOR, MEMORY, LATENCY, INFO, COMMAND and DEBUG, plus COMMAND INFO of
 * the whole server family compared field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffCase, differential } from '../helpers/differential';
import type { Reply } from '../helpers/resp-client';
import { requireRedis, type ServerHandle, startRedis, startTandem } from '../helpers/servers';

const shape = (...cmd: string[]): DiffCase => ({ cmd, mode: 'shape' });

differential('server', {
  basics: [
    shape('TIME'),
    ['TIME', 'x'],
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['SET', Buffer.from([0, 255, 10]), 'bin'],
    ['DBSIZE'],
    ['DBSIZE', 'x'],
    shape('LASTSAVE'),
    ['LASTSAVE', 'x'],
    ['ROLE'],
    ['ROLE', 'x'],
    shape('LOLWUT'),
  ],
  flush: [
    ['SET', 'a', '1'],
    ['FLUSHDB', 'x'],
    ['FLUSHDB', 'ASYNC', 'x'],
    ['DBSIZE'],
    ['FLUSHDB', 'async'],
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['FLUSHDB', 'SYNC'],
    ['FLUSHDB'],
    ['SELECT', '3'],
    ['SET', 'b', '2'],
    ['SELECT', '0'],
    ['SET', 'a', '1'],
    ['FLUSHALL', 'foo'],
    ['FLUSHALL', 'sync', 'async'],
    ['FLUSHALL', 'ASYNC'],
    ['DBSIZE'],
    ['SELECT', '3'],
    ['DBSIZE'],
    ['SELECT', '0'],
  ],
  swapdb: [
    ['SWAPDB', '0'],
    ['SWAPDB', 'a', 'b'],
    ['SWAPDB', '0', 'b'],
    ['SWAPDB', '0', '99'],
    ['SWAPDB', '-1', '0'],
    ['SWAPDB', '4294967296', '0'],
    ['SWAPDB', '0', '0'],
    ['SET', 'k', 'v0'],
    ['SET', 'e', 'x', 'EX', '100'],
    ['HSET', 'h', 'f', 'v'],
    ['SELECT', '1'],
    ['SET', 'k', 'v1'],
    ['SELECT', '0'],
    ['SWAPDB', '0', '1'],
    ['GET', 'k'],
    ['EXISTS', 'e', 'h'],
    ['SELECT', '1'],
    ['GET', 'k'],
    { cmd: ['TTL', 'e'], mode: 'ttl' },
    ['HGET', 'h', 'f'],
    ['DBSIZE'],
    ['SWAPDB', '1', '0'],
    ['GET', 'k'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['DBSIZE'],
    ['FLUSHALL'],
  ],
  shutdownErrors: [
    ['SHUTDOWN', 'foo'],
    ['SHUTDOWN', 'nosave', 'save'],
    ['SHUTDOWN', 'abort'],
    ['SHUTDOWN', 'abort', 'now'],
    ['SHUTDOWN', 'ABORT', 'force'],
    ['MULTI'],
    ['SHUTDOWN'],
    ['EXEC'],
  ],
  slowlog: [
    ['SLOWLOG'],
    ['SLOWLOG', 'foo'],
    ['SLOWLOG', 'HELP'],
    ['SLOWLOG', 'HELP', 'x'],
    ['SLOWLOG', 'RESET'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET'],
    ['SLOWLOG', 'GET', '-1'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', 'x'],
    ['SLOWLOG', 'GET', '1', '2'],
    ['SLOWLOG', 'LEN', 'x'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SET', 'slow', 'x'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['SLOWLOG', 'LEN'],
    { cmd: ['SLOWLOG', 'GET', '1'], mode: 'shape' },
    ['SLOWLOG', 'RESET'],
    ['SLOWLOG', 'LEN'],
  ],
  memoryLatency: [
    ['MEMORY'],
    ['MEMORY', 'foo'],
    ['MEMORY', 'HELP'],
    ['MEMORY', 'USAGE'],
    ['MEMORY', 'USAGE', 'nokey'],
    ['SET', 'k', 'v'],
    shape('MEMORY', 'USAGE', 'k'),
    shape('MEMORY', 'USAGE', 'k', 'SAMPLES', '0'),
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'bar', '1'],
    shape('MEMORY', 'STATS'),
    shape('MEMORY', 'DOCTOR'),
    ['MEMORY', 'PURGE'],
    ['LATENCY'],
    ['LATENCY', 'foo'],
    ['LATENCY', 'HELP'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'HISTORY'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'RESET'],
    ['LATENCY', 'RESET', 'command', 'fork'],
    ['LATENCY', 'GRAPH', 'command'],
    shape('LATENCY', 'DOCTOR'),
  ],
  info: [
    ['INFO', 'nosuchsection'],
    shape('INFO'),
    shape('INFO', 'SERVER'),
    shape('INFO', 'all'),
    shape('INFO', 'everything'),
    shape('INFO', 'keyspace', 'cpu'),
    ['CONFIG', 'RESETSTAT'],
    ['CONFIG', 'RESETSTAT', 'x'],
    ['INFO', 'errorstats'],
    ['NOSUCHCOMMAND'],
    ['GET'],
    ['INFO', 'errorstats'],
    ['CONFIG', 'RESETSTAT'],
    ['INFO', 'errorstats'],
  ],
  command: [
    ['COMMAND', 'HELP'],
    ['COMMAND', 'HELP', 'x'],
    ['COMMAND', 'NOSUCH'],
    shape('COMMAND', 'COUNT'),
    ['COMMAND', 'COUNT', 'x'],
    ['COMMAND', 'LIST', 'foo'],
    ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'],
    { cmd: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*'], mode: 'unordered' },
    { cmd: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'SLOWLOG|*'], mode: 'unordered' },
    ['COMMAND', 'INFO', 'nosuch', 'get', 'config|get', 'config|nosuch'],
    ['COMMAND', 'DOCS', 'nosuch'],
    ['COMMAND', 'GETKEYS'],
    ['COMMAND', 'GETKEYS', 'set'],
    ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
    ['COMMAND', 'GETKEYS', 'ping', 'x'],
    ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'set', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'SET', Buffer.from([0, 1]), 'b', 'EX', '10'],
    ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'],
    ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
    ['COMMAND', 'GETKEYS', 'zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['COMMAND', 'GETKEYS', 'sintercard', '2', 'a', 'b', 'LIMIT', '1'],
    ['COMMAND', 'GETKEYS', 'memory', 'usage', 'k'],
    ['COMMAND', 'GETKEYS', 'config', 'get', 'x'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'zunionstore', 'd', '2', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'smove', 'a', 'b', 'm'],
  ],
  monitor: [
    { cmd: ['MONITOR'], conn: 1 },
    ['SET', 'mon', 'x'],
    { conn: 1, mode: 'shape' },
    ['CONFIG', 'GET', 'hz'],
    ['GET', 'mon'],
    { conn: 1, mode: 'shape' },
    { cmd: ['MONITOR'], conn: 1, replies: 0 },
    ['DEL', 'mon'],
    { conn: 1, mode: 'shape' },
  ],
  debugRefused: [['DEBUG'], ['DEBUG', 'SLEEP', '0'], ['DEBUG', 'HELP']],
});

differential(
  'server (RESP3)',
  {
    resp3: [
      shape('TIME'),
      ['ROLE'],
      ['MEMORY', 'USAGE', 'nokey'],
      shape('INFO', 'server'),
      ['COMMAND', 'INFO', 'get', 'nosuch'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
      ['COMMAND', 'DOCS', 'nosuch'],
      ['LATENCY', 'LATEST'],
      shape('MEMORY', 'STATS'),
    ],
  },
  { resp3: true },
);

const debugCases: DiffCase[] = [
  ['DEBUG', 'FOO'],
  ['DEBUG', 'JMAP'],
  ['DEBUG', 'SLEEP'],
  ['DEBUG', 'SLEEP', '0'],
  ['DEBUG', 'SLEEP', 'x'],
  ['DEBUG', 'SLEEP', '0.01'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', 'x'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE'],
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'],
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'x'],
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'],
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
  ['DEBUG', 'OBJECT', 'nokey'],
  ['DEBUG', 'ERROR', 'MYERR something\nbad'],
  ['DEBUG', 'LOG', 'hello'],
  ['DEBUG', 'POPULATE', '-1'],
  ['DEBUG', 'POPULATE', 'x'],
  ['DEBUG', 'POPULATE', '3'],
  ['DBSIZE'],
  ['GET', 'key:2'],
  ['DEBUG', 'POPULATE', '2', 'p', '3'],
  ['GET', 'p:1'],
  ['DEBUG', 'POPULATE', '1', 'z', '12'],
  ['GET', 'z:0'],
  ['SET', 'key:0', 'kept'],
  ['DEBUG', 'POPULATE', '2'],
  ['GET', 'key:0'],
  ...[
    'string',
    'integer',
    'double',
    'bignum',
    'null',
    'array',
    'set',
    'map',
    'attrib',
    'push',
    'verbatim',
    'true',
    'false',
    'x',
  ].map((t): DiffCase => ['DEBUG', 'PROTOCOL', t]),
];

differential('server DEBUG (enabled)', { debug: debugCases }, { args: ['--enable-debug-command', 'yes'] });
differential(
  'server DEBUG PROTOCOL (RESP3)',
  {
    protocol: [
      ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'true', 'false', 'verbatim'].map(
        (t): DiffCase => ['DEBUG', 'PROTOCOL', t],
      ),
      // an attribute and a push come before the real reply: read both frames
      { cmd: ['DEBUG', 'PROTOCOL', 'attrib'], replies: 2 },
      { cmd: ['DEBUG', 'PROTOCOL', 'push'], replies: 2 },
    ],
  },
  { args: ['--enable-debug-command', 'yes'], resp3: true },
);

/** Sorts nested subcommand arrays by name: Redis lists them in (randomly seeded) hash order. */
function normalizeInfo(r: Reply): unknown {
  if (r.t !== 'array' || !r.v) return r;
  return r.v.map((entry) => {
    if (entry.t !== 'array' || !entry.v || entry.v.length !== 10) return entry;
    const subs = entry.v[9];
    if (subs.t === 'array' && subs.v) {
      const key = (r: Reply) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      const sorted = [...subs.v].sort((a, b) => key(a).localeCompare(key(b)));
      return [...entry.v.slice(0, 9), { t: 'array', v: sorted }];
    }
    return entry.v;
  });
}

const SERVER_FAMILY = [
  'config',
  'info',
  'time',
  'dbsize',
  'flushdb',
  'flushall',
  'swapdb',
  'lastsave',
  'shutdown',
  'slowlog',
  'monitor',
  'debug',
  'command',
  'memory',
  'latency',
  'role',
  'lolwut',
];

const enabled = requireRedis('server COMMAND INFO');
describe.skipIf(!enabled)('COMMAND INFO of the server family matches Redis', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([tandem?.stop(), redis?.stop()]);
  });
  for (const resp of ['2', '3']) {
    it(`RESP${resp}`, async () => {
      const [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
      await Promise.all([ct.call('HELLO', resp), cr.call('HELLO', resp)]);
      for (const name of SERVER_FAMILY) {
        const [t, r] = await Promise.all([ct.call('COMMAND', 'INFO', name), cr.call('COMMAND', 'INFO', name)]);
        expect(normalizeInfo(t), name).toEqual(normalizeInfo(r));
      }
      ct.close();
      cr.close();
    });
  }
});

/** Field names of each INFO section, in order. */
function infoLayout(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) out.set(line.slice(2), (cur = []));
    else if (line.includes(':')) cur.push(line.slice(0, line.indexOf(':')));
  }
  return out;
}

describe.skipIf(!enabled)('INFO layout matches Redis', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([tandem?.stop(), redis?.stop()]);
  });
  it('has the same sections and, in the fixed sections, the same fields in the same order', async () => {
    const [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
    for (const c of [ct, cr]) {
      await c.call('SET', 'k', 'v', 'EX', '100');
      await c.call('GET');
    }
    const [t, r] = await Promise.all([ct.cmd('INFO', 'everything'), cr.cmd('INFO', 'everything')]);
    ct.close();
    cr.close();
    const a = infoLayout(t as string);
    const b = infoLayout(r as string);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const s of [
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Modules',
      'Cluster',
    ]) {
      expect(
        a.get(s)!.filter((f) => f !== 'tandem_version'),
        s,
      ).toEqual(b.get(s));
    }
    expect(a.get('Keyspace')).toEqual(b.get('Keyspace'));
    expect(a.get('Errorstats')).toEqual(b.get('Errorstats'));
  });
});
