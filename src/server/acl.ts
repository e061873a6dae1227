/**
 * ACL model, as Redis 7.0 has it: users with flags and password hashes, and selectors (the root one plus any
 * "(...)" ones) holding command permissions, key patterns (with %R/%W access) and channel patterns. Rule parsing
 * (ACL SETUSER words), credential checks and the per-command permission check live here; the rule text that ACL LIST
 * prints is in acl-describe.ts, the registry of users (ACL LOG, files, clients) in acl-registry.ts.
 *
 * Commands are known through the catalog (acl-catalog.ts): rules naming a Redis command Tandem does not implement
 * are accepted and described exactly as Redis does.
 */
import { createHash } from 'node:crypto';
import type { CommandEntry } from '../commands/command';
import { keysWithFlags } from '../commands/command-meta-util';
import type { Bytes } from '../protocol/bytes';
import { splitArgs } from '../protocol/resp-parser';
import { globMatch } from '../store/glob';
import { type AclCatalog, type AclCmd, categoryBit, redisCatalog } from './acl-catalog';

export { ACL_CATEGORIES, AclCatalog, type AclCmd, categoryBit, redisCatalog } from './acl-catalog';

// ---- errors ------------------------------------------------------------------------------------------------------

/** Why a rule was refused; the text is Redis' (ACLSetUserStringError). */
export const AclErr = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicateUser: 'Duplicate user found. A user can only be defined once in config files',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
} as const;
export type AclError = (typeof AclErr)[keyof typeof AclErr];

// ---- selectors ---------------------------------------------------------------------------------------------------

export const SEL_ROOT = 1;
export const SEL_ALLKEYS = 2;
export const SEL_ALLCOMMANDS = 4;
export const SEL_ALLCHANNELS = 8;

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = 3;

export interface KeyPattern {
  pattern: Bytes;
  perm: number;
}

