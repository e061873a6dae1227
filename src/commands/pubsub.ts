/**
 * Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB <subcommand>.
 *
 * Subscription confirmations are one frame per channel: an array in RESP2, a push in RESP3. The count they carry is
 * channels + patterns for the classic commands and shard channels alone for the S* ones. The RESP2 "subscribed
 * context" restriction is enforced by dispatch.
 *
 * PUBLISH/SPUBLISH are not write commands, yet Redis 7.0 forwards them to replicas (so subscribers on replicas get
 * the message); the handler adds itself to the replication stream explicitly.
 */
import type { Bytes } from '../protocol/bytes';
import type { Client } from '../server/client';
import { PubSub } from '../server/pubsub';
import { globMatch } from '../store/glob';
import { type CommandSpec, cmd } from './command';

const meta = (summary: string, since: string, args?: string) => ({ group: 'pubsub', summary, since, args });

function confirm(c: Client, kind: string, name: Bytes | null, count: number): void {
  const out = c.out;
  out.pushLen(3);
  out.bulk(kind);
  if (name === null) out.null();
  else out.bulk(name);
  out.int(count);
}

function subscribe(c: Client): void {
  const ps = c.srv.pubsub;
  for (let i = 1; i < c.argv.length; i++) {
    ps.subscribe(c, c.argv[i]);
    confirm(c, 'subscribe', c.argv[i], PubSub.count(c));
  }
}

function psubscribe(c: Client): void {
  const ps = c.srv.pubsub;
  for (let i = 1; i < c.argv.length; i++) {
    ps.psubscribe(c, c.argv[i]);
    confirm(c, 'psubscribe', c.argv[i], PubSub.count(c));
  }
}

function ssubscribe(c: Client): void {
  // Inside EXEC a client must get exactly one reply per command; only the classic SUBSCRIBEs keep their historic
  // exemption, as in Redis 7.0.
  if (c.inExec) return c.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = c.srv.pubsub;
  for (let i = 1; i < c.argv.length; i++) {
    ps.ssubscribe(c, c.argv[i]);
    confirm(c, 'ssubscribe', c.argv[i], c.shardChannels.size);
  }
}

type Kind = 'unsubscribe' | 'punsubscribe' | 'sunsubscribe';

function drop(c: Client, kind: Kind, name: Bytes): void {
  const ps = c.srv.pubsub;
  if (kind === 'unsubscribe') ps.unsubscribe(c, name);
  else if (kind === 'punsubscribe') ps.punsubscribe(c, name);
  else ps.sunsubscribe(c, name);
}

/**
 * Shared by the three UNSUBSCRIBE forms: explicit names, or every current subscription of that kind, or - when
 * there is none - a single frame with a null name.
 */
function unsubscribeGeneric(c: Client, kind: Kind, own: Set<Bytes>): void {
  const argv = c.argv;
  const shard = kind === 'sunsubscribe';
  if (argv.length > 1) {
    for (let i = 1; i < argv.length; i++) {
      drop(c, kind, argv[i]);
      confirm(c, kind, argv[i], shard ? c.shardChannels.size : PubSub.count(c));
    }
    return;
  }
  if (own.size === 0) return confirm(c, kind, null, shard ? 0 : PubSub.count(c));
  for (const name of [...own]) {
    drop(c, kind, name);
    confirm(c, kind, name, shard ? c.shardChannels.size : PubSub.count(c));
  }
}

function unsubscribe(c: Client): void {
  unsubscribeGeneric(c, 'unsubscribe', c.channels);
}

function punsubscribe(c: Client): void {
  unsubscribeGeneric(c, 'punsubscribe', c.patterns);
}

function sunsubscribe(c: Client): void {
  unsubscribeGeneric(c, 'sunsubscribe', c.shardChannels);
}

function publish(c: Client): void {
  const n = c.srv.pubsub.publish(c.argv[1], c.argv[2]);
  c.srv.propagator.add(c.db.id, c.argv);
  c.propagateHandled = true;
  c.out.int(n);
}

function spublish(c: Client): void {
  const n = c.srv.pubsub.spublish(c.argv[1], c.argv[2]);
  c.srv.propagator.add(c.db.id, c.argv);
  c.propagateHandled = true;
  c.out.int(n);
}

// ---- PUBSUB subcommands ------------------------------------------------------------------------------------------

