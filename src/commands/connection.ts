/**
 * Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT.
 * HELLO reports server "redis" and version 7.0.15 because clients gate features on it; Tandem's own version is in
 * INFO server (tandem_version).
 */
import { parseLong } from '../protocol/numbers';
import { type AclUser, USER_NOPASS } from '../server/acl';
import type { Client } from '../server/client';
import { redact } from './acl';
import { type CommandSpec, cmd } from './command';
import { COMPAT_VERSION } from './version';

const conn = (summary: string, since: string, args?: string) => ({ group: 'connection', summary, since, args });

function ping(c: Client): void {
  if (c.argv.length > 2) return c.wrongArity();
  if (c.resp === 2 && c.inPubSub) {
    c.out.arrayLen(2);
    c.out.bulk('pong');
    c.out.bulk(c.argv.length === 2 ? c.argv[1] : '');
    return;
  }
  if (c.argv.length === 2) c.out.bulk(c.argv[1]);
  else c.out.status('PONG');
}

function select(c: Client): void {
  const id = parseLong(c.argv[1]);
  if (id === null) return c.notInteger();
  if (id < 0 || id >= c.srv.dbs.length) return c.error('ERR DB index is out of range');
  c.db = c.srv.dbs[id];
  c.ok();
}

/**
 * Checks credentials for AUTH and HELLO AUTH (user null: the one-argument AUTH, for the default user) and switches
 * the connection to the user; replies with the error and returns false on failure.
 */
function checkAuth(c: Client, user: string | null, pass: string): boolean {
  const acl = c.srv.acl;
  if (user === null) {
    if (acl.defaultUser.flags & USER_NOPASS) {
      c.error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
      return false;
    }
    user = 'default';
  }
  if (acl.authenticate(c, user, pass)) return true;
  c.error('WRONGPASS invalid username-password pair or user is disabled.');
  return false;
}

function auth(c: Client): void {
  if (c.argv.length > 3) return c.syntaxError();
  const ok = c.argv.length === 3 ? checkAuth(c, c.argv[1], c.argv[2]) : checkAuth(c, null, c.argv[1]);
  redact(c, 1);
  if (ok) c.ok();
}

function hello(c: Client): void {
  helloAs(c, 'standalone');
}

/**
 * HELLO [protover [AUTH user pass] [SETNAME name]]. `mode` is what the reply reports: a server adds its role; a
 * sentinel (mode "sentinel") has none.
 */
export function helloAs(c: Client, mode: 'standalone' | 'sentinel'): void {
  const argv = c.argv;
  let ver = c.resp as number;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseLong(argv[1]);
    if (v === null) return c.error('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) return c.error('NOPROTO unsupported protocol version');
    ver = v;
    i = 2;
  }
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    const more = argv.length - i - 1;
    if (opt === 'auth' && more >= 2) {
      const ok = checkAuth(c, argv[i + 1], argv[i + 2]);
      redact(c, i + 1, i + 2);
      if (!ok) return;
      i += 2;
    } else if (opt === 'setname' && more >= 1) {
      name = argv[i + 1];
      if (!validClientName(name)) {
        return c.error('ERR Client names cannot contain spaces, newlines or special characters.');
      }
      i += 1;
    } else {
      return c.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (!c.authenticated) {
    return c.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) c.name = name;
  c.resp = ver as 2 | 3;
  const out = c.out;
  const withRole = mode === 'standalone';
  out.mapLen(withRole ? 7 : 6);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(COMPAT_VERSION);
  out.bulk('proto');
  out.int(ver);
  out.bulk('id');
  out.int(c.id);
  out.bulk('mode');
  out.bulk(mode);
  if (withRole) {
    out.bulk('role');
    out.bulk(c.srv.masterHost === null ? 'master' : 'replica');
  }
  out.bulk('modules');
  out.emptyArray();
}

/** RESET: back to a fresh connection's state (keeps the connection and its id). */
function reset(c: Client): void {
  const srv = c.srv;
  if (c.inMulti) {
    c.inMulti = false;
    c.multiQueue = [];
    c.multiError = false;
  }
  srv.watches.unwatchAll(c);
  srv.pubsub.removeClient(c);
  if (c.isMonitor) {
    srv.monitors.delete(c);
    c.isMonitor = false;
  }
  c.db = srv.dbs[0];
  c.resp = 2;
  c.name = '';
  c.noEvict = false;
  srv.acl.attachDefault(c);
  c.out.status('RESET');
}

export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

// ---- CLIENT subcommands --------------------------------------------------------------------------------------------

function clientId(c: Client): void {
  c.out.int(c.id);
}

function clientSetname(c: Client): void {
  const name = c.argv[2];
  if (!validClientName(name)) return c.error('ERR Client names cannot contain spaces, newlines or special characters.');
  c.name = name;
  c.ok();
}

function clientGetname(c: Client): void {
  c.out.bulkOrNull(c.name === '' ? null : c.name);
}

function clientList(c: Client): void {
  const srv = c.srv;
  let filter: ((x: Client) => boolean) | null = null;
  const argv = c.argv;
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    const t = argv[3].toLowerCase();
    if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) {
      return c.error(`ERR Unknown client type '${argv[3]}'`);
    }
    filter = (x) => clientType(x) === (t === 'slave' ? 'replica' : t);
  } else if (argv.length >= 4 && argv[2].toLowerCase() === 'id') {
    const ids = new Set<number>();
    for (let i = 3; i < argv.length; i++) {
      const id = parseLong(argv[i]);
      if (id === null || id <= 0) return c.error('ERR Invalid client ID');
      ids.add(id);
    }
    filter = (x) => ids.has(x.id);
  } else if (argv.length !== 2) {
    return c.syntaxError();
  }
  let text = '';
  for (const x of srv.clients.values()) {
    if (filter && !filter(x)) continue;
    text += `${srv.clientInfoLine(x)}\n`;
  }
  c.out.verbatim(text);
}

