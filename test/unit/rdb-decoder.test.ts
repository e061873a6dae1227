import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/rdb/crc64';
import { lzfCompress } from '../../src/persistence/rdb/lzf';
import { type RdbContents, RdbDecoder, type RdbDecodeOptions, decodeRdb } from '../../src/persistence/rdb/decoder';
import { type RdbEntry, RdbError } from '../../src/persistence/rdb/types';

// The spec's fixtures live in the shared folder next to the repository (../shared from the project root).
const SPEC_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'shared', 'spec', 'fixtures');
const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'rdb');
const sample = fs.readFileSync(path.join(FIXTURES, 'sample-7.0.15.rdb'));
const minimal = fs.readFileSync(path.join(FIXTURES, 'minimal-v9-simple-types.rdb'));

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** RDB string: 6-bit length + bytes */
const str = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);

/** A complete image: magic, body records, EOF and (version >= 5) a checksum. */
function image(body: Buffer[], version = 10, crc: 'ok' | 'zero' = 'ok'): Buffer {
  const head = Buffer.from(`REDIS${String(version).padStart(4, '0')}`);
  const core = Buffer.concat([head, ...body, Buffer.from([0xff])]);
  if (version < 5) return core;
  const tail = Buffer.alloc(8);
  if (crc === 'ok') tail.writeBigUInt64LE(crc64(core));
  return Buffer.concat([core, tail]);
}

function entries(img: Buffer, opts?: RdbDecodeOptions): RdbEntry[] {
  return decodeRdb(img, opts).entries;
}

/** Decodes feeding `img` in chunks of the given sizes (cycled), collecting everything. */
function decodeChunked(img: Buffer, sizes: number[], opts?: RdbDecodeOptions): RdbContents {
  const out: RdbContents = { version: 0, aux: [], functions: [], entries: [], summary: null as never };
  const d = new RdbDecoder(
    { entry: (e) => out.entries.push(e), aux: (k, v) => out.aux.push([k, v]), func: (c) => out.functions.push(c) },
    opts,
  );
  let i = 0;
  let k = 0;
  while (i < img.length) {
    const n = sizes[k++ % sizes.length];
    d.push(img.subarray(i, i + n));
    i += n;
  }
  out.summary = d.end();
  out.version = out.summary.version;
  return out;
}

function rdbError(fn: () => unknown): RdbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RdbError);
    return e as RdbError;
  }
  throw new Error('expected an RdbError');
}

