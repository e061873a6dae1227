/**
 * Directives whose values are not a single scalar: save points, bind addresses, output buffer limits, replicaof,
 * keyspace-event classes, OOM score values, latency percentiles, the shutdown signal flags and `dir`. Each one turns
 * argument words into the canonical string CONFIG GET prints and back into CONFIG REWRITE lines. Reasons thrown
 * use Redis' wording (they end up in FATAL CONFIG FILE ERROR blocks and CONFIG SET errors).
 */
import {
  ConfigError,
  formatMemory,
  formatPercentile,
  keyspaceEventFlags,
  keyspaceEventString,
  parseCLong,
  parseMemoryExact,
  reprQuote,
  strerror,
} from './values';

export interface SpecialContext {
  /** canonical value before this change */
  current: string;
  /** reading the config file / command line (not CONFIG SET) */
  startup: boolean;
  /** startup and this is the first line for the directive (save lines accumulate after the first) */
  firstAtStartup: boolean;
}

/** One CONFIG REWRITE line and whether it must be written even when the file never mentioned the directive. */
export type RewriteLine = [line: string, force: boolean];

export interface SpecialDirective {
  parse(args: readonly string[], ctx: SpecialContext): string;
  /** lines for CONFIG REWRITE; [] means "drop every line of this directive from the file" */
  rewrite(value: string, name: string, defaultValue: string): RewriteLine[];
  /** computed value (e.g. `dir` is the process' working directory) */
  get?(): string;
}

function wrongArgs(): never {
  throw new ConfigError('wrong number of arguments');
}

export const saveDirective: SpecialDirective = {
  parse(args, ctx) {
    let words = args;
    if (words.length === 1 && words[0] === '') words = [];
    if (words.length % 2 !== 0) throw new ConfigError('Invalid save parameters');
    const pairs: string[] = [];
    for (let j = 0; j < words.length; j++) {
      const v = parseCLong(words[j], 10);
      if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) {
        throw new ConfigError('Invalid save parameters');
      }
      // changes are a C int in Redis: keep its 32-bit wrap so CONFIG GET prints the same number
      pairs.push(j % 2 === 0 ? String(v) : String(BigInt.asIntN(32, v)));
    }
    const fresh = pairs.join(' ');
    // While reading the config, the first `save` line replaces the defaults and later ones add save points;
    // `save ""` clears whatever came before.
    if (ctx.startup && !ctx.firstAtStartup && !(args.length === 1 && args[0] === '')) {
      return ctx.current === '' ? fresh : fresh === '' ? ctx.current : `${ctx.current} ${fresh}`;
    }
    return fresh;
  },
  rewrite(value) {
    if (value === '') return [['save ""', true]];
    const w = value.split(' ');
    const out: RewriteLine[] = [];
    for (let i = 0; i + 1 < w.length; i += 2) out.push([`save ${w[i]} ${w[i + 1]}`, true]);
    return out;
  },
};

export const DEFAULT_BIND = '* -::*';

export const bindDirective: SpecialDirective = {
  parse(args) {
    if (args.length > 16) throw new ConfigError('Too many bind addresses specified.');
    if (args.length === 1 && args[0] === '') return '';
    return args.join(' ');
  },
  rewrite(value, name) {
    if (value === DEFAULT_BIND) return [];
    return [[`${name} ${value === '' ? '""' : value}`, true]];
  },
};

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;
export const DEFAULT_OBUF = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

function obufClass(name: string): number {
  const l = name.toLowerCase();
  if (l === 'normal') return 0;
  if (l === 'slave' || l === 'replica') return 1;
  if (l === 'pubsub') return 2;
  return -1; // 'master' is a client type but has no output buffer limit
}

