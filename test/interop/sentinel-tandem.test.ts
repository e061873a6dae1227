/**
 * Tandem's sentinel against real redis-sentinel 7.0:
 *
 * - the same command surface: a real and a Tandem sentinel monitor the same master and answer the same corpus
 *   (errors, arity, RESP2/RESP3 shapes) identically, describe the master / replica / each other with the same fields,
 *   and rewrite the same sentinel lines into their config files;
 * - mixed groups agree on failovers, proving the hello, is-master-down-by-addr and vote formats both ways: a Tandem
 *   sentinel elected by real ones, and a real sentinel elected by Tandem ones;
 * - tandem-sentinels managing real redis-server nodes (failover with a partial resync, conversion of the old master).
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Reply, RespClient } from '../helpers/resp-client';
import { flatToMap, requireSentinel, until } from '../helpers/sentinel';
import {
  buildTopology,
  caughtUp,
  eventLog,
  info,
  NAME,
  nodeCmd,
  roleOf,
  sentinelList,
  sentinelMaster,
  startDataNode,
  switched,
  type Topology,
  writeKeys,
} from '../helpers/sentinel-topology';
import { stopAll } from '../helpers/servers';
import { type SentinelProc, stopAllSentinelProcs } from '../helpers/tandem-sentinel';

const enabled = requireSentinel('sentinel-tandem interop');

afterAll(async () => {
  await stopAllSentinelProcs();
  await stopAll();
});

/** Replays `cmds` on a fresh connection to each sentinel; returns both reply lists. */
async function replay(a: SentinelProc, b: SentinelProc, cmds: (string | number)[][]): Promise<[Reply[], Reply[]]> {
  const run = async (s: SentinelProc) => {
    const c = await RespClient.connect(s.port);
    try {
      const out: Reply[] = [];
      for (const argv of cmds) out.push(await c.call(...argv));
      return out;
    } finally {
      c.close();
    }
  };
  return [await run(a), await run(b)];
}

