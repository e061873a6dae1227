/**
 * Persisting the sentinel's state: its config file is rewritten (CONFIG REWRITE style, comments and layout kept) on
 * every state change. The server directives are rewritten by config/rewrite.ts, which keeps `sentinel` lines
 * untouched; then the sentinel lines are merged in, each kind keyed as "sentinel <option>" the way redis-sentinel
 * does: existing lines of a kind are overwritten in place, in order, extra ones are appended at the end, and lines
 * of a kind that is no longer needed are blanked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config';
import { REWRITE_SIGNATURE, renderRewrite } from '../config/rewrite';
import { reprQuote } from '../config/values';
import { splitArgs } from '../protocol/resp-parser';
import type { SentinelCore } from './core';
import { addrEqual, DEFAULT_PARALLEL_SYNCS } from './instance';

/** [option key, line, write it even when the file has no line of that kind] */
export type RewriteEntry = [option: string, line: string, force: boolean];

/** Kinds whose leftover lines are dropped even when no line of that kind is generated any more. */
const ALWAYS_PROCESSED = [
  'sentinel monitor',
  'sentinel down-after-milliseconds',
  'sentinel failover-timeout',
  'sentinel parallel-syncs',
  'sentinel notification-script',
  'sentinel client-reconfig-script',
  'sentinel auth-pass',
  'sentinel auth-user',
  'sentinel config-epoch',
  'sentinel leader-epoch',
  'sentinel known-replica',
  'sentinel known-sentinel',
  'sentinel rename-command',
  'sentinel master-reboot-down-after-period',
];

/** The sentinel lines describing the current state, in redis-sentinel's order, plus kinds to mark processed. */
export function sentinelRewriteEntries(s: SentinelCore): { entries: RewriteEntry[]; processed: string[] } {
  const out: RewriteEntry[] = [];
  const processed = [...ALWAYS_PROCESSED];
  const add = (option: string, line: string, force = true) => out.push([`sentinel ${option}`, line, force]);
  add('myid', `sentinel myid ${s.myid}`);
  add('deny-scripts-reconfig', `sentinel deny-scripts-reconfig ${yn(s.denyScriptsReconfig)}`, !s.denyScriptsReconfig);
  add('resolve-hostnames', `sentinel resolve-hostnames ${yn(s.resolveHostnames)}`, s.resolveHostnames);
  add('announce-hostnames', `sentinel announce-hostnames ${yn(s.announceHostnames)}`, s.announceHostnames);
  for (const m of s.masters.values()) {
    const maddr = s.currentMasterAddress(m);
    add('monitor', `sentinel monitor ${m.name} ${s.announceAddr(maddr)} ${maddr.port} ${m.quorum}`);
    if (m.downAfterPeriod !== s.timing.defaultDownAfter) {
      add('down-after-milliseconds', `sentinel down-after-milliseconds ${m.name} ${m.downAfterPeriod}`);
    }
    if (m.failoverTimeout !== s.timing.defaultFailoverTimeout) {
      add('failover-timeout', `sentinel failover-timeout ${m.name} ${m.failoverTimeout}`);
    }
    if (m.parallelSyncs !== DEFAULT_PARALLEL_SYNCS) {
      add('parallel-syncs', `sentinel parallel-syncs ${m.name} ${m.parallelSyncs}`);
    }
    if (m.notificationScript)
      add('notification-script', `sentinel notification-script ${m.name} ${m.notificationScript}`);
    if (m.clientReconfigScript) {
      add('client-reconfig-script', `sentinel client-reconfig-script ${m.name} ${m.clientReconfigScript}`);
    }
    if (m.authPass) add('auth-pass', `sentinel auth-pass ${m.name} ${m.authPass}`);
    if (m.authUser) add('auth-user', `sentinel auth-user ${m.name} ${m.authUser}`);
    if (m.masterRebootDownAfterPeriod !== 0) {
      add(
        'master-reboot-down-after-period',
        `sentinel master-reboot-down-after-period ${m.name} ${m.masterRebootDownAfterPeriod}`,
      );
    }
    add('config-epoch', `sentinel config-epoch ${m.name} ${m.configEpoch}`);
    add('leader-epoch', `sentinel leader-epoch ${m.name} ${m.leaderEpoch}`);
    for (const r of m.slaves.values()) {
      // Mid-failover the promoted replica is the current master: the old master address stands in for it.
      const a = addrEqual(r.addr, maddr) ? m.addr : r.addr;
      add('known-replica', `sentinel known-replica ${m.name} ${s.announceAddr(a)} ${a.port}`);
    }
    for (const si of m.sentinels.values()) {
      if (si.runid === null) continue;
      add('known-sentinel', `sentinel known-sentinel ${m.name} ${s.announceAddr(si.addr)} ${si.addr.port} ${si.runid}`);
    }
    for (const [original, renamed] of m.renamedCommands.values()) {
      add('rename-command', `sentinel rename-command ${m.name} ${original} ${renamed}`);
    }
  }
  add('current-epoch', `sentinel current-epoch ${s.currentEpoch}`);
  if (s.announceIp !== null) add('announce-ip', `sentinel announce-ip ${reprQuote(s.announceIp)}`);
  else processed.push('sentinel announce-ip');
  if (s.announcePort) add('announce-port', `sentinel announce-port ${s.announcePort}`);
  else processed.push('sentinel announce-port');
  if (s.sentinelAuthUser !== null) add('sentinel-user', `sentinel sentinel-user ${s.sentinelAuthUser}`);
  else processed.push('sentinel sentinel-user');
  if (s.sentinelAuthPass !== null) add('sentinel-pass', `sentinel sentinel-pass ${s.sentinelAuthPass}`);
  else processed.push('sentinel sentinel-pass');
  return { entries: out, processed };
}

