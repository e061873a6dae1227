import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/store/glob';

describe('globMatch', () => {
  const yes: [string, string][] = [
    ['*', ''],
    ['*', 'anything'],
    ['h?llo', 'hello'],
    ['h*llo', 'heeeello'],
    ['h[ae]llo', 'hallo'],
    ['h[^e]llo', 'hallo'],
    ['h[a-b]llo', 'hbllo'],
    ['h[b-a]llo', 'hallo'],
    ['h\\*llo', 'h*llo'],
    ['*a*b*c*', 'xxaxxbxxcxx'],
    ['user:*:name', 'user:1000:name'],
  ];
  const no: [string, string][] = [
    ['h?llo', 'hllo'],
    ['h[ae]llo', 'hillo'],
    ['h[^e]llo', 'hello'],
    ['h\\*llo', 'hello'],
    ['a*b', 'acbd'],
    ['', 'x'],
  ];
  for (const [p, s] of yes) it(`${p} matches ${s}`, () => expect(globMatch(p, s)).toBe(true));
  for (const [p, s] of no) it(`${p} does not match ${s}`, () => expect(globMatch(p, s)).toBe(false));
  it('nocase', () => expect(globMatch('HEL*', 'hello', true)).toBe(true));
  it('pathological pattern terminates (no exponential backtracking)', () => {
    expect(globMatch('a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });
});
