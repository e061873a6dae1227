/**
 * Pub/Sub registry: channel -> subscribers, pattern -> subscribers and shard channel -> subscribers (SSUBSCRIBE; a
 * single node serves every shard, so shard channels behave like a separate channel namespace). Each client mirrors
 * its own subscriptions in Client.channels / patterns / shardChannels.
 *
 * Delivery writes the message frame into each subscriber's reply buffer: a RESP2 array or a RESP3 push. The frame
 * body is built once per PUBLISH and shared by all receivers; only the 1-byte type marker depends on the protocol.
 */
import type { Bytes } from '../protocol/bytes';
import { globMatch } from '../store/glob';
import type { Client } from './client';

type Registry = Map<Bytes, Set<Client>>;

function add(registry: Registry, own: Set<Bytes>, c: Client, name: Bytes): boolean {
  if (own.has(name)) return false;
  own.add(name);
  const set = registry.get(name);
  if (set) set.add(c);
  else registry.set(name, new Set([c]));
  return true;
}

function remove(registry: Registry, own: Set<Bytes>, c: Client, name: Bytes): boolean {
  if (!own.delete(name)) return false;
  const set = registry.get(name);
  if (set) {
    set.delete(c);
    if (set.size === 0) registry.delete(name);
  }
  return true;
}

/** `$<len>\r\n<s>\r\n` */
function bulkText(s: Bytes): string {
  return `$${s.length}\r\n${s}\r\n`;
}

/** Frame headers by element count: [RESP2 array, RESP3 push]. */
const HEAD3 = ['*3\r\n', '>3\r\n'] as const;
const HEAD4 = ['*4\r\n', '>4\r\n'] as const;

/** Writes the header for the client's protocol + body to every client of `set`; returns how many received it. */
function deliver(set: Set<Client>, head: readonly [string, string], body: string): number {
  let n = 0;
  for (const c of set) {
    if (c.closed) continue;
    c.out.raw(head[c.resp === 3 ? 1 : 0]);
    c.out.raw(body);
    c.markPending();
    n++;
  }
  return n;
}

export class PubSub {
  readonly channels: Registry = new Map();
  readonly patterns: Registry = new Map();
  readonly shardChannels: Registry = new Map();

  /** Returns true if newly subscribed. */
  subscribe(c: Client, channel: Bytes): boolean {
    return add(this.channels, c.channels, c, channel);
  }

  unsubscribe(c: Client, channel: Bytes): boolean {
    return remove(this.channels, c.channels, c, channel);
  }

  psubscribe(c: Client, pattern: Bytes): boolean {
    return add(this.patterns, c.patterns, c, pattern);
  }

  punsubscribe(c: Client, pattern: Bytes): boolean {
    return remove(this.patterns, c.patterns, c, pattern);
  }

  ssubscribe(c: Client, channel: Bytes): boolean {
    return add(this.shardChannels, c.shardChannels, c, channel);
  }

  sunsubscribe(c: Client, channel: Bytes): boolean {
    return remove(this.shardChannels, c.shardChannels, c, channel);
  }

  /** Drops every subscription of a client (disconnect, RESET); no replies. */
  removeClient(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
    for (const ch of [...c.shardChannels]) this.sunsubscribe(c, ch);
  }

  /** PUBLISH: delivers to channel subscribers, then to each matching pattern; returns the number of deliveries. */
  publish(channel: Bytes, message: Bytes): number {
    let n = 0;
    let tail: string | null = null;
    const subs = this.channels.get(channel);
    if (subs) {
      tail = bulkText(channel) + bulkText(message);
      n += deliver(subs, HEAD3, `$7\r\nmessage\r\n${tail}`);
    }
    if (this.patterns.size > 0) {
      for (const [pattern, set] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        if (tail === null) tail = bulkText(channel) + bulkText(message);
        n += deliver(set, HEAD4, `$8\r\npmessage\r\n${bulkText(pattern)}${tail}`);
      }
    }
    return n;
  }

  /** SPUBLISH: shard channel subscribers only (patterns never see shard messages). */
  spublish(channel: Bytes, message: Bytes): number {
    const subs = this.shardChannels.get(channel);
    if (!subs) return 0;
    return deliver(subs, HEAD3, `$8\r\nsmessage\r\n${bulkText(channel)}${bulkText(message)}`);
  }

  /** Subscription count reported by (P)SUBSCRIBE / (P)UNSUBSCRIBE replies. */
  static count(c: Client): number {
    return c.channels.size + c.patterns.size;
  }
}
