import { describe, expect, it } from 'vitest';
import { encodingLimits } from '../../src/persistence/convert';
import { Config } from '../../src/config/config';
import { decodeRdb } from '../../src/persistence/rdb';
import { Snapshot, type SnapshotSink } from '../../src/persistence/snapshot';
import { Db, type KeyspaceHooks } from '../../src/store/db';
import { HashValue } from '../../src/store/types/hash';
import { ListValue } from '../../src/store/types/list';
import type { RedisValue } from '../../src/store/value';

/** Minimal keyspace hooks; `writing` plays the role of "a write command is executing". */
function hooks(): KeyspaceHooks & { writing: boolean } {
  return {
    writing: false,
    keyModified() {},
    keyReady() {},
    keyExpired() {},
    expiryMode: () => 'delete',
    inWriteCommand() {
      return this.writing;
    },
  };
}

class MemorySink implements SnapshotSink {
  chunks: Buffer[] = [];
  write(chunk: Buffer) {
    this.chunks.push(Buffer.from(chunk));
  }
  full() {
    return false;
  }
  onDrain(cb: () => void) {
    cb();
  }
  image() {
    return Buffer.concat(this.chunks);
  }
}

/** Plain-JS picture of a db: key -> [value-as-json, expire]. */
function picture(db: Db): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of db.entries()) out.set(k, `${show(v)}|${db.getExpire(k)}`);
  return out;
}

function show(v: RedisValue | unknown): string {
  if (typeof v === 'string') return `s:${v}`;
  const val = v as RedisValue & object;
  if ('type' in val && val.type === 'list') return `l:${JSON.stringify((val as ListValue).toArray())}`;
  if ('type' in val && val.type === 'hash') return `h:${JSON.stringify((val as HashValue).pairs())}`;
  return JSON.stringify(v);
}

function pictureOfImage(image: Buffer, dbId: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of decodeRdb(image).entries) {
    if (e.db !== dbId) continue;
    expect(out.has(e.key), `duplicate key ${e.key} in image`).toBe(false);
    const v = e.value;
    let s: string;
    if (typeof v === 'string') s = `s:${v}`;
    else if (v.type === 'list') s = `l:${JSON.stringify(v.items)}`;
    else if (v.type === 'hash') s = `h:${JSON.stringify(v.entries.flat())}`;
    else s = JSON.stringify(v);
    out.set(e.key, `${s}|${e.expireMs}`);
  }
  return out;
}

const limits = encodingLimits(new Config());
const tick = () => new Promise((r) => setImmediate(r));