function listNames(c: Client, registry: Map<Bytes, Set<Client>>): void {
  if (c.argv.length > 3) {
    return c.error(`ERR unknown subcommand or wrong number of arguments for '${c.argv[1]}'. Try PUBSUB HELP.`);
  }
  const pattern = c.argv.length === 3 ? c.argv[2] : null;
  const names: Bytes[] = [];
  for (const name of registry.keys()) {
    if (pattern === null || globMatch(pattern, name)) names.push(name);
  }
  c.out.bulks(names);
}

function countSubscribers(c: Client, registry: Map<Bytes, Set<Client>>): void {
  const argv = c.argv;
  // A flat array of name, count pairs in both protocols (Redis 7.0 does not use a RESP3 map here).
  c.out.arrayLen((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.out.bulk(argv[i]);
    c.out.int(registry.get(argv[i])?.size ?? 0);
  }
}

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function pubsubHelp(c: Client): void {
  c.out.arrayLen(HELP.length);
  for (const line of HELP) c.out.status(line);
}

const SUB_FLAGS = ['pubsub', 'loading', 'stale'] as const;
const sub = (
  name: string,
  arity: number,
  since: string,
  summary: string,
  handler: (c: Client) => void,
  flags: CommandSpec['flags'] = SUB_FLAGS,
) => cmd(name, arity, flags, [0, 0, 0], meta(summary, since), handler);

const SUBSCRIBE_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const;

export const pubsubCommands: CommandSpec[] = [
  cmd(
    'subscribe',
    -2,
    SUBSCRIBE_FLAGS,
    [0, 0, 0],
    meta('Listens for messages published to channels', '2.0.0', 'channel [channel ...]'),
    subscribe,
  ),
  cmd(
    'unsubscribe',
    -1,
    SUBSCRIBE_FLAGS,
    [0, 0, 0],
    meta('Stops listening to channels (all of them when none is given)', '2.0.0', '[channel [channel ...]]'),
    unsubscribe,
  ),
  cmd(
    'psubscribe',
    -2,
    SUBSCRIBE_FLAGS,
    [0, 0, 0],
    meta('Listens for messages published to channels matching glob patterns', '2.0.0', 'pattern [pattern ...]'),
    psubscribe,
  ),
  cmd(
    'punsubscribe',
    -1,
    SUBSCRIBE_FLAGS,
    [0, 0, 0],
    meta('Stops listening to patterns (all of them when none is given)', '2.0.0', '[pattern [pattern ...]]'),
    punsubscribe,
  ),
  cmd(
    'ssubscribe',
    -2,
    SUBSCRIBE_FLAGS,
    [1, -1, 1],
    meta('Listens for messages published to shard channels', '7.0.0', 'shardchannel [shardchannel ...]'),
    ssubscribe,
  ),
  cmd(
    'sunsubscribe',
    -1,
    SUBSCRIBE_FLAGS,
    [1, -1, 1],
    meta('Stops listening to shard channels (all of them when none is given)', '7.0.0', '[shardchannel ...]'),
    sunsubscribe,
  ),
  // may_replicate is internal (CLIENT PAUSE WRITE); Redis' COMMAND output does not list it.
  cmd(
    'publish',
    3,
    ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    [0, 0, 0],
    meta('Posts a message to a channel; returns how many clients received it', '2.0.0', 'channel message'),
    publish,
  ),
  cmd(
    'spublish',
    3,
    ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    [1, 1, 1],
    meta('Posts a message to a shard channel; returns how many clients received it', '7.0.0', 'shardchannel message'),
    spublish,
  ),
  cmd('pubsub', -2, [], [0, 0, 0], meta('Inspects the state of the Pub/Sub subsystem', '2.8.0'), () => {}, {
    subcommands: [
      sub('channels', -2, '2.8.0', 'Lists active channels, optionally matching a pattern', (c) =>
        listNames(c, c.srv.pubsub.channels),
      ),
      sub('numpat', 2, '2.8.0', 'Returns the number of distinct subscribed patterns', (c) =>
        c.out.int(c.srv.pubsub.patterns.size),
      ),
      sub('numsub', -2, '2.8.0', 'Returns the subscriber count of each given channel', (c) =>
        countSubscribers(c, c.srv.pubsub.channels),
      ),
      sub('shardchannels', -2, '7.0.0', 'Lists active shard channels, optionally matching a pattern', (c) =>
        listNames(c, c.srv.pubsub.shardChannels),
      ),
      sub('shardnumsub', -2, '7.0.0', 'Returns the subscriber count of each given shard channel', (c) =>
        countSubscribers(c, c.srv.pubsub.shardChannels),
      ),
      sub('help', 2, '6.2.0', 'Lists PUBSUB subcommands', pubsubHelp, ['loading', 'stale']),
    ],
  }),
];