export function clientType(x: Client): string {
  if (x.isMaster) return 'master';
  if (x.isReplica && !x.isMonitor) return 'replica';
  if (x.inPubSub) return 'pubsub';
  return 'normal';
}

function clientInfo(c: Client): void {
  c.out.verbatim(`${c.srv.clientInfoLine(c)}\n`);
}

function clientKill(c: Client): void {
  const argv = c.argv;
  const srv = c.srv;
  if (argv.length === 3) {
    // old form: CLIENT KILL addr:port
    const victim = [...srv.clients.values()].find((x) => x.addr === argv[2]);
    if (!victim) return c.error('ERR No such client');
    closeSoon(c, victim);
    return c.ok();
  }
  if ((argv.length - 2) % 2 !== 0) return c.syntaxError();
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: AclUser | null = null;
  let skipme = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const val = argv[i + 1];
    if (opt === 'id') {
      id = parseLong(val);
      if (id === null || id <= 0) return c.error('ERR client-id should be greater than 0');
    } else if (opt === 'addr') addr = val;
    else if (opt === 'laddr') laddr = val;
    else if (opt === 'type') {
      const t = val.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) {
        return c.error(`ERR Unknown client type '${val}'`);
      }
      type = t === 'slave' ? 'replica' : t;
    } else if (opt === 'user') {
      user = srv.acl.users.get(val) ?? null;
      if (user === null) return c.error(`ERR No such user '${val}'`);
    } else if (opt === 'skipme') {
      const v = val.toLowerCase();
      if (v !== 'yes' && v !== 'no') return c.syntaxError();
      skipme = v === 'yes';
    } else return c.syntaxError();
  }
  let killed = 0;
  for (const x of [...srv.clients.values()]) {
    if (id !== null && x.id !== id) continue;
    if (addr !== null && x.addr !== addr) continue;
    if (laddr !== null && x.laddr !== laddr) continue;
    if (type !== null && clientType(x) !== type) continue;
    if (user !== null && x.aclUser !== user) continue;
    if (x === c && skipme) continue;
    closeSoon(c, x);
    killed++;
  }
  c.out.int(killed);
}

/** Closes `victim` after the current command's reply (a client may kill itself). */
function closeSoon(c: Client, victim: Client): void {
  if (victim === c) c.closeAfterReply = true;
  else victim.close();
}

function clientNoEvict(c: Client): void {
  const v = c.argv[2].toLowerCase();
  if (v !== 'on' && v !== 'off') return c.syntaxError();
  c.noEvict = v === 'on';
  c.ok();
}

