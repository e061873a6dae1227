/**
 * INFO [section ...]: the sections, field names and field order of Redis 7.0, filled with Tandem's own figures.
 * redis_version says 7.0.15 because clients gate features on it; tandem_version tells what really runs. Sections
 * other subsystems own (replication, persistence) come from providers registered in serverExtras(srv).infoProviders,
 * so those subsystems never need to edit this file.
 */
import os from 'node:os';
import path from 'node:path';
import type { Primary } from '../replication/primary';
import { replicationOf } from '../replication/state';
import type { Client } from '../server/client';
import { percentilesLine } from '../server/latency-histogram';
import { shutdownInProgress, shutdownRemainingMs } from '../server/process';
import type { Server } from '../server/server';
import { type CommandSpec, cmd } from './command';
import { serverExtras } from './server-extras';
import { COMPAT_VERSION, TANDEM_VERSION } from './version';

/** Sections printed by a bare INFO (and "default"), in output order; 'modules' prints as "# Modules". */
const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];
/** Every built-in section in output order ("all"). */
const ALL_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
];
const TITLES: Record<string, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  module_list: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
};

/** Memory in use when the command table was loaded: the baseline INFO reports as used_memory_startup. */
const STARTUP_MEMORY = usedMemory();
const BUILD_ID = Buffer.from(`tandem-${TANDEM_VERSION}`).toString('hex').slice(0, 15);

export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Redis' bytesToHuman: B, then K/M/G/T/P with two decimals. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let v = n / 1024;
  for (const u of units) {
    if (v < 1024 || u === 'P') return `${v.toFixed(2)}${u}`;
    v /= 1024;
  }
  return `${n}B`;
}

