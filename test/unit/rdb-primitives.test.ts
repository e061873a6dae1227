import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../src/persistence/rdb/crc64';
import { decodeIntset, encodeIntset } from '../../src/persistence/rdb/intset';
import { ListpackWriter, decodeListpack, listpackEntrySize } from '../../src/persistence/rdb/listpack';
import { lzfCompress, lzfDecompress } from '../../src/persistence/rdb/lzf';
import { decodeZiplist, decodeZipmap } from '../../src/persistence/rdb/ziplist';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Deterministic pseudo-random bytes (xorshift) so failures are reproducible. */
function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('CRC64 (Jones, reflected, init 0)', () => {
  it('matches the standard check value', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });

  it('matches the long self-test vector (text plus its NUL)', () => {
    const li =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et ' +
      'dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ' +
      'ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu ' +
      'fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt ' +
      'mollit anim id est laborum.';
    expect(crc64(Buffer.from(`${li}\0`))).toBe(0xc7794709e69683b3n);
  });

  it('is zero for no input and independent of how the input is split', () => {
    expect(crc64(Buffer.alloc(0))).toBe(0n);
    const r = rng(7);
    const data = Buffer.alloc(1000);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
    const whole = crc64(data);
    for (const cut of [0, 1, 3, 7, 8, 9, 15, 16, 17, 500, 999, 1000]) {
      const c = new Crc64().update(data, 0, cut).update(data, cut, data.length);
      expect(c.value()).toBe(whole);
    }
    const bytewise = new Crc64();
    for (let i = 0; i < data.length; i++) bytewise.update(data, i, i + 1);
    expect(bytewise.value()).toBe(whole);
  });

  it('writes and compares the little-endian trailer form', () => {
    const c = new Crc64().update(Buffer.from('123456789'));
    const out = Buffer.alloc(8);
    c.writeLE(out, 0);
    expect(out.toString('hex')).toBe('cad9b8c414d9c6e9');
    expect(c.equalsLE(out, 0)).toBe(true);
    out[7] ^= 1;
    expect(c.equalsLE(out, 0)).toBe(false);
  });
});

describe('LZF', () => {
  it('compresses 42 x "a" exactly as Redis does', () => {
    const input = Buffer.from('a'.repeat(42));
    const out = Buffer.alloc(64);
    const n = lzfCompress(input, 0, input.length, out, 0, input.length - 4);
    expect(out.subarray(0, n).toString('hex')).toBe('016161e01d00016161');
    expect(lzfDecompress(out, 0, n, 42)?.toString()).toBe('a'.repeat(42));
  });

  it('gives up when the output budget is too small (Redis then stores the string raw)', () => {
    const lib = Buffer.from("#!lua name=mylib\nredis.register_function('f', function() return 1 end)");
    expect(lzfCompress(lib, 0, lib.length, Buffer.alloc(100), 0, lib.length - 4)).toBe(0);
    const abc = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    expect(lzfCompress(abc, 0, abc.length, Buffer.alloc(100), 0, abc.length - 4)).toBe(0);
    expect(lzfCompress(abc, 0, 0, Buffer.alloc(100), 0, 10)).toBe(0);
  });

  it('round-trips data of varied redundancy and length, including long matches and literal runs', () => {
    const r = rng(12345);
    for (let t = 0; t < 400; t++) {
      const len = 1 + Math.floor(r() * 5000);
      const alphabet = 1 + Math.floor(r() * 30);
      const noise = r();
      const data = Buffer.alloc(len);
      for (let i = 0; i < len; i++) data[i] = r() < noise ? Math.floor(r() * 256) : 97 + Math.floor(r() * alphabet);
      const out = Buffer.alloc(len + Math.ceil(len / 32) + 16);
      const n = lzfCompress(data, 0, len, out, 0, out.length);
      expect(n).toBeGreaterThan(0);
      const back = lzfDecompress(out, 0, n, len);
      expect(back?.equals(data)).toBe(true);
    }
  });

  it('compresses a sub-range of a larger buffer into an offset of the output', () => {
    const data = Buffer.from(`xxxx${'hello world '.repeat(20)}yyyy`);
    const out = Buffer.alloc(400, 0xee);
    const n = lzfCompress(data, 4, data.length - 4, out, 10, 300);
    expect(out[9]).toBe(0xee);
    expect(lzfDecompress(out, 10, 10 + n, data.length - 8)?.toString()).toBe('hello world '.repeat(20));
  });

  it('rejects malformed compressed data instead of reading out of bounds', () => {
    // back-reference before the start of the output
    expect(lzfDecompress(hex('00 61 20 05'), 0, 4, 10)).toBeNull();
    // literal run longer than the input
    expect(lzfDecompress(hex('05 61 62'), 0, 3, 6)).toBeNull();
    // output longer / shorter than declared
    expect(lzfDecompress(hex('016161e01d00016161'), 0, 9, 41)).toBeNull();
    expect(lzfDecompress(hex('016161e01d00016161'), 0, 9, 43)).toBeNull();
    // truncated back-reference
    expect(lzfDecompress(hex('01 61 61 e0'), 0, 4, 40)).toBeNull();
  });
});

