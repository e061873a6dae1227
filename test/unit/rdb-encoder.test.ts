import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/rdb/crc64';
import { decodeRdb } from '../../src/persistence/rdb/decoder';
import { decodeDump, encodeDump, verifyDump } from '../../src/persistence/rdb/dump';
import { type RdbEncodeOptions, RdbEncoder, type RdbHeaderInfo } from '../../src/persistence/rdb/encoder';
import { type RdbEntry, RdbError, type RdbValue } from '../../src/persistence/rdb/types';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'rdb');
const hex = (b: Buffer) => b.toString('hex');

interface Item {
  db: number;
  key: string;
  value: RdbValue;
  expireMs?: number;
}

/** Encodes a data set (db order as given), returning the image and the chunks produced. */
function encode(
  items: Item[],
  opts: RdbEncodeOptions = {},
  header: RdbHeaderInfo = { ctime: 1795633022, usedMem: 1206840 },
  functions: string[] = [],
): { image: Buffer; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const enc = new RdbEncoder((c) => chunks.push(c), opts);
  enc.begin(header);
  for (const f of functions) enc.func(f);
  const dbs = [...new Set(items.map((i) => i.db))];
  for (const db of dbs) {
    const inDb = items.filter((i) => i.db === db);
    enc.selectDb(db, inDb.length, inDb.filter((i) => i.expireMs !== undefined).length);
    for (const i of inDb) enc.entry(i.key, i.value, i.expireMs ?? -1);
  }
  const total = enc.end();
  const image = Buffer.concat(chunks);
  expect(total).toBe(image.length);
  return { image, chunks };
}

/** Encodes a single value and returns the bytes after the key (the value body). */
function body(value: RdbValue, opts: RdbEncodeOptions = {}): { type: number; body: Buffer } {
  const dump = encodeDump(value, opts);
  return { type: dump[0], body: dump.subarray(1, dump.length - 10) };
}

const roundTrip = (value: RdbValue, opts?: RdbEncodeOptions) =>
  decodeRdb(encode([{ db: 0, key: 'k', value }], opts).image).entries[0].value;