/** C isspace() plus NUL: what Redis refuses in user names and patterns. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 32 || (c >= 9 && c <= 13)) return true;
  }
  return false;
}

export class Selector {
  flags: number;
  /** 1 = allowed, per catalog id */
  bits: Uint8Array;
  /** set by +@all, cleared by -@all: the rules were built by subtraction from everything (describe starts "+@all") */
  future = false;
  /** allowed first arguments of otherwise denied commands ("+select|0"), by command id */
  firstArgs: Map<number, string[]> | null = null;
  keys: KeyPattern[] = [];
  channels: Bytes[] = [];

  constructor(
    readonly catalog: AclCatalog,
    flags: number,
  ) {
    this.flags = flags;
    this.bits = new Uint8Array(catalog.size);
  }

  clone(): Selector {
    const s = new Selector(this.catalog, this.flags);
    s.bits.set(this.bits);
    s.future = this.future;
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channels = [...this.channels];
    return s;
  }

  private setBit(id: number, allow: boolean): void {
    this.bits[id] = allow ? 1 : 0;
    if (!allow) this.flags &= ~SEL_ALLCOMMANDS;
  }

  /** Allows or denies a command; a container takes all its subcommands along. */
  changePerm(cmd: AclCmd, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstArgs?.delete(cmd.id);
    if (cmd.subs) for (const s of cmd.subs) this.setBit(s.id, allow);
  }

  applyCategory(bit: number, allow: boolean): void {
    for (const cmd of this.catalog.top) {
      if (cmd.cats & bit) this.changePerm(cmd, allow);
      if (cmd.subs) for (const s of cmd.subs) if (s.cats & bit) this.changePerm(s, allow);
    }
  }

  private setAll(allow: boolean): void {
    this.bits.fill(allow ? 1 : 0);
    this.future = allow;
    if (allow) this.flags |= SEL_ALLCOMMANDS;
    else this.flags &= ~SEL_ALLCOMMANDS;
    this.firstArgs = null;
  }

  private addFirstArg(id: number, arg: string): void {
    this.firstArgs ??= new Map();
    const list = this.firstArgs.get(id);
    if (!list) return void this.firstArgs.set(id, [arg]);
    const lower = arg.toLowerCase();
    if (!list.some((a) => a.toLowerCase() === lower)) list.push(arg);
  }

  /** Applies one selector rule (keys, channels, commands). Returns null or why it was refused. */
  apply(op: string): AclError | null {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || lower === '~*') {
      this.flags |= SEL_ALLKEYS;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.flags &= ~SEL_ALLKEYS;
      this.keys = [];
    } else if (lower === 'allchannels' || lower === '&*') {
      this.flags |= SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.flags &= ~SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.setAll(true);
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.setAll(false);
    } else if (op[0] === '~' || op[0] === '%') {
      return this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.flags & SEL_ALLCHANNELS) return AclErr.channelsAfterAll;
      const pat = op.slice(1);
      if (hasSpaces(pat)) return AclErr.syntax;
      if (!this.channels.includes(pat)) this.channels.push(pat);
    } else if (op[0] === '+' && op[1] !== '@') {
      return this.allowCommand(op);
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = this.catalog.lookup(op.slice(1));
      if (!cmd) return AclErr.unknown;
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(op.slice(2));
      if (bit === 0) return AclErr.unknown;
      this.applyCategory(bit, op[0] === '+');
    } else {
      return AclErr.syntax;
    }
    return null;
  }

  private addKeyPattern(op: string): AclError | null {
    if (this.flags & SEL_ALLKEYS) return AclErr.keysAfterAll;
    let perm = 0;
    let i = 1;
    if (op[0] === '%') {
      for (; i < op.length; i++) {
        const ch = op[i].toUpperCase();
        if (ch === 'R' && !(perm & PERM_READ)) perm |= PERM_READ;
        else if (ch === 'W' && !(perm & PERM_WRITE)) perm |= PERM_WRITE;
        else if (op[i] === '~') {
          i++;
          break;
        } else return AclErr.syntax;
      }
      // A bare "%" would store a pattern with no access at all, which Redis cannot even print back.
      if (perm === 0) return AclErr.syntax;
    } else {
      perm = PERM_ALL;
    }
    const pattern = op.slice(i);
    if (hasSpaces(pattern)) return AclErr.syntax;
    const same = this.keys.find((k) => k.pattern === pattern);
    if (same) same.perm |= perm;
    else this.keys.push({ pattern, perm });
    this.flags &= ~SEL_ALLKEYS;
    return null;
  }

  private allowCommand(op: string): AclError | null {
    const bar = op.lastIndexOf('|');
    if (bar < 0) {
      const cmd = this.catalog.lookup(op.slice(1));
      if (!cmd) return AclErr.unknown;
      this.changePerm(cmd, true);
      return null;
    }
    const cmd = this.catalog.lookup(op.slice(1, bar));
    if (!cmd) return AclErr.unknown;
    if (cmd.parent) return AclErr.subcommandFirstArg;
    const sub = op.slice(bar + 1);
    if (sub === '') return AclErr.syntax;
    if (cmd.subs) {
      const s = this.catalog.lookup(op.slice(1));
      if (!s) return AclErr.unknown;
      this.changePerm(s, true);
    } else {
      // "+select|0": an otherwise denied command allowed with this first argument only.
      this.addFirstArg(cmd.id, sub);
    }
    return null;
  }
}

// ---- users -------------------------------------------------------------------------------------------------------

export const USER_ON = 1;
export const USER_OFF = 2;
export const USER_NOPASS = 4;
export const USER_SANITIZE = 8;
export const USER_SKIP_SANITIZE = 16;

/** Flag words in the order ACL LIST and GETUSER print them. */
export const USER_FLAG_WORDS: readonly [number, string][] = [
  [USER_ON, 'on'],
  [USER_OFF, 'off'],
  [USER_NOPASS, 'nopass'],
  [USER_SKIP_SANITIZE, 'skip-sanitize-payload'],
  [USER_SANITIZE, 'sanitize-payload'],
];

