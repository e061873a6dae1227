/**
 * Live configuration: canonical string values for every directive in the table, typed getters for the hot paths,
 * validation with Redis' error reasons, and change listeners so subsystems react to CONFIG SET at once.
 */
import { DIRECTIVES, type Directive } from './directives';

export class ConfigError extends Error {}

/** Parses Redis memory units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb (case-insensitive). NaN on bad input. */
export function parseMemory(v: string): number {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb)?$/i.exec(v);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  switch ((m[2] ?? '').toLowerCase()) {
    case 'k':
      return n * 1000;
    case 'kb':
      return n * 1024;
    case 'm':
      return n * 1000 * 1000;
    case 'mb':
      return n * 1024 * 1024;
    case 'g':
      return n * 1000 * 1000 * 1000;
    case 'gb':
      return n * 1024 * 1024 * 1024;
    default:
      return n;
  }
}

type Listener = (value: string, name: string) => void;

export class Config {
  private readonly byName = new Map<string, Directive>();
  private readonly values = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly listeners = new Map<string, Listener[]>();
  /** path of the config file we were started with (for CONFIG REWRITE), '' if none */
  configFile = '';

  constructor(table: readonly Directive[] = DIRECTIVES) {
    for (const d of table) {
      this.byName.set(d.name, d);
      for (const a of d.aliases ?? []) this.byName.set(a, d);
      this.store(d, d.default);
    }
  }

  directive(name: string): Directive | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** All canonical directives (no aliases), in table order. */
  directives(): Directive[] {
    return [...new Set(this.byName.values())];
  }

  get(name: string): string {
    const d = this.byName.get(name);
    if (!d) throw new Error(`unknown config ${name}`);
    return this.values.get(d.name)!;
  }

  /** Numeric value of an int/memory directive (cached: safe on hot paths). */
  num(name: string): number {
    const n = this.numbers.get(name);
    if (n === undefined) throw new Error(`config ${name} is not numeric`);
    return n;
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Validates and sets a directive from its argument words (one word for plain types). Throws ConfigError with
   * Redis' reason text. `atStartup` allows immutable directives.
   */
  set(name: string, args: readonly string[], atStartup: boolean): void {
    const d = this.byName.get(name.toLowerCase());
    if (!d) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!atStartup && !d.mutable) throw new ConfigError("can't set immutable config");
    const value = this.normalize(d, args);
    const old = this.values.get(d.name);
    this.store(d, value);
    if (old !== value) for (const fn of this.listeners.get(d.name) ?? []) fn(value, d.name);
  }

  /** Runs `fn` now and whenever the directive changes. */
  watch(name: string, fn: Listener): void {
    const d = this.byName.get(name);
    if (!d) throw new Error(`unknown config ${name}`);
    const list = this.listeners.get(d.name) ?? [];
    list.push(fn);
    this.listeners.set(d.name, list);
    fn(this.values.get(d.name)!, d.name);
  }

  private store(d: Directive, value: string): void {
    this.values.set(d.name, value);
    if (d.type === 'int' || d.type === 'memory') this.numbers.set(d.name, Number(value));
  }

  normalize(d: Directive, args: readonly string[]): string {
    if (d.normalize) return d.normalize(args);
    if (args.length !== 1) throw new ConfigError('wrong number of arguments');
    const v = args[0];
    switch (d.type) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l !== 'yes' && l !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
        return l;
      }
      case 'int':
      case 'memory': {
        const n = d.type === 'memory' ? parseMemory(v) : /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
        if (Number.isNaN(n)) {
          throw new ConfigError(
            d.type === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer",
          );
        }
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
          throw new ConfigError(`argument must be between ${d.min} and ${d.max} inclusive`);
        }
        return String(n);
      }
      case 'enum': {
        const l = v.toLowerCase();
        if (!d.values!.includes(l))
          throw new ConfigError(`argument(s) must be one of the following: ${d.values!.join(', ')}`);
        return l;
      }
      default:
        return v;
    }
  }
}
