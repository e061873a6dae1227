/**
 * Hash commands replayed on Tandem and real Redis 7.0. Small (listpack) hashes must match byte for byte, including
 * iteration order; hashtable replies are compared as multisets; random replies by shape. Each group uses its own
 * keys so groups stay independent even without FLUSHALL.
 */
import { type DiffCase, differential } from '../helpers/differential';

/** "CMD a b" -> ['CMD', 'a', 'b'] */
const w = (s: string): string[] => s.split(' ');
const all = (lines: string): DiffCase[] =>
  lines
    .trim()
    .split('\n')
    .map((l) => w(l.trim()));
const unordered = (s: string): DiffCase => ({ cmd: w(s), mode: 'unordered' });
const pairs = (s: string): DiffCase => ({ cmd: w(s), mode: 'pairs' });
const shape = (s: string): DiffCase => ({ cmd: w(s), mode: 'shape' });

/** HSET key f0 v0 ... f(n-1) v(n-1) */
function hsetMany(key: string, n: number, from = 0): string[] {
  const argv = ['HSET', key];
  for (let i = from; i < from + n; i++) argv.push(`field:${i}`, `value:${i}`);
  return argv;
}

const WRONGTYPE_KEY = 'wt:set';

differential('hashes', {
  basics: all(`
    HSET b:h a 1 b 2 c 3
    HGETALL b:h
    HKEYS b:h
    HVALS b:h
    HLEN b:h
    HGET b:h a
    HGET b:h zz
    HGET b:nokey a
    HMGET b:h a zz c
    HMGET b:nokey a b
    HEXISTS b:h a
    HEXISTS b:h zz
    HEXISTS b:nokey a
    HSTRLEN b:h a
    HSTRLEN b:h zz
    HSTRLEN b:nokey a
    HDEL b:h b
    HSET b:h b 4
    HGETALL b:h
    HSET b:h a 9
    HGETALL b:h
    HSET b:h a 9 d 5 a 10
    HGETALL b:h
    HMSET b:h e 6 f 7
    HGETALL b:h
    HSETNX b:h e 60
    HSETNX b:h g 8
    HGET b:h g
    HDEL b:h zz
    HDEL b:h a a a
    HDEL b:h c d e f g zz
    HGETALL b:h
    HDEL b:h b
    HGETALL b:h
    HLEN b:h
    HDEL b:h b
    HGETALL b:nokey
    HKEYS b:nokey
    HVALS b:nokey
    HLEN b:nokey
    HDEL b:nokey a
    HSETNX b:n2 a 1
    HGETALL b:n2
    HSET b:e "" ""
    HGET b:e ""
    HSTRLEN b:e ""
  `),
  arity: all(`
    HSET
    HSET k
    HSET k f
    HSET k f v g
    HMSET k f
    HMSET k f v g
    HSETNX k f
    HSETNX k f v x
    HGET k
    HGET k f g
    HMGET k
    HDEL k
    HLEN
    HLEN k x
    HEXISTS k
    HGETALL
    HGETALL k x
    HKEYS
    HVALS k x
    HINCRBY k f
    HINCRBY k f 1 2
    HINCRBYFLOAT k f
    HSTRLEN k
    HSCAN k
    HRANDFIELD
  `),
  wrongtype: [
    ['SADD', WRONGTYPE_KEY, 'x'],
    ...all(`
      HSET wt:set a 1
      HMSET wt:set a 1
      HSETNX wt:set a 1
      HGET wt:set a
      HMGET wt:set a b
      HDEL wt:set a
      HLEN wt:set
      HEXISTS wt:set a
      HGETALL wt:set
      HKEYS wt:set
      HVALS wt:set
      HINCRBY wt:set a 1
      HINCRBYFLOAT wt:set a 1
      HSTRLEN wt:set a
      HSCAN wt:set 0
      HSCAN wt:set 0 badopt
      HRANDFIELD wt:set
      HRANDFIELD wt:set 0
      HRANDFIELD wt:set -3 WITHVALUES
      HINCRBY wt:set a x
      HINCRBYFLOAT wt:set a x
      HINCRBYFLOAT wt:set a inf
      HRANDFIELD wt:set x
      HSCAN wt:set x
      HSET wt:set a
    `),
    ['SMEMBERS', WRONGTYPE_KEY],
  ],
  hincrby: all(`
    HINCRBY i:h a 1
    HINCRBY i:h a -11
    HINCRBY i:h a 0
    HGET i:h a
    HINCRBY i:h a x
    HINCRBY i:h a 1.5
    HINCRBY i:h a 9223372036854775808
    HINCRBY i:h a +1
    HINCRBY i:h a 01
    HINCRBY i:h big 9223372036854775807
    HINCRBY i:h big 1
    HINCRBY i:h big -1
    HINCRBY i:h small -9223372036854775808
    HINCRBY i:h small -1
    HINCRBY i:h small 9223372036854775807
    HINCRBY i:h small 1
    HSET i:h s abc n1 1.0 n2 01 n3 -0 n4 +5 n5 1e2
    HINCRBY i:h s 1
    HINCRBY i:h n1 1
    HINCRBY i:h n2 1
    HINCRBY i:h n3 1
    HINCRBY i:h n4 1
    HINCRBY i:h n5 1
    HGETALL i:h
    HINCRBY i:new f 5
    HGETALL i:new
    HINCRBY i:bad f x
    HGETALL i:bad
  `),
  hincrbyfloat: [
    ...all(`
      HINCRBYFLOAT f:h a 0.1
      HINCRBYFLOAT f:h a 0.2
      HINCRBYFLOAT f:h a -0.3
      HINCRBYFLOAT f:h b 10.50
      HINCRBYFLOAT f:h c 5.0e3
      HINCRBYFLOAT f:h d -0
      HINCRBYFLOAT f:h e 1e308
      HINCRBYFLOAT f:h e 1e308
      HINCRBYFLOAT f:h g 3
      HINCRBYFLOAT f:h g 1.5
      HINCRBYFLOAT f:h h 0x10
      HINCRBYFLOAT f:h i .5
      HINCRBYFLOAT f:h j 1.
      HINCRBYFLOAT f:h k 1e-5
      HINCRBYFLOAT f:h l 123456789.123456789
      HINCRBYFLOAT f:h a abc
      HINCRBYFLOAT f:h a inf
      HINCRBYFLOAT f:h a -inf
      HINCRBYFLOAT f:h a nan
      HINCRBYFLOAT f:h a 1e400x
      HINCRBYFLOAT f:h a 1,5
      HSET f:h s abc n 1e400 inf inf sp 12
      HINCRBYFLOAT f:h s 1
      HINCRBYFLOAT f:h n 1
      HINCRBYFLOAT f:h inf 1
      HINCRBYFLOAT f:bad a x
      HGETALL f:bad
      OBJECT ENCODING f:h
    `),
    // the 309-byte sum above made it a hashtable
    pairs('HGETALL f:h'),
    ['HSET', 'f:h', 'sp1', ' 12', 'sp2', '12 ', 'nl', '1\n'],
    ['HINCRBYFLOAT', 'f:h', 'sp1', '1'],
    ['HINCRBYFLOAT', 'f:h', 'sp2', '1'],
    ['HINCRBYFLOAT', 'f:h', 'nl', '1'],
    ['HINCRBYFLOAT', 'f:h', 'a', ' 1'],
  ],
  binary: [
    ['HSET', 'bin:h', Buffer.from([0, 1, 255]), Buffer.from([13, 10]), 'é', '\u00e9\u0000'],
    ['HSET', 'bin:h', Buffer.from([0]), Buffer.from([])],
    ['HGETALL', 'bin:h'],
    ['HGET', 'bin:h', Buffer.from([0, 1, 255])],
    ['HGET', 'bin:h', Buffer.from([0, 1])],
    ['HMGET', 'bin:h', Buffer.from([0]), 'é'],
    ['HSTRLEN', 'bin:h', 'é'],
    ['HEXISTS', 'bin:h', Buffer.from([0])],
    ['HDEL', 'bin:h', Buffer.from([0])],
    ['HKEYS', 'bin:h'],
    ['HSET', Buffer.from([255, 0]), 'f', 'v'],
    ['HGETALL', Buffer.from([255, 0])],
  ],
  encodings: [
    ['HSET', 'enc:a', 'f', 'x'.repeat(64)],
    ['OBJECT', 'ENCODING', 'enc:a'],
    ['HSET', 'enc:a', 'y'.repeat(64), 'v'],
    ['OBJECT', 'ENCODING', 'enc:a'],
    ['HSET', 'enc:a', 'f', 'x'.repeat(65)],
    ['OBJECT', 'ENCODING', 'enc:a'],
    pairs('HGETALL enc:a'),
    // a long argument converts even if it belongs to a later pair
    ['HSET', 'enc:b', 'a', '1', 'b', 'z'.repeat(65)],
    ['OBJECT', 'ENCODING', 'enc:b'],
    // ... and even when HSETNX does not set anything
    ['HSET', 'enc:c', 'a', '1'],
    ['HSETNX', 'enc:c', 'a', 'z'.repeat(65)],
    ['OBJECT', 'ENCODING', 'enc:c'],
    ['HSETNX', 'enc:c', 'b', 'z'.repeat(65)],
    ['OBJECT', 'ENCODING', 'enc:c'],
    ['HSET', 'enc:d', 'a', '1'],
    ['HINCRBY', 'enc:d', 'f'.repeat(65), '1'],
    ['OBJECT', 'ENCODING', 'enc:d'],
    ['HSET', 'enc:e', 'a', '1'],
    ['HINCRBYFLOAT', 'enc:e', 'f'.repeat(65), '1.5'],
    ['OBJECT', 'ENCODING', 'enc:e'],
    ['HSET', 'enc:f', 'a', '1'],
    ['HEXISTS', 'enc:f', 'f'.repeat(65)],
    ['HDEL', 'enc:f', 'f'.repeat(65)],
    ['OBJECT', 'ENCODING', 'enc:f'],
    // Redis 7.0's built-in default is 512 entries (redis.conf samples say 128)
    hsetMany('enc:g', 512),
    ['OBJECT', 'ENCODING', 'enc:g'],
    ['HLEN', 'enc:g'],
    ['HGETALL', 'enc:g'],
    ['HSET', 'enc:g', 'field:0', 'again'],
    ['OBJECT', 'ENCODING', 'enc:g'],
    ['HSET', 'enc:g', 'one-more', 'x'],
    ['OBJECT', 'ENCODING', 'enc:g'],
    ['HLEN', 'enc:g'],
    pairs('HGETALL enc:g'),
    unordered('HKEYS enc:g'),
    unordered('HVALS enc:g'),
    ['HGET', 'enc:g', 'field:0'],
    ['HMGET', 'enc:g', 'field:1', 'nope', 'one-more'],
    ['HDEL', 'enc:g', 'one-more', 'field:0'],
    ['OBJECT', 'ENCODING', 'enc:g'],
    ['HLEN', 'enc:g'],
    hsetMany('enc:h', 513),
    ['OBJECT', 'ENCODING', 'enc:h'],
    hsetMany('enc:i', 700, 0),
    ['HLEN', 'enc:i'],
    ['HINCRBY', 'enc:i', 'field:7', '1'],
    ['HINCRBY', 'enc:i', 'counter', '7'],
    ['HINCRBYFLOAT', 'enc:i', 'counter', '0.5'],
    ['HSTRLEN', 'enc:i', 'field:650'],
    pairs('HGETALL enc:i'),
  ],
  hrandfield: [
    ...all(`
      HSET r:h a 1 b 2 c 3 d 4 e 5
      HRANDFIELD r:nokey
      HRANDFIELD r:nokey 5
      HRANDFIELD r:nokey -5 WITHVALUES
      HRANDFIELD r:nokey 0
      HRANDFIELD r:h 0
      HRANDFIELD r:h 0 WITHVALUES
      HRANDFIELD r:h 5
      HRANDFIELD r:h 6 WITHVALUES
      HRANDFIELD r:h 100
      HRANDFIELD r:h 9223372036854775807
      HRANDFIELD r:h 4611686018427387903 WITHVALUES
      HRANDFIELD r:h 4611686018427387904 WITHVALUES
      HRANDFIELD r:h -4611686018427387904 WITHVALUES
      HRANDFIELD r:h -9223372036854775808
      HRANDFIELD r:h 9223372036854775808
      HRANDFIELD r:h x
      HRANDFIELD r:h 1.5
      HRANDFIELD r:h 1 WITHVALUE
      HRANDFIELD r:h 1 WITHVALUES x
      HRANDFIELD r:h x WITHVALUES
      HRANDFIELD r:nokey x
      HRANDFIELD r:nokey 1 foo
    `),
    shape('HRANDFIELD r:h'),
    shape('HRANDFIELD r:h 1'),
    shape('HRANDFIELD r:h 1 withvalues'),
    shape('HRANDFIELD r:h 3'),
    shape('HRANDFIELD r:h 3 WITHVALUES'),
    shape('HRANDFIELD r:h 4 WITHVALUES'),
    shape('HRANDFIELD r:h -3'),
    shape('HRANDFIELD r:h -10 WITHVALUES'),
    shape('HRANDFIELD r:h -1'),
    hsetMany('r:mid', 300),
    shape('HRANDFIELD r:mid 250 WITHVALUES'),
    ['HRANDFIELD', 'r:mid', '300', 'WITHVALUES'],
    hsetMany('r:big', 700),
    shape('HRANDFIELD r:big'),
    shape('HRANDFIELD r:big 10'),
    shape('HRANDFIELD r:big 650 WITHVALUES'),
    shape('HRANDFIELD r:big -20 WITHVALUES'),
    pairs('HRANDFIELD r:big 700 WITHVALUES'),
    unordered('HRANDFIELD r:big 1000'),
  ],
  hscan: [
    ...all(`
      HSET s:h a 1 bb 2 ab 3 c 4
      HSCAN s:h 0
      HSCAN s:h 0 COUNT 1
      HSCAN s:h 123 COUNT 1
      HSCAN s:h 0 MATCH a*
      HSCAN s:h 0 MATCH *b COUNT 100
      HSCAN s:h 0 match zz*
      HSCAN s:h 0 MATCH *
      HSCAN s:h 0 COUNT 0
      HSCAN s:h 0 COUNT -1
      HSCAN s:h 0 COUNT x
      HSCAN s:h 0 COUNT
      HSCAN s:h 0 TYPE string
      HSCAN s:h 0 NOVALUES
      HSCAN s:h x
      HSCAN s:h -1
      HSCAN s:h 18446744073709551615
      HSCAN s:h 18446744073709551616
      HSCAN s:h 00
      HSCAN s:h +5
      HSCAN s:h 0x1
      HSCAN s:h -
      HSCAN s:nokey 0
      HSCAN s:nokey 0 COUNT 0
      HSCAN s:nokey 0 badopt
      HSCAN s:nokey x
    `),
    ['HSCAN', 's:h', ''],
    ['HSCAN', 's:h', ' 1'],
    ['HSCAN', 's:h', '1 '],
  ],
});

