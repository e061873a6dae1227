/**
 * SENTINEL <subcommand>: the client-facing view and control of the sentinel state. Replies match redis-sentinel
 * 7.0: instance descriptions are maps (flat arrays of bulk strings in RESP2, every value a string), unknown master
 * names are "-ERR No such master with that name" except for GET-MASTER-ADDR-BY-NAME (null array).
 */
import { type CommandSpec, cmd } from '../commands/command';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { globMatch } from '../store/glob';
import {
  createErrorText,
  SIMFAILURE_CRASH_AFTER_ELECTION,
  SIMFAILURE_CRASH_AFTER_PROMOTION,
  TIMING_NAMES,
} from './core';
import type { SentinelCore } from './core';
import { isQuorumReachable, quorumReplyText } from './detect';
import { isMasterDownByAddr } from './election';
import { selectSlave, startFailover } from './failover';
import { flushConfigAndReply, sentinelOf } from './host';
import {
  F_FAILOVER_IN_PROGRESS,
  F_FORCE_FAILOVER,
  F_MASTER,
  F_O_DOWN,
  F_S_DOWN,
  F_SENTINEL,
  F_SLAVE,
  FAILOVER_STATE_NAMES,
  type Instance,
  resolveIp,
} from './instance';
import { sentinelSet } from './sentinel-set';

function core(c: Client): SentinelCore {
  return sentinelOf(c.srv).core;
}

/** The master named by argv[2], or null after replying the error. */
function masterArg(c: Client): Instance | null {
  const ri = core(c).getMaster(c.argv[2]);
  if (!ri) {
    c.error('ERR No such master with that name');
    return null;
  }
  return ri;
}

/** One instance as SENTINEL MASTER / REPLICAS / SENTINELS describe it. */
export function writeInstance(c: Client, s: SentinelCore, ri: Instance): void {
  const now = s.now();
  const link = ri.link;
  const f: [string, string][] = [
    ['name', ri.name],
    ['ip', s.announceAddr(ri.addr)],
    ['port', String(ri.addr.port)],
    ['runid', ri.runid ?? ''],
    ['flags', ri.flagsText()],
    ['link-pending-commands', String(link.pendingCommands)],
    ['link-refcount', String(link.refcount)],
  ];
  if (ri.flags & F_FAILOVER_IN_PROGRESS) f.push(['failover-state', FAILOVER_STATE_NAMES[ri.failoverState]]);
  f.push(['last-ping-sent', String(link.actPingTime ? now - link.actPingTime : 0)]);
  f.push(['last-ok-ping-reply', String(now - link.lastAvailTime)]);
  f.push(['last-ping-reply', String(now - link.lastPongTime)]);
  if (ri.flags & F_S_DOWN) f.push(['s-down-time', String(now - ri.sDownSinceTime)]);
  if (ri.flags & F_O_DOWN) f.push(['o-down-time', String(now - ri.oDownSinceTime)]);
  f.push(['down-after-milliseconds', String(ri.downAfterPeriod)]);
  if (ri.flags & (F_MASTER | F_SLAVE)) {
    f.push(['info-refresh', String(ri.infoRefresh ? now - ri.infoRefresh : 0)]);
    f.push(['role-reported', ri.roleReported === F_MASTER ? 'master' : 'slave']);
    f.push(['role-reported-time', String(now - ri.roleReportedTime)]);
  }
  if (ri.flags & F_MASTER) {
    f.push(['config-epoch', String(ri.configEpoch)]);
    f.push(['num-slaves', String(ri.slaves.size)]);
    f.push(['num-other-sentinels', String(ri.sentinels.size)]);
    f.push(['quorum', String(ri.quorum)]);
    f.push(['failover-timeout', String(ri.failoverTimeout)]);
    f.push(['parallel-syncs', String(ri.parallelSyncs)]);
    if (ri.notificationScript) f.push(['notification-script', ri.notificationScript]);
    if (ri.clientReconfigScript) f.push(['client-reconfig-script', ri.clientReconfigScript]);
  }
  if (ri.flags & F_SLAVE) {
    f.push(['master-link-down-time', String(ri.masterLinkDownTime)]);
    f.push(['master-link-status', ri.slaveMasterLinkUp ? 'ok' : 'err']);
    f.push(['master-host', ri.slaveMasterHost ?? '?']);
    f.push(['master-port', String(ri.slaveMasterPort)]);
    f.push(['slave-priority', String(ri.slavePriority)]);
    f.push(['slave-repl-offset', String(ri.slaveReplOffset)]);
    f.push(['replica-announced', String(ri.replicaAnnounced)]);
  }
  if (ri.flags & F_SENTINEL) {
    f.push(['last-hello-message', String(now - ri.lastHelloTime)]);
    f.push(['voted-leader', ri.leader ?? '?']);
    f.push(['voted-leader-epoch', String(ri.leaderEpoch)]);
  }
  c.out.mapLen(f.length);
  for (const [k, v] of f) {
    c.out.bulk(k);
    c.out.bulk(v);
  }
}

