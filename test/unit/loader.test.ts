import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { encodingLimits } from '../../src/persistence/convert';
import { RdbLoader } from '../../src/persistence/loader';
import { RdbEncoder } from '../../src/persistence/rdb';
import { Db, type KeyspaceHooks } from '../../src/store/db';
import type { HashValue } from '../../src/store/types/hash';
import type { ListValue } from '../../src/store/types/list';

const limits = encodingLimits(new Config());
const hooks: KeyspaceHooks = {
  keyModified() {},
  keyReady() {},
  keyExpired() {},
  expiryMode: () => 'delete',
  inWriteCommand: () => false,
};

function image(): Buffer {
  const chunks: Buffer[] = [];
  const enc = new RdbEncoder((c) => chunks.push(Buffer.from(c)), { ...limits });
  enc.begin({ repl: { streamDb: 0, replId: 'a'.repeat(40), offset: 1234 } });
  enc.selectDb(0, 3, 1);
  enc.entry('s', 'value');
  enc.entry('l', { type: 'list', items: ['a', 'b'] });
  enc.entry('old', 'gone', 1000); // expired long ago
  enc.selectDb(2, 1, 0);
  enc.entry('h', { type: 'hash', entries: [['f', 'v']] });
  enc.end();
  return Buffer.concat(chunks);
}

describe('RdbLoader', () => {
  it('loads in chunks into staging, then commits', () => {
    const img = image();
    const dbs = [new Db(0, hooks), new Db(1, hooks), new Db(2, hooks)];
    dbs[0].add('previous', 'x');
    const loader = new RdbLoader({ limits, databases: 3, dropExpired: true });
    for (let i = 0; i < img.length; i += 7) loader.push(img.subarray(i, i + 7));
    expect(dbs[0].peek('previous')).toBe('x'); // untouched until commit
    const res = loader.end();
    expect(res.keys).toBe(3);
    expect(res.expiredDropped).toBe(1);
    expect(res.repl).toEqual({ replId: 'a'.repeat(40), offset: 1234, streamDb: 0 });
    loader.commit(dbs);
    expect(dbs[0].peek('previous')).toBeUndefined();
    expect(dbs[0].get('s')).toBe('value');
    expect((dbs[0].get('l') as ListValue).toArray()).toEqual(['a', 'b']);
    expect((dbs[2].get('h') as HashValue).get('f')).toBe('v');
    expect(dbs[0].size).toBe(2);
  });

  it('refuses a key that appears twice in one database (as Redis does), not in two', () => {
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((c) => chunks.push(Buffer.from(c)), { ...limits });
    enc.begin({});
    enc.selectDb(0, 2, 0);
    enc.entry('k', 'one');
    enc.selectDb(1, 2, 0);
    enc.entry('k', 'other db');
    enc.entry('k', 'two');
    enc.end();
    const loader = new RdbLoader({ limits, databases: 3, dropExpired: true });
    expect(() => loader.push(Buffer.concat(chunks))).toThrow("RDB has duplicated key 'k' in DB 1");
  });

  it('keeps expired keys for replicas', () => {
    const loader = new RdbLoader({ limits, databases: 3, dropExpired: false });
    loader.push(image());
    expect(loader.end().keys).toBe(4);
  });

  it('a truncated stream fails at end() and the databases stay as they were', () => {
    const img = image();
    const dbs = [new Db(0, hooks)];
    dbs[0].add('keep', '1');
    const loader = new RdbLoader({ limits, databases: 3, dropExpired: true });
    loader.push(img.subarray(0, img.length - 5));
    expect(() => loader.end()).toThrow(/RDB/);
    expect(dbs[0].get('keep')).toBe('1');
  });

  it('reports bytes consumed so trailing stream data can be handed on', () => {
    const img = image();
    const loader = new RdbLoader({ limits, databases: 3, dropExpired: true });
    const n = loader.push(Buffer.concat([img, Buffer.from('*1\r\n$4\r\nPING\r\n')]));
    expect(n).toBe(img.length);
    expect(loader.done).toBe(true);
  });
});