export function hashPassword(pass: Bytes): string {
  return createHash('sha256').update(pass, 'latin1').digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

export class AclUser {
  flags = USER_OFF;
  /** sha256 hex of each password */
  passwords: string[] = [];
  /** selectors[0] is the root one (rules outside parentheses) */
  selectors: Selector[];
  /** may run any command on any key and channel: dispatch skips the check for its clients */
  unrestricted = false;
  /** cached ACL LIST text (acl-describe.ts), dropped on any change */
  description: string | null = null;

  constructor(
    readonly name: Bytes,
    readonly catalog: AclCatalog,
    /** SEL_ALLCHANNELS when acl-pubsub-default is allchannels, else 0: read when a selector is created */
    private readonly pubsubDefault: () => number,
  ) {
    this.selectors = [new Selector(catalog, SEL_ROOT | pubsubDefault())];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  get enabled(): boolean {
    return (this.flags & USER_OFF) === 0;
  }

  /** A copy under another name (a staging area for ACL SETUSER, which applies all rules or none). */
  clone(name = this.name): AclUser {
    const u = new AclUser(name, this.catalog, this.pubsubDefault);
    u.copyFrom(this);
    return u;
  }

  /** Takes over another user's rules, keeping this identity (connections point to it). */
  copyFrom(src: AclUser): void {
    this.flags = src.flags;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.clone());
    this.description = null;
    this.refresh();
  }

  refresh(): void {
    const all = SEL_ALLKEYS | SEL_ALLCOMMANDS | SEL_ALLCHANNELS;
    this.unrestricted = (this.root.flags & all) === all;
  }

  /** Applies one ACL SETUSER word. Returns null or why it was refused (the user may be half changed then). */
  apply(op: Bytes): AclError | null {
    this.description = null;
    const err = this.applyWord(op);
    this.refresh();
    return err;
  }

  private applyWord(op: Bytes): AclError | null {
    if (op === '') return null;
    const lower = op.length <= 21 ? op.toLowerCase() : '';
    switch (lower) {
      case 'on':
        this.flags = (this.flags | USER_ON) & ~USER_OFF;
        return null;
      case 'off':
        this.flags = (this.flags | USER_OFF) & ~USER_ON;
        return null;
      case 'skip-sanitize-payload':
        this.flags = (this.flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE;
        return null;
      case 'sanitize-payload':
        this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE;
        return null;
      case 'nopass':
        this.flags |= USER_NOPASS;
        this.passwords = [];
        return null;
      case 'resetpass':
        this.flags &= ~USER_NOPASS;
        this.passwords = [];
        return null;
      case 'clearselectors':
        this.selectors.length = 1;
        return null;
      case 'reset':
        this.applyWord('resetpass');
        this.applyWord('resetkeys');
        this.applyWord('resetchannels');
        if (this.pubsubDefault() & SEL_ALLCHANNELS) this.applyWord('allchannels');
        this.applyWord('off');
        this.applyWord('sanitize-payload');
        this.applyWord('clearselectors');
        this.applyWord('-@all');
        return null;
    }
    const c = op[0];
    if (c === '>' || c === '#') {
      const hash = c === '>' ? hashPassword(op.slice(1)) : op.slice(1);
      if (c === '#' && !validHash(hash)) return AclErr.badHash;
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.flags &= ~USER_NOPASS;
      return null;
    }
    if (c === '<' || c === '!') {
      const hash = c === '<' ? hashPassword(op.slice(1)) : op.slice(1);
      if (c === '!' && !validHash(hash)) return AclErr.badHash;
      const i = this.passwords.indexOf(hash);
      if (i < 0) return AclErr.noSuchPassword;
      this.passwords.splice(i, 1);
      return null;
    }
    if (c === '(' && op[op.length - 1] === ')') {
      const sel = new Selector(this.catalog, this.pubsubDefault());
      // Unbalanced quotes inside make an empty selector, as Redis' argument splitter gives up with nothing.
      for (const word of splitArgs(op.slice(1, -1)) ?? []) {
        const err = sel.apply(word);
        if (err) return err;
      }
      this.selectors.push(sel);
      return null;
    }
    return this.root.apply(op);
  }

  /** AUTH check: enabled, and nopass or one of the passwords (compared by hash, in constant time per hash). */
  checkPassword(pass: Bytes): boolean {
    if (!this.enabled) return false;
    if (this.flags & USER_NOPASS) return true;
    const h = hashPassword(pass);
    let ok = false;
    for (const p of this.passwords) {
      let diff = 0;
      for (let i = 0; i < 64; i++) diff |= p.charCodeAt(i) ^ h.charCodeAt(i);
      if (diff === 0) ok = true;
    }
    return ok;
  }
}

/**
 * Joins selector words a client split over several arguments ("(~a*", "+get)") back into one, as Redis does for
 * ACL SETUSER, config `user` lines and ACL files. Returns the merged words, or the index of the word opening an
 * unclosed selector.
 */
export function mergeSelectorArgs(args: readonly Bytes[]): Bytes[] | number {
  const out: Bytes[] = [];
  let open = -1;
  let cur = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      cur = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      cur += ` ${op}`;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(cur);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

/**
 * Config-file check of a `user` line's rules (merged selectors): Redis tries them on a throw-away user, and leaves
 * unknown commands to be reported when users are loaded. Returns [index of the failing rule, why] or null.
 */
export function validateUserRules(rules: readonly Bytes[], pubsubDefault: number): [number, AclError] | null {
  const u = new AclUser('', redisCatalog(), () => pubsubDefault);
  for (let j = 0; j < rules.length; j++) {
    const err = u.apply(rules[j]);
    if (err !== null && err !== AclErr.unknown) return [j, err];
  }
  return null;
}

// ---- permission checks -------------------------------------------------------------------------------------------

export const ACL_OK = 0;
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

/** Channel arguments of the pub/sub commands ACLs look at: [first index, all the rest?, is a pattern]. */
const CHANNEL_ARGS: Record<string, readonly [number, boolean, boolean]> = {
  subscribe: [1, true, false],
  ssubscribe: [1, true, false],
  psubscribe: [1, true, true],
  publish: [1, false, false],
  spublish: [1, false, false],
};

function keyPerm(flags: readonly string[]): number {
  let p = 0;
  for (const f of flags) {
    if (f === 'access') p |= PERM_READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') p |= PERM_WRITE;
  }
  return p;
}

export function channelAllowed(list: readonly Bytes[], channel: Bytes, isPattern: boolean): boolean {
  for (const p of list) {
    // A PSUBSCRIBE pattern is allowed only by the very same ACL pattern; a channel name is matched as a glob.
    if (isPattern ? p === channel : globMatch(p, channel)) return true;
  }
  return false;
}

/** Result of the last checkCommand(): the argv index of the key or channel refused. */
export const denied = { pos: 0 };

/**
 * Can `user` run `entry` with `argv`? Returns ACL_OK or DENIED_CMD / DENIED_KEY / DENIED_CHANNEL (then denied.pos
 * holds the offending argument). With several selectors, any one allowing the whole command is enough; otherwise
 * the most specific refusal is reported, as Redis picks it.
 */
export function checkCommand(user: AclUser, entry: CommandEntry, argv: readonly Bytes[]): number {
  const cmd = user.catalog.byFullName(entry.fullName);
  let keys: [number, string[]][] | null = null;
  let relevant = DENIED_CMD;
  let lastPos = 0;
  for (const sel of user.selectors) {
    let res = ACL_OK;
    let pos = 0;
    if (!(sel.flags & SEL_ALLCOMMANDS) && !entry.isNoAuth && !commandBitAllows(sel, cmd, argv)) {
      res = DENIED_CMD;
    }
    if (res === ACL_OK && !(sel.flags & SEL_ALLKEYS)) {
      keys ??= keysWithFlags(entry, argv);
      for (const [i, flags] of keys) {
        if (!keyAllowed(sel, argv[i], keyPerm(flags))) {
          res = DENIED_KEY;
          pos = i;
          break;
        }
      }
    }
    if (res === ACL_OK && !(sel.flags & SEL_ALLCHANNELS)) {
      const spec = CHANNEL_ARGS[entry.fullName];
      if (spec !== undefined) {
        const last = spec[1] ? argv.length - 1 : spec[0];
        for (let i = spec[0]; i <= last && i < argv.length; i++) {
          if (!channelAllowed(sel.channels, argv[i], spec[2])) {
            res = DENIED_CHANNEL;
            pos = i;
            break;
          }
        }
      }
    }
    if (res === ACL_OK) return ACL_OK;
    if (res > relevant || (res === relevant && pos > lastPos)) {
      relevant = res;
      lastPos = pos;
    }
  }
  denied.pos = lastPos;
  return relevant;
}

function commandBitAllows(sel: Selector, cmd: AclCmd | undefined, argv: readonly Bytes[]): boolean {
  if (cmd === undefined) return false;
  if (sel.bits[cmd.id] === 1) return true;
  const allowed = sel.firstArgs?.get(cmd.id);
  const idx = cmd.parent ? 2 : 1;
  if (allowed === undefined || argv.length < 2 || idx >= argv.length) return false;
  const arg = argv[idx].toLowerCase();
  return allowed.some((a) => a.toLowerCase() === arg);
}

export function keyAllowed(sel: Selector, key: Bytes, need: number): boolean {
  if (sel.flags & SEL_ALLKEYS) return true;
  for (const k of sel.keys) {
    if ((k.perm & need) === need && globMatch(k.pattern, key)) return true;
  }
  return false;
}
