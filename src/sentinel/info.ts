/**
 * What a sentinel learns from the INFO replies of masters and replicas, and how it reacts: replicas are discovered
 * from a master's slaveN lines; a replica's master_* fields, priority and offset feed replica selection; role changes
 * drive the failover (a promoted replica reporting role:master), and instances that disagree with our view are put
 * back in line (a replica turned master is converted back, a replica following another master is re-pointed).
 */
import { SIMFAILURE_CRASH_AFTER_PROMOTION, type SentinelCore } from './core';
import { sendSlaveOf } from './failover';
import { forceHelloUpdateForMaster } from './hello';
import {
  F_FAILOVER_IN_PROGRESS,
  F_MASTER,
  F_MASTER_REBOOT,
  F_O_DOWN,
  F_PROMOTED,
  F_RECONF_INPROG,
  F_RECONF_SENT,
  F_RECONF_DONE,
  F_S_DOWN,
  F_SLAVE,
  FO_RECONF_SLAVES,
  FO_WAIT_PROMOTION,
  type Instance,
} from './instance';

/** A master is sane: we think it is the master, it says so, it is not down, and its INFO is recent. */
export function masterLooksSane(s: SentinelCore, master: Instance): boolean {
  return (
    (master.flags & F_MASTER) !== 0 &&
    master.roleReported === F_MASTER &&
    (master.flags & (F_S_DOWN | F_O_DOWN)) === 0 &&
    s.now() - master.infoRefresh < s.timing.infoPeriod * 2
  );
}

/** Replica addresses listed by a master's INFO: "slaveN:ip=..,port=..,..." (or the pre-2.8 "slaveN:ip,port,state"). */
function replicaLine(l: string): [string, number] | null {
  if (l.length < 7 || !l.startsWith('slave') || !(l.charCodeAt(5) >= 0x30 && l.charCodeAt(5) <= 0x39)) return null;
  let ip: string;
  let port: string;
  const ipAt = l.indexOf('ip=');
  if (ipAt < 0) {
    const colon = l.indexOf(':');
    if (colon < 0) return null;
    const rest = l.slice(colon + 1).split(',');
    if (rest.length < 3) return null;
    ip = rest[0];
    port = rest[1];
  } else {
    const portAt = l.indexOf('port=');
    if (portAt < 0) return null;
    ip = l.slice(ipAt + 3).split(',')[0];
    port = l.slice(portAt + 5).split(',')[0];
  }
  return [ip, atoi(port)];
}

/** C's atoi: leading digits (with sign), 0 when none. */
export function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}