differential(
  'hashes (RESP3)',
  {
    resp3: [
      ...all(`
        HSET r3:h a 1 b 2
        HGETALL r3:h
        HGETALL r3:nokey
        HKEYS r3:h
        HVALS r3:nokey
        HGET r3:h zz
        HGET r3:nokey a
        HMGET r3:h a zz
        HMGET r3:nokey a
        HRANDFIELD r3:nokey
        HRANDFIELD r3:nokey 3
        HRANDFIELD r3:h 5
        HRANDFIELD r3:h 5 WITHVALUES
        HRANDFIELD r3:h 0 WITHVALUES
        HSCAN r3:h 0
        HSCAN r3:nokey 0
        HINCRBYFLOAT r3:h a 1.5
        HINCRBY r3:h b 1
        HLEN r3:h
      `),
      shape('HRANDFIELD r3:h'),
      shape('HRANDFIELD r3:h 1 WITHVALUES'),
      shape('HRANDFIELD r3:h -5 WITHVALUES'),
      shape('HRANDFIELD r3:h -5'),
      hsetMany('r3:big', 600),
      { cmd: w('HGETALL r3:big'), mode: 'unordered' },
      shape('HRANDFIELD r3:big 20 WITHVALUES'),
    ],
  },
  { resp3: true },
);

differential(
  'hashes (small listpack limits)',
  {
    limits: all(`
      HSET l:a a 1 b 2 c 3 d 4
      OBJECT ENCODING l:a
      HGETALL l:a
      HSET l:a e 5
      OBJECT ENCODING l:a
      HDEL l:a e d c b
      OBJECT ENCODING l:a
      HGETALL l:a
      HSET l:b a 12345678
      OBJECT ENCODING l:b
      HSET l:b a 123456789
      OBJECT ENCODING l:b
      HSET l:c a 1
      HINCRBY l:c a 123456789
      OBJECT ENCODING l:c
      HSET l:d a 1
      HINCRBYFLOAT l:d a 0.123456789
      OBJECT ENCODING l:d
      HSET l:e a 1 b 2 c 3 d 4 e 5 f 6
      OBJECT ENCODING l:e
      HSETNX l:f abcdefghi 1
      OBJECT ENCODING l:f
      HSET l:g abcdefgh 12345678
      OBJECT ENCODING l:g
      HGETALL l:g
    `),
  },
  { args: ['--hash-max-listpack-entries', '4', '--hash-max-listpack-value', '8'] },
);
