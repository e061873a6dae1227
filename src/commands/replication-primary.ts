/**
 * Commands of the primary side of replication: SYNC / PSYNC (a client becomes our replica), REPLCONF (what a
 * replica declares, and its ACKs), WAIT, FAILOVER. The protocol work is in src/replication/primary.ts; this file
 * parses arguments and applies Redis' checks in Redis' order (spec §2, §3, §12).
 */
import { parseLong, parseLongExact } from '../protocol/numbers';
import { splitArgs } from '../protocol/resp-parser';
import { failoverAbort, failoverStart } from '../replication/failover';
import { primaryOf } from '../replication/primary';
import { replicationOf } from '../replication/state';
import {
  REQ_EXCLUDE_DATA,
  REQ_EXCLUDE_FUNCTIONS,
  REQ_RDB_MASK,
  CAPA_EOF,
  CAPA_PSYNC2,
} from '../replication/sync-batch';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { type CommandSpec, cmd } from './command';

const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';

// ---- SYNC / PSYNC -------------------------------------------------------------------------------------------------

function sync(c: Client): void {
  if (c.isReplica) return; // already a replica: ignored, no reply
  const srv = c.srv;
  const repl = replicationOf(srv);
  const primary = primaryOf(srv);
  const argv = c.argv;
  const isPsync = argv[0].toLowerCase() === 'psync';
  if (isPsync && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
    log.warning(`Failover request received for replid ${argv[1]}.`);
    if (srv.masterHost === null) return c.error("ERR PSYNC FAILOVER can't be sent to a master.");
    if (argv[1].toLowerCase() !== repl.history.replid)
      return c.error('ERR PSYNC FAILOVER replid must match my replid.');
    repl.replica?.unsetMaster();
    log.notice(`MASTER MODE enabled (failover request from '${srv.clientInfoLine(c)}')`);
  }
  if (primary.failoverState !== 'no-failover') return c.error("NOMASTERLINK Can't SYNC while failing over");
  if (srv.masterHost !== null && repl.replica?.linkState !== 'connected') {
    return c.error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  if (c.out.len > 0 || (c.socket?.writableLength ?? 0) > 0) {
    return c.error('ERR SYNC and PSYNC are invalid with pending output');
  }
  const conf = primary.confOf(c);
  if ((conf.req & REQ_RDB_MASK) !== 0 && (conf.capa & CAPA_EOF) === 0) {
    return c.error('ERR Filtered replica requires EOF capability');
  }
  const name = primary.nameOf(c);
  log.notice(`Replica ${name} asks for synchronization`);
  let offset = 0;
  if (isPsync) {
    const n = parseLong(argv[2]);
    if (n === null) {
      log.warning(`Replica ${name} asks for synchronization but with a wrong offset`);
      return c.notInteger();
    }
    offset = n;
  }
  primary.sync(c, isPsync, offset);
}

// ---- REPLCONF -----------------------------------------------------------------------------------------------------

function replconf(c: Client): void {
  const argv = c.argv;
  if (argv.length % 2 === 0) return c.syntaxError();
  const srv = c.srv;
  const primary = primaryOf(srv);
  const conf = primary.confOf(c);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase();
    const val = argv[j + 1];
    if (opt === 'listening-port') {
      const n = parseLongExact(val);
      if (n === null) return c.notInteger();
      conf.listeningPort = Number(BigInt.asIntN(32, n)); // stored in a C int, as Redis does
    } else if (opt === 'ip-address') {
      if (val.length >= 256) {
        return c.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
      }
      conf.ip = val;
    } else if (opt === 'capa') {
      const v = val.toLowerCase();
      if (v === 'eof') conf.capa |= CAPA_EOF;
      else if (v === 'psync2') conf.capa |= CAPA_PSYNC2;
      // unknown capabilities are ignored: a newer replica may offer more than we understand
    } else if (opt === 'ack') {
      // Only replicas acknowledge, and an ACK is never answered.
      const link = primary.linkOf(c);
      if (link === undefined) return;
      const off = parseLong(val);
      if (off === null) return;
      primary.ack(link, off);
      return;
    } else if (opt === 'getack') {
      // Never answered. The GETACK that matters comes from our master in the stream, where the replica side
      // answers it with an ACK before it reaches a command handler.
      return;
    } else if (opt === 'rdb-only') {
      const n = parseLong(val);
      if (n === null) return c.notInteger();
      if (n < 0 || n > 1) return c.error('ERR value is out of range, value must between 0 and 1');
      conf.rdbOnly = n === 1;
    } else if (opt === 'rdb-filter-only') {
      const filters = splitArgs(val);
      if (filters === null) return c.error('ERR Missing rdb-filter-only values');
      conf.req |= REQ_EXCLUDE_DATA | REQ_EXCLUDE_FUNCTIONS;
      for (const f of filters) {
        if (f.toLowerCase() === 'functions') conf.req &= ~REQ_EXCLUDE_FUNCTIONS;
        else return c.error(`ERR Unsupported rdb-filter-only option: ${f}`);
      }
    } else {
      return c.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.ok();
}

// ---- WAIT ---------------------------------------------------------------------------------------------------------

function wait(c: Client): void {
  const srv = c.srv;
  if (srv.masterHost !== null) return c.error(WAIT_ON_REPLICA);
  const num = parseLong(c.argv[1]);
  if (num === null) return c.notInteger();
  const t = parseLong(c.argv[2]);
  if (t === null) return c.error('ERR timeout is not an integer or out of range');
  if (t < 0) return c.error('ERR timeout is negative');
  const primary = primaryOf(srv);
  const acked = primary.countAcks(c.woff);
  if (acked >= num || c.inExec) return c.out.int(acked);
  // A deadline beyond int64 never fires (as Redis' overflowing arithmetic makes it).
  const timeoutMs = t > 0 && t + Date.now() >= 2 ** 63 ? 0 : t;
  const offset = c.woff;
  srv.blocking.block(c, [], timeoutMs, (x) => x.out.int(primary.countAcks(offset)));
  primary.waits.add(c, offset, num);
  primary.requestAck();
}

// ---- FAILOVER -----------------------------------------------------------------------------------------------------

function failover(c: Client): void {
  const argv = c.argv;
  if (argv.length === 2 && argv[1].toLowerCase() === 'abort') return failoverAbort(c);
  let timeoutMs = 0;
  let force = false;
  let host: string | null = null;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    const a = argv[j].toLowerCase();
    if (a === 'timeout' && j + 1 < argv.length && timeoutMs === 0) {
      const n = parseLong(argv[j + 1]);
      if (n === null) return c.notInteger();
      if (n <= 0) return c.error('ERR FAILOVER timeout must be greater than 0');
      timeoutMs = n;
      j++;
    } else if (a === 'to' && j + 2 < argv.length && host === null) {
      const n = parseLong(argv[j + 2]);
      if (n === null) return c.notInteger();
      host = argv[j + 1];
      port = n;
      j += 2;
    } else if (a === 'force' && !force) {
      force = true;
    } else {
      return c.syntaxError();
    }
  }
  failoverStart(c, { host, port, timeoutMs, force });
}

const meta = (summary: string, since: string, args?: string, group = 'server') => ({ group, summary, since, args });

export const replicationPrimaryCommands: CommandSpec[] = [
  cmd(
    'sync',
    1,
    ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    [0, 0, 0],
    meta('Internal: a replica asks for the whole dataset (old protocol)', '1.0.0'),
    sync,
  ),
  cmd(
    'psync',
    -3,
    ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    [0, 0, 0],
    meta('Internal: a replica asks to continue from an offset, or for a full resync', '2.8.0', 'replicationid offset'),
    sync,
  ),
  cmd(
    'replconf',
    -1,
    ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
    [0, 0, 0],
    meta('Internal: replica settings and acknowledgements', '3.0.0'),
    replconf,
  ),
  cmd(
    'wait',
    3,
    ['noscript'],
    [0, 0, 0],
    meta(
      'Waits until the writes of this connection are acknowledged by replicas',
      '3.0.0',
      'numreplicas timeout',
      'generic',
    ),
    wait,
  ),
  cmd(
    'failover',
    -1,
    ['admin', 'noscript', 'stale'],
    [0, 0, 0],
    meta(
      'Hands the master role over to a replica without losing writes',
      '6.2.0',
      '[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]',
    ),
    failover,
  ),
];
