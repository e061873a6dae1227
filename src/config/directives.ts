/**
 * Every configuration directive of Redis 7.0 in one table: type, default (as CONFIG GET prints it), bounds, whether
 * CONFIG SET may change it, aliases, and whether Tandem acts on it yet ('live') or only stores and reports it
 * ('stored', listed as such in docs/CONFIG.md). Behaviour reads values through Config; nothing else holds defaults.
 * Facts (names, bounds, defaults, enum words) were taken from a running redis-server 7.0.15.
 */
import {
  bindDirective,
  clientOutputBufferLimitDirective,
  DEFAULT_BIND,
  DEFAULT_OBUF,
  dirDirective,
  latencyPercentilesDirective,
  notifyKeyspaceEventsDirective,
  oomScoreAdjValuesDirective,
  replicaofDirective,
  type SpecialDirective,
  saveDirective,
  shutdownOnSignalDirective,
} from './special';
import { INT_MAX, INT_MIN, LLONG_MAX, UINT_MAX, ULLONG_MAX } from './values';

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';
export type DirectiveStatus = 'live' | 'stored';

export interface Directive {
  name: string;
  /** other names accepted everywhere (slaveof for replicaof, ...); CONFIG GET * lists them too, as Redis does */
  aliases?: readonly string[];
  type: DirectiveType;
  /** canonical value as CONFIG GET prints it */
  default: string;
  /** numeric bounds (inclusive) */
  min?: bigint;
  max?: bigint;
  /** bounds are checked on the value seen as an unsigned 64-bit number (size_t, unsigned int, unsigned long long) */
  unsigned?: boolean;
  /** 'memory' that also takes "N%" (stored negative, as Redis does) */
  percent?: boolean;
  /** 'int' written and read in octal (unixsocketperm) */
  octal?: boolean;
  /** values are clamped into this range after validation (hz) */
  clamp?: readonly [bigint, bigint];
  /** allowed words for 'enum'; `enumIds` gives synonyms the same id (oom-score-adj yes == relative) */
  values?: readonly string[];
  enumIds?: readonly number[];
  /** CONFIG SET allowed */
  mutable: boolean;
  /** does Tandem act on it yet */
  status: DirectiveStatus;
  /** several argument words (save, bind, ...): CONFIG SET splits its value on spaces */
  multiArg?: boolean;
  /** only CONFIG GET with the exact name shows it (debug knobs) */
  hidden?: boolean;
  /** its CONFIG SET value is redacted from the slow log */
  sensitive?: boolean;
  /** CONFIG SET refused unless enable-protected-configs allows it */
  protectedConfig?: boolean;
  /** CONFIG SET refused while loading */
  denyLoading?: boolean;
  /** string whose empty value means "unset": CONFIG REWRITE then drops its lines */
  emptyIsNull?: boolean;
  /** extra validation for strings: returns the reason text, or null when fine */
  validate?: (v: string) => string | null;
  special?: SpecialDirective;
  /** free-form remark for docs/CONFIG.md */
  notes?: string;
}

interface Opts {
  immutable?: boolean;
  live?: boolean;
  alias?: string;
  hidden?: boolean;
  notes?: string;
}

function base(name: string, type: DirectiveType, def: string, o: Opts): Directive {
  const d: Directive = { name, type, default: def, mutable: !o.immutable, status: o.live ? 'live' : 'stored' };
  if (o.alias) d.aliases = [o.alias];
  if (o.hidden) d.hidden = true;
  if (o.notes) d.notes = o.notes;
  return d;
}

function bool(name: string, def: boolean, o: Opts = {}): Directive {
  return base(name, 'bool', def ? 'yes' : 'no', o);
}

function int(
  name: string,
  def: number,
  min: bigint,
  max: bigint,
  o: Opts & { unsigned?: boolean; octal?: boolean; clamp?: [bigint, bigint] } = {},
): Directive {
  const d = base(name, 'int', o.octal ? def.toString(8) : String(def), o);
  d.min = min;
  d.max = max;
  if (o.unsigned) d.unsigned = true;
  if (o.octal) d.octal = true;
  if (o.clamp) d.clamp = o.clamp;
  return d;
}