describe('RDB decoder: fixtures', () => {
  // The spec folder sits beside a working checkout, not inside the repository: a bare clone elsewhere has no copy to
  // compare with (the committed fixtures are still decoded by every test below).
  const specPresent = fs.existsSync(SPEC_FIXTURES);
  if (!specPresent) console.log(`spec fixtures not found at ${SPEC_FIXTURES}: comparison with them skipped`);
  it.skipIf(!specPresent)('the committed fixtures are the spec fixtures', () => {
    expect(sample.equals(fs.readFileSync(path.join(SPEC_FIXTURES, 'sample-7.0.15.rdb')))).toBe(true);
    expect(minimal.equals(fs.readFileSync(path.join(SPEC_FIXTURES, 'minimal-v9-simple-types.rdb')))).toBe(true);
  });

  it('decodes the real 7.0.15 sample (streams kept raw)', () => {
    const r = decodeRdb(sample, { unsupported: 'raw' });
    expect(r.version).toBe(10);
    expect(r.aux).toEqual([
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
      ['ctime', '1795633022'],
      ['used-mem', '1206840'],
      ['repl-stream-db', '0'],
      ['repl-id', 'c58a5d560856f8733ff856738b53b0aa633a8a6e'],
      ['repl-offset', '0'],
      ['aof-base', '0'],
    ]);
    expect(r.functions).toEqual(["#!lua name=mylib\nredis.register_function('f', function() return 1 end)"]);
    const byKey = new Map(r.entries.map((e) => [e.key, e]));
    expect([...byKey.keys()]).toEqual([
      'hash',
      'iset',
      'int',
      'zset',
      'sset',
      'stream',
      'hbig',
      'str',
      'list',
      'lzf',
      'zbig',
      'db1key',
    ]);
    expect(byKey.get('hash')).toMatchObject({ rdbType: 16, value: { type: 'hash', entries: [['f', 'v']] } });
    expect(byKey.get('iset')).toMatchObject({ rdbType: 11, value: { type: 'set', members: ['1', '2', '3'] } });
    expect(byKey.get('int')).toMatchObject({ rdbType: 0, value: '12345', expireMs: -1 });
    expect(byKey.get('zset')?.value).toEqual({
      type: 'zset',
      entries: [
        ['a', 1],
        ['b', 2.5],
      ],
    });
    expect(byKey.get('sset')).toMatchObject({ rdbType: 2, value: { type: 'set', members: ['x', 'y'] } });
    expect(byKey.get('stream')).toMatchObject({ rdbType: 19, value: { type: 'raw', rdbType: 19 } });
    expect((byKey.get('stream')!.value as { payload: string }).payload.length).toBe(0x189 - 0x150);
    expect(byKey.get('hbig')).toMatchObject({ rdbType: 4, value: { type: 'hash', entries: [['k', 'v']] } });
    expect(byKey.get('str')).toMatchObject({ value: 'hello', expireMs: 4102444800000 });
    expect(byKey.get('list')).toMatchObject({ rdbType: 18, value: { type: 'list', items: ['a', 'b', '1'] } });
    expect(byKey.get('lzf')?.value).toBe('a'.repeat(42));
    expect(byKey.get('zbig')).toMatchObject({ rdbType: 5, value: { type: 'zset', entries: [['m', 1.5]] } });
    expect(byKey.get('db1key')).toMatchObject({ db: 1, value: 'v' });
    expect(r.entries.filter((e) => e.db === 0).length).toBe(11);
    expect(r.summary).toEqual({
      version: 10,
      keys: 12,
      expires: 1,
      skipped: 0,
      checksum: 0xb31560d8b87b8f7bn,
      bytes: 506,
    });
  });

  it('rejects the stream of the sample by default, naming key, type and offset', () => {
    const e = rdbError(() => decodeRdb(sample));
    expect(e.offset).toBe(0x148);
    expect(e.message).toBe(
      "RDB error at offset 328: key 'stream' holds a stream value (RDB type 19), which is not supported",
    );
  });

  it('skips unsupported values on request and reports them', () => {
    const skipped: string[] = [];
    const d = new RdbDecoder(
      { entry: () => {}, skipped: (db, key, t, why) => skipped.push(`${db}:${key}:${t}:${why}`) },
      { unsupported: 'skip' },
    );
    d.push(sample);
    const s = d.end();
    expect(skipped).toEqual(['0:stream:19:unsupported stream value']);
    expect(s.keys).toBe(11);
    expect(s.skipped).toBe(1);
  });

  it('decodes the hand-written v9 fixture (simple types, expire)', () => {
    const r = decodeRdb(minimal);
    expect(r.version).toBe(9);
    expect(r.entries.map((e) => [e.key, e.value, e.expireMs, e.rdbType])).toEqual([
      ['s', 'hello', 4102444800000, 0],
      ['l', { type: 'list', items: ['a', 'b', 'c'] }, -1, 1],
      ['st', { type: 'set', members: ['1', 'x'] }, -1, 2],
      ['h', { type: 'hash', entries: [['f', 'v']] }, -1, 4],
      [
        'z',
        {
          type: 'zset',
          entries: [
            ['m1', 1.5],
            ['m2', -2],
          ],
        },
        -1,
        5,
      ],
    ]);
  });
});