describe('forkless snapshot', () => {
  it('captures the dataset at start while writes, deletes, TTL changes and in-place mutations continue', async () => {
    const h = hooks();
    const dbs = [new Db(0, h), new Db(1, h)];
    for (let i = 0; i < 5000; i++) dbs[0].add(`k${i}`, `v${i}`);
    for (let i = 0; i < 50; i++) dbs[0].add(`list${i}`, ListValue.from(['a', 'b', String(i)]));
    for (let i = 0; i < 50; i++) dbs[0].add(`hash${i}`, HashValue.fromPairs(['f', String(i)], 512, 64));
    for (let i = 0; i < 1000; i++) dbs[1].add(`x${i}`, String(i));
    dbs[1].setExpire('x1', Date.now() + 100_000);
    const before = [picture(dbs[0]), picture(dbs[1])];

    const sink = new MemorySink();
    const snap = new Snapshot(dbs, sink, {
      compression: true,
      checksum: true,
      limits,
      header: {},
      sliceMs: 0.05, // tiny slices: many interleavings with the writes below
    });
    snap.start();
    let round = 0;
    while (snap.running) {
      // Between slices: overwrite, delete, add, change TTLs and mutate collections in place (as a write command).
      h.writing = true;
      const i = (round * 37) % 5000;
      dbs[0].set(`k${i}`, `changed${round}`);
      dbs[0].delete(`k${(i + 1) % 5000}`);
      dbs[0].add(`new${round}`, 'fresh');
      dbs[0].setExpire(`k${(i + 2) % 5000}`, Date.now() + 50_000);
      const l = dbs[0].get(`list${round % 50}`) as ListValue | undefined;
      l?.pushRight(`pushed${round}`);
      const hv = dbs[0].get(`hash${round % 50}`) as HashValue | undefined;
      hv?.set('g', String(round), 512, 64);
      dbs[1].persist('x1');
      if (round === 3) dbs[1].flush(); // emptying a db mid-snapshot hands its frozen part over
      h.writing = false;
      round++;
      await tick();
    }
    const stats = await snap.done;
    expect(round).toBeGreaterThan(10);
    expect(stats.preserved).toBeGreaterThan(0);
    const image = sink.image();
    expect(pictureOfImage(image, 0)).toEqual(before[0]);
    expect(pictureOfImage(image, 1)).toEqual(before[1]);
    // and the live keyspace holds the new state, nothing lost or duplicated
    expect(dbs[1].size).toBe(0);
    expect(dbs[0].isFrozen).toBe(false);
    expect(dbs[0].folding).toBe(false);
    expect(dbs[0].size).toBe([...dbs[0].keys()].length);
    const live = picture(dbs[0]);
    expect(live.get('new0')).toBe('s:fresh|-1');
    expect(live.has('k1')).toBe(false);
    expect(live.get('k0')?.startsWith('s:changed')).toBe(true);
  });

  it('a lookup by a read command shares the value; by a write command it copies it into the overlay', () => {
    const h = hooks();
    const db = new Db(0, h);
    db.add('a', ListValue.from(['x']));
    const sink = new MemorySink();
    const snap = new Snapshot([db], sink, { compression: false, checksum: true, limits, header: {} });
    snap.start();
    const shared = db.get('a');
    expect(db.get('a')).toBe(shared);
    h.writing = true;
    const copy = db.get('a') as ListValue;
    expect(copy).not.toBe(shared);
    copy.pushRight('y');
    expect(db.get('a')).toBe(copy); // later lookups see the copy
    expect(db.size).toBe(1);
    expect([...db.keys()]).toEqual(['a']);
    return snap.done.then((stats) => {
      expect(stats.preserved).toBe(1);
      expect((db.peek('a') as ListValue).toArray()).toEqual(['x', 'y']);
      expect(db.folding).toBe(false);
      const e = decodeRdb(sink.image()).entries;
      expect(e.map((x) => [x.key, x.value])).toEqual([['a', { type: 'list', items: ['x'] }]]);
    });
  });

  it('SWAPDB during a snapshot keeps each key under the db it had at start', async () => {
    const h = hooks();
    const dbs = [new Db(0, h), new Db(1, h)];
    for (let i = 0; i < 300; i++) dbs[0].add(`a${i}`, 'A');
    for (let i = 0; i < 200; i++) dbs[1].add(`b${i}`, 'B');
    const sink = new MemorySink();
    const snap = new Snapshot(dbs, sink, { compression: false, checksum: true, limits, header: {}, sliceMs: 0.01 });
    snap.start();
    await tick();
    dbs[0].swapWith(dbs[1]);
    h.writing = true;
    dbs[0].set('b0', 'changed'); // db0 now holds the b* keys
    h.writing = false;
    await snap.done;
    const entries = decodeRdb(sink.image()).entries;
    expect(entries.filter((e) => e.db === 0).length).toBe(300);
    expect(entries.filter((e) => e.db === 1).every((e) => e.key.startsWith('b') && e.value === 'B')).toBe(true);
    expect(dbs[0].size).toBe(200);
    expect(dbs[1].size).toBe(300);
    expect(dbs[0].get('b0')).toBe('changed');
  });

  it('abort releases the databases, folds the overlay back and rejects', async () => {
    const h = hooks();
    const db = new Db(0, h);
    for (let i = 0; i < 2000; i++) db.add(`k${i}`, 'v');
    const snap = new Snapshot([db], new MemorySink(), {
      compression: false,
      checksum: true,
      limits,
      header: {},
      sliceMs: 0.01,
    });
    snap.start();
    h.writing = true;
    db.set('k1', 'changed');
    db.delete('k2');
    db.add('fresh', 'v');
    h.writing = false;
    snap.abort(new Error('stop'));
    await expect(snap.done).rejects.toThrow('stop');
    expect(db.isFrozen).toBe(false);
    expect(db.folding).toBe(false);
    expect(db.size).toBe(2000);
    expect(db.get('k1')).toBe('changed');
    expect(db.get('k2')).toBeUndefined();
  });
});

describe('Db overlay while frozen and folding', () => {
  it('behaves like a plain map under random operations across snapshot phases', async () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const h = hooks();
    const db = new Db(0, h);
    const model = new Map<string, string>();
    const ttl = new Map<string, number>();
    const check = () => {
      expect(db.size).toBe(model.size);
      const keys = [...db.keys()].sort();
      expect(keys).toEqual([...model.keys()].sort());
      for (const [k, v] of model) expect(db.peek(k)).toBe(v);
      for (const k of model.keys()) expect(db.getExpire(k)).toBe(ttl.get(k) ?? -1);
      const scanned = new Set(db.scanKeys());
      for (const k of model.keys()) expect(scanned.has(k)).toBe(true);
    };
    const op = () => {
      const k = `k${rnd(300)}`;
      h.writing = true;
      switch (rnd(5)) {
        case 0:
          db.set(k, `v${rnd(1000)}`);
          model.set(k, db.peek(k) as string);
          ttl.delete(k);
          break;
        case 1:
          db.delete(k);
          model.delete(k);
          ttl.delete(k);
          break;
        case 2:
          if (db.get(k) === undefined) {
            db.add(k, 'added');
            model.set(k, 'added');
          }
          break;
        case 3:
          if (model.has(k)) {
            const when = Date.now() + 1_000_000 + rnd(1000);
            db.setExpire(k, when);
            ttl.set(k, when);
          }
          break;
        default:
          if (model.has(k)) {
            db.persist(k);
            ttl.delete(k);
          }
      }
      h.writing = false;
    };
    for (let i = 0; i < 500; i++) op();
    check();
    for (let round = 0; round < 3; round++) {
      const atStart = new Map(model);
      const sink = new MemorySink();
      const snap = new Snapshot([db], sink, { compression: false, checksum: true, limits, header: {}, sliceMs: 0.02 });
      snap.start();
      while (snap.running || db.folding) {
        for (let i = 0; i < 20; i++) op();
        check();
        await tick();
      }
      await snap.done;
      check();
      const image = new Map(decodeRdb(sink.image()).entries.map((e) => [e.key, e.value as string]));
      expect(image).toEqual(atStart);
    }
  });
});