describe('listpack', () => {
  const build = (items: string[]) => {
    const w = new ListpackWriter(16);
    for (const s of items) w.append(s);
    const n = w.finish();
    return Buffer.from(w.buf.subarray(0, n));
  };
  const decode = (b: Buffer) => {
    const out: string[] = [];
    const err = decodeListpack(b, 0, b.length, out);
    if (err) throw new Error(err);
    return out;
  };

  it('encodes the integer forms of the spec test vectors', () => {
    expect(build(['-1']).subarray(6, -1).toString('hex')).toBe('dfff02');
    expect(build(['1000']).subarray(6, -1).toString('hex')).toBe('c3e802');
    expect(build(['100000']).subarray(6, -1).toString('hex')).toBe('f2a0860104');
    expect(build(['1']).subarray(6, -1).toString('hex')).toBe('0101');
    expect(build(['-32768']).subarray(6, -1).toString('hex')).toBe('f1008003');
    expect(build(['2147483647']).subarray(6, -1).toString('hex')).toBe('f3ffffff7f05');
    expect(build(['-9223372036854775808']).subarray(6, -1).toString('hex')).toBe('f4000000000000008009');
  });

  it('matches the hash listpack of the real 7.0.15 sample', () => {
    expect(build(['f', 'v']).toString('hex')).toBe('0d000000020081660281760' + '2ff');
    expect(build(['a', '1', 'b', '2.5']).toString('hex')).toBe('140000000400816102010181620283322e3504ff');
  });

  it('keeps non-canonical numbers as strings', () => {
    const b = build(['007', '-0', '+1', '1 ', '9223372036854775808', '']);
    expect(b[6]).toBe(0x83); // "007" as a 3-byte string
    expect(decode(b)).toEqual(['007', '-0', '+1', '1 ', '9223372036854775808', '']);
  });

  it('round-trips every integer width boundary and string length class', () => {
    const ints = [
      '0',
      '127',
      '128',
      '-4096',
      '4095',
      '4096',
      '-4097',
      '32767',
      '-32768',
      '32768',
      '8388607',
      '-8388608',
      '8388608',
      '2147483647',
      '-2147483648',
      '2147483648',
      '9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
    ];
    const strs = [63, 64, 4095, 4096, 20000].map((n) => 'x'.repeat(n));
    const bin = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const items = [...ints, ...strs, bin];
    const b = build(items);
    expect(decode(b)).toEqual(items);
    // entry sizes predicted for quicklist fill decisions equal the real growth
    let size = 7;
    for (const s of items) size += listpackEntrySize(s);
    expect(size).toBe(b.length);
  });

  it('writes multi-byte back-lengths readable right to left', () => {
    const b = build(['y'.repeat(200)]); // entry 202 bytes: backlen 2 bytes [1, 0x80 | 74]
    expect(b.subarray(b.length - 3, b.length - 1).toString('hex')).toBe('01ca');
    expect(decode(b)).toEqual(['y'.repeat(200)]);
  });

  it('reports corruption precisely', () => {
    const good = build(['a', 'b']);
    const err = (b: Buffer) => {
      const out: string[] = [];
      return decodeListpack(b, 0, b.length, out);
    };
    expect(err(good)).toBeNull();
    expect(err(good.subarray(0, 5))).toMatch(/too short/);
    const badTotal = Buffer.from(good);
    badTotal[0] = 99;
    expect(err(badTotal)).toMatch(/header says 99 bytes/);
    const noEnd = Buffer.from(good);
    noEnd[noEnd.length - 1] = 0;
    expect(err(noEnd)).toMatch(/does not end with 0xFF/);
    const badCount = Buffer.from(good);
    badCount[4] = 3;
    expect(err(badCount)).toMatch(/says 3 elements but has 2/);
    const badEnc = Buffer.from(good);
    badEnc[6] = 0xf7;
    expect(err(badEnc)).toMatch(/invalid encoding 0xf7/);
    const badBacklen = Buffer.from(good);
    badBacklen[8] = 5;
    expect(err(badBacklen)).toMatch(/wrong back-length/);
    const overflow = Buffer.from(good);
    overflow[6] = 0x8f; // 15-byte string in a 13-byte listpack
    expect(err(overflow)).toMatch(/overflows/);
    // unknown element count (65535) is accepted
    const unknown = Buffer.from(good);
    unknown.writeUInt16LE(65535, 4);
    expect(err(unknown)).toBeNull();
  });
});