describe('RDB decoder: streaming', () => {
  const whole = decodeRdb(sample, { unsupported: 'raw' });

  it('gives identical results for every split point of the sample', () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      const r = decodeChunked(sample, [cut || 1, sample.length], { unsupported: 'raw' });
      expect(r.entries).toEqual(whole.entries);
      expect(r.aux).toEqual(whole.aux);
    }
  });

  it('gives identical results fed one byte at a time and in odd chunk sizes', () => {
    expect(decodeChunked(sample, [1], { unsupported: 'raw' }).entries).toEqual(whole.entries);
    expect(decodeChunked(sample, [3, 7, 2, 31], { unsupported: 'raw' }).entries).toEqual(whole.entries);
    expect(decodeChunked(minimal, [1]).entries).toEqual(decodeRdb(minimal).entries);
  });

  it('emits entries as soon as they are complete', () => {
    const seen: string[] = [];
    const d = new RdbDecoder({ entry: (e) => seen.push(e.key) }, { unsupported: 'raw' });
    d.push(sample.subarray(0, 0x11a)); // up to the end of 'iset'
    expect(seen).toEqual(['hash', 'iset']);
    d.push(sample.subarray(0x11a, 0x122)); // 'int' complete
    expect(seen).toEqual(['hash', 'iset', 'int']);
    d.push(sample.subarray(0x122));
    expect(d.done).toBe(true);
    expect(d.end().keys).toBe(12);
  });

  it('reports how much of the last chunk belonged to the image (data after it is the caller’s)', () => {
    const trailing = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const d = new RdbDecoder({ entry: () => {} });
    expect(d.push(minimal.subarray(0, 100))).toBe(100);
    const last = Buffer.concat([minimal.subarray(100), trailing]);
    expect(d.push(last)).toBe(minimal.length - 100);
    expect(d.done).toBe(true);
    expect(d.push(trailing)).toBe(0);
    expect(d.end().bytes).toBe(minimal.length);
  });

  it('assembles a large value arriving in many chunks without re-parsing it per chunk', () => {
    const big = 'q'.repeat(300_000);
    const len = Buffer.alloc(5);
    len[0] = 0x80;
    len.writeUInt32BE(big.length, 1);
    const img = image([hex('fe00'), Buffer.from([0]), str('big'), len, Buffer.from(big)]);
    const r = decodeChunked(img, [1000]);
    expect(r.entries[0].value).toBe(big);
  });

  it('walks a large raw module value arriving in small chunks, also when it is the last record', () => {
    const id = Buffer.from('81 0000000000000400'.replace(/\s/g, ''), 'hex'); // module 'AAAAAAAAB', encver 0
    const fields: Buffer[] = [];
    for (let i = 0; i < 3000; i++) fields.push(Buffer.from([2, i & 63]), Buffer.from([5]), str(`s${i}`));
    const value = Buffer.concat([id, ...fields, Buffer.from([0])]);
    const img = image([hex('fe00 00'), str('a'), str('1'), hex('07'), str('mod'), value]);
    let calls = 0;
    const d = new RdbDecoder({ entry: () => calls++ }, { unsupported: 'raw' });
    for (let i = 0; i < img.length; i += 7) d.push(img.subarray(i, i + 7));
    expect(d.end().keys).toBe(2);
    expect(calls).toBe(2);
    expect(decodeChunked(img, [1], { unsupported: 'raw' }).entries[1].value).toEqual({
      type: 'raw',
      rdbType: 7,
      payload: value.toString('latin1'),
    });
  });

  it('resumes collections element by element', () => {
    const members = Array.from({ length: 500 }, (_, i) => `member-${i}`);
    const body = [hex('fe00'), Buffer.from([2]), str('s'), hex('41f4'), ...members.map(str)];
    const img = image(body);
    for (const size of [1, 5, 64, 333]) {
      const r = decodeChunked(img, [size]);
      expect(r.entries[0].value).toEqual({ type: 'set', members });
    }
  });
});

