import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/replication/backlog';

/** Model: the whole stream in one buffer; the backlog must equal its tail. */
function check(b: Backlog, stream: Buffer, start: number) {
  const expectedHist = Math.min(b.size, stream.length);
  expect(b.histlen).toBe(expectedHist);
  expect(b.offset).toBe(start + stream.length);
  expect(b.firstByteOffset).toBe(start + stream.length - expectedHist + 1);
  for (const from of [b.firstByteOffset, b.firstByteOffset + 1, b.offset, b.offset + 1]) {
    if (!b.covers(from)) continue;
    const got = Buffer.concat(b.readFrom(from));
    expect(got.equals(stream.subarray(from - start - 1))).toBe(true);
  }
}

describe('Backlog', () => {
  it('starts empty at the given offset', () => {
    const b = new Backlog(16, 100);
    expect(b.firstByteOffset).toBe(101);
    expect(b.covers(101)).toBe(true);
    expect(b.covers(100)).toBe(false);
    expect(b.readFrom(101)).toEqual([]);
  });

  it('matches a model under random feeds and resizes', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const start = 1000;
    const b = new Backlog(64, start);
    let stream = Buffer.alloc(0);
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.alloc(rnd(150), rnd(256));
      for (let j = 0; j < chunk.length; j++) chunk[j] = rnd(256);
      b.feed(chunk);
      stream = Buffer.concat([stream, chunk]);
      if (i % 97 === 0) {
        const keepBefore = Math.min(b.histlen, b.size);
        b.resize(16 + rnd(200));
        // resizing keeps the most recent bytes that fit
        expect(b.histlen).toBe(Math.min(keepBefore, b.size));
        stream = stream.subarray(stream.length - b.histlen);
        check(b, stream, b.offset - stream.length);
        continue;
      }
      if (stream.length > 4096) stream = stream.subarray(stream.length - 4096);
      check(b, stream, b.offset - stream.length);
    }
  });

  it('rejects offsets outside the window', () => {
    const b = new Backlog(8, 0);
    b.feed(Buffer.from('0123456789'));
    expect(b.firstByteOffset).toBe(3);
    expect(b.covers(2)).toBe(false);
    expect(b.covers(3)).toBe(true);
    expect(b.covers(11)).toBe(true);
    expect(b.covers(12)).toBe(false);
    expect(Buffer.concat(b.readFrom(5)).toString()).toBe('456789');
  });
});