function mem(
  name: string,
  def: number,
  min: bigint,
  max: bigint,
  o: Opts & { unsigned?: boolean; percent?: boolean } = {},
): Directive {
  const d = base(name, 'memory', String(def), o);
  d.min = min;
  d.max = max;
  if (o.unsigned) d.unsigned = true;
  if (o.percent) d.percent = true;
  return d;
}

function str(
  name: string,
  def: string,
  o: Opts & {
    nullable?: boolean;
    sensitive?: boolean;
    protectedConfig?: boolean;
    validate?: (v: string) => string | null;
  } = {},
): Directive {
  const d = base(name, 'string', def, o);
  if (o.nullable) d.emptyIsNull = true;
  if (o.sensitive) d.sensitive = true;
  if (o.protectedConfig) d.protectedConfig = true;
  if (o.validate) d.validate = o.validate;
  return d;
}

function enm(name: string, def: string, values: readonly string[], o: Opts & { ids?: number[] } = {}): Directive {
  const d = base(name, 'enum', def, o);
  d.values = values;
  if (o.ids) d.enumIds = o.ids;
  return d;
}

function special(name: string, def: string, impl: SpecialDirective, multiArg: boolean, o: Opts = {}): Directive {
  const d = base(name, 'special', def, o);
  d.special = impl;
  if (multiArg) d.multiArg = true;
  return d;
}

/** A file name without any directory part (what Redis' pathIsBaseName checks). */
function baseName(what: string, kind = 'filename', allowEmpty = true) {
  return (v: string): string | null => {
    if (!allowEmpty && v === '') return `${what} can't be empty`;
    if (v.includes('/')) return `${what} can't be a path, just a ${kind}`;
    return null;
  };
}

function hostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

function procTitle(v: string): string | null {
  // Only the variables Redis knows may appear in braces, and the result must not be empty.
  const known = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);
  const stripped = v.replace(/\{([^{}]*)\}/g, (m, name: string) => (known.has(name) ? 'x' : m));
  if (/[{}]/.test(stripped) || stripped.trim() === '') {
    return 'template format is invalid or contains unknown variables';
  }
  return null;
}

const LIVE: Opts = { live: true };
const KB = 1024;
const MB = 1024 * 1024;
const PROTECTED = ['no', 'yes', 'local'];