describe('RDB decoder: record types', () => {
  const intset = hex('0200000002000000 0100 0500');
  const lpSet = hex('0c000000 0200 8161 02 05 01 ff'); // "a", 5
  const zl = hex('10000000 0d000000 0200 00 01 61 03 f2 ff'); // ziplist "a", 1
  const zlZset = hex('10000000 0d000000 0200 00 01 6d 03 f4 ff'); // "m", 3
  const zm = hex('01 01 6b 01 00 76 ff'); // zipmap k -> v
  const zl2 = hex('10000000 0d000000 0200 00 01 78 03 f3 ff'); // ziplist "x", 2
  const blob = (b: Buffer) => Buffer.concat([Buffer.from([b.length]), b]);
  const one = (body: Buffer[], version = 10) => entries(image([hex('fe00'), ...body], version));

  it('reads expire (ms and legacy seconds), IDLE and FREQ attributes, each for the next key only', () => {
    const r = one([
      hex('fd 00 5c 26 05'), // EXPIRETIME (seconds) 86400000
      hex('00'),
      str('sec'),
      str('v'),
      hex('fc 00d8c32cbb030000'), // EXPIRETIME_MS
      hex('00'),
      str('ms'),
      str('v'),
      hex('f8 81 0000000000000101'), // IDLE 257, 64-bit length form
      hex('00'),
      str('idle'),
      str('v'),
      hex('f9 07'), // FREQ 7
      hex('00'),
      str('freq'),
      str('v'),
      hex('00'),
      str('plain'),
      str('v'),
    ]);
    expect(r.map((e) => [e.key, e.expireMs, e.idle, e.freq])).toEqual([
      ['sec', 86400000000, -1, -1],
      ['ms', 4102444800000, -1, -1],
      ['idle', -1, 257, -1],
      ['freq', -1, -1, 7],
      ['plain', -1, -1, -1],
    ]);
  });

  it('reads int-encoded and LZF strings, also as keys', () => {
    const r = one([
      hex('00 c0 ff c0 80'), // key int8 -1, value int8 -128
      hex('00 c1 3930 c2 ffffff7f'), // key 12345, value 2147483647
      hex('00'),
      str('lzf'),
      hex('c3 09 2a 016161e01d00016161'),
      hex('00 00 00'), // empty key, empty value
    ]);
    expect(r.map((e) => [e.key, e.value])).toEqual([
      ['-1', '-128'],
      ['12345', '2147483647'],
      ['lzf', 'a'.repeat(42)],
      ['', ''],
    ]);
  });

  it('reads legacy zsets with text scores', () => {
    const r = one([hex('03'), str('z'), hex('03'), str('a'), str('1.5'), str('b'), hex('fe'), str('c'), hex('ff')]);
    expect(r[0].value).toEqual({
      type: 'zset',
      entries: [
        ['a', 1.5],
        ['b', Number.POSITIVE_INFINITY],
        ['c', Number.NEGATIVE_INFINITY],
      ],
    });
  });

  it('reads intset, listpack set (type 20), ziplist list/zset/hash, zipmap and quicklist v1/v2 values', () => {
    const r = one([
      hex('0b'),
      str('is'),
      blob(intset),
      hex('14'),
      str('ls'),
      blob(lpSet),
      hex('0a'),
      str('zl'),
      blob(zl),
      hex('0c'),
      str('zz'),
      blob(zlZset),
      hex('0d'),
      str('zh'),
      blob(zl),
      hex('09'),
      str('zm'),
      blob(zm),
      hex('0e'),
      str('ql'),
      hex('02'),
      blob(zl2),
      blob(zl),
      hex('12'),
      str('q2'),
      hex('03 01'),
      str('plain element'),
      hex('02'),
      blob(lpSet),
      hex('02'),
      blob(hex('07000000 0000 ff')), // an empty listpack node is skipped, like Redis does
    ]);
    const got = Object.fromEntries(r.map((e) => [e.key, [e.rdbType, e.value]]));
    expect(got).toEqual({
      is: [11, { type: 'set', members: ['1', '5'] }],
      ls: [20, { type: 'set', members: ['a', '5'] }],
      zl: [10, { type: 'list', items: ['a', '1'] }],
      zz: [12, { type: 'zset', entries: [['m', 3]] }],
      zh: [13, { type: 'hash', entries: [['a', '1']] }],
      zm: [9, { type: 'hash', entries: [['k', 'v']] }],
      ql: [14, { type: 'list', items: ['x', '2', 'a', '1'] }],
      q2: [18, { type: 'list', items: ['plain element', 'a', '5'] }],
    });
  });

  it('reads an LZF-compressed listpack blob (compressed quicklist node)', () => {
    const lp = hex(`23000000 0400 ${'8a 61616161616161616161 0b '.repeat(2)}0101 0101 ff`.replace(/\s/g, ''));
    // store it compressed: compress with our LZF and wrap as 0xC3 clen ulen data
    const out = Buffer.alloc(64);
    const n = lzfCompress(lp, 0, lp.length, out, 0, lp.length);
    expect(n).toBeGreaterThan(0);
    const r = one([hex('12'), str('l'), hex('01 02 c3'), Buffer.from([n, lp.length]), out.subarray(0, n)]);
    expect(r[0].value).toEqual({ type: 'list', items: ['aaaaaaaaaa', 'aaaaaaaaaa', '1', '1'] });
  });

  it('skips empty values and reports them', () => {
    const skipped: string[] = [];
    const d = new RdbDecoder({ entry: () => {}, skipped: (_db, k, t, why) => skipped.push(`${k}/${t}/${why}`) });
    d.push(
      image([
        hex('fe00'),
        hex('fc 00d8c32cbb030000'),
        hex('02'),
        str('emptyset'),
        hex('00'),
        hex('10'),
        str('emptyhash'),
        blob(hex('07000000 0000 ff')),
        hex('12'),
        str('emptylist'),
        hex('01 02'),
        blob(hex('07000000 0000 ff')),
        hex('00'),
        str('k'),
        str('v'),
      ]),
    );
    const s = d.end();
    expect(skipped).toEqual(['emptyset/2/empty value', 'emptyhash/16/empty value', 'emptylist/18/empty value']);
    expect(s).toMatchObject({ keys: 1, skipped: 3, expires: 0 });
  });

  it('reports SELECTDB, RESIZEDB, AUX and FUNCTION2 records to the handler', () => {
    const calls: string[] = [];
    const d = new RdbDecoder({
      entry: (e) => calls.push(`entry ${e.db} ${e.key}`),
      aux: (k, v) => calls.push(`aux ${k}=${v}`),
      func: (c) => calls.push(`func ${c}`),
      selectDb: (db) => calls.push(`select ${db}`),
      resizeDb: (db, n, x) => calls.push(`resize ${db} ${n} ${x}`),
    });
    d.push(
      image([
        hex('fa'),
        str('redis-ver'),
        str('7.0.15'),
        hex('fa'),
        str('ctime'),
        hex('c2 7e2f076b'),
        hex('f5'),
        str('#!lua name=x\n'),
        hex('fe 0f fb 02 01'),
        hex('00'),
        str('k'),
        str('v'),
      ]),
    );
    d.end();
    expect(calls).toEqual([
      'aux redis-ver=7.0.15',
      'aux ctime=1795633022',
      'func #!lua name=x\n',
      'select 15',
      'resize 15 2 1',
      'entry 15 k',
    ]);
  });

  it('accepts old versions without checksum and a zero checksum (rdbchecksum no)', () => {
    const body = [hex('fe00'), hex('00'), str('k'), str('v')];
    expect(entries(image(body, 3))[0].value).toBe('v');
    const z = decodeRdb(image(body, 10, 'zero'));
    expect(z.summary.checksum).toBe(0n);
    expect(z.entries[0].value).toBe('v');
    const bad = image(body, 10);
    bad[bad.length - 1] ^= 0x40;
    expect(decodeRdb(bad, { verifyChecksum: false }).entries[0].value).toBe('v');
  });

  it('names module types and skips module values and module aux data on request', () => {
    // module id for type name "mytype-ab" (9 chars), encver 3
    const cs = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = 0n;
    for (const ch of 'mytype-ab') id = (id << 6n) | BigInt(cs.indexOf(ch));
    id = (id << 10n) | 3n;
    const idBytes = Buffer.alloc(9);
    idBytes[0] = 0x81;
    idBytes.writeBigUInt64BE(id, 1);
    // module fields: uint 5, string "xy", double, float, EOF
    const fields = Buffer.concat([hex('02 05 05'), str('xy'), hex('04 000000000000f03f 03 0000803f 00')]);
    const value = Buffer.concat([idBytes, fields]);
    const img = image([
      hex('f7'),
      idBytes,
      hex('02 02'),
      fields,
      hex('fe00 07'),
      str('mk'),
      value,
      hex('00'),
      str('k'),
      str('v'),
    ]);
    const e = rdbError(() => decodeRdb(img));
    expect(e.message).toMatch(/aux data of module 'mytype-ab'/);
    const skipped = decodeRdb(img, { unsupported: 'skip' });
    expect(skipped.entries.map((x) => x.key)).toEqual(['k']);
    const raw = decodeRdb(img, { unsupported: 'raw' });
    expect(raw.entries[0]).toMatchObject({ key: 'mk', rdbType: 7, value: { type: 'raw', rdbType: 7 } });
    expect((raw.entries[0].value as { payload: string }).payload).toBe(value.toString('latin1'));
    // without the aux record, the error names the key and the module type
    const img2 = image([hex('fe00 07'), str('mk'), value]);
    expect(rdbError(() => decodeRdb(img2)).message).toMatch(
      /key 'mk' holds a module type 'mytype-ab' value \(RDB type 7\), which is not supported/,
    );
  });

  it('limits SELECTDB to the configured number of databases when asked', () => {
    const img = image([hex('fe 10'), hex('00'), str('k'), str('v')]);
    expect(entries(img)[0].db).toBe(16);
    expect(rdbError(() => decodeRdb(img, { databases: 16 })).message).toMatch(/database 16 selected/);
  });
});