export const clientOutputBufferLimitDirective: SpecialDirective = {
  parse(args, ctx) {
    if (args.length % 4 !== 0) {
      throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
    }
    const cur = ctx.current.split(' ');
    const next = [cur.slice(1, 4), cur.slice(5, 8), cur.slice(9, 12)];
    // Validate everything first: a bad class or number rejects the whole value.
    for (let j = 0; j < args.length; j += 4) {
      const cls = obufClass(args[j]);
      if (cls < 0) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemoryExact(args[j + 1]);
      const soft = parseMemoryExact(args[j + 2]);
      const secs = parseCLong(args[j + 3], 10);
      if (hard === null || soft === null || secs === null || secs < 0n) {
        throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      next[cls] = [String(hard), String(soft), String(BigInt.asIntN(64, secs))];
    }
    return OBUF_CLASSES.map((c, i) => `${c} ${next[i].join(' ')}`).join(' ');
  },
  rewrite(value, name) {
    const w = value.split(' ');
    const d = DEFAULT_OBUF.split(' ');
    const out: RewriteLine[] = [];
    for (let i = 0; i < 3; i++) {
      const o = i * 4;
      const force = w[o + 1] !== d[o + 1] || w[o + 2] !== d[o + 2] || w[o + 3] !== d[o + 3];
      const cls = w[o] === 'slave' ? 'replica' : w[o];
      const line = `${name} ${cls} ${formatMemory(BigInt(w[o + 1]))} ${formatMemory(BigInt(w[o + 2]))} ${w[o + 3]}`;
      out.push([line, force]);
    }
    return out;
  },
};

export const replicaofDirective: SpecialDirective = {
  parse(args) {
    if (args.length !== 2) wrongArgs();
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return '';
    const port = parseCLong(args[1], 10);
    if (port === null || port < 0n || port > 65535n || args[1] === '') throw new ConfigError('Invalid master port');
    return `${args[0]} ${port}`;
  },
  rewrite(value, name) {
    return value === '' ? [] : [[`${name} ${value}`, true]];
  },
};

export const notifyKeyspaceEventsDirective: SpecialDirective = {
  parse(args) {
    if (args.length !== 1) wrongArgs();
    const flags = keyspaceEventFlags(args[0]);
    if (flags < 0) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    return keyspaceEventString(flags);
  },
  rewrite(value, name) {
    return [[`${name} ${reprQuote(value)}`, value !== '']];
  },
};

const DEFAULT_OOM = '0 200 800';

export const oomScoreAdjValuesDirective: SpecialDirective = {
  parse(args) {
    if (args.length !== 3) wrongArgs();
    const vals: string[] = [];
    for (const a of args) {
      const v = parseCLong(a, 10);
      if (v === null || v < -2000n || v > 2000n) {
        throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      vals.push(String(v));
    }
    return vals.join(' ');
  },
  rewrite(value, name) {
    return [[`${name} ${value}`, value !== DEFAULT_OOM]];
  },
};

export const latencyPercentilesDirective: SpecialDirective = {
  parse(args) {
    if (args.length === 1 && args[0] === '') return '';
    const out: string[] = [];
    for (const a of args) {
      const d = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(a) ? Number(a) : Number.NaN;
      if (Number.isNaN(d)) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
      if (d > 100 || d < 0) {
        throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      }
      out.push(formatPercentile(d));
    }
    return out.join(' ');
  },
  rewrite(value, name) {
    return [[`${name} ${value === '' ? '""' : value}`, true]];
  },
};

/** shutdown-on-sigint / shutdown-on-sigterm: a set of flags; 'default' alone means none. */
const SHUTDOWN_FLAGS: readonly [string, number][] = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
];

function shutdownFlagNames(flags: number): string {
  if (flags === 0) return 'default';
  const names: string[] = [];
  for (const [n, v] of SHUTDOWN_FLAGS) if (v && (flags & v) === v) names.push(n);
  return names.join(' ');
}

export const shutdownOnSignalDirective: SpecialDirective = {
  parse(args) {
    let flags = 0;
    const bad = 'argument(s) must be one of the following: default, save, nosave, now, force';
    if (args.length === 0) throw new ConfigError(bad);
    for (const a of args) {
      const hit = SHUTDOWN_FLAGS.find(([n]) => n === a.toLowerCase());
      if (!hit) throw new ConfigError(bad);
      flags |= hit[1];
    }
    if (flags & 1 && flags & 2) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
    return shutdownFlagNames(flags);
  },
  rewrite(value, name, def) {
    return [[`${name} ${value}`, value !== def]];
  },
};

/** `dir` is the process' working directory: setting it chdirs (which is how Redis does it, too). */
export const dirDirective: SpecialDirective = {
  parse(args) {
    if (args.length !== 1) wrongArgs();
    try {
      process.chdir(args[0]);
    } catch (err) {
      throw new ConfigError(strerror(err));
    }
    return process.cwd();
  },
  get() {
    try {
      return process.cwd();
    } catch {
      return '';
    }
  },
  rewrite(value, name) {
    return [[`${name} ${reprQuote(value)}`, true]];
  },
};
