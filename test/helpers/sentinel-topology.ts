/**
 * Sentinel-managed topologies for tests: data nodes (Tandem or real Redis, each from its own config file so the
 * CONFIG REWRITE sentinels send has a target) and sentinels of either implementation, plus the waits every scenario
 * needs (discovery, a switch agreed by every sentinel, a replica caught up with its master).
 */
import path from 'node:path';
import { expect } from 'vitest';
import { plain, RespClient } from './resp-client';
import { flatToMap, parseInfo, until } from './sentinel';
import { type ServerHandle, startRedis, startTandem } from './servers';
import { type SentinelKind, type SentinelProc, startSentinelProc } from './tandem-sentinel';

export const NAME = 'mymaster';

export type NodeKind = 'tandem' | 'redis';

export interface DataNode {
  kind: NodeKind;
  port: number;
  dir: string;
  conf: string;
  configText: string;
  h: ServerHandle;
}

/** Full syncs start at once instead of after the diskless delay; DEBUG DIGEST compares datasets. */
const NODE_ARGS = ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'];

export async function startDataNode(kind: NodeKind, configText: string, reuse?: DataNode): Promise<DataNode> {
  const opts = { configText, args: NODE_ARGS, port: reuse?.port, dir: reuse?.dir };
  const h = kind === 'tandem' ? await startTandem(opts) : await startRedis(opts);
  return { kind, port: h.port, dir: h.dir, conf: path.join(h.dir, `${kind}.conf`), configText, h };
}

/** requirepass per port, for nodes of scenarios that run with a password */
export const passwords = new Map<number, string>();

async function connectNode(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  const pass = passwords.get(port);
  if (pass !== undefined) await c.call('AUTH', pass);
  return c;
}

/** One command on a fresh connection (sentinels CLIENT KILL normal clients when they reconfigure a node). */
export async function nodeCmd(port: number, ...argv: (string | number)[]): Promise<unknown> {
  const c = await connectNode(port);
  try {
    return plain(await c.call(...argv));
  } finally {
    c.close();
  }
}

export async function info(port: number, section: string): Promise<Map<string, string>> {
  return parseInfo(await nodeCmd(port, 'INFO', section));
}

export async function roleOf(port: number): Promise<string> {
  return String(((await nodeCmd(port, 'ROLE')) as unknown[])[0]);
}

export async function sentinelMaster(s: SentinelProc, name = NAME): Promise<Map<string, string>> {
  return flatToMap(await s.cmd('SENTINEL', 'MASTER', name));
}

export async function sentinelList(
  s: SentinelProc,
  what: 'REPLICAS' | 'SENTINELS',
  name = NAME,
): Promise<Map<string, string>[]> {
  return ((await s.cmd('SENTINEL', what, name)) as unknown[]).map(flatToMap);
}

export interface Topology {
  master: DataNode;
  replicas: DataNode[];
  sentinels: SentinelProc[];
  nodes: DataNode[];
}

export interface SentinelSpec {
  kind: SentinelKind;
  quorum?: number;
  downAfterMs?: number;
  /** SENTINEL DEBUG pairs */
  debug?: (string | number)[];
}

export interface TopologyOptions {
  nodes: NodeKind;
  replicas?: number;
  sentinels: SentinelSpec[];
  /** requirepass + masterauth on every node, auth-pass on the sentinels */
  password?: string;
  failoverTimeoutMs?: number;
}

/** Failure detail: the sentinels' event lines and the tail of every node's log. */
export function eventLog(t: Topology): string {
  const tail = (s: string) => s.split('\n').slice(-30).join('\n');
  return [
    ...t.sentinels.map(
      (s) =>
        `--- ${s.kind} sentinel :${s.port}\n${s
          .output()
          .split('\n')
          .filter((l) => / [#*] [+-]| # /.test(l))
          .join('\n')}`,
    ),
    ...t.nodes.map((n) => `--- ${n.kind} :${n.port}\n${tail(n.h.output())}`),
  ].join('\n');
}

