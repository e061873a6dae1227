/**
 * ACL SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG DRYRUN SAVE LOAD HELP, as Redis 7.0 answers them.
 * The users and rules are in server/acl*.ts; this file only parses arguments and shapes replies (maps and sets
 * become RESP3 types for RESP3 clients).
 */
import { randomBytes } from 'node:crypto';
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import {
  ACL_CATEGORIES,
  ACL_OK,
  DENIED_CMD,
  DENIED_KEY,
  type Selector,
  USER_FLAG_WORDS,
  categoryBit,
  checkCommand,
  denied,
  hasSpaces,
} from '../server/acl';
import { channelsField, describeCommandRules, describeUser, keysField } from '../server/acl-describe';
import { REASON_NAMES } from '../server/acl-registry';
import type { Client } from '../server/client';
import { type CommandEntry, type CommandSpec, cmd } from './command';

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });

/** Secrets never reach the slow log or MONITOR: arguments are redacted in place once used, as Redis does. */
export function redact(c: Client, from: number, to = c.argv.length - 1): void {
  for (let i = from; i <= to && i < c.argv.length; i++) c.argv[i] = '(redacted)';
}

/** "unknown subcommand or wrong number of arguments": an ACL subcommand called with arguments it does not take. */
function subSyntaxError(c: Client): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${c.argv[1].slice(0, 128)}'. Try ${c.argv[0].toUpperCase()} HELP.`,
  );
}

function setuser(c: Client): void {
  const name = c.argv[2];
  if (hasSpaces(name)) {
    redact(c, 2);
    return c.error("ERR Usernames can't contain spaces or null characters");
  }
  const err = c.srv.acl.setUser(name, c.argv.slice(3));
  redact(c, 2);
  if (err === null) return c.ok();
  c.error(`ERR ${err.replace(/[\r\n]/g, ' ')}`);
}

function deluser(c: Client): void {
  const acl = c.srv.acl;
  for (let i = 2; i < c.argv.length; i++) {
    if (c.argv[i] === 'default') return c.error("ERR The 'default' user cannot be removed");
  }
  let n = 0;
  for (let i = 2; i < c.argv.length; i++) if (acl.deleteUser(c.argv[i])) n++;
  c.out.int(n);
}

function selectorFields(c: Client, sel: Selector): void {
  const out = c.out;
  out.bulk('commands');
  out.bulk(describeCommandRules(sel));
  out.bulk('keys');
  out.bulk(keysField(sel));
  out.bulk('channels');
  out.bulk(channelsField(sel));
}

function getuser(c: Client): void {
  const u = c.srv.acl.users.get(c.argv[2]);
  const out = c.out;
  if (!u) return out.null();
  out.mapLen(6);
  out.bulk('flags');
  const words = USER_FLAG_WORDS.filter(([f]) => u.flags & f);
  out.setLen(words.length);
  for (const [, w] of words) out.bulk(w);
  out.bulk('passwords');
  out.bulks(u.passwords);
  selectorFields(c, u.root);
  out.bulk('selectors');
  out.arrayLen(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    out.mapLen(3);
    selectorFields(c, u.selectors[i]);
  }
}

function list(c: Client): void {
  const users = c.srv.acl.sortedUsers();
  c.out.arrayLen(users.length);
  for (const u of users) c.out.bulk(`user ${u.name} ${describeUser(u)}`);
}

function users(c: Client): void {
  c.out.bulks(c.srv.acl.sortedUsers().map((u) => u.name));
}

function whoami(c: Client): void {
  c.out.bulkOrNull(c.aclUser ? c.aclUser.name : null);
}

function cat(c: Client): void {
  if (c.argv.length > 3) return subSyntaxError(c);
  if (c.argv.length === 2) return c.out.bulks(ACL_CATEGORIES);
  const bit = categoryBit(c.argv[2]);
  if (bit === 0) return c.error(`ERR Unknown category '${c.argv[2].slice(0, 128)}'`);
  const names: string[] = [];
  for (const x of c.srv.acl.catalog.cmds) if (x.cats & bit) names.push(x.name);
  c.out.bulks(names);
}

const GENPASS_MAX_BITS = 4096;

function genpass(c: Client): void {
  if (c.argv.length > 3) return subSyntaxError(c);
  let bits = 256;
  if (c.argv.length === 3) {
    const n = parseLong(c.argv[2]);
    if (n === null) return c.notInteger();
    bits = n;
  }
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    return c.error(
      `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`,
    );
  }
  const chars = Math.floor((bits + 3) / 4);
  c.out.bulk(
    randomBytes(Math.ceil(chars / 2))
      .toString('hex')
      .slice(0, chars),
  );
}

