/**
 * Pub/Sub registry: channel -> subscribers and pattern -> subscribers. Messages are written as RESP2 arrays or RESP3
 * pushes depending on each subscriber's protocol.
 */
import type { Bytes } from '../protocol/bytes';
import { globMatch } from '../store/glob';
import type { Client } from './client';

export class PubSub {
  readonly channels = new Map<Bytes, Set<Client>>();
  readonly patterns = new Map<Bytes, Set<Client>>();

  /** Returns true if newly subscribed. */
  subscribe(c: Client, channel: Bytes): boolean {
    if (c.channels.has(channel)) return false;
    c.channels.add(channel);
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(c);
    return true;
  }

  unsubscribe(c: Client, channel: Bytes): boolean {
    if (!c.channels.delete(channel)) return false;
    const set = this.channels.get(channel);
    if (set) {
      set.delete(c);
      if (set.size === 0) this.channels.delete(channel);
    }
    return true;
  }

  psubscribe(c: Client, pattern: Bytes): boolean {
    if (c.patterns.has(pattern)) return false;
    c.patterns.add(pattern);
    let set = this.patterns.get(pattern);
    if (!set) this.patterns.set(pattern, (set = new Set()));
    set.add(c);
    return true;
  }

  punsubscribe(c: Client, pattern: Bytes): boolean {
    if (!c.patterns.delete(pattern)) return false;
    const set = this.patterns.get(pattern);
    if (set) {
      set.delete(c);
      if (set.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  /** Drops every subscription of a closing client (no replies). */
  removeClient(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
  }

  /** Delivers a message; returns the number of clients that received it (PUBLISH's reply). */
  publish(channel: Bytes, message: Bytes): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs) {
      for (const c of subs) {
        c.out.pushLen(3);
        c.out.bulk('message');
        c.out.bulk(channel);
        c.out.bulk(message);
        c.markPending();
        n++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pattern, set] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of set) {
          c.out.pushLen(4);
          c.out.bulk('pmessage');
          c.out.bulk(pattern);
          c.out.bulk(channel);
          c.out.bulk(message);
          c.markPending();
          n++;
        }
      }
    }
    return n;
  }
}
