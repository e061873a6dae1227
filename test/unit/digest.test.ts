import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { datasetDigest, keyValueDigest, mixDigest, sha1, toHex, xorDigest } from '../../src/persistence/digest';
import { Db, type KeyspaceHooks } from '../../src/store/db';
import { HashValue } from '../../src/store/types/hash';
import { ListValue } from '../../src/store/types/list';
import { SetValue } from '../../src/store/types/set';
import { ZSetValue } from '../../src/store/types/zset';

const hooks: KeyspaceHooks = {
  keyModified() {},
  keyReady() {},
  keyExpired() {},
  expiryMode: () => 'delete',
  inWriteCommand: () => false,
};

const ZERO = '0'.repeat(40);

function dbs(n = 16): Db[] {
  return Array.from({ length: n }, (_, i) => new Db(i, hooks));
}

describe('sha1 on binary strings', () => {
  it('equals node:crypto for every padding boundary and for binary input', () => {
    const inputs = ['', 'abc', '\x00', '\xff\x00\x80\r\n'];
    for (const n of [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      inputs.push(Array.from({ length: n }, (_, i) => String.fromCharCode((i * 31 + n) & 0xff)).join(''));
    }
    for (const s of inputs) {
      const want = createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
      expect(toHex(sha1(s)), `length ${s.length}`).toBe(want);
    }
  });
});

describe('xor and mix', () => {
  it('xor is order-free, mix is order-sensitive and not a concatenation', () => {
    const a = new Uint8Array(20);
    const b = new Uint8Array(20);
    xorDigest(a, 'x');
    xorDigest(a, 'y');
    xorDigest(b, 'y');
    xorDigest(b, 'x');
    expect(toHex(a)).toBe(toHex(b));
    const m1 = new Uint8Array(20);
    const m2 = new Uint8Array(20);
    mixDigest(m1, 'x');
    mixDigest(m1, 'y');
    mixDigest(m2, 'y');
    mixDigest(m2, 'x');
    expect(toHex(m1)).not.toBe(toHex(m2));
    const m3 = new Uint8Array(20);
    mixDigest(m3, 'fo');
    mixDigest(m3, 'oy');
    const m4 = new Uint8Array(20);
    mixDigest(m4, 'f');
    mixDigest(m4, 'ooy');
    expect(toHex(m3)).not.toBe(toHex(m4));
  });
});

describe('dataset digest', () => {
  it('matches values observed on Redis 7.0.15 (SET a b)', () => {
    const d = dbs();
    d[0].add('a', 'b');
    // DEBUG DIGEST and DEBUG DIGEST-VALUE a, as replied by redis-server 7.0.15 holding only this key
    expect(datasetDigest(d)).toBe('479783d7290f02957dfbe3408a858ba13eea1709');
    expect(keyValueDigest(d[0], 'a')).toBe('b78559cd22bce6e6df712eb99ce7f3b08e8f8f1f');
  });

  it('is all zeros for an empty dataset and for a missing key', () => {
    const d = dbs();
    expect(datasetDigest(d)).toBe(ZERO);
    expect(keyValueDigest(d[0], 'nope')).toBe(ZERO);
  });

  it('does not depend on insertion order of keys, set members or hash fields, but does on list order', () => {
    const a = dbs(2);
    const b = dbs(2);
    a[0].add('k1', 'v1');
    a[0].add('k2', 'v2');
    b[0].add('k2', 'v2');
    b[0].add('k1', 'v1');
    a[0].add('s', SetValue.fromMembers(['x', 'y', 'z'], 512));
    b[0].add('s', SetValue.fromMembers(['z', 'x', 'y'], 512));
    a[0].add('h', HashValue.fromPairs(['f1', 'a', 'f2', 'b'], 128, 64));
    b[0].add('h', HashValue.fromPairs(['f2', 'b', 'f1', 'a'], 128, 64));
    expect(datasetDigest(a)).toBe(datasetDigest(b));
    a[0].add('l', ListValue.from(['1', '2']));
    b[0].add('l', ListValue.from(['2', '1']));
    expect(datasetDigest(a)).not.toBe(datasetDigest(b));
  });

  it('is independent of the encoding (small and large sets, hashes, zsets)', () => {
    const members = Array.from({ length: 300 }, (_, i) => String(i));
    const small = SetValue.fromMembers(members, 512);
    const big = SetValue.fromMembers(members, 10);
    expect(small.encoding()).toBe('intset');
    expect(big.encoding()).toBe('hashtable');
    const a = dbs(1);
    const b = dbs(1);
    a[0].add('s', small);
    b[0].add('s', big);
    const entries = members.map((m, i) => [m, i / 3] as [string, number]);
    const zl = ZSetValue.fromEntries(entries, 1000, 64);
    const zs = ZSetValue.fromEntries(entries, 10, 64);
    expect(zl.encoding()).not.toBe(zs.encoding());
    a[0].add('z', zl);
    b[0].add('z', zs);
    expect(datasetDigest(a)).toBe(datasetDigest(b));
  });

  it('counts the presence of a TTL but not its value, and the db index', () => {
    const a = dbs(2);
    a[0].add('k', 'v');
    const plain = datasetDigest(a);
    a[0].setExpire('k', Date.now() + 10_000);
    const withTtl = datasetDigest(a);
    expect(withTtl).not.toBe(plain);
    a[0].setExpire('k', Date.now() + 99_000);
    expect(datasetDigest(a)).toBe(withTtl);
    const b = dbs(2);
    b[1].add('k', 'v');
    expect(datasetDigest(b)).not.toBe(plain);
  });

  it('a zset score counts as printed with %.17g (so 1 and 1.0 are equal, 1 and 1.0000000000000002 not)', () => {
    const a = dbs(1);
    const b = dbs(1);
    a[0].add('z', ZSetValue.fromEntries([['m', 1]], 128, 64));
    b[0].add('z', ZSetValue.fromEntries([['m', 1.0000000000000002]], 128, 64));
    expect(datasetDigest(a)).not.toBe(datasetDigest(b));
  });
});