function aclLog(c: Client): void {
  if (c.argv.length > 3) return subSyntaxError(c);
  const acl = c.srv.acl;
  let count = 10;
  if (c.argv.length === 3) {
    if (c.argv[2].toLowerCase() === 'reset') {
      acl.log.length = 0;
      return c.ok();
    }
    const n = parseLong(c.argv[2]);
    if (n === null) return c.notInteger();
    count = Math.max(0, n);
  }
  count = Math.min(count, acl.log.length);
  const out = c.out;
  const now = Date.now();
  out.arrayLen(count);
  for (let i = 0; i < count; i++) {
    const e = acl.log[i];
    out.mapLen(7);
    out.bulk('count');
    out.int(e.count);
    out.bulk('reason');
    out.bulk(REASON_NAMES[e.reason] ?? 'unknown');
    out.bulk('context');
    out.bulk(e.context);
    out.bulk('object');
    out.bulk(e.object);
    out.bulk('username');
    out.bulk(e.username);
    out.bulk('age-seconds');
    out.double((now - e.ctime) / 1000);
    out.bulk('client-info');
    out.bulk(e.cinfo);
  }
}

/** The running table's entry for a command line (the subcommand when it has one), or null. */
function lookupEntry(c: Client, argv: readonly Bytes[]): CommandEntry | null {
  const base = c.srv.commands.get(argv[0]);
  if (!base) return null;
  if (argv.length === 1 || !base.subcommands) return base;
  return base.subcommands.get(argv[1].toLowerCase()) ?? null;
}

function dryrun(c: Client): void {
  const u = c.srv.acl.users.get(c.argv[2]);
  if (!u) return c.error(`ERR User '${c.argv[2]}' not found`);
  const argv = c.argv.slice(3);
  const entry = lookupEntry(c, argv);
  if (!entry) return c.error(`ERR Command '${argv[0]}' not found`);
  const arity = entry.spec.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
    return c.error(`ERR wrong number of arguments for '${entry.fullName}' command`);
  }
  const res = checkCommand(u, entry, argv);
  if (res === ACL_OK) return c.ok();
  if (res === DENIED_CMD) return c.out.bulk(`This user has no permissions to run the '${entry.fullName}' command`);
  const what = res === DENIED_KEY ? 'key' : 'channel';
  c.out.bulk(`This user has no permissions to access the '${argv[denied.pos]}' ${what}`);
}

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function load(c: Client): void {
  const file = c.srv.config.get('aclfile');
  if (file === '') return c.error(NO_ACL_FILE);
  const err = c.srv.acl.loadFile(file);
  if (err === null) return c.ok();
  c.error(`ERR ${err}`);
}

function save(c: Client): void {
  const file = c.srv.config.get('aclfile');
  if (file === '') return c.error(NO_ACL_FILE);
  if (c.srv.acl.saveFile(file)) return c.ok();
  c.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

const HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

function help(c: Client): void {
  c.out.arrayLen(HELP.length);
  for (const l of HELP) c.out.status(l);
}

const ADMIN = ['admin', 'noscript', 'loading', 'stale', 'sentinel'] as const;
const PLAIN = ['noscript', 'loading', 'stale', 'sentinel'] as const;

const sub = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  args: string | undefined,
  handler: (c: Client) => void,
  since = '6.0.0',
) => cmd(name, arity, flags, [0, 0, 0], meta(summary, since, args), handler);

export const aclCommands: CommandSpec[] = [
  cmd('acl', -2, ['sentinel'], [0, 0, 0], meta('Manages users and their permissions', '6.0.0'), () => {}, {
    subcommands: [
      sub('setuser', -3, ADMIN, 'Creates or changes a user', 'username [rule [rule ...]]', setuser),
      sub('getuser', 3, ADMIN, "Describes a user's rules", 'username', getuser),
      sub('deluser', -3, ADMIN, 'Deletes users and closes their connections', 'username [username ...]', deluser),
      sub('list', 2, ADMIN, 'Lists users with their rules, in config file form', undefined, list),
      sub('users', 2, ADMIN, 'Lists user names', undefined, users),
      sub('whoami', 2, PLAIN, 'Returns the user of this connection', undefined, whoami),
      sub('cat', -2, PLAIN, 'Lists ACL categories, or the commands of one', '[categoryname]', cat),
      sub('genpass', -2, PLAIN, 'Generates a random password', '[bits]', genpass),
      sub('log', -2, ADMIN, 'Lists recent permission denials', '[count|RESET]', aclLog),
      sub(
        'dryrun',
        -4,
        ADMIN,
        'Tells whether a user may run a command',
        'username command [arg [arg ...]]',
        dryrun,
        '7.0.0',
      ),
      sub('save', 2, ADMIN, 'Writes the users to the ACL file', undefined, save),
      sub('load', 2, ADMIN, 'Replaces the users with those of the ACL file', undefined, load),
      sub('help', 2, ['loading', 'stale', 'sentinel'], 'Lists ACL subcommands', undefined, help),
    ],
  }),
];