describe('RDB decoder: corrupt input', () => {
  it('fails cleanly when truncated at every position', () => {
    for (const img of [sample, minimal]) {
      for (let cut = 0; cut < img.length; cut++) {
        const e = rdbError(() => {
          const d = new RdbDecoder({ entry: () => {} }, { unsupported: 'raw' });
          d.push(img.subarray(0, cut));
          d.end();
        });
        expect(e.message).toMatch(/unexpected end of data .*\(truncated RDB\)/);
        expect(e.offset).toBeLessThanOrEqual(cut);
      }
    }
  });

  it('never crashes on a flipped byte: every corruption is an RdbError or caught by the checksum', () => {
    for (let i = 9; i < sample.length - 8; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(sample);
        bad[i] ^= mask;
        const e = rdbError(() => decodeRdb(bad, { unsupported: 'raw' }));
        expect(e.offset).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('reports a bad checksum with both values', () => {
    const bad = Buffer.from(sample);
    bad[0x1f2] ^= 1;
    const e = rdbError(() => decodeRdb(bad, { unsupported: 'raw' }));
    expect(e.message).toBe(
      'RDB error at offset 498: wrong RDB checksum: file has b31560d8b87b8f7a, computed b31560d8b87b8f7b',
    );
  });

  it('rejects bad magic, unsupported versions, unknown types and opcodes, bad lengths', () => {
    expect(rdbError(() => decodeRdb(Buffer.from('REDIX0010\xff'))).message).toMatch(/wrong signature/);
    expect(rdbError(() => decodeRdb(image([], 11))).message).toMatch(/can't handle RDB format version 11/);
    expect(rdbError(() => decodeRdb(Buffer.from('REDIS00a0'))).message).toMatch(/version 0/);
    expect(decodeRdb(image([], 11), { maxVersion: 11 }).version).toBe(11);
    const unknownType = rdbError(() => decodeRdb(image([hex('fe00 15'), str('k'), str('v')])));
    expect(unknownType.message).toBe('RDB error at offset 11: unknown value type 21');
    expect(rdbError(() => decodeRdb(image([hex('f4')]))).message).toMatch(/offset 9: unknown value type 244/);
    expect(rdbError(() => decodeRdb(image([hex('f6')]))).message).toMatch(/pre-release function format/);
    expect(rdbError(() => decodeRdb(image([hex('fe00 00'), str('k'), hex('90')]))).message).toMatch(
      /offset 14: unknown length encoding 0x90/,
    );
    expect(rdbError(() => decodeRdb(image([hex('fe00 00'), str('k'), hex('c4')]))).message).toMatch(
      /unknown string encoding 0xc4/,
    );
    expect(rdbError(() => decodeRdb(image([hex('fe c0')]))).message).toMatch(/where a length was expected/);
    expect(rdbError(() => decodeRdb(image([hex('fe00 00'), str('k'), hex('c3 03 0a 016161')]))).message).toMatch(
      /invalid LZF compressed string/,
    );
  });

  it('rejects corrupt blobs with the key and the problem', () => {
    const e = rdbError(() => decodeRdb(image([hex('fe00 10'), str('h'), hex('07 08000000 0000 ff')])));
    expect(e.message).toBe("RDB error at offset 14: 'h': listpack header says 8 bytes but the blob has 7");
    const odd = rdbError(() => decodeRdb(image([hex('fe00 10'), str('h'), hex('0a 0a000000 0100 8161 02 ff')])));
    expect(odd.message).toMatch(/'h': hash blob has an odd number of elements/);
    const cont = rdbError(() => decodeRdb(image([hex('fe00 12'), str('l'), hex('01 03'), str('x')])));
    expect(cont.message).toMatch(/invalid quicklist container 3/);
  });

  it('rejects duplicates in hashtable-encoded sets, hashes and zsets, and NaN scores', () => {
    const dupSet = rdbError(() => decodeRdb(image([hex('fe00 02'), str('s'), hex('02'), str('a'), str('a')])));
    expect(dupSet.message).toMatch(/'s': duplicate member 'a'/);
    const dupHash = rdbError(() =>
      decodeRdb(image([hex('fe00 04'), str('h'), hex('02'), str('f'), str('1'), str('f'), str('2')])),
    );
    expect(dupHash.message).toMatch(/'h': duplicate member 'f'/);
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(Number.NaN);
    const nanZ = rdbError(() => decodeRdb(image([hex('fe00 05'), str('z'), hex('01'), str('m'), nan])));
    expect(nanZ.message).toMatch(/'z': zset score is NaN/);
    const nanText = rdbError(() => decodeRdb(image([hex('fe00 03'), str('z'), hex('01'), str('m'), hex('fd')])));
    expect(nanText.message).toMatch(/zset score is NaN/);
  });

  it('stays failed after an error', () => {
    const d = new RdbDecoder({ entry: () => {} });
    expect(() => d.push(Buffer.from('XXXXXXXXX'))).toThrow(RdbError);
    expect(() => d.push(minimal)).toThrow(/wrong signature/);
    expect(() => d.end()).toThrow(/wrong signature/);
  });
});
