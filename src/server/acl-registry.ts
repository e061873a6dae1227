/**
 * The server's ACL state: the users (with the default user kept in step with requirepass), the ACL log, the ACL
 * file (ACL LOAD / SAVE, aclfile at start-up) and config `user` lines, and what user changes do to connections
 * (deleted users' clients are closed, pub/sub clients losing channel rights too, and every client's
 * `unrestricted` shortcut is kept true exactly when its user may run anything).
 *
 * Dispatch calls aclDenial() for clients that are not unrestricted, at Redis' place in processCommand (after the
 * authentication check); EXEC calls aclExecDenied() for each queued command, as rules may change meanwhile.
 */
import fs from 'node:fs';
import type { CommandEntry } from '../commands/command';
import { COMMAND_META } from '../commands/command-meta';
import { categoriesOf } from '../commands/command-meta-util';
import type { Config } from '../config/config';
import { strerror } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import {
  ACL_OK,
  AclCatalog,
  AclErr,
  AclUser,
  DENIED_AUTH,
  DENIED_CHANNEL,
  DENIED_CMD,
  DENIED_KEY,
  SEL_ALLCHANNELS,
  USER_NOPASS,
  channelAllowed,
  checkCommand,
  denied,
  hasSpaces,
  mergeSelectorArgs,
} from './acl';
import { describeUser } from './acl-describe';
import type { Client } from './client';
import { log } from './log';

/** What the registry needs from the server: its connections. */
export interface AclHost {
  readonly clients: ReadonlyMap<number, Client>;
  readonly currentClient: Client | null;
  clientInfoLine(c: Client): string;
}

export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

export interface AclLogEntry {
  count: number;
  reason: number;
  context: AclLogContext;
  object: Bytes;
  username: Bytes;
  /** ms timestamp of the last occurrence */
  ctime: number;
  /** CLIENT LIST line of the last client involved */
  cinfo: string;
}

export const REASON_NAMES: Record<number, string> = {
  [DENIED_CMD]: 'command',
  [DENIED_KEY]: 'key',
  [DENIED_CHANNEL]: 'channel',
  [DENIED_AUTH]: 'auth',
};

/** Entries within this many ms of each other with the same facts are counted as one. */
const LOG_GROUPING_MS = 60_000;

export class Acl {
  readonly catalog: AclCatalog;
  /** by name; ACL LIST and friends sort the names bytewise, as Redis' radix tree does */
  users = new Map<Bytes, AclUser>();
  /** the same object for the server's whole life: connections and the requirepass link point to it */
  readonly defaultUser: AclUser;
  /** newest first */
  readonly log: AclLogEntry[] = [];

  constructor(
    private readonly config: Config,
    private readonly host: AclHost,
    /** the running command table: commands Redis does not have join the catalog with their derived categories */
    table: Iterable<CommandEntry> = [],
  ) {
    const extra: [string, readonly string[]][] = [];
    for (const e of table) if (COMMAND_META[e.fullName] === undefined) extra.push([e.fullName, categoriesOf(e)]);
    this.catalog = new AclCatalog(extra);
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
    // requirepass is the default user's password: setting it (at start-up too) replaces the password list.
    config.watch('requirepass', (v) => this.setDefaultPassword(v));
    config.aclUserLines = () => this.configLines();
  }

  private pubsubDefault = (): number => (this.config.get('acl-pubsub-default') === 'allchannels' ? SEL_ALLCHANNELS : 0);

  newUser(name: Bytes): AclUser {
    return new AclUser(name, this.catalog, this.pubsubDefault);
  }