/** A table of instances (replicas with replica-announced 0 are not listed). */
function writeInstances(c: Client, s: SentinelCore, instances: Map<string, Instance>): void {
  const shown = [...instances.values()].filter((ri) => !(ri.flags & F_SLAVE) || ri.replicaAnnounced !== 0);
  c.out.arrayLen(shown.length);
  for (const ri of shown) writeInstance(c, s, ri);
}

const HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET <param> <value>',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param>',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    Check if the master specified by ip:port is down from current Sentinel's",
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  "    Remove master from Sentinel's monitor list.",
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
  'HELP',
  '    Prints this help.',
];

function isMasterDown(c: Client): void {
  const port = parseLong(c.argv[3]);
  if (port === null) return c.notInteger();
  const epoch = parseLong(c.argv[4]);
  if (epoch === null) return c.notInteger();
  const r = isMasterDownByAddr(core(c), c.argv[2], port, epoch, c.argv[5]);
  c.out.arrayLen(3);
  c.out.int(r.down ? 1 : 0);
  c.out.bulk(r.leader);
  c.out.int(r.epoch);
}

function getMasterAddr(c: Client): void {
  const s = core(c);
  const ri = s.getMaster(c.argv[2]);
  if (!ri) return c.out.nullArray();
  const addr = s.currentMasterAddress(ri);
  c.out.arrayLen(2);
  c.out.bulk(s.announceAddr(addr));
  c.out.bulk(String(addr.port));
}

function failover(c: Client): void {
  const s = core(c);
  const ri = masterArg(c);
  if (!ri) return;
  if (ri.flags & F_FAILOVER_IN_PROGRESS) return c.error('INPROG Failover already in progress');
  if (selectSlave(s, ri) === null) return c.error('NOGOODSLAVE No suitable replica to promote');
  log.warning(`Executing user requested FAILOVER of '${ri.name}'`);
  startFailover(s, ri);
  ri.flags |= F_FORCE_FAILOVER;
  c.ok();
}

function monitor(c: Client): void {
  const s = core(c);
  const quorum = parseLong(c.argv[5]);
  if (quorum === null) return c.error('ERR Invalid quorum');
  const port = parseLong(c.argv[4]);
  if (port === null) return c.error('ERR Invalid port');
  if (quorum <= 0) return c.error('ERR Quorum must be 1 or greater.');
  if (resolveIp(c.argv[3], s.resolveHostnames) === null) {
    return c.error('ERR Invalid IP address or hostname specified');
  }
  const ri = s.createInstance(F_MASTER, c.argv[2], c.argv[3], port, quorum, null);
  if (typeof ri === 'string') return c.error(`ERR ${createErrorText(ri, F_MASTER)}`);
  flushConfigAndReply(c);
  s.event('warning', '+monitor', ri, `%@ quorum ${ri.quorum}`);
}

function remove(c: Client): void {
  const s = core(c);
  const ri = masterArg(c);
  if (!ri) return;
  s.event('warning', '-monitor', ri, '%@');
  s.removeMaster(ri.name);
  flushConfigAndReply(c);
}

function ckquorum(c: Client): void {
  const ri = masterArg(c);
  if (!ri) return;
  const { result, usable } = isQuorumReachable(ri);
  const r = quorumReplyText(result, usable);
  if (r.ok) c.out.status(r.text);
  else c.error(r.text);
}

function configCmd(c: Client): void {
  const s = core(c);
  const sub = c.argv[2].toLowerCase();
  if (sub === 'set' && c.argv.length === 5) return configSet(c, s);
  if (sub === 'get' && c.argv.length === 4) return configGet(c, s);
  c.error('ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.');
}

