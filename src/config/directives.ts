/**
 * Every configuration directive in one table: type, default (as CONFIG GET prints it), bounds, whether CONFIG SET may
 * change it at run time, and whether Tandem acts on it yet ('live') or only stores it ('stored', documented in
 * docs/CONFIG.md). Behaviour reads values through Config; nothing else holds defaults.
 */

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';

export interface Directive {
  name: string;
  /** other names accepted everywhere (slaveof for replicaof, ...) */
  aliases?: readonly string[];
  type: DirectiveType;
  /** canonical value as CONFIG GET prints it */
  default: string;
  min?: number;
  max?: number;
  /** allowed words for 'enum' (multi-word enums like `notify-keyspace-events` use 'special') */
  values?: readonly string[];
  /** CONFIG SET allowed */
  mutable: boolean;
  /** does Tandem act on it yet */
  status: 'live' | 'stored';
  /**
   * For 'special' (and any directive needing more than type checks): turns the argument words into the canonical
   * value string, throwing Error(reason) on bad input. Reasons use Redis' wording.
   */
  normalize?: (args: readonly string[]) => string;
  /** hidden from CONFIG GET * (Redis hides some aliases/deprecated names) */
  hidden?: boolean;
}

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER; // 64-bit limits are not exactly representable; close enough for bounds

function b(
  name: string,
  def: boolean,
  mutable = true,
  status: 'live' | 'stored' = 'stored',
  aliases?: string[],
): Directive {
  return { name, type: 'bool', default: def ? 'yes' : 'no', mutable, status, aliases };
}
function i(
  name: string,
  def: number,
  min: number,
  max: number,
  mutable = true,
  status: 'live' | 'stored' = 'stored',
  aliases?: string[],
): Directive {
  return { name, type: 'int', default: String(def), min, max, mutable, status, aliases };
}
function m(
  name: string,
  def: number,
  min: number,
  max: number,
  mutable = true,
  status: 'live' | 'stored' = 'stored',
): Directive {
  return { name, type: 'memory', default: String(def), min, max, mutable, status };
}
function s(
  name: string,
  def: string,
  mutable = true,
  status: 'live' | 'stored' = 'stored',
  aliases?: string[],
): Directive {
  return { name, type: 'string', default: def, mutable, status, aliases };
}
function e(
  name: string,
  def: string,
  values: readonly string[],
  mutable = true,
  status: 'live' | 'stored' = 'stored',
): Directive {
  return { name, type: 'enum', default: def, values, mutable, status };
}

/** bind: one or more addresses; stored space separated. */
function normalizeBind(args: readonly string[]): string {
  if (args.length === 0) throw new Error('wrong number of arguments');
  if (args.length > 16) throw new Error('Too many bind addresses specified.');
  return args.join(' ');
}

export const DIRECTIVES: readonly Directive[] = [
  // network
  { name: 'bind', type: 'special', default: '* -::*', mutable: true, status: 'live', normalize: normalizeBind },
  b('protected-mode', true, true, 'live'),
  i('port', 6379, 0, 65535, true, 'live'),
  i('tcp-backlog', 511, 0, INT_MAX, false, 'live'),
  i('timeout', 0, 0, INT_MAX, true, 'live'),
  i('tcp-keepalive', 300, 0, INT_MAX, true, 'live'),
  // general
  b('daemonize', false, false),
  s('pidfile', '', false),
  e('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing'], true, 'live'),
  s('logfile', '', false, 'live'),
  i('databases', 16, 1, INT_MAX, false, 'live'),
  s('requirepass', '', true, 'live'),
  i('maxclients', 10000, 1, INT_MAX, true, 'live'),
  m('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024, LLONG_MAX, true, 'live'),
  m('client-query-buffer-limit', 1024 * 1024 * 1024, 1024 * 1024, LLONG_MAX, true, 'live'),
  i('hz', 10, 0, INT_MAX, true, 'live'),
  // data structure thresholds (Redis 7.0 names; the ziplist names are aliases)
  i('hash-max-listpack-entries', 128, 0, LLONG_MAX, true, 'live', ['hash-max-ziplist-entries']),
  i('hash-max-listpack-value', 64, 0, LLONG_MAX, true, 'live', ['hash-max-ziplist-value']),
  i('set-max-intset-entries', 512, 0, LLONG_MAX, true, 'live'),
  i('zset-max-listpack-entries', 128, 0, LLONG_MAX, true, 'live', ['zset-max-ziplist-entries']),
  i('zset-max-listpack-value', 64, 0, LLONG_MAX, true, 'live', ['zset-max-ziplist-value']),
  i('list-max-listpack-size', -2, -2147483648, INT_MAX, true, 'stored', ['list-max-ziplist-size']),
  i('list-compress-depth', 0, 0, INT_MAX, true, 'stored'),
  // slow log
  i('slowlog-log-slower-than', 10000, -1, LLONG_MAX, true, 'live'),
  i('slowlog-max-len', 128, 0, LLONG_MAX, true, 'live'),
  // persistence
  {
    name: 'save',
    type: 'special',
    default: '3600 1 300 100 60 10000',
    mutable: true,
    status: 'stored',
    normalize: (args) => args.filter((a) => a !== '').join(' '),
  },
  s('dir', '', true, 'stored'),
  s('dbfilename', 'dump.rdb', true, 'stored'),
  b('appendonly', false, true, 'stored'),
  // persistence and replication gates read by dispatch
  b('stop-writes-on-bgsave-error', true, true, 'live'),
  b('replica-read-only', true, true, 'live', ['slave-read-only']),
  b('replica-serve-stale-data', true, true, 'live', ['slave-serve-stale-data']),
  {
    name: 'client-output-buffer-limit',
    type: 'special',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    status: 'live',
  },
  // expiry
  i('active-expire-effort', 1, 1, 10, true, 'live'),
];