function yn(b: boolean): string {
  return b ? 'yes' : 'no';
}

/** Merges sentinel entries into an already rewritten file text (which ends with a newline, or is empty). */
export function mergeSentinelLines(
  text: string,
  entries: readonly RewriteEntry[],
  processed: readonly string[],
): string {
  const lines = text === '' ? [] : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const slots = new Map<string, number[]>();
  let needsSignature = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === REWRITE_SIGNATURE) needsSignature = false;
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    if (argv === null) continue;
    // A sentinel saves no dataset: save points are never written, and old ones are dropped.
    if (argv[0]?.toLowerCase() === 'save') {
      lines[i] = '';
      continue;
    }
    if (argv.length < 2 || argv[0].toLowerCase() !== 'sentinel') continue;
    const key = `sentinel ${argv[1].toLowerCase()}`;
    const list = slots.get(key) ?? [];
    list.push(i);
    slots.set(key, list);
  }
  const done = new Set<string>(processed);
  for (const [option, line, force] of entries) {
    done.add(option);
    const free = slots.get(option);
    if (free && free.length > 0) {
      lines[free.shift()!] = line;
      continue;
    }
    if (!force) continue;
    if (needsSignature) {
      lines.push(REWRITE_SIGNATURE);
      needsSignature = false;
    }
    lines.push(line);
  }
  for (const [option, left] of slots) if (done.has(option)) for (const i of left) lines[i] = '';
  let out = '';
  let wasEmpty = false;
  for (const l of lines) {
    if (l === '') {
      if (wasEmpty) continue;
      wasEmpty = true;
    } else {
      wasEmpty = false;
    }
    out += `${l}\n`;
  }
  return out;
}

/** The whole new file: the server directives, then the sentinel state. */
export function renderSentinelConfig(config: Config, s: SentinelCore, oldText: string): string {
  const { entries, processed } = sentinelRewriteEntries(s);
  // Save points are left out of the server part (a sentinel has no dataset); old `save` lines go in the merge.
  const view = Object.create(config) as Config;
  view.directives = () => config.directives().filter((d) => d.name !== 'save');
  return mergeSentinelLines(renderRewrite(view, oldText), entries, processed);
}

/** Rewrites the config file atomically (temp file, fsync, rename, fsync of the directory). */
export function writeSentinelConfig(config: Config, s: SentinelCore, file: string): void {
  let oldText = '';
  try {
    oldText = fs.readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const content = renderSentinelConfig(config, s, oldText);
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  let ok = false;
  try {
    fs.writeSync(fd, Buffer.from(content, 'latin1'));
    fs.fsyncSync(fd);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) fs.rmSync(tmp, { force: true });
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // not every filesystem syncs directories; the file itself is on disk
  }
}
