import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { newReplicaConf, ReplicaLink } from '../../src/replication/link';
import { primaryOf } from '../../src/replication/primary';
import { replicationOf } from '../../src/replication/state';
import { countAcks, WaitList } from '../../src/replication/wait';
import type { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';

function setup() {
  const srv = new Server(new Config());
  const primary = primaryOf(srv);
  primary.ensureBacklog();
  return { srv, primary, repl: replicationOf(srv) };
}

/** A replica link without a socket (what it is sent is irrelevant here), already online. */
function fakeReplica(srv: Server, state: ReplicaLink['state'] = 'online'): ReplicaLink {
  const primary = primaryOf(srv);
  const l = new ReplicaLink(srv.createPseudoClient('127.0.0.1:1'), newReplicaConf(), false, state, Date.now());
  primary.links.push(l);
  return l;
}

function run(srv: Server, c: Client, ...argv: string[]): string {
  processCommand(srv, c, argv);
  const out = c.out.take();
  return out === null ? '' : out.toString('latin1');
}

describe('WAIT accounting', () => {
  it('counts online replicas whose ACK reached the offset', () => {
    const links = [
      { state: 'online', ackOffset: 100 },
      { state: 'online', ackOffset: 99 },
      { state: 'wait_bgsave', ackOffset: 500 },
      { state: 'online', ackOffset: 150 },
    ];
    expect(countAcks(links, 100)).toBe(2);
    expect(countAcks(links, 0)).toBe(3);
    expect(countAcks(links, 151)).toBe(0);
  });

  it("a client's WAIT offset is the stream offset after its last write that was propagated", () => {
    const { srv, repl } = setup();
    const a = srv.createPseudoClient('a');
    const b = srv.createPseudoClient('b');
    expect(a.woff).toBe(0);
    run(srv, a, 'SET', 'k', 'v');
    const afterA = repl.history.offset;
    expect(afterA).toBeGreaterThan(0);
    expect(a.woff).toBe(afterA);
    run(srv, b, 'GET', 'k'); // reads do not move it
    expect(b.woff).toBe(0);
    run(srv, b, 'SET', 'k2', 'v');
    expect(b.woff).toBe(repl.history.offset);
    expect(a.woff).toBe(afterA);
    run(srv, a, 'DEL', 'nosuchkey'); // no effect, nothing propagated
    expect(a.woff).toBe(afterA);
    // a transaction: the offset after its EXEC
    run(srv, a, 'MULTI');
    run(srv, a, 'SET', 'x', '1');
    run(srv, a, 'SET', 'y', '2');
    run(srv, a, 'EXEC');
    expect(a.woff).toBe(repl.history.offset);
  });

  it('answers at once when enough replicas acknowledged, or inside MULTI; else blocks until the ACKs arrive', () => {
    const { srv, primary, repl } = setup();
    const r1 = fakeReplica(srv);
    const r2 = fakeReplica(srv);
    const c = srv.createPseudoClient('c');
    expect(run(srv, c, 'WAIT', '2', '0')).toBe(':2\r\n'); // never wrote: offset 0 is acknowledged by both
    run(srv, c, 'SET', 'k', 'v');
    const off = repl.history.offset;
    expect(run(srv, c, 'WAIT', '0', '0')).toBe(':0\r\n');
    run(srv, c, 'MULTI');
    run(srv, c, 'WAIT', '2', '0');
    expect(run(srv, c, 'EXEC')).toBe('*1\r\n:0\r\n');
    expect(run(srv, c, 'WAIT', '2', '0')).toBe('');
    expect(c.blocked).not.toBeNull();
    expect(primary.waits.size).toBe(1);
    primary.ack(r1, off);
    expect(c.blocked).not.toBeNull();
    primary.ack(r2, off - 1); // not far enough
    expect(c.blocked).not.toBeNull();
    primary.ack(r2, off + 37); // past it (the GETACK counts in the offset)
    expect(c.blocked).toBeNull();
    expect(c.out.take()?.toString()).toBe(':2\r\n');
    expect(primary.waits.size).toBe(0);
    // ACK offsets never go back
    primary.ack(r1, 3);
    expect(r1.ackOffset).toBe(off);
  });

  it('a timed-out or unblocked WAIT leaves the list with the count at that moment', async () => {
    const { srv, primary, repl } = setup();
    const r1 = fakeReplica(srv);
    const c = srv.createPseudoClient('c');
    run(srv, c, 'SET', 'k', 'v');
    primary.ack(r1, repl.history.offset);
    run(srv, c, 'SET', 'k', 'v2');
    expect(run(srv, c, 'WAIT', '1', '20')).toBe('');
    await new Promise((r) => setTimeout(r, 60));
    expect(c.out.take()?.toString()).toBe(':0\r\n');
    primary.ack(r1, repl.history.offset); // the list forgets it: nothing more is written
    expect(c.out.take()).toBeNull();
    expect(primary.waits.size).toBe(0);
  });

  it('WaitList drops clients that went away', () => {
    const { srv } = setup();
    const list = new WaitList();
    const c = srv.createPseudoClient('c');
    srv.blocking.block(c, [], 0, () => {});
    list.add(c, 10, 1);
    list.forget(c);
    expect(list.size).toBe(0);
    list.add(c, 10, 1);
    srv.blocking.unblock(c);
    list.process(() => 5);
    expect(list.size).toBe(0);
    expect(c.out.take()).toBeNull();
  });

  it('WAIT is refused on a replica before its arguments are parsed', () => {
    const { srv } = setup();
    srv.masterHost = '127.0.0.1';
    const c = srv.createPseudoClient('c');
    expect(run(srv, c, 'WAIT', 'x', 'y')).toMatch(/^-ERR WAIT cannot be used with replica instances\./);
  });
});

describe('min-replicas-to-write', () => {
  it('counts good replicas (online, acknowledged within the max lag) and gates writes with NOREPLICAS', () => {
    const { srv, primary } = setup();
    const c = srv.createPseudoClient('c');
    srv.config.setMany([['min-replicas-to-write', '2']], { loading: false, allowProtected: true });
    expect(run(srv, c, 'SET', 'k', 'v')).toBe('-NOREPLICAS Not enough good replicas to write.\r\n');
    expect(run(srv, c, 'GET', 'k')).toBe('$-1\r\n');
    const r1 = fakeReplica(srv);
    const r2 = fakeReplica(srv, 'wait_bgsave_end');
    primary.refreshGood();
    expect(primary.goodReplicas).toBe(1);
    expect(run(srv, c, 'SET', 'k', 'v')).toMatch(/^-NOREPLICAS/);
    r2.state = 'online';
    primary.refreshGood();
    expect(run(srv, c, 'SET', 'k', 'v')).toBe('+OK\r\n');
    // a replica silent for longer than the max lag is not good
    r1.ackTime = Date.now() - 20_000;
    r1.client.lastInteraction = r1.ackTime;
    primary.refreshGood();
    expect(primary.goodReplicas).toBe(1);
    expect(run(srv, c, 'SET', 'k', 'v')).toMatch(/^-NOREPLICAS/);
    // a max lag of 0 disables the feature
    srv.config.setMany([['min-replicas-max-lag', '0']], { loading: false, allowProtected: true });
    expect(run(srv, c, 'SET', 'k', 'v')).toBe('+OK\r\n');
  });
});