/** Parses an INFO reply into the instance record and reacts to what changed. */
export function refreshInstanceInfo(s: SentinelCore, ri: Instance, info: string): void {
  ri.info = info;
  // Absent from INFO means "link up": the field only exists while a replica's link is down.
  ri.masterLinkDownTime = 0;
  let role = 0;
  for (const l of info.split('\r\n')) {
    if (l.length >= 47 && l.startsWith('run_id:')) {
      const id = l.slice(7, 47);
      if (ri.runid === null) {
        ri.runid = id;
      } else if (ri.runid !== id) {
        s.event('notice', '+reboot', ri, '%@');
        if (ri.flags & F_MASTER && ri.masterRebootDownAfterPeriod !== 0) {
          ri.flags |= F_MASTER_REBOOT;
          ri.masterRebootSinceTime = s.now();
        }
        ri.runid = id;
      }
    }
    if (ri.flags & F_MASTER) {
      const rep = replicaLine(l);
      if (rep && s.lookupSlave(ri, rep[0], rep[1]) === undefined) {
        const slave = s.createInstance(F_SLAVE, null, rep[0], rep[1], ri.quorum, ri);
        if (typeof slave !== 'string') {
          s.event('notice', '+slave', slave, '%@');
          s.flushConfig();
        }
      }
    }
    if (l.length >= 32 && l.startsWith('master_link_down_since_seconds')) {
      ri.masterLinkDownTime = atoi(l.slice(31)) * 1000;
    }
    if (l.startsWith('role:master')) role = F_MASTER;
    else if (l.startsWith('role:slave')) role = F_SLAVE;
    if (role === F_SLAVE) {
      if (l.startsWith('master_host:')) {
        const host = l.slice(12);
        if (ri.slaveMasterHost === null || host.toLowerCase() !== ri.slaveMasterHost.toLowerCase()) {
          ri.slaveMasterHost = host;
          ri.slaveConfChangeTime = s.now();
        }
      } else if (l.startsWith('master_port:')) {
        const port = atoi(l.slice(12));
        if (ri.slaveMasterPort !== port) {
          ri.slaveMasterPort = port;
          ri.slaveConfChangeTime = s.now();
        }
      } else if (l.startsWith('master_link_status:')) {
        ri.slaveMasterLinkUp = l.slice(19).toLowerCase() === 'up';
      } else if (l.startsWith('slave_priority:')) {
        ri.slavePriority = atoi(l.slice(15));
      } else if (l.startsWith('slave_repl_offset:')) {
        ri.slaveReplOffset = atoi(l.slice(18));
      } else if (l.startsWith('replica_announced:')) {
        ri.replicaAnnounced = atoi(l.slice(18));
      }
    }
  }
  ri.infoRefresh = s.now();

  if (role !== ri.roleReported) {
    ri.roleReportedTime = s.now();
    ri.roleReported = role;
    if (role === F_SLAVE) ri.slaveConfChangeTime = s.now();
    const coherent = (ri.flags & (F_MASTER | F_SLAVE)) === role;
    s.event(
      'verbose',
      coherent ? '+role-change' : '-role-change',
      ri,
      `%@ new reported role is ${role === F_MASTER ? 'master' : 'slave'}`,
    );
  }

  // In TILT the sentinel observes only.
  if (s.tilt) return;

  // A master reporting role:slave needs nothing here: SDOWN follows after a while (detect.ts).

  if (ri.flags & F_SLAVE && role === F_MASTER) {
    const master = ri.master!;
    if (ri.flags & F_PROMOTED && master.flags & F_FAILOVER_IN_PROGRESS && master.failoverState === FO_WAIT_PROMOTION) {
      // Our candidate took over: the new configuration is ours, in the failover epoch.
      master.configEpoch = master.failoverEpoch;
      master.failoverState = FO_RECONF_SLAVES;
      master.failoverStateChangeTime = s.now();
      s.flushConfig();
      s.event('warning', '+promoted-slave', ri, '%@');
      if (s.simFailureFlags & SIMFAILURE_CRASH_AFTER_PROMOTION) s.io.crash();
      s.event('warning', '+failover-state-reconf-slaves', master, '%@');
      s.callClientReconfScript(master, 'leader', 'start', master.addr, ri.addr);
      forceHelloUpdateForMaster(s, master);
    } else {
      // A replica turned master behind our back: once things are stable, turn it back into a replica.
      const wait = s.timing.publishPeriod * 4;
      if (
        !(ri.flags & F_PROMOTED) &&
        masterLooksSane(s, master) &&
        s.noDownFor(ri, wait) &&
        s.now() - ri.roleReportedTime > wait
      ) {
        if (sendSlaveOf(s, ri, master.addr)) s.event('notice', '+convert-to-slave', ri, '%@');
      }
    }
  }

  if (
    ri.flags & F_SLAVE &&
    role === F_SLAVE &&
    (ri.slaveMasterPort !== ri.master!.addr.port || !s.addrEqualsHostname(ri.master!.addr, ri.slaveMasterHost ?? ''))
  ) {
    // Following another master: re-point it once the master is sane and the situation lasted failover-timeout.
    const master = ri.master!;
    const wait = master.failoverTimeout;
    if (masterLooksSane(s, master) && s.noDownFor(ri, wait) && s.now() - ri.slaveConfChangeTime > wait) {
      if (sendSlaveOf(s, ri, master.addr)) s.event('notice', '+fix-slave-config', ri, '%@');
    }
  }

  if (ri.flags & F_SLAVE && role === F_SLAVE && ri.flags & (F_RECONF_SENT | F_RECONF_INPROG)) {
    const promoted = ri.master!.promotedSlave;
    // reconf_sent -> reconf_inprog: it now follows the promoted replica.
    if (
      ri.flags & F_RECONF_SENT &&
      promoted !== null &&
      ri.slaveMasterHost !== null &&
      s.addrEqualsHostname(promoted.addr, ri.slaveMasterHost) &&
      ri.slaveMasterPort === promoted.addr.port
    ) {
      ri.flags &= ~F_RECONF_SENT;
      ri.flags |= F_RECONF_INPROG;
      s.event('notice', '+slave-reconf-inprog', ri, '%@');
    }
    // reconf_inprog -> reconf_done: its link to the new master is up.
    if (ri.flags & F_RECONF_INPROG && ri.slaveMasterLinkUp) {
      ri.flags &= ~F_RECONF_INPROG;
      ri.flags |= F_RECONF_DONE;
      s.event('notice', '+slave-reconf-done', ri, '%@');
    }
  }
}
