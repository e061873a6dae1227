/**
 * The link from a Server running in sentinel mode to its sentinel state, for the command handlers (which only get
 * the client, hence the server).
 */
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import type { SentinelCore } from './core';
import type { ScriptQueue } from './scripts';

export interface SentinelHost {
  readonly core: SentinelCore;
  readonly scripts: ScriptQueue;
}

const hosts = new WeakMap<Server, SentinelHost>();

export function attachSentinel(srv: Server, host: SentinelHost): void {
  hosts.set(srv, host);
}

export function sentinelOf(srv: Server): SentinelHost {
  const h = hosts.get(srv);
  if (!h) throw new Error('this server does not run in sentinel mode');
  return h;
}

/** Flushes the config and replies +OK, or the error Redis gives when the file could not be written. */
export function flushConfigAndReply(c: Client): void {
  if (sentinelOf(c.srv).core.flushConfig()) c.ok();
  else c.error('ERR Failed to save config file. Check server logs.');
}