/** Deterministic commands whose replies must be identical, one group per connection. */
const CORPUS: Record<string, (string | number)[][]> = {
  basics: [
    ['PING'],
    ['PING', 'x'],
    ['ROLE'],
    ['ECHO', 'a'],
    ['GET', 'a'],
    ['SET', 'a', 'b'],
    ['CONFIG', 'GET', 'port'],
    ['AUTH', 'x'],
    ['AUTH', 'a', 'b'],
    ['INFO', 'memory'],
    ['CLIENT', 'SETINFO', 'LIB-NAME', 'x'],
    ['CLIENT', 'FOO'],
    ['CLIENT', 'GETNAME'],
    ['HELLO', 4],
    ['PUBLISH', 'chan', 'msg'],
    ['PUBLISH', '__sentinel__:hello', 'not-a-hello'],
    ['COMMAND', 'INFO', 'sentinel|myid', 'sentinel|help', 'publish', 'role', 'ping', 'info', 'subscribe'],
    ['COMMAND', 'COUNT'],
    ['ACL', 'WHOAMI'],
    ['ACL', 'USERS'],
    ['ACL', 'FOO'],
    ['HELLO', 3, 'AUTH', 'bob', 'x'],
  ],
  sentinel: [
    ['SENTINEL'],
    ['SENTINEL', 'FOO'],
    ['SENTINEL', 'HELP'],
    ['SENTINEL', 'MYID', 'x'],
    ['SENTINEL', 'MASTERS', 'x'],
    ['SENTINEL', 'MASTER', 'nope'],
    ['SENTINEL', 'MASTER'],
    ['SENTINEL', 'REPLICAS', 'nope'],
    ['SENTINEL', 'SLAVES', 'nope'],
    ['SENTINEL', 'SENTINELS', 'nope'],
    ['SENTINEL', 'get-master-addr-by-name', NAME],
    ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope'],
    ['SENTINEL', 'CKQUORUM', NAME],
    ['SENTINEL', 'CKQUORUM', 'nope'],
    ['SENTINEL', 'FAILOVER', 'nope'],
    ['SENTINEL', 'REMOVE', 'nope'],
    ['SENTINEL', 'RESET', 'nope*'],
    ['SENTINEL', 'INFO-CACHE', 'nope'],
    ['SENTINEL', 'INFO-CACHE'],
    ['SENTINEL', 'PENDING-SCRIPTS'],
    ['SENTINEL', 'SIMULATE-FAILURE', 'HELP'],
    ['SENTINEL', 'SIMULATE-FAILURE', 'x'],
  ],
  'is-master-down-by-addr': [
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 'x', 0, '*'],
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 1, 'x', '*'],
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 1, 0],
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '1.2.3.4', 5, 0, '*'],
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', 'not-an-ip', 5, 0, 'abc'],
  ],
  config: [
    ['SENTINEL', 'CONFIG', 'GET', '*'],
    ['SENTINEL', 'CONFIG', 'GET', 'announce*'],
    ['SENTINEL', 'CONFIG', 'GET', 'nothing'],
    ['SENTINEL', 'CONFIG', 'GET'],
    ['SENTINEL', 'CONFIG'],
    ['SENTINEL', 'CONFIG', 'FOO', 'x'],
    ['SENTINEL', 'CONFIG', 'GET', 'a', 'b'],
    ['SENTINEL', 'CONFIG', 'SET', 'foo', '1'],
    ['SENTINEL', 'CONFIG', 'SET', 'announce-port', 'x'],
    ['SENTINEL', 'CONFIG', 'SET', 'announce-port', '-1'],
    ['SENTINEL', 'CONFIG', 'SET', 'announce-port', '70000'],
    ['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'maybe'],
    ['SENTINEL', 'CONFIG', 'SET', 'announce-hostnames'],
    ['SENTINEL', 'DEBUG'],
    ['SENTINEL', 'DEBUG', 'foo', 1],
    ['SENTINEL', 'DEBUG', 'ping-period'],
    ['SENTINEL', 'DEBUG', 'ping-period', 0],
    ['SENTINEL', 'DEBUG', 'ping-period', 'x'],
  ],
  'set and monitor errors': [
    ['SENTINEL', 'SET', NAME, 'foo', 1],
    ['SENTINEL', 'SET', NAME, 'quorum'],
    ['SENTINEL', 'SET', 'nope', 'quorum', 1],
    ['SENTINEL', 'SET', NAME, 'quorum', 0],
    ['SENTINEL', 'SET', NAME, 'quorum', 'x'],
    ['SENTINEL', 'SET', NAME, 'down-after-milliseconds', -5],
    ['SENTINEL', 'SET', NAME, 'failover-timeout', 0],
    ['SENTINEL', 'SET', NAME, 'parallel-syncs', 0],
    ['SENTINEL', 'SET', NAME, 'master-reboot-down-after-period', -1],
    ['SENTINEL', 'SET', NAME, 'notification-script', '/bin/true'],
    ['SENTINEL', 'SET', NAME, 'client-reconfig-script', '/bin/true'],
    ['SENTINEL', 'SET', NAME, 'rename-command', 'CONFIG'],
    ['SENTINEL', 'SET', NAME, 'rename-command', '', 'X'],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1', 1, 'x'],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1', 'x', 1],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1', 1, 0],
    ['SENTINEL', 'MONITOR', 'm2', 'localhost', 1, 1],
    ['SENTINEL', 'MONITOR', 'm2', 'no.such.host.invalid', 1, 1],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1', 70000, 1],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1', -1, 1],
    ['SENTINEL', 'MONITOR', NAME, '127.0.0.1', 1, 1],
    ['SENTINEL', 'MONITOR', 'm2', '127.0.0.1'],
  ],
  resp3: [
    ['HELLO', 3],
    ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope'],
    ['SENTINEL', 'CONFIG', 'GET', 'announce-port'],
    ['SENTINEL', 'DEBUG'],
    ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '1.2.3.4', 5, 0, '*'],
    ['INFO', 'memory'],
    ['ROLE'],
  ],
};