function configSet(c: Client, s: SentinelCore): void {
  const name = c.argv[3];
  const val = c.argv[4];
  const opt = name.toLowerCase();
  const bad = () => c.error(`ERR Invalid value '${val}' to SENTINEL CONFIG SET '${name}'`);
  let dropConns = false;
  if (opt === 'resolve-hostnames' || opt === 'announce-hostnames') {
    const v = val.toLowerCase();
    if (v !== 'yes' && v !== 'no') return bad();
    if (opt === 'resolve-hostnames') s.resolveHostnames = v === 'yes';
    else s.announceHostnames = v === 'yes';
  } else if (opt === 'announce-ip') {
    s.announceIp = val;
  } else if (opt === 'announce-port') {
    const n = parseLong(val);
    if (n === null || n < 0 || n > 65535) return bad();
    s.announcePort = n;
  } else if (opt === 'sentinel-user') {
    s.sentinelAuthUser = val === '' ? null : val;
    dropConns = true;
  } else if (opt === 'sentinel-pass') {
    s.sentinelAuthPass = val === '' ? null : val;
    dropConns = true;
  } else {
    return c.error(`ERR Invalid argument '${name}' to SENTINEL CONFIG SET`);
  }
  flushConfigAndReply(c);
  if (dropConns) s.dropSentinelConnections();
}

function configGet(c: Client, s: SentinelCore): void {
  const pattern = c.argv[3];
  const all: [string, string][] = [
    ['resolve-hostnames', s.resolveHostnames ? 'yes' : 'no'],
    ['announce-hostnames', s.announceHostnames ? 'yes' : 'no'],
    ['announce-ip', s.announceIp ?? ''],
    ['announce-port', String(s.announcePort)],
    ['sentinel-user', s.sentinelAuthUser ?? ''],
    ['sentinel-pass', s.sentinelAuthPass ?? ''],
  ];
  const hits = all.filter(([n]) => globMatch(pattern, n, true));
  c.out.mapLen(hits.length);
  for (const [n, v] of hits) {
    c.out.bulk(n);
    c.out.bulk(v);
  }
}

function infoCache(c: Client): void {
  const s = core(c);
  const now = s.now();
  let masters: Instance[];
  if (c.argv.length > 2) {
    const picked = new Map<string, Instance>();
    for (let i = 2; i < c.argv.length; i++) {
      const ri = s.getMaster(c.argv[i]);
      if (ri) picked.set(ri.name, ri);
    }
    masters = [...picked.values()];
  } else {
    masters = [...s.masters.values()];
  }
  c.out.arrayLen(masters.length * 2);
  for (const ri of masters) {
    c.out.bulk(ri.name);
    c.out.arrayLen(ri.slaves.size + 1);
    c.out.arrayLen(2);
    c.out.int(ri.infoRefresh ? now - ri.infoRefresh : 0);
    c.out.bulkOrNull(ri.info);
    for (const r of ri.slaves.values()) {
      c.out.arrayLen(2);
      // Redis tests the master's refresh time here but reports the replica's age.
      c.out.int(ri.infoRefresh ? now - r.infoRefresh : 0);
      c.out.bulkOrNull(r.info);
    }
  }
}

function simulateFailure(c: Client): void {
  const s = core(c);
  s.simFailureFlags = 0;
  for (let j = 2; j < c.argv.length; j++) {
    const a = c.argv[j].toLowerCase();
    if (a === 'crash-after-election') {
      s.simFailureFlags |= SIMFAILURE_CRASH_AFTER_ELECTION;
      log.warning('Failure simulation: this Sentinel will crash after being successfully elected as failover leader');
    } else if (a === 'crash-after-promotion') {
      s.simFailureFlags |= SIMFAILURE_CRASH_AFTER_PROMOTION;
      log.warning('Failure simulation: this Sentinel will crash after promoting the selected replica to master');
    } else if (a === 'help') {
      c.out.arrayLen(2);
      c.out.bulk('crash-after-election');
      c.out.bulk('crash-after-promotion');
      return;
    } else {
      return c.error('ERR Unknown failure simulation specified');
    }
  }
  c.ok();
}

function debug(c: Client): void {
  const s = core(c);
  if (c.argv.length === 2) {
    c.out.mapLen(TIMING_NAMES.length);
    for (const [name, key] of TIMING_NAMES) {
      c.out.bulk(name.toUpperCase());
      c.out.bulk(String(s.timing[key]));
    }
    return;
  }
  // Each value is checked and applied in turn: an error leaves the earlier ones applied.
  for (let j = 2; j < c.argv.length; j++) {
    const option = c.argv[j];
    const hit = TIMING_NAMES.find(([n]) => n === option.toLowerCase());
    if (!hit || j + 1 >= c.argv.length) {
      return c.error(`ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'`);
    }
    const v = parseLong(c.argv[++j]);
    if (v === null || v <= 0) return c.error(`ERR Invalid argument '${c.argv[j]}' for SENTINEL DEBUG '${option}'`);
    s.timing[hit[1]] = v;
  }
  c.ok();
}

