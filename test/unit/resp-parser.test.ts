import { describe, expect, it } from 'vitest';
import { lengthLine, ProtocolError, RespParser, scanLengthLine, splitArgs } from '../../src/protocol/resp-parser';

function parser(authRequired = false, maxBulkLen = 512 * 1024 * 1024) {
  return new RespParser({ authRequired, maxBulkLen });
}

function all(p: RespParser): string[][] {
  const out: string[][] = [];
  for (;;) {
    const a = p.next();
    if (a === null) return out;
    out.push(a);
  }
}

describe('RespParser', () => {
  it('parses a pipelined multibulk stream', () => {
    const p = parser();
    p.feed(Buffer.from('*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'));
    expect(all(p)).toEqual([['PING'], ['SET', 'k', '']]);
    expect(p.pendingBytes).toBe(0);
  });

  it('handles every possible split point of a command', () => {
    const wire = Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nk\x00\xffy\r\n$10\r\n0123456789\r\nPING\r\n', 'latin1');
    for (let i = 0; i <= wire.length; i++) {
      const p = parser();
      p.feed(wire.subarray(0, i));
      const got = all(p);
      p.feed(wire.subarray(i));
      got.push(...all(p));
      expect(got, `split at ${i}`).toEqual([['SET', 'k\x00\xffy', '0123456789'], ['PING']]);
    }
  });

  it('gathers big bulks arriving in many chunks', () => {
    const big = Buffer.alloc(200_000, 0x61);
    const wire = Buffer.concat([Buffer.from(`*2\r\n$3\r\nSET\r\n$${big.length}\r\n`), big, Buffer.from('\r\n')]);
    const p = parser();
    let got: string[][] = [];
    for (let i = 0; i < wire.length; i += 7000) {
      p.feed(wire.subarray(i, i + 7000));
      got = got.concat(all(p));
    }
    expect(got.length).toBe(1);
    expect(got[0][1].length).toBe(200_000);
    expect(p.pendingBytes).toBe(0);
  });

  it('counts pending bytes of an incomplete big bulk', () => {
    const p = parser();
    p.feed(Buffer.from('*2\r\n$3\r\nSET\r\n$100000\r\n'));
    p.feed(Buffer.alloc(50_000));
    expect(p.next()).toBeNull();
    expect(p.pendingBytes).toBe(50_000);
  });

  it('parses inline commands with quoting', () => {
    const p = parser();
    p.feed(Buffer.from('SET "a b" \'c d\'\r\nGET x\n\r\n   \r\nECHO "\\x41\\n"\r\n'));
    expect(all(p)).toEqual([
      ['SET', 'a b', 'c d'],
      ['GET', 'x'],
      ['ECHO', 'A\n'],
    ]);
  });

  it('skips empty and negative multibulk counts', () => {
    const p = parser();
    p.feed(Buffer.from('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'));
    expect(all(p)).toEqual([['PING']]);
  });

  const errors: [string, string][] = [
    ['*1\r\nx\r\n', "Protocol error: expected '$', got 'x'"],
    ['*x\r\n', 'Protocol error: invalid multibulk length'],
    ['*01\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$-0\r\n', 'Protocol error: invalid bulk length'],
    ['"abc\r\n', 'Protocol error: unbalanced quotes in request'],
    ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
  ];
  for (const [wire, msg] of errors) {
    it(`rejects ${JSON.stringify(wire)}`, () => {
      const p = parser();
      p.feed(Buffer.from(wire));
      expect(() => all(p)).toThrow(new ProtocolError(msg));
    });
  }

  it('limits unauthenticated clients', () => {
    const p = parser(true);
    p.feed(Buffer.from('*11\r\n'));
    expect(() => p.next()).toThrow('Protocol error: unauthenticated multibulk length');
    const q = parser(true);
    q.feed(Buffer.from('*1\r\n$16385\r\n'));
    expect(() => q.next()).toThrow('Protocol error: unauthenticated bulk length');
  });

  it('enforces proto-max-bulk-len', () => {
    const p = parser(false, 1024 * 1024);
    p.feed(Buffer.from(`*1\r\n$${1024 * 1024 + 1}\r\n`));
    expect(() => p.next()).toThrow('Protocol error: invalid bulk length');
  });

  it('rejects oversized inline requests and length lines', () => {
    const p = parser();
    p.feed(Buffer.alloc(70 * 1024, 0x61));
    expect(() => p.next()).toThrow('Protocol error: too big inline request');
    const q = parser();
    q.feed(Buffer.concat([Buffer.from('*'), Buffer.alloc(70 * 1024, 0x31)]));
    expect(() => q.next()).toThrow('Protocol error: too big mbulk count string');
  });
});

describe('splitArgs', () => {
  it('splits like redis-cli', () => {
    expect(splitArgs('  a  b\tc ')).toEqual(['a', 'b', 'c']);
    expect(splitArgs('"a\\"b" \'it\\\'s\'')).toEqual(['a"b', "it's"]);
    expect(splitArgs('"\\x00\\xff"')).toEqual(['\x00\xff']);
    expect(splitArgs('""')).toEqual(['']);
    expect(splitArgs('"a"b')).toBeNull();
    expect(splitArgs("'a")).toBeNull();
  });
});

describe('scanLengthLine (shared by the client parser and the master stream)', () => {
  const scan = (s: string, pos = 0) => {
    const n = scanLengthLine(Buffer.from(s, 'latin1'), pos);
    return n === null ? null : [n, lengthLine.end];
  };
  it('reads canonical lengths and where their line ends', () => {
    expect(scan('*3\r\n')).toEqual([3, 4]);
    expect(scan('$0\r\n')).toEqual([0, 4]);
    expect(scan('$-1\r\n')).toEqual([-1, 5]);
    expect(scan('xx*12345\r\n$', 2)).toEqual([12345, 10]);
    expect(scan('$123456789012345\r\n')).toEqual([123456789012345, 18]);
  });
  it('leaves incomplete and non-canonical lines to the careful path', () => {
    for (const s of [
      '*3',
      '*3\r',
      '*',
      '*\r\n',
      '*+3\r\n',
      '*03\r\n',
      '*-0\r\n',
      '*3x\r\n',
      `$${'1'.repeat(19)}\r\n`,
    ]) {
      expect(scan(s)).toBeNull();
    }
  });
});