/** HELLO's connection id differs; everything else must match. */
function normalize(r: Reply): Reply {
  if (r.t === 'map') {
    return { t: 'map', v: r.v.map(([k, v]) => [k, k.t === 'bulk' && k.v === 'id' ? { t: 'int', v: 0n } : v]) };
  }
  if (r.t === 'array' && r.v !== null && r.v.length === 14 && r.v[6]?.t === 'bulk' && r.v[6].v === 'id') {
    const v = [...r.v];
    v[7] = { t: 'int', v: 0n };
    return { t: 'array', v };
  }
  return r;
}

/** Fields whose values are timings (ms ago) or counters that legitimately differ between two sentinels. */
const VARIABLE = new Set([
  'last-ping-sent',
  'last-ok-ping-reply',
  'last-ping-reply',
  'info-refresh',
  'role-reported-time',
  'last-hello-message',
  'slave-repl-offset',
  'link-pending-commands',
]);

function stable(m: Map<string, string>): [string, string][] {
  return [...m].map(([k, v]) => [k, VARIABLE.has(k) ? (/^-?\d+$/.test(v) ? 'N' : `bad:${v}`) : v]);
}

/** The sentinel lines of a rewritten config, with the sentinels' own ids and ports replaced by placeholders. */
function sentinelLines(s: SentinelProc, ids: Map<number, string>): string[] {
  let text = fs.readFileSync(s.confPath, 'latin1');
  for (const [port, id] of ids) {
    const who = port === s.port ? 'SELF' : 'OTHER';
    text = text.replaceAll(id, `<${who}-ID>`).replaceAll(` ${port} `, ` <${who}-PORT> `);
  }
  return text.split('\n').filter((l) => l.startsWith('sentinel '));
}

