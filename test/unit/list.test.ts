import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { packItems, packedAt, packedCopy, packedIndexOf, unpackItems } from '../../src/store/types/list-pack';
import { ListValue, NODE_MAX_BYTES, NODE_MAX_COUNT } from '../../src/store/types/list';
import { parseReply, plain } from '../helpers/resp-client';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random binary-string element: mostly tiny (so values repeat), sometimes needing a 2-byte prefix, rarely huge. */
function element(r: () => number): string {
  const x = r();
  if (x < 0.6) return `v${Math.floor(r() * 8)}`;
  if (x < 0.8) return String.fromCharCode(...Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
  if (x < 0.97) return 'm'.repeat(100 + Math.floor(r() * 300));
  return 'B'.repeat(NODE_MAX_BYTES + Math.floor(r() * 100));
}

/** Reference LPOS over a plain array. */
function modelPositions(
  a: string[],
  v: string,
  reverse: boolean,
  skip: number,
  limit: number,
  maxlen: number,
): number[] {
  const out: number[] = [];
  const budget = maxlen > 0 ? Math.min(maxlen, a.length) : a.length;
  for (let n = 0; n < budget; n++) {
    const i = reverse ? a.length - 1 - n : n;
    if (a[i] === v) {
      if (skip > 0) skip--;
      else {
        out.push(i);
        if (out.length === limit) break;
      }
    }
  }
  return out;
}

function check(l: ListValue, model: string[], what: string): void {
  const problem = l.checkIntegrity();
  if (problem !== null) throw new Error(`${what}: ${problem}`);
  expect(l.size, what).toBe(model.length);
}

describe('packed node format', () => {
  it('round-trips short, 2-byte-prefix and binary elements', () => {
    const items = ['', 'a', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(8000), '\x00\xff\x80\r\n'];
    const p = packItems(items);
    expect(p.length).toBe(items.reduce((n, s) => n + s.length + (s.length < 128 ? 1 : 2), 0));
    expect(unpackItems(p, items.length)).toEqual(items);
    for (let k = 0; k < items.length; k++) expect(packedAt(p, k)).toBe(items[k]);
    const out: string[] = ['keep'];
    expect(packedCopy(p, 2, 3, out, 1)).toBe(4);
    expect(out).toEqual(['keep', items[2], items[3], items[4]]);
    expect(packedIndexOf(p, items.length, '\x00\xff\x80\r\n')).toBe(5);
    expect(packedIndexOf(p, items.length, 'y'.repeat(127))).toBe(-1);
    expect(packedIndexOf(p, 3, 'y'.repeat(128))).toBe(-1);
    expect(packedIndexOf(p, items.length, '')).toBe(0);
  });
});

describe('ListValue', () => {
  it('reports the Redis 7.0 encoding and type', () => {
    const l = new ListValue();
    expect(l.type).toBe('list');
    expect(l.encoding()).toBe('quicklist');
    expect(l.size).toBe(0);
    expect(l.popLeft()).toBeUndefined();
    expect(l.popRight()).toBeUndefined();
    expect(l.at(0)).toBeUndefined();
    expect(l.toArray()).toEqual([]);
  });

  it('packs cold nodes and keeps pushes/pops at both ends correct over many nodes', () => {
    const l = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const v = `e${i}`;
      if (i % 3 === 0) {
        l.pushLeft(v);
        model.unshift(v);
      } else {
        l.pushRight(v);
        model.push(v);
      }
    }
    check(l, model, 'after pushes');
    expect(l.nodeCount).toBeGreaterThan(20000 / NODE_MAX_COUNT);
    expect(l.toArray()).toEqual(model);
    for (const i of [0, 1, 511, 512, 513, 9999, 10000, 19998, 19999, -1, -20000]) {
      expect(l.at(i)).toBe(model.at(i));
    }
    expect(l.at(20000)).toBeUndefined();
    expect(l.at(-20001)).toBeUndefined();
    // drain from both ends through the packed middle
    while (model.length > 0) {
      const odd = model.length % 2 === 1;
      const got = odd ? l.popLeft() : l.popRight();
      const want = odd ? model.shift() : model.pop();
      if (got !== want) throw new Error(`drain at ${model.length}: got ${got}, want ${want}`);
      if (model.length % 997 === 0) check(l, model, `drain at ${model.length}`);
    }
    expect(l.nodeCount).toBe(0);
  });

  it('matches a plain array under random operations', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = rng(seed);
      const l = new ListValue();
      let model: string[] = [];
      let maxNodes = 0;
      for (let step = 0; step < 6000; step++) {
        const op = Math.floor(r() * 17);
        const what = `seed ${seed} step ${step} op ${op}`;
        const idx = () => Math.floor(r() * (model.length + 2)) - 1;
        switch (op) {
          case 0:
          case 1: {
            const v = element(r);
            l.pushRight(v);
            model.push(v);
            break;
          }
          case 2:
          case 3: {
            const v = element(r);
            l.pushLeft(v);
            model.unshift(v);
            break;
          }
          case 4:
            expect(l.popLeft(), what).toBe(model.shift());
            break;
          case 5:
            expect(l.popRight(), what).toBe(model.pop());
            break;
          case 6: {
            const n = Math.floor(r() * 700);
            const right = r() < 0.5;
            const want = right ? model.splice(Math.max(0, model.length - n)).reverse() : model.splice(0, n);
            expect(l.popMany(n, right), what).toEqual(want);
            break;
          }
          case 7: {
            const i = idx() * (r() < 0.3 ? -1 : 1);
            expect(l.at(i), what).toBe(model.at(i));
            break;
          }
          case 8: {
            const i = idx();
            const v = element(r);
            const ok = i >= -model.length && i < model.length;
            expect(l.set(i, v), what).toBe(ok);
            if (ok) model[i < 0 ? i + model.length : i] = v;
            break;
          }
          case 9: {
            const i = Math.floor(r() * (model.length + 1));
            const v = element(r);
            l.insertAt(i, v);
            model.splice(i, 0, v);
            break;
          }
          case 10: {
            if (model.length === 0) break;
            const a = Math.floor(r() * model.length);
            const b = Math.min(model.length - 1, a + Math.floor(r() * 1500));
            expect(l.range(a, b), what).toEqual(model.slice(a, b + 1));
            break;
          }
          case 11: {
            const v = element(r);
            expect(l.indexOf(v), what).toBe(model.indexOf(v));
            break;
          }
          case 12: {
            const v = `v${Math.floor(r() * 8)}`;
            const reverse = r() < 0.5;
            const skip = Math.floor(r() * 3);
            const limit = Math.floor(r() * 4);
            const maxlen = r() < 0.5 ? 0 : Math.floor(r() * model.length);
            expect(l.positions(v, reverse, skip, limit, maxlen), what).toEqual(
              modelPositions(model, v, reverse, skip, limit, maxlen),
            );
            break;
          }
          case 13: {
            const v = r() < 0.8 ? `v${Math.floor(r() * 8)}` : element(r);
            const count = Math.floor(r() * 7) - 3;
            let removed = 0;
            const limit = Math.abs(count);
            if (count >= 0) {
              model = model.filter((s) => !(s === v && (limit === 0 || removed++ < limit)));
              removed = Math.min(removed, limit === 0 ? Number.POSITIVE_INFINITY : limit);
            } else {
              const kept: string[] = [];
              for (let i = model.length - 1; i >= 0; i--) {
                if (model[i] === v && removed < limit) removed++;
                else kept.push(model[i]);
              }
              model = kept.reverse();
            }
            const before = l.size;
            const got = l.removeValue(v, count);
            expect(got, what).toBe(before - model.length);
            break;
          }
          case 14: {
            if (model.length === 0) break;
            const a = Math.floor(r() * model.length);
            const n = Math.min(model.length - a, Math.floor(r() * 900));
            l.deleteRange(a, n);
            model.splice(a, n);
            break;
          }
          case 16: {
            // bulk growth, so lists regularly span many nodes with packed ones in the middle
            const n = Math.floor(r() * 1200);
            const right = r() < 0.5;
            for (let i = 0; i < n; i++) {
              const v = r() < 0.9 ? `v${Math.floor(r() * 8)}` : element(r);
              if (right) {
                l.pushRight(v);
                model.push(v);
              } else {
                l.pushLeft(v);
                model.unshift(v);
              }
            }
            break;
          }
          case 15: {
            if (r() < 0.7) break; // trims shrink the list fast; keep them rarer
            const a = Math.floor(r() * (model.length + 1));
            const b = a + Math.floor(r() * model.length) - 5;
            const stop = Math.min(b, model.length - 1);
            l.trim(a, stop);
            model = a > stop || a >= model.length ? [] : model.slice(a, stop + 1);
            break;
          }
        }
        check(l, model, what);
        maxNodes = Math.max(maxNodes, l.nodeCount);
        if (step % 500 === 0) expect(l.toArray(), what).toEqual(model);
      }
      expect(maxNodes, `seed ${seed} reached ${maxNodes} nodes`).toBeGreaterThan(8);
      expect(l.toArray()).toEqual(model);
      expect([...l]).toEqual(model);
      const each: string[] = [];
      l.forEach((v) => {
        each.push(v);
      });
      expect(each).toEqual(model);
      expect([...l.chunks()].flat()).toEqual(model);
    }
  });

  it('clone() is independent of the original', () => {
    const l = ListValue.from(Array.from({ length: 3000 }, (_, i) => `x${i}`));
    const c = l.clone();
    l.set(1500, 'changed');
    l.pushLeft('head');
    c.popRight();
    expect(c.at(1500)).toBe('x1500');
    expect(c.size).toBe(2999);
    expect(l.size).toBe(3001);
    expect(l.at(1501)).toBe('changed');
    expect(c.checkIntegrity()).toBeNull();
  });

  it('keeps a huge element alone in its node and splits over-full nodes on insert', () => {
    const l = ListValue.from(Array.from({ length: NODE_MAX_COUNT * 6 }, (_, i) => String(i)));
    const big = 'Q'.repeat(100_000);
    l.insertAt(NODE_MAX_COUNT * 3, big);
    expect(l.at(NODE_MAX_COUNT * 3)).toBe(big);
    for (let i = 0; i < 2000; i++) l.insertAt(1000, `ins${i}`);
    expect(l.checkIntegrity()).toBeNull();
    expect(l.size).toBe(NODE_MAX_COUNT * 6 + 2001);
    expect(l.at(1000)).toBe('ins1999');
    expect(l.at(2999)).toBe('ins0');
  });

  it('merges nodes left small by removals', () => {
    const l = ListValue.from(Array.from({ length: 50_000 }, (_, i) => (i % 100 === 0 ? 'keep' : 'drop')));
    const nodesBefore = l.nodeCount;
    expect(l.removeValue('drop', 0)).toBe(49_500);
    expect(l.size).toBe(500);
    expect(l.nodeCount).toBeLessThan(nodesBefore / 10);
    expect(l.toArray()).toEqual(Array(500).fill('keep'));
    expect(l.checkIntegrity()).toBeNull();
  });
});

