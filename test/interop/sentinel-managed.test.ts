/**
 * Real redis-sentinel 7.0 processes managing Tandem nodes, and ioredis finding the master through them.
 *
 * Each scenario builds its own topology (a Tandem master, two replicas, three sentinels with quorum 2 and short
 * timeouts), so a failover's 2×failover-timeout hold-off never delays another scenario and the scenarios can run
 * side by side (most of their time is spent waiting on sentinel timers, not CPU). Everything asserted is observed:
 * sentinel state through SENTINEL commands and its logged events, node state through ROLE, INFO, DEBUG DIGEST and
 * the config files the sentinels had rewritten. Waits poll with a deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it, type OnTestFinishedHandler } from 'vitest';
import { plain, RespClient } from '../helpers/resp-client';
import {
  flatToMap,
  parseInfo,
  requireSentinel,
  type SentinelHandle,
  startSentinel,
  stopAllSentinels,
  until,
} from '../helpers/sentinel';
import { type ServerHandle, startRedis, startTandem, stopAll } from '../helpers/servers';

const enabled = requireSentinel('sentinel-managed interop');

const NAME = 'mymaster';
// Not less than 2 s: at +switch-master a sentinel restarts the new master's ping clock but may reconnect to it only a
// ping period (1 s) after its last reconnection attempt to the dead one, so with 1 s it may flag a healthy new master
// down and fail over again (seen under load).
const DOWN_AFTER = 2000;
const FAILOVER_TIMEOUT = 10_000;
// A sentinel converts a returning or demoted master once it has reported role:master for 4 hello periods (8 s)
// after being listed as a replica; the node then resyncs. Leave room for both.
const CONVERT_MS = 25_000;
const PASSWORD = 'tandem-s3cret';

type Kind = 'tandem' | 'redis';

interface DataNode {
  kind: Kind;
  port: number;
  dir: string;
  /** the config file the node was started with (target of the CONFIG REWRITE sentinels send) */
  conf: string;
  configText: string;
  h: ServerHandle;
}

/** Everything one scenario started; stopped when the scenario ends, whatever its outcome. */
interface Topology {
  master: DataNode;
  replicas: DataNode[];
  sentinels: SentinelHandle[];
  nodes: DataNode[];
}

afterAll(async () => {
  await stopAllSentinels();
  await stopAll();
});

// Full syncs start at once instead of after the 5 s diskless gathering delay; DEBUG DIGEST compares datasets.
const NODE_ARGS = ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'];

async function startNode(kind: Kind, configText: string, reuse?: DataNode): Promise<DataNode> {
  const opts = { configText, args: NODE_ARGS, port: reuse?.port, dir: reuse?.dir };
  const h = kind === 'tandem' ? await startTandem(opts) : await startRedis(opts);
  return { kind, port: h.port, dir: h.dir, conf: path.join(h.dir, `${kind}.conf`), configText, h };
}

/** requirepass of the nodes listening on a port (scenarios that run with a password) */
const passwords = new Map<number, string>();

async function connectNode(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  const pass = passwords.get(port);
  if (pass !== undefined) {
    const r = await c.call('AUTH', pass);
    if (r.t !== 'status') throw new Error(`AUTH on :${port}: ${JSON.stringify(r)}`);
  }
  return c;
}

/** One command on a fresh connection: sentinels CLIENT KILL a node's normal clients when they reconfigure it. */
async function nodeCmd(port: number, ...argv: (string | number)[]): Promise<unknown> {
  const c = await connectNode(port);
  try {
    return plain(await c.call(...argv));
  } catch (e) {
    throw new Error(`${argv.join(' ')} on :${port}: ${(e as Error).message}`);
  } finally {
    c.close();
  }
}

async function info(port: number, section: string): Promise<Map<string, string>> {
  return parseInfo(await nodeCmd(port, 'INFO', section));
}

