/**
 * The command universe ACL rules refer to: every Redis 7.0 command and subcommand with its ACL categories (from
 * command-meta.ts, generated from the real server), plus any command of the running table Redis does not have.
 * Category counts over this universe drive ACL LIST's choice of categories, so it must be Redis' whole table, not
 * only what Tandem implements.
 */
import { COMMAND_META } from '../commands/command-meta';

/** ACL categories in Redis' order (ACL CAT, describe's best-fit loop); bit i is category i. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

export function categoryBit(name: string): number {
  const i = ACL_CATEGORIES.indexOf(name.toLowerCase() as (typeof ACL_CATEGORIES)[number]);
  return i < 0 ? 0 : 1 << i;
}

/** One command or subcommand known to ACL rules. */
export interface AclCmd {
  id: number;
  /** "get", "config|get" */
  name: string;
  cats: number;
  parent: AclCmd | null;
  subs: AclCmd[] | null;
}

/**
 * The command universe rules refer to: every Redis 7.0 command and subcommand, plus commands of the running table
 * that Redis does not have. Rename-command does not affect it (Redis bases ACLs on the original table too).
 */
export class AclCatalog {
  readonly cmds: AclCmd[] = [];
  /** top-level commands, alphabetical (Redis walks a hash table, so its order is random per process) */
  readonly top: AclCmd[] = [];
  private readonly byName = new Map<string, AclCmd>();

  constructor(extra: Iterable<[fullName: string, categories: readonly string[]]> = []) {
    const defs = new Map<string, readonly string[]>();
    for (const [name, raw] of Object.entries(COMMAND_META)) {
      const acl = raw.slice(0, raw.indexOf('|'));
      defs.set(name, acl === '' ? [] : acl.split(' '));
    }
    for (const [name, cats] of extra) if (!defs.has(name)) defs.set(name, cats);
    for (const name of [...defs.keys()].sort()) {
      let cats = 0;
      for (const c of defs.get(name)!) cats |= categoryBit(c);
      const bar = name.indexOf('|');
      const parent = bar < 0 ? null : (this.byName.get(name.slice(0, bar)) ?? null);
      if (bar >= 0 && parent === null) continue; // a subcommand of a container nobody declared
      const cmd: AclCmd = { id: this.cmds.length, name, cats, parent, subs: null };
      this.cmds.push(cmd);
      this.byName.set(name, cmd);
      if (parent) (parent.subs ??= []).push(cmd);
      else this.top.push(cmd);
    }
  }

  get size(): number {
    return this.cmds.length;
  }

  /** By exact full name (lower case), as dispatch knows the running command. */
  byFullName(name: string): AclCmd | undefined {
    return this.byName.get(name);
  }

  /** "name" or "container|sub", case-insensitive, strictly one level deep (as Redis' ACL lookup). */
  lookup(name: string): AclCmd | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    const base = this.byName.get(parts[0]);
    if (parts.length === 1 || base === undefined) return base;
    if (base.subs === null) return undefined;
    return this.byName.get(`${parts[0]}|${parts[1]}`);
  }
}

let sharedCatalog: AclCatalog | null = null;

/** The catalog of Redis' own commands, for rule validation outside a running server (config file checks). */
export function redisCatalog(): AclCatalog {
  sharedCatalog ??= new AclCatalog();
  return sharedCatalog;
}