/** In-process server (no sockets) with a propagation sink, to check what list commands replicate and count. */
function harness() {
  const srv = new Server(new Config());
  const stream: string[][] = [];
  srv.propagator.addSink((chunk) => {
    for (let pos = 0; pos < chunk.length; ) {
      const r = parseReply(chunk, pos);
      if (r === null) break;
      const [reply, next] = r;
      if (reply.t === 'array' && reply.v !== null) {
        const argv = reply.v.map((x) => (x.t === 'bulk' ? (x.v ?? '') : ''));
        if (argv[0] !== 'SELECT') stream.push(argv);
      }
      pos = next;
    }
  });
  const client = () => new Client(srv, null, '127.0.0.1:1', '127.0.0.1:2');
  const c = client();
  const runOn = (x: Client, ...argv: string[]): unknown => {
    processCommand(srv, x, argv);
    return takeReply(x);
  };
  const run = (...argv: string[]): unknown => runOn(c, ...argv);
  return { srv, run, runOn, client, stream };
}

function takeReply(x: Client): unknown {
  const out = x.out.take();
  const r = out === null ? null : parseReply(out, 0);
  return r === null ? undefined : plain(r[0]);
}

describe('list commands in-process: replication and dirty counter', () => {
  it('pushes and plain pops replicate verbatim; no-ops replicate nothing', () => {
    const { run, stream, srv } = harness();
    let dirty = srv.dirty;
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(srv.dirty - dirty).toBe(3);
    run('lpop', 'l', '2');
    run('LPUSHX', 'nokey', 'v');
    run('LPOP', 'l', '0');
    run('LPOP', 'nokey');
    run('LTRIM', 'l', '0', '-1');
    run('LREM', 'l', '0', 'zz');
    run('LINSERT', 'l', 'BEFORE', 'zz', 'q');
    run('LSET', 'l', '0', 'C');
    expect(stream).toEqual([
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['lpop', 'l', '2'],
      ['LSET', 'l', '0', 'C'],
    ]);
    dirty = srv.dirty;
    run('RPUSH', 'l', 'x', 'x', 'y', 'x');
    run('LREM', 'l', '0', 'x');
    run('LTRIM', 'l', '1', '1');
    expect(srv.dirty - dirty).toBe(4 + 3 + 1);
  });

  it('LMPOP and non-blocked BLMPOP replicate as LPOP/RPOP with the count actually popped', () => {
    const { run, stream } = harness();
    run('RPUSH', 'a', '1', '2', '3');
    stream.length = 0;
    expect(run('LMPOP', '2', 'nokey', 'a', 'LEFT', 'COUNT', '2')).toEqual(['a', ['1', '2']]);
    expect(run('BLMPOP', '0', '1', 'a', 'right', 'COUNT', '10')).toEqual(['a', ['3']]);
    expect(stream).toEqual([
      ['LPOP', 'a', '2'],
      ['RPOP', 'a', '1'],
    ]);
  });

  it('blocking commands served at once replicate as their non-blocking form', () => {
    const { run, stream } = harness();
    run('RPUSH', 'a', '1', '2', '3', '4');
    stream.length = 0;
    run('BLPOP', 'nokey', 'a', '0');
    run('BRPOP', 'a', '0');
    run('BLMOVE', 'a', 'b', 'left', 'Right', '0');
    run('BRPOPLPUSH', 'a', 'b', '0');
    expect(stream).toEqual([
      ['LPOP', 'a'],
      ['RPOP', 'a'],
      ['LMOVE', 'a', 'b', 'left', 'Right'],
      ['RPOPLPUSH', 'a', 'b'],
    ]);
  });

  it('blocked clients, when served, replicate after the push that woke them', () => {
    const { run, runOn, client, stream, srv } = harness();
    const [x, y, z] = [client(), client(), client()];
    expect(runOn(x, 'BLPOP', 'q1', '0')).toBeUndefined();
    expect(runOn(y, 'BLMOVE', 'q2', 'd', 'left', 'LEFT', '0')).toBeUndefined();
    expect(runOn(z, 'BLMPOP', '0', '2', 'q0', 'q3', 'RIGHT', 'COUNT', '5')).toBeUndefined();
    expect(srv.blocking.blockedClients).toBe(3);
    run('RPUSH', 'q1', 'a', 'b');
    run('RPUSH', 'q2', 'c');
    run('RPUSH', 'q3', 'e', 'f');
    expect(takeReply(x)).toEqual(['q1', 'a']);
    expect(takeReply(y)).toBe('c');
    expect(takeReply(z)).toEqual(['q3', ['f', 'e']]);
    expect(srv.blocking.blockedClients).toBe(0);
    expect(stream).toEqual([
      ['RPUSH', 'q1', 'a', 'b'],
      ['LPOP', 'q1'],
      ['RPUSH', 'q2', 'c'],
      ['LMOVE', 'q2', 'd', 'left', 'LEFT'],
      ['RPUSH', 'q3', 'e', 'f'],
      ['RPOP', 'q3', '2'],
    ]);
    expect(run('EXISTS', 'q2', 'q3')).toBe(0);
    expect(run('LRANGE', 'd', '0', '-1')).toEqual(['c']);
  });
});