describe('RDB encoder: file layout', () => {
  it('reproduces the real 7.0.15 sample byte for byte (apart from the stream, given raw)', () => {
    const sample = fs.readFileSync(path.join(FIXTURES, 'sample-7.0.15.rdb'));
    const src = decodeRdb(sample, { unsupported: 'raw' });
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((c) => chunks.push(c));
    enc.begin({
      ctime: 1795633022,
      usedMem: 1206840,
      repl: { streamDb: 0, replId: 'c58a5d560856f8733ff856738b53b0aa633a8a6e', offset: 0 },
    });
    for (const f of src.functions) enc.func(f);
    enc.selectDb(0, 11, 1);
    const hints: Record<string, RdbValue> = {
      hbig: { type: 'hash', entries: [['k', 'v']], encoding: 'hashtable' },
      zbig: { type: 'zset', entries: [['m', 1.5]], encoding: 'skiplist' },
      sset: { type: 'set', members: ['x', 'y'] },
    };
    for (const e of src.entries) {
      if (e.db === 1) {
        enc.selectDb(1, 1, 0);
      }
      enc.entry(e.key, hints[e.key] ?? e.value, e.expireMs);
    }
    enc.end();
    expect(hex(Buffer.concat(chunks))).toBe(hex(sample));
  });

  it('writes header, AUX fields in Redis order, SELECTDB/RESIZEDB, EOF and the CRC64', () => {
    const { image } = encode([{ db: 0, key: 'k', value: 'v' }], {}, { ctime: 1700000000, usedMem: 5 });
    const text = image.toString('latin1');
    expect(text.startsWith('REDIS0010')).toBe(true);
    const order = ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base'].map((k) => text.indexOf(k));
    expect(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]))).toBe(true);
    expect(text.includes('repl-id')).toBe(false);
    // ... fe 00 fb 01 00 | 00 01 'k' 01 'v' | ff crc
    expect(hex(image.subarray(image.length - 19, image.length - 8))).toBe('fe00fb0100' + '00016b0176' + 'ff');
    expect(image.readBigUInt64LE(image.length - 8)).toBe(crc64(image, 0, image.length - 8));
    const r = decodeRdb(image);
    expect(r.aux).toEqual([
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
      ['ctime', '1700000000'],
      ['used-mem', '5'],
      ['aof-base', '0'],
    ]);
  });

  it('includes the replication AUX fields when given, and aof-base 1', () => {
    const { image } = encode(
      [],
      {},
      { repl: { streamDb: 3, replId: 'a'.repeat(40), offset: 123456789012 }, aofBase: true },
    );
    const aux = Object.fromEntries(decodeRdb(image).aux);
    expect(aux).toMatchObject({
      'repl-stream-db': '3',
      'repl-id': 'a'.repeat(40),
      'repl-offset': '123456789012',
      'aof-base': '1',
    });
    expect(Object.keys(aux)).toEqual([
      'redis-ver',
      'redis-bits',
      'ctime',
      'used-mem',
      'repl-stream-db',
      'repl-id',
      'repl-offset',
      'aof-base',
    ]);
  });

  it('writes eight zero bytes with checksums off', () => {
    const { image } = encode([{ db: 0, key: 'k', value: 'v' }], { checksum: false });
    expect(hex(image.subarray(image.length - 9))).toBe('ff0000000000000000');
    expect(decodeRdb(image).summary.checksum).toBe(0n);
  });

  it('streams in chunks that concatenate to the same image, flushing big values as they go', () => {
    const items: Item[] = [];
    for (let i = 0; i < 300; i++) items.push({ db: i % 3, key: `key:${i}`, value: `value-${i}`.repeat(i % 7) });
    items.push({ db: 2, key: 'big', value: 'x'.repeat(100_000) });
    items.push({ db: 2, key: 'list', value: { type: 'list', items: Array.from({ length: 5000 }, (_, i) => `e${i}`) } });
    const small = encode(items, { chunkSize: 1024, compression: false });
    const large = encode(items, { chunkSize: 1 << 20, compression: false });
    expect(small.image.equals(large.image)).toBe(true);
    expect(small.chunks.length).toBeGreaterThan(15);
    expect(Math.max(...small.chunks.map((c) => c.length))).toBeLessThanOrEqual(100_010);
    expect(large.chunks.length).toBe(2); // everything, then the checksum
    const back = decodeRdb(small.image).entries;
    expect(back.map((e) => [e.db, e.key, e.value])).toEqual(
      [0, 1, 2].flatMap((db) => items.filter((i) => i.db === db).map((i) => [i.db, i.key, i.value])),
    );
  });

  it('writes expiry, IDLE and FREQ before the type byte', () => {
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((c) => chunks.push(c));
    enc.begin({ ctime: 0 });
    enc.selectDb(0, 3, 1);
    enc.entry('a', 'v', 4102444800000);
    enc.entry('b', 'v', -1, 300);
    enc.entry('c', 'v', -1, -1, 9);
    enc.end();
    const img = Buffer.concat(chunks);
    expect(hex(img)).toContain('fc00d8c32cbb03000000016101' + '76');
    expect(hex(img)).toContain('f8412c00016201' + '76');
    expect(hex(img)).toContain('f90900016301' + '76');
    const r = decodeRdb(img).entries.map((e: RdbEntry) => [e.key, e.expireMs, e.idle, e.freq]);
    expect(r).toEqual([
      ['a', 4102444800000, -1, -1],
      ['b', -1, 300, -1],
      ['c', -1, -1, 9],
    ]);
  });

  it('leaves out empty collections (Redis would skip them on load)', () => {
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((c) => chunks.push(c));
    enc.begin();
    enc.selectDb(0, 5, 0);
    expect(enc.entry('l', { type: 'list', items: [] })).toBe(false);
    expect(enc.entry('s', { type: 'set', members: [] })).toBe(false);
    expect(enc.entry('h', { type: 'hash', entries: [] })).toBe(false);
    expect(enc.entry('z', { type: 'zset', entries: [] })).toBe(false);
    expect(enc.entry('e', '')).toBe(true);
    enc.end();
    expect(decodeRdb(Buffer.concat(chunks)).entries.map((e) => e.key)).toEqual(['e']);
  });

  it('refuses records outside begin()/end()', () => {
    const enc = new RdbEncoder(() => {});
    expect(() => enc.entry('k', 'v')).toThrow(RdbError);
    enc.begin();
    enc.end();
    expect(() => enc.selectDb(0, 0, 0)).toThrow(/closed/);
  });
});