function clientUnblock(c: Client): void {
  const id = parseLong(c.argv[2]);
  if (id === null) return c.notInteger();
  let asError = false;
  if (c.argv.length === 4) {
    const how = c.argv[3].toLowerCase();
    if (how === 'error') asError = true;
    else if (how !== 'timeout') return c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const x = c.srv.clients.get(id);
  if (!x?.blocked) return c.out.int(0);
  const b = x.blocked;
  c.srv.blocking.unblock(x);
  if (asError) x.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else b.onTimeout(x);
  c.srv.resumeClient(x);
  c.out.int(1);
}

function clientReply(c: Client): void {
  const v = c.argv[2].toLowerCase();
  if (v === 'on') return c.ok();
  if (v === 'off' || v === 'skip') return c.error('ERR CLIENT REPLY OFF|SKIP is not supported by Tandem');
  c.syntaxError();
}

function clientHelp(c: Client): void {
  const lines = [
    'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port> | KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections by address, ID, LADDR, TYPE, USER or SKIPME.',
    'LIST [TYPE <normal|master|replica|pubsub>] [ID <id> [<id> ...]]',
    '    Return information about client connections.',
    'NO-EVICT (ON|OFF)',
    '    Protect the current client connection from eviction.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'HELP',
    '    Print this help.',
  ];
  c.out.arrayLen(lines.length);
  for (const l of lines) c.out.status(l);
}

const sub = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, handler: (c: Client) => void) =>
  cmd(name, arity, flags, [0, 0, 0], conn(summary, '2.4.0'), handler);

const CLIENT_FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;

export const connectionCommands: CommandSpec[] = [
  cmd('ping', -1, ['fast', 'sentinel'], [0, 0, 0], conn('Checks that the server answers', '1.0.0', '[message]'), ping),
  cmd('echo', 2, ['fast'], [0, 0, 0], conn('Returns the given string', '1.0.0', 'message'), (c) =>
    c.out.bulk(c.argv[1]),
  ),
  cmd(
    'quit',
    -1,
    ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    [0, 0, 0],
    conn('Closes the connection', '1.0.0'),
    (c) => {
      c.ok();
      c.closeAfterReply = true;
    },
  ),
  cmd(
    'select',
    2,
    ['loading', 'stale', 'fast'],
    [0, 0, 0],
    conn('Changes the selected database', '1.0.0', 'index'),
    select,
  ),
  cmd(
    'auth',
    -2,
    ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    [0, 0, 0],
    conn('Authenticates the connection', '1.0.0', '[username] password'),
    auth,
  ),
  cmd(
    'hello',
    -1,
    ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    [0, 0, 0],
    conn(
      'Handshakes: selects the protocol version, optionally authenticates and names the connection',
      '6.0.0',
      '[protover [AUTH username password] [SETNAME clientname]]',
    ),
    hello,
  ),
  cmd(
    'reset',
    1,
    ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    [0, 0, 0],
    conn('Resets the connection to its initial state', '6.2.0'),
    reset,
  ),
  cmd('client', -2, ['sentinel'], [0, 0, 0], conn('Inspects and manages client connections', '2.4.0'), () => {}, {
    subcommands: [
      sub('id', 2, ['noscript', 'loading', 'stale', 'sentinel'], 'Returns the id of this connection', clientId),
      sub('setname', 3, ['noscript', 'loading', 'stale', 'sentinel'], 'Names this connection', clientSetname),
      sub(
        'getname',
        2,
        ['noscript', 'loading', 'stale', 'sentinel'],
        'Returns the name of this connection',
        clientGetname,
      ),
      sub('list', -2, [...CLIENT_FLAGS, 'sentinel'], 'Lists client connections', clientList),
      sub('info', 2, ['noscript', 'loading', 'stale', 'sentinel'], 'Describes this connection', clientInfo),
      sub('kill', -3, [...CLIENT_FLAGS, 'sentinel'], 'Closes client connections', clientKill),
      sub('no-evict', 3, [...CLIENT_FLAGS, 'sentinel'], 'Protects this connection from client eviction', clientNoEvict),
      sub(
        'unblock',
        -3,
        [...CLIENT_FLAGS, 'sentinel'],
        'Unblocks a client blocked by a blocking command',
        clientUnblock,
      ),
      sub('reply', 3, ['noscript', 'loading', 'stale', 'sentinel'], 'Controls replies to this connection', clientReply),
      sub('help', 2, ['loading', 'stale', 'sentinel'], 'Lists CLIENT subcommands', clientHelp),
    ],
  }),
];