async function pipeline(port: number, cmds: (string | number)[][]): Promise<unknown[]> {
  const c = await connectNode(port);
  try {
    for (const argv of cmds) c.send(...argv);
    const out: unknown[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(plain(await c.next()));
    return out;
  } finally {
    c.close();
  }
}

/** The replicaof lines of a node's config file. */
function confReplicaof(n: DataNode): string[] {
  return fs
    .readFileSync(n.conf, 'latin1')
    .split('\n')
    .filter((l) => /^(replicaof|slaveof) /i.test(l));
}

async function roleOf(port: number): Promise<string> {
  return String(((await nodeCmd(port, 'ROLE')) as unknown[])[0]);
}

async function sentinelMaster(s: SentinelHandle): Promise<Map<string, string>> {
  return flatToMap(await s.cmd('SENTINEL', 'MASTER', NAME));
}

async function sentinelList(s: SentinelHandle, what: 'REPLICAS' | 'SENTINELS'): Promise<Map<string, string>[]> {
  return ((await s.cmd('SENTINEL', what, NAME)) as unknown[]).map(flatToMap);
}

function flagsOf(m: Map<string, string> | undefined): string {
  return m?.get('flags') ?? '';
}

/** Failure detail: the sentinels' logs and the tail of every node's log. */
function eventLog(t: Topology): string {
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  return [
    ...t.sentinels.map(
      (s) => `--- sentinel :${s.port}\n${s.output().replace(/^.* - (Accepted|Client closed) .*\n/gm, '')}`,
    ),
    ...t.nodes.map((n) => `--- ${n.kind} :${n.port}\n${tail(n.h.output())}`),
  ].join('\n');
}

interface ReplicaSpec {
  kind: Kind;
  /** replica-priority (INFO slave_priority): lower is preferred, 0 never promoted */
  priority?: number;
  /** replica-announced no (INFO replica_announced:0): hidden from SENTINEL REPLICAS, still managed */
  hidden?: boolean;
}

/**
 * A Tandem master and replicas as specified (each from its own config file, so CONFIG REWRITE has a target), then
 * three sentinels; resolves once every sentinel has discovered every replica and the two other sentinels.
 */
interface TopologyOptions {
  /** requirepass + masterauth on every node, `sentinel auth-pass` on the sentinels */
  password?: string;
  /** CONFIG renamed on every node, `sentinel rename-command` on the sentinels */
  renameConfig?: string;
  downAfterMs?: number;
}

async function topology(
  onFinished: (fn: OnTestFinishedHandler) => void,
  specs: ReplicaSpec[],
  opts: TopologyOptions = {},
): Promise<Topology> {
  let common = '';
  const sentinelExtra: string[] = [];
  if (opts.password) {
    common += `requirepass ${opts.password}\nmasterauth ${opts.password}\n`;
    sentinelExtra.push(`sentinel auth-pass ${NAME} ${opts.password}`);
  }
  if (opts.renameConfig) {
    common += `rename-command CONFIG ${opts.renameConfig}\n`;
    sentinelExtra.push(`sentinel rename-command ${NAME} CONFIG ${opts.renameConfig}`);
  }
  const t: Topology = { master: undefined as unknown as DataNode, replicas: [], sentinels: [], nodes: [] };
  // The test's own hook: with concurrent tests the global onTestFinished may attach to another test.
  onFinished(async () => {
    await Promise.all(t.sentinels.map((s) => s.stop()));
    await Promise.all(t.nodes.map((n) => n.h.stop('SIGKILL')));
    for (const n of t.nodes) passwords.delete(n.port);
  });
  t.master = await startNode('tandem', common);
  t.nodes.push(t.master);
  const mport = t.master.port;
  if (opts.password) passwords.set(mport, opts.password);
  t.replicas = await Promise.all(
    specs.map((r) =>
      startNode(
        r.kind,
        `${common}replicaof 127.0.0.1 ${mport}\nreplica-priority ${r.priority ?? 100}\nreplica-announced ${r.hidden ? 'no' : 'yes'}\n`,
      ),
    ),
  );
  const shown = specs.filter((r) => !r.hidden).length;
  for (const r of t.replicas) if (opts.password) passwords.set(r.port, opts.password);
  t.nodes.push(...t.replicas);
  await until('the replicas to be online', async () => {
    const text = String(await nodeCmd(mport, 'INFO', 'replication'));
    return t.replicas.every((r) => text.includes(`port=${r.port},state=online`));
  });
  const spec = {
    name: NAME,
    port: mport,
    quorum: 2,
    downAfterMs: opts.downAfterMs ?? DOWN_AFTER,
    failoverTimeoutMs: FAILOVER_TIMEOUT,
  };
  // Started one by one so a failed start leaves nothing unrecorded for the cleanup above.
  for (let i = 0; i < 3; i++) t.sentinels.push(await startSentinel([spec], sentinelExtra));
  // Replicas are learnt from the master's INFO, the other sentinels from hello messages relayed by the nodes' pub/sub.
  await until(
    'every sentinel to know every replica and the two other sentinels',
    async () => {
      for (const s of t.sentinels) {
        if ((await sentinelMaster(s)).get('num-slaves') !== String(t.replicas.length)) return false;
        const reps = await sentinelList(s, 'REPLICAS');
        if (reps.length !== shown || reps.some((r) => r.get('master-link-status') !== 'ok')) return false;
        const others = await sentinelList(s, 'SENTINELS');
        if (others.length !== 2 || others.some((o) => flagsOf(o) !== 'sentinel')) return false;
      }
      return true;
    },
    15_000,
    100,
    () => eventLog(t),
  );
  return t;
}

/** Waits until every sentinel has switched away from master `from`; checks they agree and returns the new port. */
async function switched(t: Topology, from: number, timeoutMs = 20_000): Promise<number> {
  const re = new RegExp(`^${NAME} 127\\.0\\.0\\.1 ${from} 127\\.0\\.0\\.1 \\d+$`);
  const evs = await Promise.all(t.sentinels.map((s) => s.waitEvent('+switch-master', re, timeoutMs)));
  const ports = [...new Set(evs.map((e) => Number(e.text.split(' ')[4])))];
  expect(ports).toHaveLength(1);
  for (const s of t.sentinels) {
    expect(await s.cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)).toEqual(['127.0.0.1', String(ports[0])]);
  }
  return ports[0];
}

