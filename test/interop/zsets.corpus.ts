/**
 * Generated parts of the sorted-set differential corpus (zsets.diff.test.ts): many range probes over fixed seed
 * sets, and a large skiplist workout. A fixed PRNG keeps the corpus identical from run to run.
 */
import type { DiffCase } from '../helpers/differential';

/** Deterministic PRNG so the generated parts of the corpus are stable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const SEED_MAIN = [
  'ZADD',
  'r:z',
  '1',
  'a',
  '2',
  'b',
  '2',
  'c',
  '3',
  'd',
  '-inf',
  'ninf',
  '+inf',
  'pinf',
  '0.5',
  'e',
];
export const SEED_LEX = [
  'ZADD',
  'l:z',
  ...['a', 'b', 'bb', 'c', 'd', 'e', 'f', 'g', '', '\xff'].flatMap((m) => ['0', m]),
];

export const rankRanges: DiffCase[] = [];
for (const [s, e] of [
  ['0', '-1'],
  ['0', '0'],
  ['1', '3'],
  ['-3', '-1'],
  ['-100', '100'],
  ['5', '2'],
  ['7', '10'],
  ['6', '6'],
  ['-1', '-2'],
  ['-9223372036854775808', '9223372036854775807'],
  ['9223372036854775807', '-1'],
]) {
  rankRanges.push(['ZRANGE', 'r:z', s, e], ['ZRANGE', 'r:z', s, e, 'WITHSCORES'], ['ZRANGE', 'r:z', s, e, 'REV']);
  rankRanges.push(['ZREVRANGE', 'r:z', s, e, 'WITHSCORES']);
}

const scoreBounds = [
  '-inf',
  '+inf',
  'inf',
  '(-inf',
  '(+inf',
  '1',
  '(1',
  '2',
  '(2',
  '0.5',
  '(0.5',
  '3',
  '(3',
  '10',
  '-5',
];
export const scoreRanges: DiffCase[] = [];
{
  const rand = rng(11);
  for (let i = 0; i < 60; i++) {
    const a = scoreBounds[Math.floor(rand() * scoreBounds.length)];
    const b = scoreBounds[Math.floor(rand() * scoreBounds.length)];
    scoreRanges.push(['ZRANGEBYSCORE', 'r:z', a, b, 'WITHSCORES']);
    scoreRanges.push(['ZREVRANGEBYSCORE', 'r:z', b, a]);
    scoreRanges.push(['ZCOUNT', 'r:z', a, b]);
    const off = String(Math.floor(rand() * 9) - 2);
    const cnt = String(Math.floor(rand() * 9) - 2);
    scoreRanges.push(['ZRANGE', 'r:z', a, b, 'BYSCORE', 'LIMIT', off, cnt, 'WITHSCORES']);
    scoreRanges.push(['ZRANGE', 'r:z', b, a, 'BYSCORE', 'REV', 'LIMIT', off, cnt]);
  }
}

const lexBounds = ['-', '+', '[a', '(a', '[b', '(b', '[bb', '(c', '[c', '[z', '(', '[', '[\xff', '(\xff', '[e'];
export const lexRanges: DiffCase[] = [];
{
  const rand = rng(12);
  for (let i = 0; i < 60; i++) {
    const a = lexBounds[Math.floor(rand() * lexBounds.length)];
    const b = lexBounds[Math.floor(rand() * lexBounds.length)];
    lexRanges.push(['ZRANGEBYLEX', 'l:z', a, b]);
    lexRanges.push(['ZREVRANGEBYLEX', 'l:z', b, a]);
    lexRanges.push(['ZLEXCOUNT', 'l:z', a, b]);
    const off = String(Math.floor(rand() * 8) - 2);
    const cnt = String(Math.floor(rand() * 8) - 2);
    lexRanges.push(['ZRANGE', 'l:z', a, b, 'BYLEX', 'LIMIT', off, cnt]);
    lexRanges.push(['ZRANGEBYLEX', 'l:z', a, b, 'LIMIT', off, cnt]);
    lexRanges.push(['ZREVRANGEBYLEX', 'l:z', b, a, 'LIMIT', off, cnt]);
  }
}

/** A 300-element skiplist with ties, infinities and binary-sorted members, probed with many ranges. */
export function largeCorpus(): DiffCase[] {
  const rand = rng(5);
  const out: DiffCase[] = [];
  const add: string[] = ['ZADD', 'g:big'];
  const lex: string[] = ['ZADD', 'g:lex'];
  const member = () => `m${String(Math.floor(rand() * 400)).padStart(3, '0')}`;
  for (let i = 0; i < 300; i++) {
    const r = rand();
    const s = r < 0.05 ? 'inf' : r < 0.1 ? '-inf' : String(Math.floor(rand() * 80 - 40) / 4);
    add.push(s, member());
    lex.push('0', member());
  }
  out.push(add, lex, ['OBJECT', 'ENCODING', 'g:big'], ['ZCARD', 'g:big'], ['ZRANGE', 'g:big', '0', '-1', 'WITHSCORES']);
  const sb = () => {
    const v = ['-inf', '+inf', String(Math.floor(rand() * 90 - 45) / 4)][Math.floor(rand() * 3)];
    return rand() < 0.3 ? `(${v}` : v;
  };
  const lb = () => {
    const r = rand();
    return r < 0.1 ? '-' : r < 0.2 ? '+' : (rand() < 0.5 ? '[' : '(') + member();
  };
  for (let i = 0; i < 60; i++) {
    const a = sb();
    const b = sb();
    const o = String(Math.floor(rand() * 22) - 2);
    const l = String(Math.floor(rand() * 32) - 2);
    out.push(['ZRANGEBYSCORE', 'g:big', a, b, 'WITHSCORES', 'LIMIT', o, l]);
    out.push(['ZREVRANGEBYSCORE', 'g:big', b, a, 'LIMIT', o, l]);
    out.push(['ZCOUNT', 'g:big', a, b]);
    out.push(['ZRANK', 'g:big', member()], ['ZREVRANK', 'g:big', member()], ['ZSCORE', 'g:big', member()]);
    const s = String(Math.floor(rand() * 700 - 350));
    const e = String(Math.floor(rand() * 700 - 350));
    out.push(['ZRANGE', 'g:big', s, e, 'WITHSCORES'], ['ZRANGE', 'g:big', s, e, 'REV']);
    const la = lb();
    const lbb = lb();
    out.push(['ZRANGEBYLEX', 'g:lex', la, lbb, 'LIMIT', o, l]);
    out.push(['ZREVRANGEBYLEX', 'g:lex', lbb, la, 'LIMIT', o, l]);
    out.push(['ZLEXCOUNT', 'g:lex', la, lbb]);
  }
  for (let i = 0; i < 15; i++) {
    out.push(['ZREMRANGEBYLEX', 'g:lex', lb(), lb()], ['ZCARD', 'g:lex']);
    out.push(['ZREMRANGEBYSCORE', 'g:big', sb(), sb()], ['ZCARD', 'g:big']);
    const s = Math.floor(rand() * 100 - 50);
    out.push(['ZREMRANGEBYRANK', 'g:big', String(s), String(s + Math.floor(rand() * 10))], ['ZCARD', 'g:big']);
  }
  out.push(
    ['ZRANGE', 'g:big', '0', '-1', 'WITHSCORES'],
    ['ZRANGE', 'g:lex', '0', '-1'],
    ['ZUNION', '2', 'g:big', 'g:lex', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
    ['ZUNIONSTORE', 'g:u', '2', 'g:big', 'g:lex'],
    ['OBJECT', 'ENCODING', 'g:u'],
    ['ZINTER', '2', 'g:big', 'g:lex', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZDIFF', '2', 'g:big', 'g:lex', 'WITHSCORES'],
    ['ZINTERCARD', '2', 'g:big', 'g:lex', 'LIMIT', '5'],
    ['ZRANGESTORE', 'g:r', 'g:big', '0', '99'],
    ['OBJECT', 'ENCODING', 'g:r'],
    ['ZRANGESTORE', 'g:r', 'g:big', '0', '199'],
    ['OBJECT', 'ENCODING', 'g:r'],
    ['ZPOPMIN', 'g:big', '3'],
    ['ZPOPMAX', 'g:big', '3'],
    ['ZMPOP', '1', 'g:big', 'MAX', 'COUNT', '2'],
    ['ZRANDMEMBER', 'g:big', '1000', 'WITHSCORES'],
    { cmd: ['ZRANDMEMBER', 'g:big', '5'], mode: 'shape' },
    { cmd: ['ZRANDMEMBER', 'g:big', '200', 'WITHSCORES'], mode: 'shape' },
    { cmd: ['ZRANDMEMBER', 'g:big', '-500'], mode: 'shape' },
  );
  return out;
}

export const encodingsCases: DiffCase[] = [
  ['ZADD', 'e:z', ...Array.from({ length: 128 }, (_, i) => [String(i), `m${i}`]).flat()],
  ['OBJECT', 'ENCODING', 'e:z'],
  ['ZADD', 'e:z', '1', 'm0'],
  ['OBJECT', 'ENCODING', 'e:z'],
  ['ZADD', 'e:z', '128', 'm128'],
  ['OBJECT', 'ENCODING', 'e:z'],
  ['ZREM', 'e:z', 'm128', 'm127'],
  ['OBJECT', 'ENCODING', 'e:z'],
  ['ZRANGE', 'e:z', '100', '110', 'WITHSCORES'],
  ['ZRANK', 'e:z', 'm50'],
  ['ZADD', 'e:v', '1', 'x'.repeat(64)],
  ['OBJECT', 'ENCODING', 'e:v'],
  ['ZADD', 'e:v', '2', 'y'.repeat(65)],
  ['OBJECT', 'ENCODING', 'e:v'],
  ['ZREM', 'e:v', 'y'.repeat(65)],
  ['OBJECT', 'ENCODING', 'e:v'],
  ['ZUNIONSTORE', 'e:u', '1', 'e:v'],
  ['OBJECT', 'ENCODING', 'e:u'],
  ['ZRANGESTORE', 'e:u', 'e:z', '0', '-1'],
  ['OBJECT', 'ENCODING', 'e:u'],
  ['ZRANGESTORE', 'e:u', 'e:z', '0', '127'],
  ['OBJECT', 'ENCODING', 'e:u'],
  ['ZRANGESTORE', 'e:u', 'e:z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '3'],
  ['OBJECT', 'ENCODING', 'e:u'],
  ['ZADD', 'e:dup', ...Array.from({ length: 129 }, () => ['1', 'same']).flat()],
  ['OBJECT', 'ENCODING', 'e:dup'],
  ['ZADD', 'e:neg', '-0', 'a'],
  ['ZSCORE', 'e:neg', 'a'],
  ['ZADD', 'e:big', '-0', 'z'.repeat(70)],
  ['ZSCORE', 'e:big', 'z'.repeat(70)],
  ['OBJECT', 'ENCODING', 'e:big'],
  ['ZINCRBY', 'e:big', '-0', 'z'.repeat(70)],
];

export const edgesCases: DiffCase[] = [
  ['ZADD', 'y:z', '1', 'a', '2', 'b', '3', 'c', 'inf', 'i', '-inf', 'n'],
  ['ZRANGEBYSCORE', 'y:z', '-inf', '+inf', 'LIMIT', '9223372036854775807', '1'],
  ['ZRANGEBYSCORE', 'y:z', '-inf', '+inf', 'LIMIT', '0', '9223372036854775807'],
  ['ZRANGEBYSCORE', 'y:z', '-inf', '+inf', 'LIMIT', '-9223372036854775808', '1'],
  ['ZRANGEBYSCORE', 'y:z', '(inf', '+inf'],
  ['ZRANGEBYSCORE', 'y:z', '-inf', '(-inf'],
  ['ZRANGEBYSCORE', 'y:z', 'inf', 'inf', 'WITHSCORES'],
  ['ZREVRANGEBYLEX', 'y:z', '+', '-', 'LIMIT', '0', '-1'],
  ['ZRANGE', 'y:z', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2'],
  ['ZINTERSTORE', 'y:d', '2', 'y:z', 'y:z', 'WEIGHTS', 'inf', '-inf'],
  ['ZRANGE', 'y:d', '0', '-1', 'WITHSCORES'],
  ['ZUNIONSTORE', 'y:d', '2', 'y:z', 'y:z', 'WEIGHTS', 'inf', '-inf', 'AGGREGATE', 'MIN'],
  ['ZRANGE', 'y:d', '0', '-1', 'WITHSCORES'],
  ['ZUNIONSTORE', 'y:d', '2', 'y:z', 'y:z', 'WEIGHTS', '0', '0'],
  ['ZRANGE', 'y:d', '0', '-1', 'WITHSCORES'],
  ['MULTI'],
  ['ZADD', 'y:q', '1', 'x'],
  ['BZPOPMIN', 'y:q', '0'],
  ['BZMPOP', '0', '1', 'y:q', 'MIN'],
  ['EXEC'],
  ['ZADD', 'y:f', '1.5', 'a', '2.5e-5', 'b', '123456789.123', 'c', '-0.000001', 'd'],
  ['ZRANGE', 'y:f', '0', '-1', 'WITHSCORES'],
  ['ZSCAN', 'y:f', '0'],
  ['ZINCRBY', 'y:f', '0.1', 'a'],
  ['ZINCRBY', 'y:f', '1e-20', 'a'],
  ['ZADD', 'y:f', 'INCR', '1e16', 'c'],
  ['ZSCORE', 'y:f', 'c'],
  ['ZRANDMEMBER', 'y:z', '5', 'WITHSCORES'],
];

export const commandInfoCases: DiffCase[] = [
  ...[
    'zadd',
    'zrem',
    'zscore',
    'zmscore',
    'zincrby',
    'zcard',
    'zcount',
    'zlexcount',
    'zrange',
    'zrangebyscore',
    'zrevrangebyscore',
    'zrangebylex',
    'zrevrangebylex',
    'zrevrange',
    'zrank',
    'zrevrank',
    'zpopmin',
    'zpopmax',
    'bzpopmin',
    'bzpopmax',
    'zmpop',
    'bzmpop',
    'zrangestore',
    'zunionstore',
    'zinterstore',
    'zdiffstore',
    'zunion',
    'zinter',
    'zdiff',
    'zintercard',
    'zremrangebyscore',
    'zremrangebyrank',
    'zremrangebylex',
    'zrandmember',
    'zscan',
  ].map((name): DiffCase => ['COMMAND', 'INFO', name]),
  ['COMMAND', 'GETKEYS', 'zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
  ['COMMAND', 'GETKEYS', 'bzmpop', '0', '2', 'a', 'b', 'MIN'],
  ['COMMAND', 'GETKEYS', 'zmpop', '2', 'a', 'b', 'MIN'],
  ['COMMAND', 'GETKEYS', 'zinter', '2', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'zrangestore', 'd', 's', '0', '1'],
  ['COMMAND', 'GETKEYS', 'bzpopmin', 'a', 'b', '0'],
];