describe('RDB encoder: strings and lengths', () => {
  it('uses the int forms for canonical integers in int32 range only', () => {
    expect(hex(body('12345').body)).toBe('c13930');
    expect(hex(body('-1').body)).toBe('c0ff');
    expect(hex(body('127').body)).toBe('c07f');
    expect(hex(body('-128').body)).toBe('c080');
    expect(hex(body('128').body)).toBe('c18000');
    expect(hex(body('-32769').body)).toBe('c2ff7fffff');
    expect(hex(body('2147483647').body)).toBe('c2ffffff7f');
    expect(hex(body('2147483648').body)).toBe(`0a${Buffer.from('2147483648').toString('hex')}`);
    for (const s of ['007', '-0', '+1', ' 1', '1.0', '']) {
      expect(hex(body(s).body)).toBe(hex(Buffer.concat([Buffer.from([s.length]), Buffer.from(s)])));
    }
  });

  it('compresses strings over 20 bytes only when LZF saves at least 4 bytes, and never with compression off', () => {
    expect(hex(body('a'.repeat(42)).body)).toBe('c3092a016161e01d00016161');
    expect(body('a'.repeat(20)).body[0]).toBe(20); // 20 bytes: never compressed
    expect(body('a'.repeat(21)).body[0]).toBe(0xc3);
    expect(body('abcdefghijklmnopqrstuvwxyz').body[0]).toBe(26); // incompressible
    expect(body('a'.repeat(42), { compression: false }).body[0]).toBe(42);
  });

  it('uses the smallest length form', () => {
    expect(hex(body('x'.repeat(70), { compression: false }).body.subarray(0, 2))).toBe('4046');
    expect(hex(body('x'.repeat(16384), { compression: false }).body.subarray(0, 5))).toBe('8000004000');
    expect(hex(body('x'.repeat(16383), { compression: false }).body.subarray(0, 2))).toBe('7fff');
  });

  it('keeps binary bytes intact', () => {
    const bin = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(roundTrip(bin)).toBe(bin);
    expect(roundTrip(bin.repeat(3))).toBe(bin.repeat(3));
    expect(roundTrip(bin, { compression: false })).toBe(bin);
  });
});