/** Characters that would break INFO's line format are replaced, as Redis does for command and error names. */
function safe(s: string): string {
  return s.replace(/[#:\n\r]/g, '_');
}

function fixed2(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : '0.00';
}

function cpuSeconds(usec: number): string {
  return `${Math.floor(usec / 1e6)}.${String(Math.floor(usec % 1e6)).padStart(6, '0')}`;
}

function serverSection(srv: Server): string[] {
  const now = Date.now();
  const uptime = Math.floor((now - srv.startedAt) / 1000);
  const hz = srv.config.num('hz');
  const lines = [
    `redis_version:${COMPAT_VERSION}`,
    `tandem_version:${TANDEM_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    `redis_build_id:${BUILD_ID}`,
    `redis_mode:${srv.config.bool('cluster-enabled') ? 'cluster' : 'standalone'}`,
    `os:${os.type()} ${os.release()} ${os.machine()}`,
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${process.platform === 'linux' ? 'epoll' : 'kqueue'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${srv.runId}`,
    `tcp_port:${srv.config.num('port')}`,
    `server_time_usec:${Math.floor((performance.timeOrigin + performance.now()) * 1000)}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${hz}`,
    `configured_hz:${hz}`,
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${path.resolve(process.argv[1] ?? process.execPath)}`,
    `config_file:${srv.config.configFile}`,
    'io_threads_active:0',
  ];
  // Only while a shutdown waits for replicas to catch up, as in Redis.
  if (shutdownInProgress(srv)) {
    const left = shutdownRemainingMs(srv);
    if (left > 0) lines.push(`shutdown_in_milliseconds:${left}`);
  }
  return lines;
}

function clientsSection(srv: Server): string[] {
  let normal = 0;
  let maxIn = 0;
  let maxOut = 0;
  let inTimeout = 0;
  for (const c of srv.clients.values()) {
    if (!c.isReplica) normal++;
    maxIn = Math.max(maxIn, c.parser.pendingBytes);
    maxOut = Math.max(maxOut, c.outputPending);
    if (c.blocked?.deadline) inTimeout++;
  }
  return [
    `connected_clients:${normal}`,
    'cluster_connections:0',
    `maxclients:${srv.config.num('maxclients')}`,
    `client_recent_max_input_buffer:${maxIn}`,
    `client_recent_max_output_buffer:${maxOut}`,
    `blocked_clients:${srv.blocking.blockedClients}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${inTimeout}`,
  ];
}

/** Figures shared by INFO memory and MEMORY STATS. */
export function memoryFigures(srv: Server) {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  const x = serverExtras(srv);
  if (used > x.peakMemory) x.peakMemory = used;
  let clientsNormal = 0;
  let clientsReplicas = 0;
  for (const c of srv.clients.values()) {
    const mem = c.outputPending + c.parser.pendingBytes;
    if (c.isReplica) clientsReplicas += mem;
    else clientsNormal += mem;
  }
  // Replication: the backlog ring is allocated whole; the stream kept back for syncing replicas comes on top.
  const rs = replicationOf(srv);
  const replBacklog = rs.backlog?.size ?? 0;
  let replHeld = 0;
  for (const l of (rs.primary as Primary | null)?.links ?? []) replHeld += l.heldBytes;
  const startup = Math.min(STARTUP_MEMORY, used);
  const overhead = startup + replBacklog + clientsNormal + clientsReplicas;
  const dataset = Math.max(0, used - overhead);
  const net = used - startup;
  return {
    used,
    rss: m.rss,
    peak: x.peakMemory,
    heapTotal: m.heapTotal,
    startup,
    overhead,
    dataset,
    datasetPerc: net > 0 ? (dataset * 100) / net : 0,
    peakPerc: x.peakMemory > 0 ? (used * 100) / x.peakMemory : 0,
    clientsNormal,
    clientsReplicas,
    replBacklog,
    replBuffers: replBacklog + replHeld,
  };
}

function memorySection(srv: Server): string[] {
  const f = memoryFigures(srv);
  const maxmemory = srv.config.get('maxmemory');
  const frag = f.used > 0 ? f.rss / f.used : 0;
  return [
    `used_memory:${f.used}`,
    `used_memory_human:${bytesToHuman(f.used)}`,
    `used_memory_rss:${f.rss}`,
    `used_memory_rss_human:${bytesToHuman(f.rss)}`,
    `used_memory_peak:${f.peak}`,
    `used_memory_peak_human:${bytesToHuman(f.peak)}`,
    `used_memory_peak_perc:${fixed2(f.peakPerc)}%`,
    `used_memory_overhead:${f.overhead}`,
    `used_memory_startup:${f.startup}`,
    `used_memory_dataset:${f.dataset}`,
    `used_memory_dataset_perc:${fixed2(f.datasetPerc)}%`,
    `allocator_allocated:${f.used}`,
    `allocator_active:${f.heapTotal}`,
    `allocator_resident:${f.rss}`,
    `total_system_memory:${os.totalmem()}`,
    `total_system_memory_human:${bytesToHuman(os.totalmem())}`,
    'used_memory_lua:0',
    'used_memory_vm_eval:0',
    'used_memory_lua_human:0B',
    'used_memory_scripts_eval:0',
    'number_of_cached_scripts:0',
    'number_of_functions:0',
    'number_of_libraries:0',
    'used_memory_vm_functions:0',
    'used_memory_vm_total:0',
    'used_memory_vm_total_human:0B',
    'used_memory_functions:0',
    'used_memory_scripts:0',
    'used_memory_scripts_human:0B',
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(Number(maxmemory))}`,
    `maxmemory_policy:${srv.config.get('maxmemory-policy')}`,
    `allocator_frag_ratio:${fixed2(f.used > 0 ? f.heapTotal / f.used : 0)}`,
    `allocator_frag_bytes:${Math.max(0, f.heapTotal - f.used)}`,
    `allocator_rss_ratio:${fixed2(f.heapTotal > 0 ? f.rss / f.heapTotal : 0)}`,
    `allocator_rss_bytes:${f.rss - f.heapTotal}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${fixed2(frag)}`,
    `mem_fragmentation_bytes:${f.rss - f.used}`,
    'mem_not_counted_for_evict:0',
    `mem_replication_backlog:${f.replBacklog}`,
    `mem_total_replication_buffers:${f.replBuffers}`,
    `mem_clients_slaves:${f.clientsReplicas}`,
    `mem_clients_normal:${f.clientsNormal}`,
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    `mem_allocator:v8-${process.versions.v8}`,
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

function persistenceSection(srv: Server): string[] {
  return [
    `loading:${srv.loading ? 1 : 0}`,
    'async_loading:0',
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_cow_size_age:0',
    'current_fork_perc:0.00',
    'current_save_keys_processed:0',
    'current_save_keys_total:0',
    `rdb_changes_since_last_save:${srv.dirty}`,
    'rdb_bgsave_in_progress:0',
    `rdb_last_save_time:${serverExtras(srv).lastSave(srv)}`,
    `rdb_last_bgsave_status:${srv.lastBgsaveFailed ? 'err' : 'ok'}`,
    'rdb_last_bgsave_time_sec:-1',
    'rdb_current_bgsave_time_sec:-1',
    'rdb_saves:0',
    'rdb_last_cow_size:0',
    'rdb_last_load_keys_expired:0',
    'rdb_last_load_keys_loaded:0',
    'aof_enabled:0',
    'aof_rewrite_in_progress:0',
    'aof_rewrite_scheduled:0',
    'aof_last_rewrite_time_sec:-1',
    'aof_current_rewrite_time_sec:-1',
    'aof_last_bgrewrite_status:ok',
    'aof_rewrites:0',
    'aof_rewrites_consecutive_failures:0',
    'aof_last_write_status:ok',
    'aof_last_cow_size:0',
    'module_fork_in_progress:0',
    'module_fork_last_cow_size:0',
  ];
}

function statsSection(srv: Server): string[] {
  const s = srv.stats;
  return [
    `total_connections_received:${s.totalConnections}`,
    `total_commands_processed:${s.totalCommands}`,
    `instantaneous_ops_per_sec:${s.instantaneousOps}`,
    `total_net_input_bytes:${s.netInputBytes}`,
    `total_net_output_bytes:${s.netOutputBytes}`,
    `total_net_repl_input_bytes:${s.netReplInputBytes}`,
    `total_net_repl_output_bytes:${s.netReplOutputBytes}`,
    'instantaneous_input_kbps:0.00',
    'instantaneous_output_kbps:0.00',
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${s.rejectedConnections}`,
    `sync_full:${s.syncFull}`,
    `sync_partial_ok:${s.syncPartialOk}`,
    `sync_partial_err:${s.syncPartialErr}`,
    `expired_keys:${s.expiredKeys}`,
    `expired_stale_perc:${fixed2(s.expiredStalePerc)}`,
    `expired_time_cap_reached_count:${s.expiredTimeCapReached}`,
    `expire_cycle_cpu_milliseconds:${Math.round(s.expireCycleCpuMs)}`,
    `evicted_keys:${s.evictedKeys}`,
    'evicted_clients:0',
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${s.keyspaceHits}`,
    `keyspace_misses:${s.keyspaceMisses}`,
    `pubsub_channels:${srv.pubsub.channels.size}`,
    `pubsub_patterns:${srv.pubsub.patterns.size}`,
    `pubsubshard_channels:${srv.pubsub.shardChannels.size}`,
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    `unexpected_error_replies:${s.unexpectedErrorReplies}`,
    `total_error_replies:${s.totalErrorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${s.totalReadsProcessed}`,
    `total_writes_processed:${s.totalWritesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

/** The master view, until replication registers its own provider. */
function replicationSection(srv: Server): string[] {
  const lines: string[] = [];
  if (srv.masterHost !== null) {
    const [, port = '0'] = srv.config.get('replicaof').split(' ');
    lines.push(
      'role:slave',
      `master_host:${srv.masterHost}`,
      `master_port:${port}`,
      `master_link_status:${srv.masterLinkUp ? 'up' : 'down'}`,
    );
  } else {
    lines.push('role:master');
  }
  lines.push(
    'connected_slaves:0',
    'master_failover_state:no-failover',
    `master_replid:${serverExtras(srv).replid}`,
    'master_replid2:0000000000000000000000000000000000000000',
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    `repl_backlog_size:${srv.config.get('repl-backlog-size')}`,
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  );
  return lines;
}

function cpuSection(): string[] {
  const u = process.cpuUsage();
  return [
    `used_cpu_sys:${cpuSeconds(u.system)}`,
    `used_cpu_user:${cpuSeconds(u.user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${cpuSeconds(u.system)}`,
    `used_cpu_user_main_thread:${cpuSeconds(u.user)}`,
  ];
}

function commandstatsSection(srv: Server): string[] {
  const lines: string[] = [];
  for (const e of srv.commands.all()) {
    if (e.calls === 0 && e.failedCalls === 0 && e.rejectedCalls === 0) continue;
    const usec = Math.round(e.usec);
    lines.push(
      `cmdstat_${safe(e.fullName)}:calls=${e.calls},usec=${usec},usec_per_call=${fixed2(e.calls ? usec / e.calls : 0)}` +
        `,rejected_calls=${e.rejectedCalls},failed_calls=${e.failedCalls}`,
    );
  }
  return lines;
}

function errorstatsSection(srv: Server): string[] {
  return [...srv.stats.errors.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([code, n]) => `errorstat_${safe(code)}:count=${n}`);
}

/** Percentiles (latency-tracking-info-percentiles) of every command timed since start or CONFIG RESETSTAT. */
function latencystatsSection(srv: Server): string[] {
  if (!srv.config.bool('latency-tracking')) return [];
  const spec = srv.config.get('latency-tracking-info-percentiles');
  const percentiles = spec === '' ? [] : spec.split(' ').map(Number);
  const lines: string[] = [];
  for (const e of srv.commands.all()) {
    if (e.latency !== null) lines.push(percentilesLine(safe(e.fullName), e.latency, percentiles));
  }
  return lines;
}

function keyspaceSection(srv: Server): string[] {
  const lines: string[] = [];
  for (const db of srv.dbs) {
    const keys = db.size;
    const expires = db.expires.size;
    if (keys || expires) lines.push(`db${db.id}:keys=${keys},expires=${expires},avg_ttl=${Math.round(db.avgTtl)}`);
  }
  return lines;
}

const BUILTIN: Record<string, (srv: Server) => string[]> = {
  server: serverSection,
  clients: clientsSection,
  memory: memorySection,
  persistence: persistenceSection,
  stats: statsSection,
  replication: replicationSection,
  cpu: () => cpuSection(),
  module_list: () => [],
  commandstats: commandstatsSection,
  errorstats: errorstatsSection,
  latencystats: latencystatsSection,
  cluster: () => ['cluster_enabled:0'],
  keyspace: keyspaceSection,
};

/** Builds the INFO text for the given arguments (section names, "default", "all", "everything"). */
export function genInfo(srv: Server, args: readonly string[]): string {
  const providers = serverExtras(srv).infoProviders;
  let all = false;
  let everything = false;
  const wanted = new Set<string>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const a of args) {
    const l = a.toLowerCase();
    if (l === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (l === 'all') all = true;
    else if (l === 'everything') all = everything = true;
    else wanted.add(l === 'modules' ? 'module_list' : l);
  }
  const parts: string[] = [];
  for (const name of ALL_SECTIONS) {
    if (!all && !wanted.has(name)) continue;
    const body = (providers.get(name) ?? BUILTIN[name])(srv);
    parts.push(`# ${TITLES[name]}\r\n${body.map((l) => `${l}\r\n`).join('')}`);
  }
  // Sections registered by other subsystems under new names: shown on request or with "everything".
  for (const [name, fn] of providers) {
    if (BUILTIN[name] || !(everything || wanted.has(name))) continue;
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    parts.push(
      `# ${title}\r\n${fn(srv)
        .map((l) => `${l}\r\n`)
        .join('')}`,
    );
  }
  return parts.join('\r\n');
}

function info(c: Client): void {
  c.out.verbatim(genInfo(c.srv, c.argv.slice(1)));
}

export const infoCommands: CommandSpec[] = [
  cmd(
    'info',
    -1,
    ['loading', 'stale'],
    [0, 0, 0],
    {
      group: 'server',
      summary: 'Reports server state and statistics, by section',
      since: '1.0.0',
      args: '[section [section ...]]',
      complexity: 'O(1)',
    },
    info,
  ),
];
