/**
 * The single command table: every family's specs merged into one lookup keyed by lower-case name, with
 * subcommands nested under their container. Flags are pre-computed into booleans once at start-up.
 */
import { aclCommands } from './acl';
import type { CommandEntry, CommandSpec } from './command';
import { connectionCommands } from './connection';
import { hashCommands } from './hashes';
import { keyCommands } from './keys';
import { listCommands } from './lists';
import { persistenceCommands } from './persistence';
import { pubsubCommands } from './pubsub';
import { replicationPrimaryCommands } from './replication-primary';
import { replicationReplicaCommands } from './replication-replica';
import { serverCommands } from './server';
import { setCommands } from './sets';
import { stringCommands } from './strings';
import { transactionCommands } from './transactions';
import { zsetCommands } from './zsets';

export const allSpecs: readonly CommandSpec[] = [
  ...connectionCommands,
  ...keyCommands,
  ...stringCommands,
  ...hashCommands,
  ...listCommands,
  ...setCommands,
  ...zsetCommands,
  ...pubsubCommands,
  ...transactionCommands,
  ...serverCommands,
  ...persistenceCommands,
  ...replicationReplicaCommands,
  ...replicationPrimaryCommands,
  ...aclCommands,
];

function makeEntry(spec: CommandSpec, parent: CommandEntry | null): CommandEntry {
  const f = new Set(spec.flags);
  const entry: CommandEntry = {
    spec,
    fullName: parent ? `${parent.spec.name}|${spec.name}` : spec.name,
    parent,
    subcommands: null,
    isWrite: f.has('write'),
    isReadonly: f.has('readonly'),
    isDenyOom: f.has('denyoom'),
    isAdmin: f.has('admin'),
    isPubsub: f.has('pubsub'),
    isNoAuth: f.has('no_auth'),
    isLoadingOk: f.has('loading'),
    isStaleOk: f.has('stale'),
    isNoMulti: f.has('no_multi'),
    isBlocking: f.has('blocking'),
    isFast: f.has('fast'),
    isMayReplicate: f.has('may_replicate'),
    skipMonitor: f.has('skip_monitor'),
    skipSlowlog: f.has('skip_slowlog'),
    calls: 0,
    usec: 0,
    rejectedCalls: 0,
    failedCalls: 0,
    latency: null,
  };
  if (spec.subcommands) {
    entry.subcommands = new Map();
    for (const sub of spec.subcommands) entry.subcommands.set(sub.name, makeEntry(sub, entry));
  }
  return entry;
}

export class CommandTable {
  /** keyed by lower-case name, plus an upper-case alias so the common all-caps clients skip toLowerCase() */
  private readonly byName = new Map<string, CommandEntry>();
  readonly entries: CommandEntry[] = [];

  constructor(specs: readonly CommandSpec[] = allSpecs) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
      const e = makeEntry(spec, null);
      this.entries.push(e);
      this.byName.set(spec.name, e);
      this.byName.set(spec.name.toUpperCase(), e);
    }
  }

  /**
   * rename-command (config file only): the command answers to `to` instead of `from`, or to nothing when `to` is
   * empty. Its own name (COMMAND INFO, statistics) stays the original, as in Redis.
   */
  rename(from: string, to: string): boolean {
    const e = this.get(from);
    if (!e) return false;
    this.byName.delete(e.spec.name);
    this.byName.delete(e.spec.name.toUpperCase());
    for (const [k, v] of this.byName) if (v === e) this.byName.delete(k);
    if (to !== '') {
      this.byName.set(to.toLowerCase(), e);
      this.byName.set(to.toUpperCase(), e);
    } else {
      this.entries.splice(this.entries.indexOf(e), 1);
    }
    return true;
  }

  /** Looks up the command only (not subcommands). */
  get(name: string): CommandEntry | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** Every entry including subcommands, for INFO commandstats and COMMAND. */
  *all(): IterableIterator<CommandEntry> {
    for (const e of this.entries) {
      yield e;
      if (e.subcommands) yield* e.subcommands.values();
    }
  }

  /** Key positions (0-based argv indexes) of a concrete call, from the table's key spec. */
  static keyIndexes(entry: CommandEntry, argv: readonly string[]): number[] {
    const spec = entry.spec;
    if (spec.getKeys) return spec.getKeys(argv);
    if (spec.firstKey <= 0) return [];
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    const out: number[] = [];
    for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.keyStep || 1) out.push(i);
    return out;
  }
}