describe('RDB encoder: collection encodings', () => {
  it('hash: listpack within limits, hashtable beyond or when hinted', () => {
    expect(body({ type: 'hash', entries: [['f', 'v']] })).toEqual({
      type: 16,
      body: Buffer.from('0d0d000000020081660281760' + '2ff', 'hex'),
    });
    expect(body({ type: 'hash', entries: [['f', 'x'.repeat(65)]] }).type).toBe(4);
    expect(body({ type: 'hash', entries: [['f', 'x'.repeat(64)]] }).type).toBe(16);
    const many = Array.from({ length: 513 }, (_, i): [string, string] => [`f${i}`, 'v']);
    expect(body({ type: 'hash', entries: many }).type).toBe(4);
    expect(body({ type: 'hash', entries: many.slice(1) }).type).toBe(16);
    expect(body({ type: 'hash', entries: many.slice(1) }, { hashMaxListpackEntries: 10 }).type).toBe(4);
    expect(body({ type: 'hash', entries: [['f', 'v']], encoding: 'hashtable' })).toEqual({
      type: 4,
      body: Buffer.from('01016601' + '76', 'hex'),
    });
    expect(roundTrip({ type: 'hash', entries: many })).toEqual({ type: 'hash', entries: many });
  });

  it('set: intset for canonical integers within set-max-intset-entries, else hashtable', () => {
    expect(body({ type: 'set', members: ['3', '1', '2'] })).toEqual({
      type: 11,
      body: Buffer.from('0e020000000300000001000200030' + '0', 'hex'),
    });
    expect(body({ type: 'set', members: ['1', 'a'] }).type).toBe(2);
    expect(body({ type: 'set', members: ['1', '01'] }).type).toBe(2);
    const ints = Array.from({ length: 513 }, (_, i) => String(i * 1000));
    expect(body({ type: 'set', members: ints }).type).toBe(2);
    expect(body({ type: 'set', members: ints.slice(1) }).type).toBe(11);
    expect(body({ type: 'set', members: ints.slice(1), encoding: 'hashtable' }).type).toBe(2);
    expect(body({ type: 'set', members: [] }).type).toBe(2);
    const big = ['9223372036854775807', '-9223372036854775808'];
    expect(roundTrip({ type: 'set', members: big })).toEqual({ type: 'set', members: [big[1], big[0]] });
  });

  it('zset: listpack sorted by score then member, integral scores as integers, %.17g text otherwise', () => {
    const z = body(
      {
        type: 'zset',
        entries: [
          ['b', 2.5],
          ['a', 1],
          ['c', -0],
          ['e', 0.1],
          ['d', Number.POSITIVE_INFINITY],
          ['aa', 1],
          ['big', 2 ** 62],
          ['huge', 2 ** 63],
        ],
      },
      { compression: false },
    );
    expect(z.type).toBe(17);
    const back = roundTrip({ type: 'zset', entries: [['e', 0.1]] }) as { entries: [string, number][] };
    expect(back.entries).toEqual([['e', 0.1]]);
    const text = z.body.toString('latin1');
    expect(text).toContain('0.10000000000000001');
    expect(text).toContain('9.2233720368547758e+18');
    expect(text).toContain('inf');
    const order = ['c', 'e', 'a', 'aa', 'b', 'big', 'huge', 'd'];
    const decoded = decodeRdb(encode([{ db: 0, key: 'z', value: { type: 'zset', entries: [] } }]).image);
    expect(decoded.entries).toEqual([]); // empty zset: Redis skips it on load
    const full = roundTrip({
      type: 'zset',
      entries: [
        ['b', 2.5],
        ['a', 1],
        ['c', -0],
        ['e', 0.1],
        ['d', Number.POSITIVE_INFINITY],
        ['aa', 1],
        ['big', 2 ** 62],
        ['huge', 2 ** 63],
      ],
    }) as { entries: [string, number][] };
    expect(full.entries.map((e) => e[0])).toEqual(order);
    expect(full.entries.find((e) => e[0] === 'c')?.[1]).toBe(0); // -0 becomes integer 0 in a listpack
  });

  it('zset: skiplist beyond limits or when hinted, written highest first with binary doubles', () => {
    expect(
      body({
        type: 'zset',
        entries: [
          ['a', 1],
          ['b', -0.5],
        ],
        encoding: 'skiplist',
      }),
    ).toEqual({ type: 5, body: Buffer.from('020161000000000000f03f0162000000000000e0bf', 'hex') });
    expect(body({ type: 'zset', entries: [['x'.repeat(65), 1]] }).type).toBe(5);
    const many = Array.from({ length: 129 }, (_, i): [string, number] => [`m${i}`, i]);
    expect(body({ type: 'zset', entries: many }).type).toBe(5);
    const back = roundTrip({ type: 'zset', entries: many }) as { entries: [string, number][] };
    expect(back.entries).toEqual([...many].reverse());
    const negZero = roundTrip({ type: 'zset', entries: [['z', -0]], encoding: 'skiplist' }) as {
      entries: [string, number][];
    };
    expect(Object.is(negZero.entries[0][1], -0)).toBe(true);
  });

  it('list: quicklist 2 with one listpack node for a small list', () => {
    expect(body({ type: 'list', items: ['a', 'b', '1'] })).toEqual({
      type: 18,
      body: Buffer.from('01020f0f000000030081610281620201' + '01ff', 'hex'),
    });
  });

  it('list: splits nodes at the 8 KiB estimate (fill -2) and by count for positive fills', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `element-${i}-${'p'.repeat(20)}`);
    const nodes = (opts: RdbEncodeOptions) => {
      const b = body({ type: 'list', items }, { ...opts, compression: false }).body;
      return b[0] < 64 ? b[0] : ((b[0] & 0x3f) << 8) | b[1];
    };
    // each element: 2 + ~32 bytes + 1 backlen; about 8192/ (len + 8) per node
    const perNode = Math.floor((8192 - 7) / (items[500].length + 8 + 0)) + 0;
    expect(nodes({})).toBeGreaterThanOrEqual(Math.floor(1000 / (perNode + 1)));
    expect(nodes({ listMaxListpackSize: 10 })).toBe(100);
    expect(nodes({ listMaxListpackSize: -1 })).toBeGreaterThan(nodes({}));
    expect(nodes({ listMaxListpackSize: -5 })).toBeLessThan(nodes({}));
    for (const fill of [-1, -2, -5, 1, 7, 128]) {
      expect(roundTrip({ type: 'list', items }, { listMaxListpackSize: fill })).toEqual({ type: 'list', items });
    }
  });

  it('list: elements over the packed threshold get PLAIN nodes', () => {
    const items = ['a', 'x'.repeat(200), 'b', 'c', 'y'.repeat(300)];
    const b = body({ type: 'list', items }, { listPackedThreshold: 100, compression: false }).body;
    // 4 nodes: [a], PLAIN x, [b c], PLAIN y
    expect(b[0]).toBe(4);
    expect(hex(b.subarray(1, 3))).toBe('020a');
    const plainAt = 1 + 2 + 10;
    expect(hex(b.subarray(plainAt, plainAt + 3))).toBe('0140c8');
    expect(roundTrip({ type: 'list', items }, { listPackedThreshold: 100 })).toEqual({ type: 'list', items });
  });

  it('list: list-compress-depth LZF-compresses interior nodes only', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `value-${i % 10}`);
    const plain = body({ type: 'list', items }, { compression: false }).body;
    const deep = body({ type: 'list', items }, { compression: false, listCompressDepth: 1 }).body;
    expect(deep.length).toBeLessThan(plain.length);
    expect(roundTrip({ type: 'list', items }, { listCompressDepth: 1 })).toEqual({ type: 'list', items });
    expect(roundTrip({ type: 'list', items }, { listCompressDepth: 2, compression: false })).toEqual({
      type: 'list',
      items,
    });
  });

  it('raw values are written back verbatim', () => {
    const sample = fs.readFileSync(path.join(FIXTURES, 'sample-7.0.15.rdb'));
    const stream = decodeRdb(sample, { unsupported: 'raw' }).entries.find((e) => e.key === 'stream')!;
    const img = encode([{ db: 0, key: 'stream', value: stream.value }]).image;
    expect(img.includes(sample.subarray(0x148, 0x189))).toBe(true);
  });
});

