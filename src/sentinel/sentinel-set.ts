/**
 * SENTINEL SET <master> <option> <value> [<option> <value> ...]: options are applied one at a time, each with a
 * +set event; the first bad one stops with an error, leaving the earlier ones applied (and saved), as Redis does.
 */
import fs from 'node:fs';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { flushConfigAndReply, sentinelOf } from './host';

function executable(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function sentinelSet(c: Client): void {
  const s = sentinelOf(c.srv).core;
  const ri = s.getMaster(c.argv[2]);
  if (!ri) return c.error('ERR No such master with that name');
  const argv = c.argv;
  const argc = argv.length;
  let changes = 0;
  const fail = (msg: string) => {
    c.error(msg);
    if (changes) s.flushConfig();
  };
  for (let j = 3; j < argc; j++) {
    const moreargs = argc - 1 - j;
    const option = argv[j];
    const opt = option.toLowerCase();
    const oldJ = j;
    let redacted = false;
    const badArg = (at: number) => fail(`ERR Invalid argument '${argv[at]}' for SENTINEL SET '${option}'`);
    if (
      (opt === 'down-after-milliseconds' ||
        opt === 'failover-timeout' ||
        opt === 'parallel-syncs' ||
        opt === 'quorum' ||
        opt === 'master-reboot-down-after-period') &&
      moreargs > 0
    ) {
      const v = parseLong(argv[++j]);
      const min = opt === 'master-reboot-down-after-period' ? 0 : 1;
      if (v === null || v < min) return badArg(j);
      if (opt === 'down-after-milliseconds') {
        ri.downAfterPeriod = v;
        s.propagateDownAfterPeriod(ri);
      } else if (opt === 'failover-timeout') {
        ri.failoverTimeout = v;
      } else if (opt === 'parallel-syncs') {
        ri.parallelSyncs = v;
      } else if (opt === 'quorum') {
        ri.quorum = v;
      } else {
        ri.masterRebootDownAfterPeriod = v;
      }
      changes++;
    } else if ((opt === 'notification-script' || opt === 'client-reconfig-script') && moreargs > 0) {
      const value = argv[++j];
      if (s.denyScriptsReconfig) {
        return fail(
          'ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration',
        );
      }
      if (value !== '' && !executable(value)) {
        return fail(
          opt === 'notification-script'
            ? 'ERR Notification script seems non existing or non executable'
            : 'ERR Client reconfiguration script seems non existing or non executable',
        );
      }
      if (opt === 'notification-script') ri.notificationScript = value === '' ? null : value;
      else ri.clientReconfigScript = value === '' ? null : value;
      changes++;
    } else if ((opt === 'auth-pass' || opt === 'auth-user') && moreargs > 0) {
      const value = argv[++j];
      if (opt === 'auth-pass') {
        ri.authPass = value === '' ? null : value;
        redacted = true;
      } else {
        ri.authUser = value === '' ? null : value;
      }
      // New credentials take effect on new connections.
      s.dropInstanceConnections(ri);
      changes++;
    } else if (opt === 'rename-command' && moreargs > 1) {
      const oldName = argv[++j];
      const newName = argv[++j];
      if (oldName === '' || newName === '') return badArg(newName !== '' ? j - 1 : j);
      ri.renamedCommands.delete(oldName.toLowerCase());
      if (oldName.toLowerCase() !== newName.toLowerCase())
        ri.renamedCommands.set(oldName.toLowerCase(), [oldName, newName]);
      changes++;
    } else {
      return fail(`ERR Unknown option or number of arguments for SENTINEL SET '${option}'`);
    }
    const n = j - oldJ + 1;
    if (n === 2) s.event('warning', '+set', ri, `%@ ${option} ${redacted ? '******' : argv[oldJ + 1]}`);
    else if (n === 3) s.event('warning', '+set', ri, `%@ ${option} ${argv[oldJ + 1]} ${argv[oldJ + 2]}`);
    else s.event('warning', '+set', ri, `%@ ${option}`);
  }
  flushConfigAndReply(c);
}
