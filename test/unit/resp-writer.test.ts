import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../../src/protocol/resp-writer';

function out(resp: 2 | 3, fn: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.resp = resp;
  fn(w);
  return w.take()?.latin1Slice(0) ?? '';
}

describe('ReplyWriter', () => {
  it('encodes scalars', () => {
    expect(out(2, (w) => w.ok())).toBe('+OK\r\n');
    expect(out(2, (w) => w.int(7))).toBe(':7\r\n');
    expect(out(2, (w) => w.int(-12345678901234n))).toBe(':-12345678901234\r\n');
    expect(out(2, (w) => w.bulk('a\x00\xff'))).toBe('$3\r\na\x00\xff\r\n');
    expect(out(2, (w) => w.error('ERR a\r\nb'))).toBe('-ERR a  b\r\n');
  });

  it('maps RESP3 types down to RESP2 as Redis does', () => {
    expect(out(2, (w) => w.null())).toBe('$-1\r\n');
    expect(out(3, (w) => w.null())).toBe('_\r\n');
    expect(out(2, (w) => w.nullArray())).toBe('*-1\r\n');
    expect(out(2, (w) => w.mapLen(2))).toBe('*4\r\n');
    expect(out(3, (w) => w.mapLen(2))).toBe('%2\r\n');
    expect(out(3, (w) => w.setLen(1))).toBe('~1\r\n');
    expect(out(3, (w) => w.pushLen(3))).toBe('>3\r\n');
    expect(out(2, (w) => w.double(0.1))).toBe('$19\r\n0.10000000000000001\r\n');
    expect(out(3, (w) => w.double(Number.NEGATIVE_INFINITY))).toBe(',-inf\r\n');
    expect(out(2, (w) => w.bool(true))).toBe(':1\r\n');
    expect(out(3, (w) => w.bool(false))).toBe('#f\r\n');
    expect(out(3, (w) => w.verbatim('hi'))).toBe('=6\r\ntxt:hi\r\n');
  });

  it('grows past its initial buffer and resets after take()', () => {
    const w = new ReplyWriter();
    const big = 'x'.repeat(100_000);
    w.bulk(big);
    w.int(1);
    const b = w.take()!;
    expect(b.length).toBe(100_000 + 9 + 2 + 4);
    expect(w.take()).toBeNull();
  });
});