describe.skipIf(!enabled).concurrent('tandem-sentinel interop with redis-sentinel 7.0', () => {
  it('answers like redis-sentinel: corpus, instance descriptions, events and the rewritten config', async ({
    onTestFinished,
  }) => {
    const t = await buildTopology(onTestFinished, {
      nodes: 'redis',
      replicas: 1,
      sentinels: [
        { kind: 'redis', downAfterMs: 5000 },
        { kind: 'tandem', downAfterMs: 5000 },
      ],
      failoverTimeoutMs: 60_000,
    });
    const [real, tandem] = t.sentinels;
    await until('INFO from the replica on both sentinels', async () => {
      for (const s of t.sentinels) if ((await sentinelList(s, 'REPLICAS'))[0].get('info-refresh') === '0') return false;
      return true;
    });

    for (const [group, cmds] of Object.entries(CORPUS)) {
      const [r, m] = await replay(real, tandem, cmds);
      for (let i = 0; i < cmds.length; i++) {
        expect(normalize(m[i]), `${group}: ${cmds[i].join(' ')}`).toEqual(normalize(r[i]));
      }
    }

    // Descriptions: same fields in the same order, same values except timings.
    const ids = new Map<number, string>();
    for (const s of t.sentinels) ids.set(s.port, String(await s.cmd('SENTINEL', 'MYID')));
    expect(stable(await sentinelMaster(tandem))).toEqual(stable(await sentinelMaster(real)));
    expect((await sentinelList(tandem, 'REPLICAS')).map(stable)).toEqual(
      (await sentinelList(real, 'REPLICAS')).map(stable),
    );
    const [otherOfTandem] = await sentinelList(tandem, 'SENTINELS');
    const [otherOfReal] = await sentinelList(real, 'SENTINELS');
    expect(otherOfTandem.get('runid')).toBe(ids.get(real.port));
    expect(otherOfReal.get('runid')).toBe(ids.get(tandem.port));
    expect([...otherOfTandem.keys()]).toEqual([...otherOfReal.keys()]);
    for (const k of ['flags', 'link-refcount', 'down-after-milliseconds', 'voted-leader', 'voted-leader-epoch']) {
      expect(otherOfTandem.get(k), k).toBe(otherOfReal.get(k));
    }
    expect(await tandem.cmd('INFO', 'sentinel')).toBe(await real.cmd('INFO', 'sentinel'));
    for (const s of t.sentinels) {
      const c = await RespClient.connect(s.port);
      await c.call('HELLO', 3);
      const m = await c.call('SENTINEL', 'MASTER', NAME);
      expect(m.t).toBe('map');
      const i = await c.call('INFO', 'sentinel');
      expect(i.t).toBe('bulk');
      c.close();
    }

    // The same successful changes produce the same events and the same persisted lines.
    const changes: (string | number)[][] = [
      ['SENTINEL', 'SET', NAME, 'parallel-syncs', 3, 'failover-timeout', 45000],
      ['SENTINEL', 'SET', NAME, 'auth-user', 'bob', 'auth-pass', 'secret'],
      ['SENTINEL', 'SET', NAME, 'rename-command', 'CONFIG', 'CFG', 'quorum', 2],
      ['SENTINEL', 'SET', NAME, 'master-reboot-down-after-period', 9000, 'down-after-milliseconds', 6000],
      ['SENTINEL', 'SET', NAME, 'quorum', 'x'],
      ['SENTINEL', 'CONFIG', 'SET', 'announce-port', '0'],
      ['SENTINEL', 'FLUSHCONFIG'],
    ];
    const [r, m] = await replay(real, tandem, changes);
    expect(m).toEqual(r);
    const setEvents = (s: SentinelProc) =>
      s
        .events()
        .filter((e) => e.type === '+set' || e.type === '+monitor' || e.type === '-monitor')
        .map((e) => `${e.type} ${e.text}`);
    expect(setEvents(tandem)).toEqual(setEvents(real));
    expect(sentinelLines(tandem, ids)).toEqual(sentinelLines(real, ids));
    // New credentials closed the links; once reconnected both describe the master alike.
    await until('both sentinels to reconnect', async () => {
      for (const s of t.sentinels) if ((await sentinelMaster(s)).get('flags') !== 'master') return false;
      return true;
    });
    expect(stable(await sentinelMaster(tandem))).toEqual(stable(await sentinelMaster(real)));

    // A second master, then its removal (redis-sentinel orders masters by hash, so lines are compared as sets).
    const second: (string | number)[][] = [['SENTINEL', 'MONITOR', 'second', '127.0.0.1', t.replicas[0].port, 2]];
    const [r2, m2] = await replay(real, tandem, second);
    expect(m2).toEqual(r2);
    expect(sentinelLines(tandem, ids).sort()).toEqual(sentinelLines(real, ids).sort());
    const [r3, m3] = await replay(real, tandem, [['SENTINEL', 'REMOVE', 'second'], ['ROLE']]);
    expect(m3).toEqual(r3);
    expect(sentinelLines(tandem, ids).sort()).toEqual(sentinelLines(real, ids).sort());
    expect(setEvents(tandem)).toEqual(setEvents(real));
  }, 40_000);

  it('a Tandem sentinel elected by real ones leads the failover (2 redis-sentinel + 1 tandem-sentinel)', async ({
    onTestFinished,
  }) => {
    // The Tandem sentinel alone reaches ODOWN first (quorum 1, shorter down-after) and asks the others for votes.
    const t = await buildTopology(onTestFinished, {
      nodes: 'tandem',
      sentinels: [
        { kind: 'tandem', quorum: 1, downAfterMs: 2000 },
        { kind: 'redis', downAfterMs: 6000 },
        { kind: 'redis', downAfterMs: 6000 },
      ],
    });
    await agreeOnFailover(t, t.sentinels[0]);
  }, 45_000);

  it('a real sentinel elected by Tandem ones leads the failover (1 redis-sentinel + 2 tandem-sentinel)', async ({
    onTestFinished,
  }) => {
    const t = await buildTopology(onTestFinished, {
      nodes: 'tandem',
      sentinels: [
        { kind: 'redis', quorum: 1, downAfterMs: 2000 },
        { kind: 'tandem', downAfterMs: 6000 },
        { kind: 'tandem', downAfterMs: 6000 },
      ],
    });
    await agreeOnFailover(t, t.sentinels[0]);
  }, 45_000);

  it('tandem-sentinels manage real redis-server nodes: failover with a partial resync, old master converted', async ({
    onTestFinished,
  }) => {
    const fast = ['publish-period', 500];
    const t = await buildTopology(onTestFinished, {
      nodes: 'redis',
      sentinels: [
        { kind: 'tandem', debug: fast },
        { kind: 'tandem', debug: fast },
        { kind: 'tandem', debug: fast },
      ],
    });
    await writeKeys(t.master.port, 'pre', 200, 2);
    const digest = await nodeCmd(t.master.port, 'DEBUG', 'DIGEST');
    await t.master.h.stop('SIGKILL');
    const newPort = await switched(t, t.master.port);
    const promoted = t.replicas.find((r) => r.port === newPort)!;
    const other = t.replicas.find((r) => r.port !== newPort)!;
    expect(await roleOf(newPort)).toBe('master');
    await caughtUp(promoted, other);
    const stats = await info(newPort, 'stats');
    expect([stats.get('sync_partial_ok'), stats.get('sync_full')], eventLog(t)).toEqual(['1', '0']);
    expect(await nodeCmd(newPort, 'DEBUG', 'DIGEST')).toBe(digest);
    // REPLICAOF NO ONE + CONFIG REWRITE reached the real node's config file.
    await until('the promoted node to drop replicaof from its config', () =>
      fs
        .readFileSync(promoted.conf, 'latin1')
        .split('\n')
        .every((l) => !/^replicaof /.test(l)),
    );
    const back = await startDataNode('redis', t.master.configText, t.master);
    t.nodes.push(back);
    await until(
      'the returning master to be converted',
      () => t.sentinels.some((s) => s.events().some((e) => e.type === '+convert-to-slave')),
      20_000,
      100,
      () => eventLog(t),
    );
    await caughtUp(promoted, back);
    expect(await nodeCmd(back.port, 'GET', 'pre:42')).toBe('v42\x00\xff');
  }, 45_000);
});

