/**
 * Live configuration: canonical string values for every directive in the table, typed getters for the hot paths,
 * validation with Redis' error reasons, all-or-nothing CONFIG SET, and change listeners so subsystems react to a
 * change at once. The table itself is in directives.ts.
 */
import { splitArgs } from '../protocol/resp-parser';
import { globMatch } from '../store/glob';
import { DIRECTIVES, type Directive } from './directives';
import {
  ConfigError,
  parseCLong,
  parseMemory,
  parseMemoryExact,
  parseStrictInt,
  toSigned64,
  toUnsigned64,
} from './values';

export { ConfigError, parseMemory };

type Listener = (value: string, name: string) => void;

/** Result of CONFIG SET: null on success, otherwise the full error line (with its code, e.g. "ERR ..."). */
export type ConfigSetResult = string | null;

export interface ConfigSetOptions {
  /** the server is loading a dataset (directives flagged denyLoading are refused) */
  loading?: boolean;
  /** the requesting client may change protected directives (dir, dbfilename) */
  allowProtected?: boolean;
}

export class Config {
  private readonly byName = new Map<string, Directive>();
  private readonly values = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly seenAtStartup = new Set<string>();
  private readonly table: readonly Directive[];
  /** absolute path of the config file we were started with (for CONFIG REWRITE and INFO), '' if none */
  configFile = '';
  /** ACL `user` lines from the config file: [name, ...rules], loaded into the ACL at start-up */
  readonly users: string[][] = [];
  /** the running server's users as `user` lines (set by the ACL registry): what CONFIG REWRITE writes */
  aclUserLines: (() => string[]) | null = null;
  /** rename-command pairs from the config file; an empty target removes the command */
  readonly renamedCommands: [from: string, to: string][] = [];

  constructor(table: readonly Directive[] = DIRECTIVES) {
    this.table = table;
    for (const d of table) {
      this.byName.set(d.name, d);
      for (const a of d.aliases ?? []) this.byName.set(a, d);
      this.assign(d, d.special?.get ? d.special.get() : d.default);
    }
  }

  directive(name: string): Directive | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** All canonical directives (no aliases), in table order. */
  directives(): Directive[] {
    return [...this.table];
  }

  /** Every name CONFIG GET * can report (aliases included, hidden knobs excluded), in table order. */
  visibleNames(): string[] {
    const out: string[] = [];
    for (const d of this.table) {
      if (d.hidden) continue;
      out.push(d.name);
      if (d.aliases) out.push(...d.aliases);
    }
    return out;
  }

  get(name: string): string {
    const d = this.directive(name);
    if (!d) throw new Error(`unknown config ${name}`);
    if (d.special?.get) return d.special.get();
    return this.values.get(d.name)!;
  }

  /** Numeric value of an int/memory directive (cached: safe on hot paths). Percentages come back negative. */
  num(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      const d = this.directive(name);
      if (d) n = this.numbers.get(d.name);
      if (n === undefined) throw new Error(`config ${name} is not numeric`);
    }
    return n;
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  isDefault(name: string): boolean {
    const d = this.directive(name);
    return d !== undefined && this.get(d.name) === d.default;
  }