function pendingScripts(c: Client): void {
  const s = core(c);
  const q = sentinelOf(c.srv).scripts;
  c.out.arrayLen(q.jobs.length);
  for (const job of q.jobs) {
    c.out.mapLen(5);
    c.out.bulk('argv');
    c.out.bulks(job.argv);
    c.out.bulk('flags');
    c.out.bulk(job.running ? 'running' : 'scheduled');
    c.out.bulk('pid');
    c.out.bulk(String(job.pid));
    if (job.running) {
      c.out.bulk('run-time');
      c.out.bulk(String(s.now() - job.startTime));
    } else {
      c.out.bulk('run-delay');
      c.out.bulk(String(job.startTime ? Math.max(0, job.startTime - s.now()) : 0));
    }
    c.out.bulk('retry-num');
    c.out.bulk(String(job.retryNum));
  }
}

const ADMIN = ['admin'] as const;
const meta = (summary: string, args?: string) => ({ group: 'sentinel', summary, since: '2.8.4', args });
const sub = (name: string, arity: number, summary: string, h: (c: Client) => void, args?: string): CommandSpec =>
  cmd(name, arity, ADMIN, [0, 0, 0], meta(summary, args), h);

export const sentinelSubcommands: CommandSpec[] = [
  sub('ckquorum', 3, 'Checks that the quorum and a failover authorization can be reached', ckquorum, 'master-name'),
  sub('config', -3, 'Reads or changes a global sentinel parameter', configCmd, 'GET param|SET param value'),
  sub('debug', -2, 'Lists or changes the timing parameters', debug, '[param value [param value ...]]'),
  sub('failover', 3, 'Fails a master over without asking the other sentinels', failover, 'master-name'),
  sub('flushconfig', 2, 'Rewrites the config file with the current state', flushConfigAndReply),
  sub('get-master-addr-by-name', 3, 'Returns the current address of a master', getMasterAddr, 'master-name'),
  cmd('help', 2, ['loading', 'stale'], [0, 0, 0], meta('Lists SENTINEL subcommands'), (c) => {
    c.out.arrayLen(HELP.length);
    for (const l of HELP) c.out.status(l);
  }),
  sub('info-cache', -3, 'Returns the last INFO replies of masters and replicas', infoCache, 'master-name [...]'),
  sub(
    'is-master-down-by-addr',
    6,
    'Tells whether a master is down here, and votes for a failover leader',
    isMasterDown,
    'ip port current-epoch runid',
  ),
  sub('master', 3, 'Describes a monitored master', (c) => {
    const ri = masterArg(c);
    if (ri) writeInstance(c, core(c), ri);
  }),
  sub('masters', 2, 'Describes every monitored master', (c) => writeInstances(c, core(c), core(c).masters)),
  sub('monitor', 6, 'Starts monitoring a master', monitor, 'name ip port quorum'),
  sub('myid', 2, 'Returns the id of this sentinel', (c) => c.out.bulk(core(c).myid)),
  sub('pending-scripts', 2, 'Lists queued and running scripts', pendingScripts),
  sub('remove', 3, 'Stops monitoring a master', remove, 'master-name'),
  sub('replicas', 3, 'Describes the replicas of a master', (c) => {
    const ri = masterArg(c);
    if (ri) writeInstances(c, core(c), ri.slaves);
  }),
  sub('reset', 3, 'Forgets the replicas, sentinels and failover state of matching masters', (c) =>
    c.out.int(core(c).resetMastersByPattern(c.argv[2])),
  ),
  sub('sentinels', 3, 'Describes the other sentinels of a master', (c) => {
    const ri = masterArg(c);
    if (ri) writeInstances(c, core(c), ri.sentinels);
  }),
  sub('set', -5, 'Changes options of a monitored master', sentinelSet, 'master-name option value [...]'),
  sub('simulate-failure', -3, 'Makes this sentinel crash at a failover step', simulateFailure, 'flag [flag ...]'),
  sub('slaves', 3, 'Describes the replicas of a master', (c) => {
    const ri = masterArg(c);
    if (ri) writeInstances(c, core(c), ri.slaves);
  }),
];
