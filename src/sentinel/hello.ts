/**
 * Hello messages: every publish period each sentinel announces itself and its view of each master by PUBLISHing on
 * `__sentinel__:hello` to the master, its replicas and the other sentinels. The payload is eight comma-separated
 * fields:
 *
 *   <sentinel ip>,<sentinel port>,<sentinel run id>,<current epoch>,<master name>,<master ip>,<master port>,<config epoch>
 *
 * Receiving one teaches us about sentinels (discovery, address changes), newer epochs, and newer master
 * configurations (a failover another sentinel completed: we switch to its master address).
 */
import type { SentinelCore } from './core';
import { F_MASTER, F_SENTINEL, type Instance } from './instance';

export const HELLO_CHANNEL = '__sentinel__:hello';

/** C's strtoull on a decimal field: leading digits, 0 when none. */
function toEpoch(s: string): number {
  const m = /^\s*\+?(\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}

/** The payload we publish through `ri` (a master, one of its replicas or one of its sentinels), or null. */
export function helloPayload(s: SentinelCore, ri: Instance, localIp: string | undefined): string | null {
  const master = ri.owner;
  const maddr = s.currentMasterAddress(master);
  const ip = s.announceIp ?? localIp;
  if (ip === undefined) return null;
  const port = s.announcePort || s.io.listeningPort();
  return `${ip},${port},${s.myid},${s.currentEpoch},${master.name},${s.announceAddr(maddr)},${maddr.port},${master.configEpoch}`;
}

/** Publishes our hello through the instance's command connection. */
export function sendHello(s: SentinelCore, ri: Instance): boolean {
  const link = ri.link;
  if (link.disconnected || link.cc === null) return false;
  const payload = helloPayload(s, ri, link.cc.localAddress());
  if (payload === null) return false;
  const ok = link.cc.send([s.mapCommand(ri, 'PUBLISH'), HELLO_CHANNEL, payload], (r) => {
    if (r === null) return;
    link.pendingCommands--;
    if (r.t !== 'error') ri.lastPubTime = s.now();
  });
  if (!ok) return false;
  link.pendingCommands++;
  return true;
}

/** Makes the next tick publish hellos for a master at once (after a promotion). */
export function forceHelloUpdateForMaster(s: SentinelCore, master: Instance): void {
  if (!(master.flags & F_MASTER)) return;
  const back = s.timing.publishPeriod + 1;
  const force = (ri: Instance) => {
    if (ri.lastPubTime >= back) ri.lastPubTime -= back;
  };
  force(master);
  for (const si of master.sentinels.values()) force(si);
  for (const r of master.slaves.values()) force(r);
}

/** Processes a hello received on a pub/sub connection or through PUBLISH to this sentinel. */
export function processHello(s: SentinelCore, hello: string): void {
  const token = hello.split(',');
  if (token.length !== 8) return;
  const master = s.getMaster(token[4]);
  if (!master) return;
  const port = atoi(token[1]);
  const masterPort = atoi(token[6]);
  let si = s.findInstance(master.sentinels, token[0], port, token[2]) ?? null;
  const currentEpoch = toEpoch(token[3]);
  const masterConfigEpoch = toEpoch(token[7]);

  if (si === null) {
    // Not known with this address and id. Same id elsewhere: it moved. Same address with another id: that record
    // is stale (a restarted sentinel got a new id) and goes away everywhere.
    const removed = s.removeMatchingSentinel(master, token[2]);
    if (removed) {
      s.event('notice', '+sentinel-address-switch', master, `%@ ip ${token[0]} port ${port} for ${token[2]}`);
    } else {
      const other = s.findInstance(master.sentinels, token[0], port, null);
      if (other) {
        s.event('notice', '+sentinel-invalid-addr', other, '%@');
        const obsolete = other.runid;
        if (obsolete !== null) for (const m of s.masters.values()) s.removeMatchingSentinel(m, obsolete);
      }
    }
    const created = s.createInstance(F_SENTINEL, token[2], token[0], port, master.quorum, master);
    if (typeof created !== 'string') {
      si = created;
      if (!removed) s.event('notice', '+sentinel', si, '%@');
      si.runid = token[2];
      s.tryConnectionSharing(si);
      if (removed) s.updateSentinelAddressInAllMasters(si);
      s.flushConfig();
    }
  }

  if (currentEpoch > s.currentEpoch) {
    s.currentEpoch = currentEpoch;
    s.flushConfig();
    s.event('warning', '+new-epoch', master, String(s.currentEpoch));
  }

  if (si !== null && master.configEpoch < masterConfigEpoch) {
    master.configEpoch = masterConfigEpoch;
    if (masterPort !== master.addr.port || !s.addrEqualsHostname(master.addr, token[5])) {
      s.event('warning', '+config-update-from', si, '%@');
      s.event(
        'warning',
        '+switch-master',
        master,
        `${master.name} ${s.announceAddr(master.addr)} ${master.addr.port} ${token[5]} ${masterPort}`,
      );
      const oldAddr = { ...master.addr };
      s.resetMasterAndChangeAddress(master, token[5], masterPort);
      s.callClientReconfScript(master, 'observer', 'start', oldAddr, master.addr);
    }
  }

  if (si !== null) si.lastHelloTime = s.now();
}
