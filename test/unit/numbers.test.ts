import { describe, expect, it } from 'vitest';
import { formatDouble, parseDouble, parseLong, parseLongExact } from '../../src/protocol/numbers';

describe('parseLong (string2ll rules)', () => {
  it('accepts canonical int64', () => {
    expect(parseLong('0')).toBe(0);
    expect(parseLong('-5')).toBe(-5);
    expect(parseLongExact('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseLongExact('-9223372036854775808')).toBe(-9223372036854775808n);
  });
  it('rejects everything else', () => {
    for (const s of ['', '-', '+1', '01', '-0', ' 1', '1 ', '1.0', '9223372036854775808', 'abc', '1e3']) {
      expect(parseLong(s), s).toBeNull();
    }
  });
});

describe('parseDouble', () => {
  it('parses like strtod with Redis restrictions', () => {
    expect(parseDouble('1.5')).toBe(1.5);
    expect(parseDouble('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseDouble('+inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDouble('1e3')).toBe(1000);
    expect(parseDouble('.5')).toBe(0.5);
    for (const s of ['', ' 1', 'nan', '1x', 'abc']) expect(parseDouble(s), s).toBeNull();
  });
});

describe('formatDouble (%.17g)', () => {
  // Values and expected strings as real Redis 7.0 prints them for ZSCORE.
  const cases: [number, string][] = [
    [0.1, '0.10000000000000001'],
    [3, '3'],
    [1e20, '1e+20'],
    [1.5e-7, '1.4999999999999999e-07'],
    [123456789.123, '123456789.123'],
    [0.30000000000000004, '0.30000000000000004'],
    [-2.5, '-2.5'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [0, '0'],
  ];
  for (const [d, s] of cases) it(`${d} -> ${s}`, () => expect(formatDouble(d)).toBe(s));

  it('integers as Redis prints them, through the safe-integer fast path and, past 2^53, the general one', () => {
    expect(formatDouble(42)).toBe('42');
    expect(formatDouble(-7)).toBe('-7');
    expect(formatDouble(1700000000000)).toBe('1700000000000');
    expect(formatDouble(2 ** 53 - 1)).toBe('9007199254740991');
    expect(formatDouble(2 ** 53 + 2)).toBe('9007199254740994');
    expect(formatDouble(2 ** 60)).toBe('1.152921504606847e+18');
  });
});