/** Kills the master and checks that `leader` alone was elected, with the others' votes, and that all agree. */
async function agreeOnFailover(t: Topology, leader: SentinelProc): Promise<void> {
  const leaderId = String(await leader.cmd('SENTINEL', 'MYID'));
  await writeKeys(t.master.port, 'pre', 100, 2);
  await t.master.h.stop('SIGKILL');
  const newPort = await switched(t, t.master.port);
  for (const s of t.sentinels) {
    const elected = s.events().some((e) => e.type === '+elected-leader');
    expect(elected, `${s.kind} :${s.port}\n${eventLog(t)}`).toBe(s === leader);
    if (s !== leader) {
      expect(s.events().find((e) => e.type === '+vote-for-leader')?.text).toBe(`${leaderId} 1`);
      expect(s.events().find((e) => e.type === '+config-update-from')?.text).toMatch(
        new RegExp(`^sentinel ${leaderId} 127\\.0\\.0\\.1 ${leader.port} @ ${NAME} `),
      );
    }
    expect((await sentinelMaster(s)).get('config-epoch')).toBe('1');
  }
  const promoted = t.replicas.find((r) => r.port === newPort)!;
  const other = t.replicas.find((r) => r.port !== newPort)!;
  await caughtUp(promoted, other);
  expect(await nodeCmd(newPort, 'GET', 'pre:5')).toBe('v5\x00\xff');
  // The leader's view after the switch is what the others learnt from its hellos.
  await until('every sentinel to list the old master as a replica of the new one', async () => {
    for (const s of t.sentinels) {
      const ports = (await sentinelList(s, 'REPLICAS')).map((r) => Number(r.get('port'))).sort();
      if (JSON.stringify(ports) !== JSON.stringify([t.master.port, other.port].sort())) return false;
    }
    return true;
  });
  expect(flatToMap(await leader.cmd('SENTINEL', 'MASTER', NAME)).get('port')).toBe(String(newPort));
}