describe('DUMP payloads', () => {
  it('encodes as type + body + RDB version + CRC64 and decodes back', () => {
    const d = encodeDump({ type: 'list', items: ['a', 'b', 'c'] });
    expect(hex(d)).toBe('12010210100000000300816102816202816302ff0a00c818b90c9533529e');
    expect(verifyDump(d)).toBe(true);
    expect(decodeDump(d)).toEqual({ type: 'list', items: ['a', 'b', 'c'] });
    expect(hex(encodeDump('bar'))).toBe(`0003626172${'0a00'}${hex(encodeDump('bar').subarray(7))}`);
  });

  it('rejects a wrong checksum, a newer RDB version and bad bodies', () => {
    const d = encodeDump('hello');
    const bad = Buffer.from(d);
    bad[2] ^= 1;
    expect(verifyDump(bad)).toBe(false);
    expect(() => decodeDump(bad)).toThrow(/DUMP payload version or checksum are wrong/);
    const v11 = Buffer.from(d);
    v11[d.length - 10] = 11;
    expect(verifyDump(v11)).toBe(false);
    expect(verifyDump(d.subarray(0, 9))).toBe(false);
    const withCrc = (b: Buffer) => {
      const out = Buffer.concat([b, Buffer.from([10, 0]), Buffer.alloc(8)]);
      out.writeBigUInt64LE(crc64(out, 0, out.length - 8), out.length - 8);
      return out;
    };
    expect(() => decodeDump(withCrc(Buffer.from('0005616263', 'hex')))).toThrow(/truncated value/);
    expect(() => decodeDump(withCrc(Buffer.from('000161ff', 'hex')))).toThrow(/trailing bytes/);
    expect(() => decodeDump(withCrc(Buffer.from('ff', 'hex')))).toThrow(/unknown value type 255/);
    expect(decodeDump(withCrc(Buffer.from('0200', 'hex')))).toBeNull();
  });
});