/** Waits until `r` is a connected replica of `m` at the same offset holding the same data (DEBUG DIGEST). */
async function caughtUp(m: DataNode, r: DataNode, timeoutMs = 20_000): Promise<void> {
  await until(
    `:${r.port} to catch up with :${m.port}`,
    async () => {
      const ri = await info(r.port, 'replication');
      if (ri.get('master_port') !== String(m.port) || ri.get('master_link_status') !== 'up') return false;
      const mi = await info(m.port, 'replication');
      if (ri.get('slave_repl_offset') !== mi.get('master_repl_offset')) return false;
      return (await nodeCmd(m.port, 'DEBUG', 'DIGEST')) === (await nodeCmd(r.port, 'DEBUG', 'DIGEST'));
    },
    timeoutMs,
  );
}

const value = (i: number) => `v${i}\x00\xff${'x'.repeat(i % 50)}`;

/** Writes a mix of types (binary values included), waits for `replicas` acknowledgements; returns the digest. */
async function writeData(t: Topology, port: number, prefix: string, replicas: number): Promise<string> {
  const cmds: (string | number)[][] = [];
  for (let i = 0; i < 300; i++) cmds.push(['SET', `${prefix}:s:${i}`, value(i)]);
  for (let i = 0; i < 50; i++) cmds.push(['HSET', `${prefix}:h`, `f${i}`, i], ['RPUSH', `${prefix}:l`, i]);
  cmds.push(['SADD', `${prefix}:set`, 'a', 'b', '3'], ['ZADD', `${prefix}:z`, 1.5, 'm', -2, 'n']);
  cmds.push(['SET', `${prefix}:ttl`, 'x', 'EX', 1000], ['INCRBYFLOAT', `${prefix}:f`, '1.25']);
  // The stream is left in db 3, so whoever continues it must SELECT before its own writes.
  cmds.push(['SELECT', 3], ['SET', `${prefix}:db3`, value(3)]);
  // WAIT on the writing connection: it waits for that client's last write (a fresh connection has none).
  cmds.push(['WAIT', replicas, 3000]);
  const replies = await pipeline(port, cmds);
  expect(replies.slice(0, -1).filter((r) => typeof r === 'object' && r !== null)).toEqual([]);
  const acked = replies[replies.length - 1];
  if (typeof acked !== 'number' || acked < replicas) {
    const repl = await nodeCmd(port, 'INFO', 'replication');
    expect.fail(`WAIT ${replicas} on :${port} answered ${acked}\n${repl}\n${eventLog(t)}`);
  }
  return String(await nodeCmd(port, 'DEBUG', 'DIGEST'));
}

