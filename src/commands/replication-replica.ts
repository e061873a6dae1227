/**
 * REPLICAOF / SLAVEOF: follow a master, or stop following one (NO ONE). The work is in replication/replica.ts;
 * this file holds the command's checks and replies (spec §11).
 */
import { parseLong } from '../protocol/numbers';
import { replicaOf } from '../replication/replica-install';
import { replicationOf } from '../replication/state';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { type CommandSpec, cmd } from './command';

function replicaof(c: Client): void {
  const srv = c.srv;
  const rs = replicationOf(srv);
  if (srv.config.bool('cluster-enabled')) return c.error('ERR REPLICAOF not allowed in cluster mode.');
  if (rs.primary?.failingOver === true) return c.error('ERR REPLICAOF not allowed while failing over.');
  const [, host, portArg] = c.argv;
  if (host.toLowerCase() === 'no' && portArg.toLowerCase() === 'one') {
    if (srv.masterHost !== null) {
      replicaOf(srv).unsetMaster();
      log.notice(`MASTER MODE enabled (user request from '${srv.clientInfoLine(c)}')`);
    }
    return c.ok();
  }
  // Following another master restarts our replicas' streams, this client's included.
  if (c.isReplica) return c.error('ERR Command is not valid when client is a replica.');
  const port = parseLong(portArg);
  if (port === null || port < 0 || port > 65535) return c.error('ERR Invalid master port');
  if (srv.masterHost !== null && srv.masterHost.toLowerCase() === host.toLowerCase() && rs.masterPort === port) {
    log.notice(
      'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.',
    );
    return c.out.status('OK Already connected to specified master');
  }
  replicaOf(srv).setMaster(host, port);
  log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${srv.clientInfoLine(c)}')`);
  c.ok();
}

const META = {
  group: 'server',
  summary: 'Makes this server a replica of another one, or a master again (NO ONE)',
  complexity: 'O(1)',
  args: 'host port',
};

export const replicationReplicaCommands: CommandSpec[] = [
  cmd(
    'replicaof',
    3,
    ['admin', 'noscript', 'stale', 'no_async_loading'],
    [0, 0, 0],
    { ...META, since: '5.0.0' },
    replicaof,
  ),
  cmd(
    'slaveof',
    3,
    ['admin', 'noscript', 'stale', 'no_async_loading'],
    [0, 0, 0],
    { ...META, since: '1.0.0' },
    replicaof,
  ),
];
