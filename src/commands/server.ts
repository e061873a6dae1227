/**
 * Server commands: CONFIG, TIME, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, LASTSAVE, SHUTDOWN, SLOWLOG, MONITOR, ROLE,
 * LOLWUT, plus the families split into their own files (INFO, DEBUG/MEMORY/LATENCY, COMMAND).
 */
import { rewriteConfigFile } from '../config/rewrite';
import { strerror } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { abortShutdown, shutdownServer } from '../server/process';
import type { Server } from '../server/server';
import type { Db } from '../store/db';
import { type CommandFlag, type CommandSpec, cmd } from './command';
import { commandCommands } from './command-docs';
import { debugCommands } from './debug';
import { infoCommands } from './info';
import { serverExtras } from './server-extras';
import { allowProtectedAction, replyHelp, subcommandSyntaxError } from './server-util';
import { COMPAT_VERSION, TANDEM_VERSION } from './version';

const srvMeta = (summary: string, since: string, args?: string, complexity?: string) => ({
  group: 'server',
  summary,
  since,
  args,
  complexity,
});

// ---- CONFIG -------------------------------------------------------------------------------------------------------

function configGet(c: Client): void {
  const pairs = c.srv.config.matching(c.argv.slice(2));
  c.out.mapLen(pairs.length);
  for (const [name, value] of pairs) {
    c.out.bulk(name);
    c.out.bulk(value);
  }
}

function configSet(c: Client): void {
  const argv = c.argv;
  if (argv.length % 2 !== 0) return c.syntaxError();
  const cfg = c.srv.config;
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  // Secrets never reach the slow log: the argument is redacted in place, as Redis does.
  for (let i = 2; i < argv.length; i += 2) if (cfg.directive(argv[i])?.sensitive) argv[i + 1] = '(redacted)';
  const err = cfg.setMany(pairs, {
    loading: c.srv.loading,
    allowProtected: allowProtectedAction(c, 'enable-protected-configs'),
  });
  if (err !== null) return c.error(err);
  c.ok();
}

function configResetstat(c: Client): void {
  const srv = c.srv;
  srv.stats.reset();
  for (const e of srv.commands.all()) {
    e.calls = 0;
    e.usec = 0;
    e.rejectedCalls = 0;
    e.failedCalls = 0;
    e.latency = null;
  }
  c.ok();
}

function configRewrite(c: Client): void {
  const cfg = c.srv.config;
  if (cfg.configFile === '') return c.error('ERR The server is running without a config file');
  try {
    rewriteConfigFile(cfg);
  } catch (err) {
    log.warning(`CONFIG REWRITE failed: ${strerror(err)}`);
    return c.error(`ERR Rewriting config file: ${strerror(err)}`);
  }
  log.warning('CONFIG REWRITE executed with success.');
  c.ok();
}