/** A master, replicas following it, and the sentinels; resolves once every sentinel knows everybody. */
export async function buildTopology(
  onFinished: (fn: () => Promise<void>) => void,
  o: TopologyOptions,
): Promise<Topology> {
  const t: Topology = { master: undefined as unknown as DataNode, replicas: [], sentinels: [], nodes: [] };
  onFinished(async () => {
    await Promise.all(t.sentinels.map((s) => s.stop()));
    await Promise.all(t.nodes.map((n) => n.h.stop('SIGKILL')));
  });
  const common = o.password ? `requirepass ${o.password}\nmasterauth ${o.password}\n` : '';
  t.master = await startDataNode(o.nodes, common);
  t.nodes.push(t.master);
  if (o.password) passwords.set(t.master.port, o.password);
  const n = o.replicas ?? 2;
  for (let i = 0; i < n; i++) {
    const r = await startDataNode(o.nodes, `${common}replicaof 127.0.0.1 ${t.master.port}\n`);
    if (o.password) passwords.set(r.port, o.password);
    t.replicas.push(r);
    t.nodes.push(r);
  }
  await until('the replicas to be online', async () => {
    const text = String(await nodeCmd(t.master.port, 'INFO', 'replication'));
    return t.replicas.every((r) => text.includes(`port=${r.port},state=online`));
  });
  const extra = o.password ? [`sentinel auth-pass ${NAME} ${o.password}`] : [];
  for (const spec of o.sentinels) {
    t.sentinels.push(
      await startSentinelProc({
        kind: spec.kind,
        monitors: [
          {
            name: NAME,
            port: t.master.port,
            quorum: spec.quorum ?? 2,
            // 2 s at least: a sentinel may reconnect to a new master only a second after its last attempt on the
            // dead one, and the new master's ping clock starts at +switch-master (real Sentinel and ours alike).
            downAfterMs: spec.downAfterMs ?? 2000,
            failoverTimeoutMs: o.failoverTimeoutMs ?? 10_000,
          },
        ],
        extra,
        debug: spec.debug,
      }),
    );
  }
  await until(
    'every sentinel to know every replica and every other sentinel',
    async () => {
      for (const s of t.sentinels) {
        const reps = await sentinelList(s, 'REPLICAS');
        if (reps.length !== n || reps.some((r) => r.get('master-link-status') !== 'ok')) return false;
        const others = await sentinelList(s, 'SENTINELS');
        if (others.length !== t.sentinels.length - 1 || others.some((x) => x.get('flags') !== 'sentinel')) {
          return false;
        }
      }
      return true;
    },
    15_000,
    100,
    () => eventLog(t),
  );
  return t;
}

/** Waits until every sentinel switched away from master `from`; checks they agree; returns the new port. */
export async function switched(t: Topology, from: number, timeoutMs = 25_000): Promise<number> {
  const re = new RegExp(`^${NAME} 127\\.0\\.0\\.1 ${from} 127\\.0\\.0\\.1 \\d+$`);
  let evs: { text: string }[];
  try {
    evs = await Promise.all(t.sentinels.map((s) => s.waitEvent('+switch-master', re, timeoutMs)));
  } catch (e) {
    throw new Error(`${(e as Error).message.slice(0, 300)}\n${eventLog(t)}`);
  }
  const ports = [...new Set(evs.map((e) => Number(e.text.split(' ')[4])))];
  expect(ports).toHaveLength(1);
  for (const s of t.sentinels) {
    expect(await s.cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)).toEqual(['127.0.0.1', String(ports[0])]);
  }
  return ports[0];
}

/** Waits until `r` replicates `m` with its link up, at the same offset, holding the same data. */
export async function caughtUp(m: DataNode, r: DataNode, timeoutMs = 20_000): Promise<void> {
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

/** Writes `n` keys through a pipeline and waits until `replicas` replicas acknowledged them. */
export async function writeKeys(port: number, prefix: string, n: number, replicas: number): Promise<void> {
  const c = await connectNode(port);
  try {
    for (let i = 0; i < n; i++) c.send('SET', `${prefix}:${i}`, `v${i}\x00\xff`);
    c.send('WAIT', replicas, 5000);
    for (let i = 0; i < n; i++) expect(plain(await c.next())).toBe('OK');
    expect(plain(await c.next())).toBeGreaterThanOrEqual(replicas);
  } finally {
    c.close();
  }
}