/**
 * After a failover: the promoted node got REPLICAOF NO ONE + CONFIG REWRITE (master, no replicaof line left), and
 * every other replica was re-pointed (REPLICAOF + CONFIG REWRITE) and continued with a partial resync, holding the
 * data written before.
 *
 * `oldMasterAlive` (SENTINEL FAILOVER): the old master keeps streaming to the other replica until that one is
 * re-pointed, about a second after the promotion — sentinel hellos PUBLISHed to it are replicated — so that replica
 * may have passed the promotion point; the promoted node then refuses the PSYNC ("Requested offset for second ID
 * was X, but I can reply up to Y") and serves a full sync. Real Redis nodes do exactly the same (seen in about one
 * forced failover out of five); a full sync is accepted only with that reason logged.
 */
async function checkPromotion(
  t: Topology,
  candidates: DataNode[],
  newPort: number,
  digest: string,
  oldMasterAlive = false,
) {
  const promoted = candidates.find((r) => r.port === newPort);
  expect(promoted).toBeDefined();
  const others = candidates.filter((r) => r !== promoted);
  const p = promoted as DataNode;
  expect(await roleOf(p.port)).toBe('master');
  await until(`:${p.port} to drop replicaof from its config`, () => confReplicaof(p).length === 0);
  for (const o of others) {
    await caughtUp(p, o);
    expect(confReplicaof(o)).toEqual([`replicaof 127.0.0.1 ${p.port}`]);
  }
  const stats = await info(p.port, 'stats');
  const full = Number(stats.get('sync_full'));
  expect(Number(stats.get('sync_partial_ok')) + full).toBe(others.length);
  if (!oldMasterAlive) expect(full, eventLog(t)).toBe(0);
  const passed = [...p.h.output().matchAll(/Requested offset for second ID was (\d+), but I can reply up to (\d+)/g)];
  expect(passed.length, eventLog(t)).toBe(full);
  for (const m of passed) expect(Number(m[1])).toBeGreaterThan(Number(m[2]));
  expect(await nodeCmd(p.port, 'DEBUG', 'DIGEST')).toBe(digest);
  expect(await nodeCmd(p.port, 'GET', 'pre:s:7')).toBe(value(7));
  expect(t.sentinels.filter((s) => s.events().some((e) => e.type === '+promoted-slave'))).toHaveLength(1);
  return { promoted: p, others };
}

/** A master that is alive but no longer the sentinels' master is turned into a replica of `m` and resyncs. */
async function converted(t: Topology, old: DataNode, m: DataNode): Promise<void> {
  const re = new RegExp(`^slave 127\\.0\\.0\\.1:${old.port} .* @ ${NAME} 127\\.0\\.0\\.1 ${m.port}$`);
  try {
    await until(
      `:${old.port} to be converted to a replica of :${m.port}`,
      () => t.sentinels.some((s) => s.events().some((e) => e.type === '+convert-to-slave' && re.test(e.text))),
      CONVERT_MS,
      100,
      () => eventLog(t),
    );
  } catch (e) {
    const views: string[] = [];
    for (const s of t.sentinels) {
      views.push(`sentinel :${s.port} master ${JSON.stringify(await s.cmd('SENTINEL', 'MASTER', NAME))}`);
      views.push(`sentinel :${s.port} replicas ${JSON.stringify(await s.cmd('SENTINEL', 'REPLICAS', NAME))}`);
    }
    throw new Error(`${(e as Error).message}\n${views.join('\n')}`);
  }
  await caughtUp(m, old);
  expect(confReplicaof(old)).toEqual([`replicaof 127.0.0.1 ${m.port}`]);
}

