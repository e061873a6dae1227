/**
 * The command table of a server in sentinel mode: what redis-sentinel 7.0 accepts. Connection, pub/sub and ACL
 * commands are the server's own; INFO, ROLE, HELLO and PUBLISH have sentinel versions; SENTINEL is the sentinel itself.
 * Anything else is an unknown command.
 */
import { aclCommands } from '../commands/acl';
import { type CommandSpec, cmd } from '../commands/command';
import { commandCommands } from '../commands/command-docs';
import { connectionCommands, helloAs } from '../commands/connection';
import { genInfo } from '../commands/info';
import { pubsubCommands } from '../commands/pubsub';
import { serverCommands } from '../commands/server';
import type { Client } from '../server/client';
import { HELLO_CHANNEL, processHello } from './hello';
import { sentinelOf } from './host';
import { F_O_DOWN, F_S_DOWN } from './instance';
import { sentinelSubcommands } from './sentinel-command';

/** CLIENT subcommands redis-sentinel 7.0 has (SETINFO came with 7.2). */
const CLIENT_SUBCOMMANDS = new Set([
  'caching',
  'getname',
  'getredir',
  'help',
  'id',
  'info',
  'kill',
  'list',
  'no-evict',
  'pause',
  'reply',
  'setname',
  'tracking',
  'trackinginfo',
  'unblock',
  'unpause',
]);

function borrowed(specs: readonly CommandSpec[], name: string): CommandSpec {
  const s = specs.find((x) => x.name === name);
  if (!s) throw new Error(`sentinel command table: no '${name}' command to reuse`);
  return s;
}

/** Sections INFO knows in sentinel mode, in output order ("default", "all" and "everything" mean all of them). */
const SECTIONS = ['server', 'clients', 'stats', 'cpu', 'sentinel'] as const;

function info(c: Client): void {
  const s = sentinelOf(c.srv).core;
  const wanted = new Set<string>();
  const args = c.argv.slice(1);
  if (args.length === 0) for (const x of SECTIONS) wanted.add(x);
  for (const a of args) {
    const l = a.toLowerCase();
    if (l === 'default' || l === 'all' || l === 'everything') for (const x of SECTIONS) wanted.add(x);
    else if ((SECTIONS as readonly string[]).includes(l)) wanted.add(l);
  }
  const serverSections = SECTIONS.filter((x) => x !== 'sentinel' && wanted.has(x));
  let text = serverSections.length
    ? genInfo(c.srv, serverSections).replace('redis_mode:standalone', 'redis_mode:sentinel')
    : '';
  if (wanted.has('sentinel')) {
    if (text.length) text += '\r\n';
    const now = s.now();
    text +=
      '# Sentinel\r\n' +
      `sentinel_masters:${s.masters.size}\r\n` +
      `sentinel_tilt:${s.tilt ? 1 : 0}\r\n` +
      `sentinel_tilt_since_seconds:${s.tilt ? Math.floor((now - s.tiltStartTime) / 1000) : -1}\r\n` +
      `sentinel_running_scripts:${sentinelOf(c.srv).scripts.running}\r\n` +
      `sentinel_scripts_queue_length:${sentinelOf(c.srv).scripts.jobs.length}\r\n` +
      `sentinel_simulate_failure_flags:${s.simFailureFlags}\r\n`;
    let i = 0;
    for (const ri of s.masters.values()) {
      const status = ri.flags & F_O_DOWN ? 'odown' : ri.flags & F_S_DOWN ? 'sdown' : 'ok';
      text += `master${i++}:name=${ri.name},status=${status},address=${s.announceAddr(ri.addr)}:${ri.addr.port},slaves=${ri.slaves.size},sentinels=${ri.sentinels.size + 1}\r\n`;
    }
  }
  // A plain bulk string in RESP3 too (redis-sentinel does not use the verbatim type here).
  c.out.bulk(text);
}

function role(c: Client): void {
  const s = sentinelOf(c.srv).core;
  c.out.arrayLen(2);
  c.out.bulk('sentinel');
  c.out.arrayLen(s.masters.size);
  for (const name of s.masters.keys()) c.out.bulk(name);
}

/** PUBLISH only carries other sentinels' hellos here; the payload is processed directly. */
function publish(c: Client): void {
  if (c.argv[1] !== HELLO_CHANNEL) return c.error('ERR Only HELLO messages are accepted by Sentinel instances.');
  processHello(sentinelOf(c.srv).core, c.argv[2]);
  c.out.int(1);
}

/** HELLO as the server's, reporting mode "sentinel" and no role. */
function hello(c: Client): void {
  helloAs(c, 'sentinel');
}

const clientSpec = borrowed(connectionCommands, 'client');

export const sentinelModeCommands: CommandSpec[] = [
  borrowed(connectionCommands, 'ping'),
  borrowed(connectionCommands, 'auth'),
  cmd(
    'hello',
    -1,
    ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
    [0, 0, 0],
    {
      group: 'connection',
      summary: 'Handshakes with the server, optionally choosing the protocol',
      since: '6.0.0',
      args: '[protover [AUTH username password] [SETNAME clientname]]',
    },
    hello,
  ),
  { ...clientSpec, subcommands: clientSpec.subcommands?.filter((x) => CLIENT_SUBCOMMANDS.has(x.name)) },
  borrowed(pubsubCommands, 'subscribe'),
  borrowed(pubsubCommands, 'unsubscribe'),
  borrowed(pubsubCommands, 'psubscribe'),
  borrowed(pubsubCommands, 'punsubscribe'),
  cmd(
    'publish',
    3,
    ['pubsub', 'loading', 'stale', 'fast', 'may_replicate', 'sentinel'],
    [0, 0, 0],
    {
      group: 'pubsub',
      summary: 'Delivers a hello message of another sentinel',
      since: '2.0.0',
      args: 'channel message',
    },
    publish,
  ),
  cmd(
    'info',
    -1,
    ['loading', 'stale', 'sentinel'],
    [0, 0, 0],
    { group: 'server', summary: 'Reports sentinel state and statistics', since: '1.0.0', args: '[section ...]' },
    info,
  ),
  cmd(
    'role',
    1,
    ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
    [0, 0, 0],
    { group: 'server', summary: 'Tells this is a sentinel and which masters it monitors', since: '2.8.12' },
    role,
  ),
  borrowed(serverCommands, 'shutdown'),
  borrowed(aclCommands, 'acl'),
  borrowed(commandCommands, 'command'),
  cmd(
    'sentinel',
    -2,
    ['admin', 'sentinel', 'only_sentinel'],
    [0, 0, 0],
    { group: 'sentinel', summary: 'Inspects and controls the sentinel', since: '2.8.4' },
    () => {},
    { subcommands: sentinelSubcommands },
  ),
];