function configHelp(c: Client): void {
  replyHelp(c, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- keyspace-wide commands --------------------------------------------------------------------------------------

/** FLUSHDB/FLUSHALL accept one optional ASYNC or SYNC; both free synchronously here (no background freeing). */
function flushArgsOk(c: Client): boolean {
  if (c.argv.length === 1) return true;
  if (c.argv.length === 2) {
    const a = c.argv[1].toLowerCase();
    if (a === 'async' || a === 'sync') return true;
  }
  c.syntaxError();
  return false;
}

function emptyDb(srv: Server, db: Db): number {
  srv.watches.touchAllInDb(db);
  return db.flush();
}

function flushdb(c: Client): void {
  if (!flushArgsOk(c)) return;
  c.srv.dirty += emptyDb(c.srv, c.db);
  // Propagated even when nothing was removed (Redis forces it), so replicas flush what they may hold.
  c.srv.propagator.add(c.db.id, c.argv);
  c.propagateHandled = true;
  c.ok();
}

function flushall(c: Client): void {
  if (!flushArgsOk(c)) return;
  const srv = c.srv;
  let removed = 0;
  for (const db of srv.dbs) removed += emptyDb(srv, db);
  srv.dirty += removed;
  for (const hook of serverExtras(srv).flushAllHooks) hook(srv);
  srv.propagator.add(c.db.id, c.argv);
  c.propagateHandled = true;
  c.ok();
}

function int32(s: Bytes): number | null {
  const n = parseLong(s);
  return n === null || n < -2147483648 || n > 2147483647 ? null : n;
}

function swapdb(c: Client): void {
  const srv = c.srv;
  const a = int32(c.argv[1]);
  if (a === null) return c.error('ERR invalid first DB index');
  const b = int32(c.argv[2]);
  if (b === null) return c.error('ERR invalid second DB index');
  if (a < 0 || a >= srv.dbs.length || b < 0 || b >= srv.dbs.length) return c.error('ERR DB index is out of range');
  if (a !== b) {
    const da = srv.dbs[a];
    const db = srv.dbs[b];
    srv.watches.touchSwap(da, db);
    // Clients keep their db index and see the other contents: an O(1) exchange of the maps.
    da.swapWith(db);
    // Clients blocked on keys that now hold a list/zset may be served.
    for (const d of [da, db])
      for (const key of srv.blocking.waitingKeys(d)) if (d.stored(key)) srv.blocking.signalReady(d, key);
  }
  srv.dirty++;
  c.ok();
}

// ---- SHUTDOWN ------------------------------------------------------------------------------------------------------

function shutdown(c: Client): void {
  let save: boolean | null = null;
  let nosave = false;
  let saveFlag = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < c.argv.length; i++) {
    const a = c.argv[i].toLowerCase();
    if (a === 'nosave') nosave = true;
    else if (a === 'save') saveFlag = true;
    else if (a === 'now') now = true;
    else if (a === 'force') force = true;
    else if (a === 'abort') abort = true;
    else return c.syntaxError();
  }
  if ((abort && (nosave || saveFlag || now || force)) || (nosave && saveFlag)) return c.syntaxError();
  if (abort) return abortShutdown(c.srv) ? c.ok() : c.error('ERR No shutdown in progress.');
  if (nosave) save = false;
  if (saveFlag) save = true;
  // The sequence shared with SIGTERM (process.ts): on success the process exits without a reply, as in Redis.
  shutdownServer(c.srv, { save, now, force }).then(
    (done) => {
      if (!done) c.error('ERR Errors trying to SHUTDOWN. Check logs.');
    },
    (err: Error) => c.error(`ERR ${err.message}`),
  );
}

// ---- SLOWLOG -------------------------------------------------------------------------------------------------------

function slowlogGet(c: Client): void {
  const argv = c.argv;
  if (argv.length > 3) return subcommandSyntaxError(c, 'SLOWLOG');
  let count = 10;
  if (argv.length === 3) {
    const n = parseLong(argv[2]);
    if (n === null || n < -1) return c.error('ERR count should be greater than or equal to -1');
    count = n === -1 ? Number.POSITIVE_INFINITY : n;
  }
  const entries = c.srv.slowlog.entries;
  const n = Math.min(count, entries.length);
  c.out.arrayLen(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    c.out.arrayLen(6);
    c.out.int(e.id);
    c.out.int(e.time);
    c.out.int(e.usec);
    c.out.bulks(e.argv);
    c.out.bulk(e.peer);
    c.out.bulk(e.name);
  }
}

function slowlogHelp(c: Client): void {
  replyHelp(c, 'SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

// ---- MONITOR, ROLE, misc -----------------------------------------------------------------------------------------

function monitor(c: Client): void {
  // Inside EXEC the client must get one reply per command, which a monitor stream cannot honour.
  if (c.inExec) return c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (c.isMonitor || c.isReplica) return; // already streaming: Redis ignores it silently
  c.isMonitor = true;
  c.srv.monitors.add(c);
  c.ok();
}

function role(c: Client): void {
  const custom = serverExtras(c.srv).role;
  if (custom) return custom(c);
  c.out.arrayLen(3);
  c.out.bulk('master');
  c.out.int(0);
  c.out.arrayLen(0);
}

function time(c: Client): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  c.out.arrayLen(2);
  c.out.bulk(String(Math.floor(us / 1e6)));
  c.out.bulk(String(us % 1e6));
}

function lolwut(c: Client): void {
  for (let i = 1; i < c.argv.length; i++) {
    if (c.argv[i].toLowerCase() === 'version' && i + 1 < c.argv.length) {
      if (parseLong(c.argv[i + 1]) === null) return c.notInteger();
      i++;
    }
  }
  // A small tandem bicycle instead of Redis' generative art.
  const art = ['   __o  __o', ' _`\\<,_`\\<,_', '(*)/ (*)/ (*)', ''].join('\n');
  c.out.verbatim(`${art}\nTandem ver. ${TANDEM_VERSION} (Redis ver. ${COMPAT_VERSION})\n`);
}

const ADMIN: readonly CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];
const configSub = (
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  summary: string,
  h: (c: Client) => void,
) => cmd(name, arity, flags, [0, 0, 0], srvMeta(summary, '2.0.0'), h);
const slowlogSub = (
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  summary: string,
  h: (c: Client) => void,
) => cmd(name, arity, flags, [0, 0, 0], srvMeta(summary, '2.2.12'), h);

export const serverCommands: CommandSpec[] = [
  ...infoCommands,
  ...debugCommands,
  ...commandCommands,
  cmd('config', -2, [], [0, 0, 0], srvMeta('Reads and changes the configuration at run time', '2.0.0'), () => {}, {
    subcommands: [
      configSub('get', -3, ADMIN, 'Returns the values of the directives matching the patterns', configGet),
      configSub('set', -4, ADMIN, 'Changes directives, all or none', configSet),
      configSub('resetstat', 2, ADMIN, 'Zeroes the statistics INFO reports', configResetstat),
      configSub('rewrite', 2, ADMIN, 'Writes the running configuration back to the config file', configRewrite),
      configSub('help', 2, ['loading', 'stale'], 'Lists CONFIG subcommands', configHelp),
    ],
  }),
  cmd('time', 1, ['loading', 'stale', 'fast'], [0, 0, 0], srvMeta('Returns the server time', '2.6.0'), time),
  cmd(
    'dbsize',
    1,
    ['readonly', 'fast'],
    [0, 0, 0],
    srvMeta('Counts the keys of the selected database', '1.0.0', undefined, 'O(1)'),
    (c) => c.out.int(c.db.size),
  ),
  cmd(
    'flushdb',
    -1,
    ['write'],
    [0, 0, 0],
    srvMeta('Removes every key of the selected database', '1.0.0', '[ASYNC|SYNC]', 'O(N)'),
    flushdb,
  ),
  cmd(
    'flushall',
    -1,
    ['write'],
    [0, 0, 0],
    srvMeta('Removes every key of every database', '1.0.0', '[ASYNC|SYNC]', 'O(N)'),
    flushall,
  ),
  cmd(
    'swapdb',
    3,
    ['write', 'fast'],
    [0, 0, 0],
    srvMeta('Exchanges the contents of two databases', '4.0.0', 'index1 index2', 'O(N)'),
    swapdb,
  ),
  cmd(
    'lastsave',
    1,
    ['loading', 'stale', 'fast'],
    [0, 0, 0],
    srvMeta('Returns the unix time of the last successful save', '1.0.0'),
    (c) => c.out.int(serverExtras(c.srv).lastSave(c.srv)),
  ),
  cmd(
    'shutdown',
    -1,
    ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    [0, 0, 0],
    srvMeta('Stops the server', '1.0.0', '[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]'),
    shutdown,
  ),
  cmd('slowlog', -2, [], [0, 0, 0], srvMeta('Inspects the slow log', '2.2.12'), () => {}, {
    subcommands: [
      slowlogSub('get', -2, ['admin', 'loading', 'stale'], 'Returns the newest slow log entries', slowlogGet),
      slowlogSub('len', 2, ['admin', 'loading', 'stale'], 'Counts the slow log entries', (c) =>
        c.out.int(c.srv.slowlog.entries.length),
      ),
      slowlogSub('reset', 2, ['admin', 'loading', 'stale'], 'Empties the slow log', (c) => {
        c.srv.slowlog.reset();
        c.ok();
      }),
      slowlogSub('help', 2, ['loading', 'stale'], 'Lists SLOWLOG subcommands', slowlogHelp),
    ],
  }),
  cmd('monitor', 1, ADMIN, [0, 0, 0], srvMeta('Streams every command the server runs', '1.0.0'), monitor),
  cmd(
    'role',
    1,
    ['noscript', 'loading', 'stale', 'fast'],
    [0, 0, 0],
    srvMeta('Tells whether this is a master or a replica, with its replication state', '2.8.12'),
    role,
  ),
  cmd(
    'lolwut',
    -1,
    ['readonly', 'fast'],
    [0, 0, 0],
    srvMeta('Shows a drawing and the version', '5.0.0', '[VERSION version]'),
    lolwut,
  ),
];