describe.skipIf(!enabled).concurrent('real redis-sentinel managing Tandem nodes', () => {
  it('discovers them, keeps them healthy, fails over a killed master (partial resync) and converts it back', async ({
    onTestFinished,
  }) => {
    const t = await topology(onTestFinished, [{ kind: 'tandem' }, { kind: 'tandem' }]);
    const { master } = t;

    // Every sentinel sees the master, both replicas (by the run ids the nodes report) and the two other sentinels.
    const ids = await Promise.all(t.sentinels.map(async (s) => String(await s.cmd('SENTINEL', 'MYID'))));
    for (const [i, s] of t.sentinels.entries()) {
      const m = await sentinelMaster(s);
      expect(m.get('runid')).toBe((await info(master.port, 'server')).get('run_id'));
      expect(m.get('role-reported')).toBe('master');
      expect(m.get('num-slaves')).toBe('2');
      expect(m.get('num-other-sentinels')).toBe('2');
      const reps = await sentinelList(s, 'REPLICAS');
      expect(reps.map((r) => Number(r.get('port'))).sort()).toEqual(t.replicas.map((r) => r.port).sort());
      for (const r of reps) {
        const port = Number(r.get('port'));
        expect(r.get('runid')).toBe((await info(port, 'server')).get('run_id'));
        expect(r.get('role-reported')).toBe('slave');
        expect(r.get('master-host')).toBe('127.0.0.1');
        expect(r.get('master-port')).toBe(String(master.port));
        expect(r.get('slave-priority')).toBe('100');
        expect(r.get('replica-announced')).toBe('1');
      }
      const others = (await sentinelList(s, 'SENTINELS')).map((o) => o.get('runid'));
      expect(others.sort()).toEqual(ids.filter((_, j) => j !== i).sort());
      expect(await s.cmd('SENTINEL', 'CKQUORUM', NAME)).toBe(
        'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      );
    }

    // Healthy for a few seconds: pings, INFO and hellos are answered in time, so nothing is ever flagged down.
    const healthyUntil = Date.now() + 3000;
    while (Date.now() < healthyUntil) {
      for (const s of t.sentinels) {
        expect(flagsOf(await sentinelMaster(s))).toBe('master');
        for (const r of await sentinelList(s, 'REPLICAS')) expect(flagsOf(r)).toBe('slave');
        expect(parseInfo(await s.cmd('INFO', 'sentinel')).get('master0')).toMatch(
          /,status=ok,.*,slaves=2,sentinels=3$/,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const s of t.sentinels) {
      expect(
        s.events().filter((e) => ['+sdown', '+odown', '+tilt', '+reboot', '-role-change'].includes(e.type)),
      ).toEqual([]);
    }

    const digest = await writeData(t, master.port, 'pre', 1);
    await master.h.stop('SIGKILL');

    // Detection and election: SDOWN on every sentinel, ODOWN by quorum, exactly one elected leader does the work.
    await Promise.all(t.sentinels.map((s) => s.waitEvent('+sdown', /^master /)));
    const newPort = await switched(t, master.port);
    const leaders = t.sentinels.filter((s) => s.events().some((e) => e.type === '+elected-leader'));
    expect(leaders).toHaveLength(1);
    expect(leaders[0].events().map((e) => e.type)).toEqual(
      expect.arrayContaining(['+odown', '+selected-slave', '+promoted-slave', '+slave-reconf-done', '+failover-end']),
    );
    const { promoted, others } = await checkPromotion(t, t.replicas, newPort, digest);

    // The sentinels now list the re-pointed replica and the dead old master under the new master.
    await until('sentinels to list the old master as a down replica of the new one', async () => {
      for (const s of t.sentinels) {
        const reps = await sentinelList(s, 'REPLICAS');
        const old = reps.find((r) => r.get('port') === String(master.port));
        if (!flagsOf(old).split(',').includes('s_down')) return false;
        if (flagsOf(reps.find((r) => r.get('port') === String(others[0].port))) !== 'slave') return false;
      }
      return true;
    });
    await writeData(t, promoted.port, 'post', 1);
    await caughtUp(promoted, others[0]);

    // The old master comes back (empty, as a master); the sentinels see it again and convert it.
    const back = await startNode('tandem', master.configText, master);
    t.nodes.push(back);
    const backRe = new RegExp(`^slave 127\\.0\\.0\\.1:${back.port} `);
    await Promise.all(t.sentinels.map((s) => s.waitEvent('-sdown', backRe)));
    await converted(t, back, promoted);
    expect(await nodeCmd(back.port, 'GET', 'post:s:9')).toBe(value(9));
  }, 60_000);

  it('SENTINEL FAILOVER promotes a Tandem replica, re-points the other and demotes the live old master', async ({
    onTestFinished,
  }) => {
    // The second replica reports slave_priority:0 (never to be promoted) and replica_announced:0 (hidden from
    // SENTINEL REPLICAS, yet reconfigured like any other replica). CONFIG is renamed on the nodes, so the sentinels'
    // CONFIG REWRITE arrives under the name their rename-command maps it to.
    const t = await topology(onTestFinished, [{ kind: 'tandem' }, { kind: 'tandem', priority: 0, hidden: true }], {
      renameConfig: 'TANDEM-CONFIG',
    });
    const [eligible] = t.replicas;
    expect(await nodeCmd(eligible.port, 'CONFIG', 'GET', 'port')).toEqual({
      error: "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' ",
    });
    for (const s of t.sentinels) {
      expect((await sentinelList(s, 'REPLICAS')).map((r) => r.get('port'))).toEqual([String(eligible.port)]);
    }
    const digest = await writeData(t, t.master.port, 'pre', 2);
    // An ioredis client (default options: no failover detector) sits on the old master through the failover.
    const client = new Redis({
      sentinels: t.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: NAME,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    onTestFinished(() => client.disconnect());
    const portOf = async () => parseInfo(await client.info('server')).get('tcp_port');
    expect(await portOf()).toBe(String(t.master.port));
    expect(await t.sentinels[1].cmd('SENTINEL', 'FAILOVER', NAME)).toBe('OK');
    const newPort = await switched(t, t.master.port);
    expect(newPort).toBe(eligible.port);
    // A forced failover skips SDOWN/ODOWN and the election: the asked sentinel did it alone.
    for (const s of t.sentinels)
      expect(s.events().filter((e) => e.type === '+sdown' || e.type === '+odown')).toEqual([]);
    expect(t.sentinels[1].events().map((e) => e.type)).toEqual(
      expect.arrayContaining(['+elected-leader', '+promoted-slave', '+slave-reconf-done', '+failover-end']),
    );
    const { promoted } = await checkPromotion(t, t.replicas, newPort, digest, true);
    // The old master kept running as a master; the sentinels turn it into a replica of the new one.
    await converted(t, t.master, promoted);
    expect(await nodeCmd(t.master.port, 'GET', 'pre:s:299')).toBe(value(299));
    // The conversion's CLIENT KILL TYPE normal closed ioredis' connection to the demoted node; re-resolving through
    // the sentinels took it to the new master.
    await until('ioredis to follow the new master', async () => (await portOf()) === String(promoted.port));
    expect(await client.set('after', 'failover')).toBe('OK');
  }, 60_000);

  it('ioredis finds the Tandem master through the sentinels and keeps writing across a failover', async ({
    onTestFinished,
  }) => {
    // Production-like: every node requires a password (replicas authenticate with masterauth, sentinels with
    // auth-pass, ioredis with password).
    const t = await topology(onTestFinished, [{ kind: 'tandem' }, { kind: 'tandem' }], { password: PASSWORD });
    const redis = new Redis({
      sentinels: t.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: NAME,
      password: PASSWORD,
      // Retry fast and never give up on a queued command: the application just sees slower writes.
      retryStrategy: () => 50,
      sentinelRetryStrategy: () => 50,
      maxRetriesPerRequest: null,
    });
    // Connection errors while the master is down are expected; ioredis reports them as events, not to callers.
    redis.on('error', () => {});
    let reconnects = 0;
    redis.on('reconnecting', () => reconnects++);
    onTestFinished(() => redis.disconnect());
    expect(await redis.set('io:hello', 'world')).toBe('OK');
    expect(parseInfo(await redis.info('server')).get('tcp_port')).toBe(String(t.master.port));
    expect(await redis.wait(2, 5000)).toBe(2);

    // role 'slave': ioredis picks one of SENTINEL slaves and accepts it only if its INFO says role:slave.
    const reader = new Redis({
      sentinels: t.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: NAME,
      password: PASSWORD,
      role: 'slave',
    });
    onTestFinished(() => reader.disconnect());
    expect(await reader.get('io:hello')).toBe('world');
    expect(t.replicas.map((r) => String(r.port))).toContain(parseInfo(await reader.info('server')).get('tcp_port'));
    await reader.quit();

    const acked: { i: number; at: number }[] = [];
    const errors: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await redis.set(`io:${i}`, Buffer.from(value(i), 'latin1'));
          acked.push({ i, at: Date.now() });
        } catch (e) {
          errors.push(String(e));
        }
      }
    })();
    await until('the writer to get going', () => acked.length >= 100);
    await t.master.h.stop('SIGKILL');
    const killedAt = Date.now();
    const newPort = await switched(t, t.master.port);
    await until('200 more writes after the failover', () => acked.filter((a) => a.at > killedAt).length >= 200);
    stop = true;
    await writer;

    // ioredis did lose its connection and reconnected, without failing a single command.
    expect(reconnects).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(redis.status).toBe('ready');
    expect(parseInfo(await redis.info('server')).get('tcp_port')).toBe(String(newPort));
    const promoted = t.replicas.find((r) => r.port === newPort) as DataNode;
    const other = t.replicas.find((r) => r.port !== newPort) as DataNode;
    await caughtUp(promoted, other);

    // Everything acknowledged after the kill can only have come from the new master: all of it is there and on its
    // replica. Of what the old master acknowledged, replication (asynchronous, in order) may lose only a tail.
    const after = acked.filter((a) => a.at > killedAt);
    const before = acked.filter((a) => a.at <= killedAt);
    for (const n of [promoted, other]) {
      const got = (await nodeCmd(n.port, 'MGET', ...after.map((a) => `io:${a.i}`))) as (string | null)[];
      expect(got).toEqual(after.map((a) => value(a.i)));
      const old = (await nodeCmd(n.port, 'MGET', ...before.map((a) => `io:${a.i}`))) as (string | null)[];
      const firstMissing = old.indexOf(null);
      if (firstMissing >= 0) expect(old.slice(firstMissing).every((v) => v === null)).toBe(true);
      expect(old.filter((v) => v !== null).length).toBeGreaterThanOrEqual(before.length - 5);
    }
  }, 60_000);

  it('a real Redis replica in the Tandem topology is managed too (promotions both ways across implementations)', async ({
    onTestFinished,
  }) => {
    // The Tandem replica is preferred (lower replica-priority) for the first failover.
    const t = await topology(onTestFinished, [
      { kind: 'tandem', priority: 10 },
      { kind: 'redis', priority: 100 },
    ]);
    const [tandemReplica, redisReplica] = t.replicas;
    for (const s of t.sentinels) {
      const r = (await sentinelList(s, 'REPLICAS')).find((x) => x.get('port') === String(redisReplica.port));
      expect(r?.get('runid')).toBe((await info(redisReplica.port, 'server')).get('run_id'));
      expect(r?.get('slave-priority')).toBe('100');
      expect(
        (await sentinelList(s, 'REPLICAS'))
          .find((x) => x.get('port') === String(tandemReplica.port))
          ?.get('slave-priority'),
      ).toBe('10');
    }
    const digest = await writeData(t, t.master.port, 'pre', 2);

    // Kill the Tandem master: the Tandem replica is promoted and the real Redis replica continues from it (PSYNC).
    await t.master.h.stop('SIGKILL');
    expect(await switched(t, t.master.port)).toBe(tandemReplica.port);
    await checkPromotion(t, t.replicas, tandemReplica.port, digest);
    const digest2 = await writeData(t, tandemReplica.port, 'mid', 1);

    // Then a manual failover to the real Redis node: the live Tandem master is demoted and syncs from Redis.
    await until(
      'a sentinel to accept SENTINEL FAILOVER',
      async () => (await t.sentinels[0].cmd('SENTINEL', 'FAILOVER', NAME)) === 'OK',
    );
    expect(await switched(t, tandemReplica.port)).toBe(redisReplica.port);
    expect(await roleOf(redisReplica.port)).toBe('master');
    expect(await nodeCmd(redisReplica.port, 'DEBUG', 'DIGEST')).toBe(digest2);
    await converted(t, tandemReplica, redisReplica);
    expect(await nodeCmd(tandemReplica.port, 'GET', 'mid:s:42')).toBe(value(42));
  }, 60_000);
  it('a master restarted from its dump within down-after keeps its role and its replicas continue partially', async ({
    onTestFinished,
  }) => {
    // Long enough for a restart: the sentinels must not fail over, only notice the new run id (+reboot).
    const t = await topology(onTestFinished, [{ kind: 'tandem' }, { kind: 'tandem' }], { downAfterMs: 5000 });
    const { master } = t;
    await writeData(t, master.port, 'pre', 2);
    const oldRunId = (await info(master.port, 'server')).get('run_id');
    const oldReplId = (await info(master.port, 'replication')).get('master_replid');
    // A last write not yet acknowledged: SHUTDOWN pauses writes, asks the replicas for an ACK and waits until they
    // have everything, then saves the dump with the replication id and offset.
    const c = await connectNode(master.port);
    c.send('SET', 'last', 'write');
    c.send('SHUTDOWN', 'SAVE');
    expect(plain(await c.next())).toBe('OK');
    await c.waitClose();
    c.close();
    expect(await master.h.stop()).toBe(0);
    expect(master.h.output()).toContain('Waiting for replicas before shutting down.');
    expect(master.h.output()).not.toContain('Lagging replica');
    const back = await startNode('tandem', master.configText, master);
    t.nodes.push(back);
    expect((await info(back.port, 'server')).get('run_id')).not.toBe(oldRunId);
    expect(await nodeCmd(back.port, 'GET', 'last')).toBe('write');
    expect(await nodeCmd(back.port, 'GET', 'pre:s:3')).toBe(value(3));
    expect((await info(back.port, 'replication')).get('master_replid2')).toBe(oldReplId);
    // The dump's history lives on as replid2: both replicas PSYNC from where they were and get +CONTINUE.
    for (const r of t.replicas) await caughtUp(back, r);
    const stats = await info(back.port, 'stats');
    expect(stats.get('sync_partial_ok')).toBe('2');
    expect(stats.get('sync_full')).toBe('0');
    await writeData(t, back.port, 'post', 2);
    // Sentinels see the same master with a new run id on their next INFO, and nothing else happens.
    await Promise.all(
      t.sentinels.map((s) => s.waitEvent('+reboot', new RegExp(`^master ${NAME} 127\\.0\\.0\\.1 ${back.port}$`))),
    );
    for (const s of t.sentinels) {
      expect(s.events().filter((e) => ['+odown', '+try-failover', '+switch-master'].includes(e.type))).toEqual([]);
      const m = await sentinelMaster(s);
      expect(m.get('runid')).toBe((await info(back.port, 'server')).get('run_id'));
      expect(m.get('port')).toBe(String(back.port));
    }
  }, 60_000);
});