  private createDefaultUser(): AclUser {
    const u = this.newUser('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op);
    return u;
  }

  /** Users in name order (bytewise). */
  sortedUsers(): AclUser[] {
    return [...this.users.keys()].sort().map((n) => this.users.get(n)!);
  }

  /** New connections must authenticate unless the default user is enabled and has nopass. */
  authRequired(): boolean {
    const d = this.defaultUser;
    return !(d.flags & USER_NOPASS) || !d.enabled;
  }

  setDefaultPassword(pass: string): void {
    const d = this.defaultUser;
    d.apply('resetpass');
    d.apply(pass === '' ? 'nopass' : `>${pass}`);
  }

  /** `user` lines for CONFIG REWRITE (none when an ACL file holds the users). */
  private configLines(): string[] {
    return this.sortedUsers().map((u) => `user ${u.name} ${describeUser(u)}`);
  }

  // ---- changes -------------------------------------------------------------------------------------------------

  /**
   * ACL SETUSER: all words are applied to a copy first, so an error changes nothing. Returns null or the error text
   * (without the ERR prefix).
   */
  setUser(name: Bytes, args: readonly Bytes[]): string | null {
    const merged = mergeSelectorArgs(args);
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${args[merged]}'.`;
    const existing = this.users.get(name);
    const staged = existing ? existing.clone() : this.newUser(name);
    for (const op of merged) {
      const err = staged.apply(op);
      if (err) return `Error in ACL SETUSER modifier '${op}': ${err}`;
    }
    if (existing) {
      this.killPubsubClientsIfNeeded(staged, existing);
      existing.copyFrom(staged);
      this.refreshClients(existing);
    } else {
      this.users.set(name, staged);
    }
    return null;
  }

  /** ACL DELUSER of one user (not the default one): its connections are closed. */
  deleteUser(name: Bytes): boolean {
    const u = this.users.get(name);
    if (!u || u === this.defaultUser) return false;
    this.users.delete(name);
    this.killClientsOf(u);
    return true;
  }

  /** Points a connection at a user after a successful AUTH / HELLO AUTH. */
  attach(c: Client, u: AclUser): void {
    c.setAuthenticated(u.name, u);
  }

  /** Back to the default user and its authentication state (RESET, new connections). */
  attachDefault(c: Client): void {
    const d = this.defaultUser;
    c.aclUser = d;
    c.user = d.name;
    c.unrestricted = d.unrestricted;
    c.authenticated = !this.authRequired();
    c.parser.limits.authRequired = !c.authenticated;
  }

  /**
   * AUTH and HELLO AUTH: checks the pair and switches the connection to the user. A failure is logged in the ACL
   * log under the name tried, with the command name as typed.
   */
  authenticate(c: Client, name: Bytes, pass: Bytes): boolean {
    const u = this.users.get(name);
    if (u?.checkPassword(pass)) {
      this.attach(c, u);
      return true;
    }
    this.addLog(c, DENIED_AUTH, c.inMulti ? 'multi' : 'toplevel', c.argv[0], name);
    return false;
  }

  private refreshClients(u: AclUser): void {
    for (const c of this.host.clients.values()) if (c.aclUser === u) c.unrestricted = u.unrestricted;
  }

  /** Closes the connections of a user that is gone (after their current reply, for the one asking). */
  private killClientsOf(u: AclUser): void {
    for (const c of [...this.host.clients.values()]) {
      if (c.aclUser !== u) continue;
      this.attachDefault(c);
      c.authenticated = false;
      this.closeClient(c);
    }
  }

  private closeClient(c: Client): void {
    if (c === this.host.currentClient) c.closeAfterReply = true;
    else c.close();
  }

  /**
   * A user losing channel rights loses its pub/sub connections whose subscriptions the new rules no longer allow
   * (nothing is checked when the new channel list covers the old one).
   */
  private killPubsubClientsIfNeeded(next: AclUser, orig: AclUser): void {
    if (next.selectors.some((s) => s.flags & SEL_ALLCHANNELS)) return;
    const upcoming: Bytes[] = [];
    for (const s of next.selectors) upcoming.push(...s.channels);
    const covered = orig.selectors.every(
      (s) => !(s.flags & SEL_ALLCHANNELS) && s.channels.every((ch) => upcoming.includes(ch)),
    );
    if (covered) return;
    for (const c of [...this.host.clients.values()]) {
      if (c.aclUser !== orig || c.isMaster || (c.isReplica && !c.isMonitor) || !c.inPubSub) continue;
      let kill = false;
      for (const p of c.patterns) if (!channelAllowed(upcoming, p, true)) kill = true;
      for (const ch of c.channels) if (!channelAllowed(upcoming, ch, false)) kill = true;
      for (const ch of c.shardChannels) if (!channelAllowed(upcoming, ch, false)) kill = true;
      if (kill) this.closeClient(c);
    }
  }

  // ---- ACL LOG -------------------------------------------------------------------------------------------------

  addLog(c: Client, reason: number, context: AclLogContext, object: Bytes, username: Bytes): void {
    const now = Date.now();
    const cinfo = this.host.clientInfoLine(c);
    const entries = this.log;
    // Only the ten newest entries are searched for a match, to bound the work per denial.
    for (let i = 0; i < entries.length && i < 10; i++) {
      const e = entries[i];
      if (
        e.reason === reason &&
        e.context === context &&
        Math.abs(e.ctime - now) <= LOG_GROUPING_MS &&
        e.object === object &&
        e.username === username
      ) {
        entries.splice(i, 1);
        entries.unshift(e);
        e.cinfo = cinfo;
        e.ctime = now;
        e.count++;
        return;
      }
    }
    entries.unshift({ count: 1, reason, context, object, username, ctime: now, cinfo });
    const max = this.config.num('acllog-max-len');
    while (entries.length > max) entries.pop();
  }

  // ---- files ---------------------------------------------------------------------------------------------------

  /**
   * Replaces every user with the ACL file's (ACL LOAD, aclfile at start-up). All or nothing: returns null, or the
   * errors found (then nothing changed). Connections of the replaced users are closed, the default user's are kept.
   */
  loadFile(file: string): string | null {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (err) {
      return `Error loading ACLs, opening file '${file}': ${strerror(err)}`;
    }
    const fname = this.config.get('aclfile');
    const fresh = new Map<Bytes, AclUser>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const n = i + 1;
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${fname}:${n} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1];
      if (hasSpaces(name)) {
        errors += `'${fname}:${n}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (fresh.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${n}. `;
        continue;
      }
      const u = this.newUser(name);
      fresh.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (typeof merged === 'number') {
        errors += `${fname}:${n}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let reported = false;
      for (const raw of merged) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const err = u.apply(op);
        if (err === null) continue;
        // Unknown commands are named (no secret in them); for anything else only the first error is told.
        if (err === AclErr.unknown) errors += `${fname}:${n}: Error in applying operation '${op}': ${err}. `;
        else if (!reported) {
          errors += `${fname}:${n}: ${err}. `;
          reported = true;
        }
      }
    }
    if (errors !== '') {
      return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    }
    // A file without a default user gets a fresh one (all rights, nopass), as in Redis.
    this.defaultUser.copyFrom(fresh.get('default') ?? this.createDefaultUser());
    fresh.set('default', this.defaultUser);
    const old = this.users;
    this.users = fresh;
    for (const u of old.values()) if (u !== this.defaultUser) this.killClientsOf(u);
    this.refreshClients(this.defaultUser);
    return null;
  }

  /** ACL SAVE: every user in ACL LIST form, written to a temp file then renamed over the ACL file. */
  saveFile(file: string): boolean {
    let text = '';
    for (const u of this.sortedUsers()) text += `user ${u.name} ${describeUser(u)}\n`;
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    let step = 'Opening temp ACL file for ACL SAVE';
    try {
      const fd = fs.openSync(tmp, 'w', 0o644);
      step = 'Writing ACL file for ACL SAVE';
      try {
        fs.writeSync(fd, Buffer.from(text, 'latin1'));
      } finally {
        fs.closeSync(fd);
      }
      step = 'Renaming ACL file for ACL SAVE';
      fs.renameSync(tmp, file);
      return true;
    } catch (err) {
      log.warning(`${step}: ${strerror(err)}`);
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /**
   * Start-up: the config file's `user` lines or the ACL file (not both). Returns null, or the lines to log before
   * exiting with an error, as Redis aborts its start.
   */
  loadAtStartup(): string[] | null {
    const file = this.config.get('aclfile');
    const configured = this.config.users;
    if (file !== '' && configured.length > 0) {
      return [
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      ];
    }
    const critical = 'Critical error while loading ACLs. Exiting.';
    for (const [name, ...args] of configured) {
      if (hasSpaces(name)) return ['Spaces not allowed in ACL usernames', critical];
      let u = this.users.get(name);
      if (u) u.apply('reset');
      else {
        u = this.newUser(name);
        this.users.set(name, u);
      }
      const merged = mergeSelectorArgs(args);
      if (typeof merged === 'number') {
        return [`Error loading ACL rule '${args[merged]}' for the user named '${name}': ${AclErr.syntax}`, critical];
      }
      for (const op of merged) {
        const err = u.apply(op);
        if (err) return [`Error loading ACL rule '${op}' for the user named '${name}': ${err}`, critical];
      }
      if (!u.enabled) {
        log.notice(
          `The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`,
        );
      }
    }
    this.refreshClients(this.defaultUser);
    if (file !== '') {
      const err = this.loadFile(file);
      if (err !== null) return [`Aborting Redis startup because of ACL errors: ${err}`];
    }
    return null;
  }
}

// ---- dispatch hooks ----------------------------------------------------------------------------------------------

function deniedObject(c: Client, entry: CommandEntry, res: number): Bytes {
  return res === DENIED_CMD ? entry.fullName : c.argv[denied.pos];
}

/**
 * Dispatch's ACL gate, for clients whose user is restricted: null when the command may run, otherwise the error to
 * reject it with (the denial is in the ACL log).
 */
export function aclDenial(c: Client, entry: CommandEntry): string | null {
  const u = c.aclUser;
  if (u === null) return null;
  // Redis refuses a no-multi command inside MULTI before looking at ACLs; dispatch does that check later.
  if (c.inMulti && entry.isNoMulti) return null;
  const res = checkCommand(u, entry, c.argv);
  if (res === ACL_OK) return null;
  c.srv.acl.addLog(c, res, c.inMulti ? 'multi' : 'toplevel', deniedObject(c, entry, res), u.name);
  if (res === DENIED_CMD) return `NOPERM this user has no permissions to run the '${entry.fullName}' command`;
  if (res === DENIED_KEY) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

const EXEC_REASONS: Record<number, string> = {
  [DENIED_CMD]: 'no permission to execute the command or subcommand',
  [DENIED_KEY]: 'no permission to touch the specified keys',
  [DENIED_CHANNEL]: 'no permission to access one of the channels used as arguments',
};

/**
 * EXEC re-checks each queued command (c.argv is the queued argv): rules may have changed since it was queued.
 * Replies with the error and returns true when it is no longer allowed.
 */
export function aclExecDenied(c: Client, entry: CommandEntry): boolean {
  const u = c.aclUser;
  if (u === null) return false;
  const res = checkCommand(u, entry, c.argv);
  if (res === ACL_OK) return false;
  c.srv.acl.addLog(c, res, 'multi', deniedObject(c, entry, res), u.name);
  // Not a failure of the queued command (it did not run); EXEC accounts for it.
  const running = c.cmd;
  c.cmd = null;
  c.error(
    `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${EXEC_REASONS[res]}`,
  );
  c.cmd = running;
  return true;
}