describe('intset', () => {
  it('decodes the 7.0.15 sample and encodes it back identically', () => {
    const blob = hex('02000000 03000000 0100 0200 0300');
    const out: string[] = [];
    expect(decodeIntset(blob, 0, blob.length, out)).toBeNull();
    expect(out).toEqual(['1', '2', '3']);
    expect(encodeIntset(['3', '1', '2'])?.equals(blob)).toBe(true);
  });

  it('picks the narrowest width for all members and sorts numerically', () => {
    expect(encodeIntset(['-32768', '32767'])?.readUInt32LE(0)).toBe(2);
    expect(encodeIntset(['1', '32768'])?.readUInt32LE(0)).toBe(4);
    expect(encodeIntset(['1', '-2147483649'])?.readUInt32LE(0)).toBe(8);
    const b = encodeIntset(['9223372036854775807', '-9223372036854775808', '10', '9', '-1'])!;
    const out: string[] = [];
    expect(decodeIntset(b, 0, b.length, out)).toBeNull();
    expect(out).toEqual(['-9223372036854775808', '-1', '9', '10', '9223372036854775807']);
    expect(encodeIntset(['1', 'x'])).toBeNull();
    expect(encodeIntset(['01'])).toBeNull();
  });

  it('validates like Redis: width, size, non-empty, strictly ascending', () => {
    const check = (h: string) => decodeIntset(hex(h), 0, hex(h).length, []);
    expect(check('03000000 01000000 010000')).toMatch(/invalid encoding 3/);
    expect(check('02000000 02000000 0100')).toMatch(/does not match/);
    expect(check('02000000 00000000')).toMatch(/empty/);
    expect(check('02000000 02000000 0200 0100')).toMatch(/ascending/);
    expect(check('02000000 02000000 0100 0100')).toMatch(/ascending/);
    expect(check('0200')).toMatch(/too short/);
  });
});

describe('ziplist and zipmap (legacy, read-only)', () => {
  /** Builds a ziplist from raw entry encodings (prevlen computed). */
  function ziplist(entries: Buffer[]): Buffer {
    const parts: Buffer[] = [];
    let prev = 0;
    for (const e of entries) {
      const pl = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32(prev)]);
      const full = Buffer.concat([pl, e]);
      parts.push(full);
      prev = full.length;
    }
    const body = Buffer.concat(parts);
    const total = 10 + body.length + 1;
    const head = Buffer.alloc(10);
    head.writeUInt32LE(total, 0);
    head.writeUInt32LE(10 + body.length - prev, 4);
    head.writeUInt16LE(entries.length, 8);
    return Buffer.concat([head, body, Buffer.from([0xff])]);
  }
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };

  it('decodes every entry encoding', () => {
    const big = 'z'.repeat(300);
    const zl = ziplist([
      hex('03 616263'), // 6-bit string
      Buffer.concat([hex('412c'), Buffer.from(big)]), // 14-bit string (BE length 300)
      hex('c0 3930'), // int16 12345
      hex('d0 ffffffff'), // int32 -1
      hex('e0 0000000001000000'), // int64 2^32
      hex('f0 feffff'), // int24 -2
      hex('fe 80'), // int8 -128
      hex('f1'), // immediate 0
      hex('fd'), // immediate 12
      Buffer.concat([hex('80 00000005'), Buffer.from('hello')]), // 32-bit BE string length
    ]);
    const out: string[] = [];
    expect(decodeZiplist(zl, 0, zl.length, out)).toBeNull();
    expect(out).toEqual(['abc', big, '12345', '-1', '4294967296', '-2', '-128', '0', '12', 'hello']);
  });

  it('detects corrupt ziplists', () => {
    const zl = ziplist([hex('01 61'), hex('01 62')]);
    const err = (b: Buffer) => decodeZiplist(b, 0, b.length, []);
    expect(err(zl)).toBeNull();
    const badPrev = Buffer.from(zl);
    badPrev[13] = 7;
    expect(err(badPrev)).toMatch(/prevlen/);
    const badBytes = Buffer.from(zl);
    badBytes[0] = 1;
    expect(err(badBytes)).toMatch(/header says/);
    const badEnc = Buffer.from(zl);
    badEnc[11] = 0xc5;
    expect(err(badEnc)).toMatch(/invalid encoding/);
  });

  it('decodes zipmaps, skipping free bytes', () => {
    // 2 pairs: f1 -> v1 (1 free byte), f2 -> v2
    const zm = hex('02 02 6631 02 01 7631 00 02 6632 02 00 7632 ff');
    const out: string[] = [];
    expect(decodeZipmap(zm, 0, zm.length, out)).toBeNull();
    expect(out).toEqual(['f1', 'v1', 'f2', 'v2']);
    expect(decodeZipmap(zm, 0, zm.length - 1, [])).toMatch(/overflows|end/);
  });
});