export const DIRECTIVES: readonly Directive[] = [
  // ---- booleans
  bool('rdbchecksum', true, { immutable: true }),
  bool('daemonize', false, {
    immutable: true,
    live: true,
    notes: 'detached re-spawn (setsid, stdio to logfile or /dev/null); the launcher exits 0 once the server listens',
  }),
  bool('io-threads-do-reads', false, { immutable: true }),
  bool('always-show-logo', false, { immutable: true }),
  bool('protected-mode', true, LIVE),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true, { notes: 'JS Maps rehash on their own' }),
  bool('stop-writes-on-bgsave-error', true, { live: true, notes: 'MISCONF gate in dispatch' }),
  bool('set-proc-title', true, { immutable: true }),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false, { live: true, notes: 'applies to replicas starting a full sync' }),
  bool('repl-diskless-sync', true, { live: true }),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, { live: true, alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, { live: true, alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true, { notes: 'no jemalloc in Node' }),
  bool('activedefrag', false, { notes: 'no defragmenter (the V8 GC compacts)' }),
  bool('syslog-enabled', false, { immutable: true }),
  bool('cluster-enabled', false, { immutable: true, notes: 'cluster mode is not supported' }),
  { ...bool('appendonly', false), denyLoading: true },
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, { hidden: true }),
  bool('disable-thp', true, { immutable: true }),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true, { live: true, notes: 'INFO replica_announced (Sentinel reads it)' }),
  bool('latency-tracking', true, { live: true, notes: 'per-command histograms: INFO latencystats, LATENCY HISTOGRAM' }),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),

  // ---- strings
  str('aclfile', '', { immutable: true }),
  str('unixsocket', '', {
    immutable: true,
    nullable: true,
    live: true,
    notes: 'a stale file at the path is removed at start',
  }),
  str('pidfile', '', {
    immutable: true,
    nullable: true,
    live: true,
    notes: 'daemonized without one: /var/run/redis_{port}.pid (Redis uses /var/run/redis.pid)',
  }),
  str('replica-announce-ip', '', {
    nullable: true,
    alias: 'slave-announce-ip',
    live: true,
    notes: 'sent at the next handshake',
  }),
  str('masteruser', '', { nullable: true, sensitive: true, live: true, notes: 'used at the next handshake' }),
  str('cluster-announce-ip', '', { nullable: true }),
  str('cluster-config-file', 'nodes.conf', { immutable: true }),
  str('cluster-announce-hostname', '', { nullable: true, validate: hostname }),
  str('syslog-ident', 'redis', { immutable: true }),
  str('dbfilename', 'dump.rdb', { protectedConfig: true, validate: baseName('dbfilename') }),
  str('appendfilename', 'appendonly.aof', { immutable: true, validate: baseName('appendfilename', 'filename', false) }),
  str('appenddirname', 'appendonlydir', { immutable: true, validate: baseName('appenddirname', 'dirname', false) }),
  str('server_cpulist', '', { immutable: true, nullable: true }),
  str('bio_cpulist', '', { immutable: true, nullable: true }),
  str('aof_rewrite_cpulist', '', { immutable: true, nullable: true }),
  str('bgsave_cpulist', '', { immutable: true, nullable: true }),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', { validate: procTitle }),
  str('bind-source-addr', '', { nullable: true }),
  str('logfile', '', { immutable: true, live: true, notes: "'' logs to stdout" }),
  str('masterauth', '', { nullable: true, sensitive: true, live: true, notes: 'used at the next handshake' }),
  str('requirepass', '', { nullable: true, sensitive: true, live: true, notes: 'password of the default user' }),

  // ---- enums
  enm('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], { immutable: true }),
  enm(
    'syslog-facility',
    'local0',
    ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'],
    {
      immutable: true,
    },
  ),
  {
    ...enm('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], {
      live: true,
      notes: 'applies to the next full sync',
    }),
    denyLoading: true,
  },
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning'], LIVE),
  enm(
    'maxmemory-policy',
    'noeviction',
    [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
    { notes: 'no eviction yet: writes are never refused for memory' },
  ),
  enm('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  enm('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], { ids: [0, 1, 1, 2] }),
  enm('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  enm('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
  enm('enable-protected-configs', 'no', PROTECTED, { immutable: true, live: true }),
  enm('enable-debug-command', 'no', PROTECTED, {
    immutable: true,
    live: true,
    notes: 'local: unix-socket clients and TCP peers at 127.0.0.1 or ::1',
  }),
  enm('enable-module-command', 'no', PROTECTED, { immutable: true }),
  enm('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
  enm('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
  special('shutdown-on-sigint', 'default', shutdownOnSignalDirective, true, LIVE),
  special('shutdown-on-sigterm', 'default', shutdownOnSignalDirective, true, LIVE),

  // ---- integers
  int('databases', 16, 1n, INT_MAX, { immutable: true, live: true }),
  int('port', 6379, 0n, 65535n, { live: true, notes: 'CONFIG SET does not re-bind the listener yet' }),
  int('io-threads', 1, 1n, 128n, { immutable: true, notes: 'Node runs the server on one thread' }),
  int('auto-aof-rewrite-percentage', 100, 0n, INT_MAX),
  int('cluster-replica-validity-factor', 10, 0n, INT_MAX, { alias: 'cluster-slave-validity-factor' }),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 300, 0n, INT_MAX, { live: true, notes: 'applies to new connections' }),
  int('cluster-migration-barrier', 1, 0n, INT_MAX),
  int('active-defrag-cycle-min', 1, 1n, 99n),
  int('active-defrag-cycle-max', 25, 1n, 99n),
  int('active-defrag-threshold-lower', 10, 0n, 1000n),
  int('active-defrag-threshold-upper', 100, 0n, 1000n),
  int('lfu-log-factor', 10, 0n, INT_MAX),
  int('lfu-decay-time', 1, 0n, INT_MAX),
  int('replica-priority', 100, 0n, INT_MAX, { alias: 'slave-priority', live: true, notes: 'INFO slave_priority' }),
  int('repl-diskless-sync-delay', 5, 0n, INT_MAX, { live: true }),
  int('maxmemory-samples', 5, 1n, INT_MAX),
  int('maxmemory-eviction-tenacity', 10, 0n, 100n),
  int('timeout', 0, 0n, INT_MAX, LIVE),
  int('replica-announce-port', 0, 0n, 65535n, {
    alias: 'slave-announce-port',
    live: true,
    notes: 'sent at the next handshake',
  }),
  int('tcp-backlog', 511, 0n, INT_MAX, { immutable: true, live: true }),
  int('cluster-port', 0, 0n, 65535n, { immutable: true }),
  int('cluster-announce-bus-port', 0, 0n, 65535n),
  int('cluster-announce-port', 0, 0n, 65535n),
  int('cluster-announce-tls-port', 0, 0n, 65535n),
  int('repl-timeout', 60, 1n, INT_MAX, { live: true }),
  int('repl-ping-replica-period', 10, 1n, INT_MAX, { alias: 'repl-ping-slave-period', live: true }),
  int('list-compress-depth', 0, 0n, INT_MAX),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, {
    hidden: true,
    live: true,
    notes: 'microseconds per key: SAVE, BGSAVE and full-sync snapshots',
  }),
  int('key-load-delay', 0, INT_MIN, INT_MAX, {
    hidden: true,
    live: true,
    notes: 'microseconds per key: start-up load, DEBUG RELOAD, a replica loading a full sync',
  }),
  int('active-expire-effort', 1, 1n, 10n, LIVE),
  int('hz', 10, 0n, INT_MAX, { live: true, clamp: [1n, 500n], notes: 'values outside 1..500 are clamped' }),
  int('min-replicas-to-write', 0, 0n, INT_MAX, { alias: 'min-slaves-to-write', live: true }),
  int('min-replicas-max-lag', 10, 0n, INT_MAX, { alias: 'min-slaves-max-lag', live: true }),
  int('watchdog-period', 0, 0n, INT_MAX, { hidden: true }),
  int('shutdown-timeout', 10, 0n, INT_MAX, { live: true, notes: 'bounds the wait for replicas at shutdown' }),
  int('repl-diskless-sync-max-replicas', 0, 0n, INT_MAX, { live: true }),
  int('maxclients', 10000, 1n, UINT_MAX, { live: true, unsigned: true }),
  int('unixsocketperm', 0, 0n, 0o777n, { immutable: true, unsigned: true, octal: true, live: true }),
  int('socket-mark-id', 0, 0n, UINT_MAX, { immutable: true, unsigned: true }),
  int('active-defrag-max-scan-fields', 1000, 1n, LLONG_MAX),
  int('slowlog-max-len', 128, 0n, LLONG_MAX, LIVE),
  int('acllog-max-len', 128, 0n, LLONG_MAX),
  int('busy-reply-threshold', 5000, 0n, LLONG_MAX, { alias: 'lua-time-limit' }),
  int('cluster-node-timeout', 15000, 0n, LLONG_MAX),
  int('slowlog-log-slower-than', 10000, -1n, LLONG_MAX, LIVE),
  int('latency-monitor-threshold', 0, 0n, LLONG_MAX),
  mem('proto-max-bulk-len', 512 * MB, 1n * BigInt(MB), LLONG_MAX, LIVE),
  int('stream-node-max-entries', 100, 0n, LLONG_MAX),
  mem('repl-backlog-size', MB, 1n, LLONG_MAX, { live: true, notes: 'resizes the backlog in place' }),
  mem('maxmemory', 0, 0n, ULLONG_MAX, { unsigned: true, notes: 'reported in INFO; no eviction yet' }),
  mem('cluster-link-sendbuf-limit', 0, 0n, ULLONG_MAX, { unsigned: true }),
  int('hash-max-listpack-entries', 512, 0n, LLONG_MAX, {
    live: true,
    unsigned: true,
    alias: 'hash-max-ziplist-entries',
  }),
  int('set-max-intset-entries', 512, 0n, LLONG_MAX, { live: true, unsigned: true }),
  int('zset-max-listpack-entries', 128, 0n, LLONG_MAX, {
    live: true,
    unsigned: true,
    alias: 'zset-max-ziplist-entries',
  }),
  mem('active-defrag-ignore-bytes', 100 * MB, 1n, LLONG_MAX, { unsigned: true }),
  mem('hash-max-listpack-value', 64, 0n, LLONG_MAX, { live: true, unsigned: true, alias: 'hash-max-ziplist-value' }),
  mem('stream-node-max-bytes', 4 * KB, 0n, LLONG_MAX, { unsigned: true }),
  mem('zset-max-listpack-value', 64, 0n, LLONG_MAX, { live: true, unsigned: true, alias: 'zset-max-ziplist-value' }),
  mem('hll-sparse-max-bytes', 3000, 0n, LLONG_MAX, { unsigned: true }),
  int('tracking-table-max-keys', 1000000, 0n, LLONG_MAX, { unsigned: true }),
  mem('client-query-buffer-limit', 1024 * MB, 1n * BigInt(MB), LLONG_MAX, { live: true, unsigned: true }),
  mem('maxmemory-clients', 0, -100n, LLONG_MAX, { percent: true }),
  int('repl-backlog-ttl', 3600, 0n, LLONG_MAX, { live: true }),
  mem('auto-aof-rewrite-min-size', 64 * MB, 0n, LLONG_MAX),
  int('loading-process-events-interval-bytes', 2 * MB, 1024n, INT_MAX, { hidden: true }),

  // ---- TLS (accepted and stored: Tandem has no TLS listener)
  int('tls-port', 0, 0n, 65535n, { notes: 'no TLS support' }),
  int('tls-session-cache-size', 20 * KB, 0n, INT_MAX),
  int('tls-session-cache-timeout', 300, 0n, INT_MAX),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  enm('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  ...[
    'tls-cert-file',
    'tls-key-file',
    'tls-key-file-pass',
    'tls-client-cert-file',
    'tls-client-key-file',
    'tls-client-key-file-pass',
    'tls-dh-params-file',
    'tls-ca-cert-file',
    'tls-ca-cert-dir',
    'tls-protocols',
    'tls-ciphers',
    'tls-ciphersuites',
  ].map((n) => str(n, '', { nullable: true })),

  // ---- special
  {
    ...special('dir', '', dirDirective, false, {
      live: true,
      notes: 'CONFIG GET shows the absolute working directory',
    }),
    protectedConfig: true,
    denyLoading: true,
  },
  special('save', '3600 1 300 100 60 10000', saveDirective, true, LIVE),
  special('client-output-buffer-limit', DEFAULT_OBUF, clientOutputBufferLimitDirective, true, LIVE),
  special('oom-score-adj-values', '0 200 800', oomScoreAdjValuesDirective, true),
  special('notify-keyspace-events', '', notifyKeyspaceEventsDirective, false),
  special('bind', DEFAULT_BIND, bindDirective, true, {
    live: true,
    notes: 'CONFIG SET does not re-bind the listeners yet',
  }),
  special('replicaof', '', replicaofDirective, true, { immutable: true, alias: 'slaveof', live: true }),
  special('latency-tracking-info-percentiles', '50 99 99.9', latencyPercentilesDirective, true, { live: true }),
];

/** Directives Redis still tolerates in config files for compatibility but ignores (exactly one argument). */
export const DEPRECATED_DIRECTIVES: readonly string[] = [
  'list-max-ziplist-entries',
  'list-max-ziplist-value',
  'lua-replicate-commands',
];