  /**
   * Validates and sets a directive from its argument words (as on a config file line). Throws ConfigError with
   * Redis' reason text. `atStartup` allows immutable directives and gives config-file semantics (several `save`
   * lines accumulate; a single argument of a multi-word directive is split like a config line).
   */
  set(name: string, args: readonly string[], atStartup: boolean): void {
    const d = this.directive(name);
    if (!d) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!atStartup && !d.mutable) throw new ConfigError("can't set immutable config");
    let words = args;
    if (!d.multiArg && words.length !== 1) throw new ConfigError('wrong number of arguments');
    if (atStartup && d.multiArg && words.length === 1 && words[0] !== '') words = splitArgs(words[0]) ?? words;
    const old = this.values.get(d.name)!;
    const value = this.normalize(d, words, atStartup);
    if (atStartup) this.seenAtStartup.add(d.name);
    this.assign(d, value);
    if (old !== value) this.notify(d);
  }

  /**
   * CONFIG SET name value [name value ...]: every value is validated and set, then listeners run; any failure
   * restores all previous values. Error precedence and texts follow Redis 7.0.
   */
  setMany(pairs: readonly [name: string, value: string][], opts: ConfigSetOptions = {}): ConfigSetResult {
    const chosen: Directive[] = [];
    // An alias is its own table entry in Redis, so "slave-read-only" and "replica-read-only" are not duplicates.
    const names = new Set<string>();
    let error: string | null = null;
    for (const [name] of pairs) {
      const d = this.directive(name);
      if (error !== null) continue;
      if (!d) {
        error = `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      } else if (!d.mutable || (d.protectedConfig && !opts.allowProtected)) {
        const why = !d.mutable ? "can't set immutable config" : "can't set protected config";
        error = `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`;
      } else if (opts.loading && d.denyLoading) {
        error = 'LOADING Redis is loading the dataset in memory';
      } else if (names.has(name.toLowerCase())) {
        error = `ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`;
      } else {
        names.add(name.toLowerCase());
        chosen.push(d);
      }
    }
    if (error !== null) return error;

    const before = chosen.map((d) => this.values.get(d.name)!);
    const changed: Directive[] = [];
    for (let i = 0; i < chosen.length; i++) {
      const d = chosen[i];
      const raw = pairs[i][1];
      // Multi-word values arrive as one argument and are split on single spaces (empty value = no words).
      const words = d.multiArg ? (raw === '' ? [] : raw.split(' ')) : [raw];
      try {
        const v = this.normalize(d, words, false);
        this.assign(d, v);
        if (v !== before[i]) changed.push(d);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (let j = 0; j <= i; j++) this.assign(chosen[j], before[j]);
        return `ERR CONFIG SET failed (possibly related to argument '${pairs[i][0].toLowerCase()}') - ${err.message}`;
      }
    }
    for (const d of changed) {
      try {
        this.notify(d);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (let j = 0; j < chosen.length; j++) this.assign(chosen[j], before[j]);
        for (const c of changed) this.notifyQuietly(c);
        return `ERR CONFIG SET failed (possibly related to argument '${d.name}') - ${err.message}`;
      }
    }
    return null;
  }

  /**
   * CONFIG GET: the union of the directives matching each pattern (globs match case-insensitively; an exact name
   * is reported as typed, the way Redis echoes it). Hidden directives need their exact name.
   */
  matching(patterns: readonly string[]): [name: string, value: string][] {
    const out = new Map<string, [string, string]>();
    const seen = new Set<string>();
    for (const p of patterns) {
      if (!/[[*?]/.test(p)) {
        const d = this.directive(p);
        if (d && !seen.has(p.toLowerCase())) {
          seen.add(p.toLowerCase());
          out.set(p.toLowerCase(), [p, this.get(d.name)]);
        }
        continue;
      }
      for (const d of this.table) {
        if (d.hidden) continue;
        for (const n of [d.name, ...(d.aliases ?? [])]) {
          if (seen.has(n) || !globMatch(p, n, true)) continue;
          seen.add(n);
          out.set(n, [n, this.get(d.name)]);
        }
      }
    }
    return [...out.values()];
  }

  /** Runs `fn` now and whenever the directive changes. */
  watch(name: string, fn: Listener): void {
    const d = this.directive(name);
    if (!d) throw new Error(`unknown config ${name}`);
    const list = this.listeners.get(d.name) ?? [];
    list.push(fn);
    this.listeners.set(d.name, list);
    fn(this.get(d.name), d.name);
  }

  private notify(d: Directive): void {
    const v = this.get(d.name);
    for (const fn of this.listeners.get(d.name) ?? []) fn(v, d.name);
  }

  private notifyQuietly(d: Directive): void {
    try {
      this.notify(d);
    } catch {
      // restoring a previous value must not fail the rollback itself
    }
  }

  private assign(d: Directive, value: string): void {
    this.values.set(d.name, value);
    if (d.type === 'int' || d.type === 'memory') {
      let n: number;
      if (d.octal) n = Number.parseInt(value, 8);
      else if (value.endsWith('%')) n = -Number(value.slice(0, -1));
      else n = Number(value);
      this.numbers.set(d.name, n);
    }
  }

  /** Turns argument words into the canonical value, throwing ConfigError with Redis' reason. */
  normalize(d: Directive, args: readonly string[], atStartup = false): string {
    if (d.special) {
      const current = this.values.get(d.name) ?? d.default;
      return d.special.parse(args, {
        current,
        startup: atStartup,
        firstAtStartup: atStartup && !this.seenAtStartup.has(d.name),
      });
    }
    const v = args[0];
    switch (d.type) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l !== 'yes' && l !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
        return l;
      }
      case 'int':
      case 'memory':
        return this.normalizeNumber(d, v);
      case 'enum': {
        const l = v.toLowerCase();
        const idx = d.values!.indexOf(l);
        if (idx < 0) throw new ConfigError(`argument(s) must be one of the following: ${d.values!.join(', ')}`);
        // synonyms (oom-score-adj yes/relative) print as the first name with the same meaning
        if (d.enumIds) return d.values![d.enumIds.indexOf(d.enumIds[idx])];
        return l;
      }
      default: {
        const why = d.validate?.(v);
        if (why) throw new ConfigError(why);
        return v;
      }
    }
  }

  private normalizeNumber(d: Directive, v: string): string {
    let n: bigint | null = null;
    if (d.type === 'memory') {
      const m = parseMemoryExact(v);
      if (m !== null) n = toSigned64(m);
    }
    if (n === null && d.percent && v.length > 1 && v.endsWith('%')) {
      const p = parseStrictInt(v.slice(0, -1));
      if (p !== null && p >= 0n) n = -p;
    }
    if (n === null && d.octal) n = parseCLong(v, 8);
    if (n === null && d.type === 'int' && !d.octal) n = parseStrictInt(v);
    if (n === null) {
      if (d.type === 'memory') {
        throw new ConfigError(
          d.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value',
        );
      }
      throw new ConfigError(
        d.octal ? "argument couldn't be parsed as an octal number" : "argument couldn't be parsed into an integer",
      );
    }
    const min = d.min!;
    const max = d.max!;
    if (d.unsigned) {
      const u = toUnsigned64(n);
      if (u > max || u < min) {
        const f = (x: bigint) => (d.octal ? x.toString(8) : String(x));
        throw new ConfigError(`argument must be between ${f(min)} and ${f(max)} inclusive`);
      }
      n = u;
    } else if (d.percent && n < 0n) {
      if (n < min) throw new ConfigError(`percentage argument must be less or equal to ${-min}`);
      return `${-n}%`;
    } else if (n > max || n < min) {
      throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
    }
    if (d.clamp) {
      if (n < d.clamp[0]) n = d.clamp[0];
      if (n > d.clamp[1]) n = d.clamp[1];
    }
    return d.octal ? n.toString(8) : String(n);
  }
}
