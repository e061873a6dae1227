/**
 * `sentinel ...` lines of sentinel.conf, applied once the whole file is read. They are taken in three passes so a
 * rewritten file (where per-master lines may come before their `monitor` line) loads the same: first the global
 * options, then the `monitor` lines, then everything that refers to a master. The first bad line stops the start with
 * Redis' FATAL CONFIG FILE ERROR block.
 */
import fs from 'node:fs';
import type { SentinelLine } from '../config/load';
import { type CreateError, createErrorText, type SentinelCore } from './core';
import { F_MASTER, F_SENTINEL, F_SLAVE, type Instance } from './instance';

/** Options applied before any master exists. */
const PRE_MONITOR = new Set([
  'announce-ip',
  'announce-port',
  'deny-scripts-reconfig',
  'sentinel-user',
  'sentinel-pass',
  'current-epoch',
  'myid',
  'resolve-hostnames',
  'announce-hostnames',
]);

export class SentinelConfigError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Applies queued `sentinel` lines (arguments after the word "sentinel"). Throws SentinelConfigError. */
export function applySentinelLines(s: SentinelCore, lines: readonly SentinelLine[]): void {
  const pre: SentinelLine[] = [];
  const monitor: SentinelLine[] = [];
  const post: SentinelLine[] = [];
  for (const l of lines) {
    const name = (l.args[0] ?? '').toLowerCase();
    if (name === 'monitor') monitor.push(l);
    else if (PRE_MONITOR.has(name)) pre.push(l);
    else post.push(l);
  }
  for (const l of [...pre, ...monitor, ...post]) {
    const err = applyOne(s, l.args);
    if (err !== null) throw new SentinelConfigError(l.lineNumber, l.line, err);
  }
}

/** C's atoi. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}

/** strtoull: leading digits; a leading '-' wraps in C, here it reads as 0 (epochs are never negative). */
function strtoull(s: string): number {
  const m = /^\s*\+?(\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function yesno(s: string): boolean | null {
  const l = s.toLowerCase();
  return l === 'yes' ? true : l === 'no' ? false : null;
}

function executable(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** One line; returns the error reason or null. */
export function applyOne(s: SentinelCore, argv: readonly string[]): string | null {
  const name = (argv[0] ?? '').toLowerCase();
  const argc = argv.length;
  const master = (): Instance | undefined => s.getMaster(argv[1]);
  const noMaster = 'No such master with specified name.';

  if (name === 'monitor' && argc === 5) {
    const quorum = atoi(argv[4]);
    if (quorum <= 0) return 'Quorum must be 1 or greater.';
    const ri = s.createInstance(F_MASTER, argv[1], argv[2], atoi(argv[3]), quorum, null);
    if (typeof ri === 'string') return createErrorText(ri as CreateError, F_MASTER);
    return null;
  }
  if ((name === 'down-after-milliseconds' || name === 'failover-timeout') && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    const v = atoi(argv[2]);
    if (name === 'down-after-milliseconds') {
      ri.downAfterPeriod = v;
      if (v <= 0) return 'negative or zero time parameter.';
      s.propagateDownAfterPeriod(ri);
    } else {
      ri.failoverTimeout = v;
      if (v <= 0) return 'negative or zero time parameter.';
    }
    return null;
  }
  if (name === 'parallel-syncs' && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    ri.parallelSyncs = atoi(argv[2]);
    return null;
  }
  if ((name === 'notification-script' || name === 'client-reconfig-script') && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    if (!executable(argv[2])) {
      return name === 'notification-script'
        ? 'Notification script seems non existing or non executable.'
        : 'Client reconfiguration script seems non existing or non executable.';
    }
    if (name === 'notification-script') ri.notificationScript = argv[2];
    else ri.clientReconfigScript = argv[2];
    return null;
  }
  if ((name === 'auth-pass' || name === 'auth-user') && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    if (name === 'auth-pass') ri.authPass = argv[2];
    else ri.authUser = argv[2];
    return null;
  }
  if (name === 'current-epoch' && argc === 2) {
    const e = strtoull(argv[1]);
    if (e > s.currentEpoch) s.currentEpoch = e;
    return null;
  }
  if (name === 'myid' && argc === 2) {
    if (argv[1].length !== 40) return 'Malformed Sentinel id in myid option.';
    s.myid = argv[1];
    return null;
  }
  if ((name === 'config-epoch' || name === 'leader-epoch') && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    const e = strtoull(argv[2]);
    if (name === 'config-epoch') {
      ri.configEpoch = e;
      if (e > s.currentEpoch) s.currentEpoch = e;
    } else {
      ri.leaderEpoch = e;
    }
    return null;
  }
  if ((name === 'known-slave' || name === 'known-replica') && argc === 4) {
    const ri = master();
    if (!ri) return noMaster;
    const r = s.createInstance(F_SLAVE, null, argv[2], atoi(argv[3]), ri.quorum, ri);
    if (typeof r === 'string') return createErrorText(r, F_SLAVE);
    return null;
  }
  if (name === 'known-sentinel' && (argc === 4 || argc === 5)) {
    if (argc === 4) return null; // the old form without a run id is ignored
    const ri = master();
    if (!ri) return noMaster;
    const si = s.createInstance(F_SENTINEL, argv[4], argv[2], atoi(argv[3]), ri.quorum, ri);
    if (typeof si === 'string') return createErrorText(si, F_SENTINEL);
    si.runid = argv[4];
    s.tryConnectionSharing(si);
    return null;
  }
  if (name === 'rename-command' && argc === 4) {
    const ri = master();
    if (!ri) return noMaster;
    const key = argv[2].toLowerCase();
    if (ri.renamedCommands.has(key)) return 'Same command renamed multiple times with rename-command.';
    ri.renamedCommands.set(key, [argv[2], argv[3]]);
    return null;
  }
  if (name === 'announce-ip' && argc === 2) {
    if (argv[1] !== '') s.announceIp = argv[1];
    return null;
  }
  if (name === 'announce-port' && argc === 2) {
    s.announcePort = atoi(argv[1]);
    return null;
  }
  if ((name === 'sentinel-user' || name === 'sentinel-pass') && argc === 2) {
    if (argv[1] !== '') {
      if (name === 'sentinel-user') s.sentinelAuthUser = argv[1];
      else s.sentinelAuthPass = argv[1];
    }
    return null;
  }
  if (name === 'deny-scripts-reconfig' && argc === 2) {
    const v = yesno(argv[1]);
    if (v === null) return 'Please specify yes or no for the deny-scripts-reconfig options.';
    s.denyScriptsReconfig = v;
    return null;
  }
  if ((name === 'resolve-hostnames' || name === 'announce-hostnames') && argc === 2) {
    const v = yesno(argv[1]);
    if (v === null) return `Please specify yes or no for the ${name} option.`;
    if (name === 'resolve-hostnames') s.resolveHostnames = v;
    else s.announceHostnames = v;
    return null;
  }
  if (name === 'master-reboot-down-after-period' && argc === 3) {
    const ri = master();
    if (!ri) return noMaster;
    ri.masterRebootDownAfterPeriod = atoi(argv[2]);
    if (ri.masterRebootDownAfterPeriod < 0) return 'negative time parameter.';
    return null;
  }
  return 'Unrecognized sentinel configuration statement.';
}
