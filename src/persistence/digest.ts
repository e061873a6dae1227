/**
 * DEBUG DIGEST / DEBUG DIGEST-VALUE: a content fingerprint of the dataset that equals real Redis 7.0's for the same
 * data, so a Tandem replica can be checked against a Redis master (and the other way round) with one command.
 *
 * The scheme (as Redis defines it): a 20-byte accumulator per key starts at zero; ordered things are *mixed*
 * (acc = SHA1(acc XOR SHA1(data))), unordered things are *xored* (acc ^= SHA1(data)). Per key: mix the key name, mix
 * the type id (4 bytes big-endian), then the value — a string is mixed; list elements are mixed in order; set
 * members are xored; hash fields and zset members each get their own accumulator (field then value, or member then
 * score printed as %.17g, both mixed) whose SHA1 is xored in; a TTL xors the constant "!!expire!!" (its value does
 * not count). The SHA1 of each key's accumulator is xored into the result; before each non-empty database its index (4 bytes
 * big-endian) is mixed into the result, so the same data in another db gives another digest.
 *
 * SHA-1 is implemented here on latin1 strings directly: the digest hashes several short inputs per key, and going
 * through node:crypto would cost a Buffer and a native call for each.
 */
import type { Bytes } from '../protocol/bytes';
import { formatDouble } from '../protocol/numbers';
import type { Db } from '../store/db';
import type { RedisValue } from '../store/value';

// ---- SHA-1 -----------------------------------------------------------------------------------------------------

const W = new Int32Array(80);
let scratch = new Uint8Array(256);
const H = new Int32Array(5);

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** Processes the 64-byte block at `p` of `m` into H. */
function block(m: Uint8Array, p: number): void {
  for (let i = 0; i < 16; i++, p += 4) W[i] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
  for (let i = 16; i < 80; i++) W[i] = rotl(W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16], 1);
  let a = H[0];
  let b = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const t = (rotl(a, 5) + f + e + k + W[i]) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
}

/** SHA-1 of `m[0, len)` (m must have room for the padding: len + 72 bytes), written to `out`. */
function sha1Into(m: Uint8Array, len: number, out: Uint8Array): void {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  const full = len - (len % 64);
  for (let p = 0; p < full; p += 64) block(m, p);
  // Padding: 0x80, zeros, then the bit length (64-bit big-endian) so the total is a multiple of 64.
  const rest = len - full;
  const padLen = rest < 56 ? 64 : 128;
  m.fill(0, len, full + padLen);
  m[len] = 0x80;
  const bits = len * 8;
  const end = full + padLen;
  m[end - 1] = bits & 0xff;
  m[end - 2] = (bits >>> 8) & 0xff;
  m[end - 3] = (bits >>> 16) & 0xff;
  m[end - 4] = (bits >>> 24) & 0xff;
  const hi = Math.floor(bits / 4294967296);
  m[end - 5] = hi & 0xff;
  m[end - 6] = (hi >>> 8) & 0xff;
  m[end - 7] = (hi >>> 16) & 0xff;
  m[end - 8] = (hi >>> 24) & 0xff;
  for (let p = full; p < end; p += 64) block(m, p);
  for (let i = 0; i < 5; i++) {
    const h = H[i];
    out[4 * i] = h >>> 24;
    out[4 * i + 1] = (h >>> 16) & 0xff;
    out[4 * i + 2] = (h >>> 8) & 0xff;
    out[4 * i + 3] = h & 0xff;
  }
}

function room(n: number): Uint8Array {
  if (scratch.length < n + 72) scratch = new Uint8Array(Math.max(n + 72, scratch.length * 2));
  return scratch;
}

/** SHA-1 of a binary string (one byte per char). */
export function sha1(s: Bytes, out: Uint8Array = new Uint8Array(20)): Uint8Array {
  const m = room(s.length);
  for (let i = 0; i < s.length; i++) m[i] = s.charCodeAt(i);
  sha1Into(m, s.length, out);
  return out;
}

function sha1OfBytes(b: Uint8Array, out: Uint8Array): void {
  const m = room(b.length);
  m.set(b);
  sha1Into(m, b.length, out);
}

// ---- xor / mix ---------------------------------------------------------------------------------------------------

const tmp = new Uint8Array(20);

/** acc ^= SHA1(data) */
export function xorDigest(acc: Uint8Array, data: Bytes): void {
  sha1(data, tmp);
  for (let i = 0; i < 20; i++) acc[i] ^= tmp[i];
}

/** acc = SHA1(acc ^ SHA1(data)): order-sensitive accumulation. */
export function mixDigest(acc: Uint8Array, data: Bytes): void {
  xorDigest(acc, data);
  sha1OfBytes(acc, acc);
}

/** acc ^= SHA1(other): how element and key accumulators are folded into their container's. */
function xorDigestOf(acc: Uint8Array, other: Uint8Array): void {
  sha1OfBytes(other, tmp);
  for (let i = 0; i < 20; i++) acc[i] ^= tmp[i];
}

function be32(n: number): Bytes {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

const TYPE_ID: Record<string, number> = { list: 1, set: 2, zset: 3, hash: 4 };
const EXPIRE_MARK = '!!expire!!';

const elem = new Uint8Array(20);

/** Mixes one value (type id, contents, TTL mark) into `acc`, as Redis does for a key's accumulator. */
export function mixValue(acc: Uint8Array, v: RedisValue, hasExpire: boolean): void {
  if (typeof v === 'string') {
    mixDigest(acc, be32(0));
    mixDigest(acc, v);
  } else {
    mixDigest(acc, be32(TYPE_ID[v.type]));
    switch (v.type) {
      case 'list':
        for (const chunk of v.chunks()) for (const item of chunk) mixDigest(acc, item);
        break;
      case 'set':
        for (const m of v) xorDigest(acc, m);
        break;
      case 'hash':
        for (const [f, val] of v.entries()) {
          elem.fill(0);
          mixDigest(elem, f);
          mixDigest(elem, val);
          xorDigestOf(acc, elem);
        }
        break;
      case 'zset':
        for (const [m, score] of v.entries()) {
          elem.fill(0);
          mixDigest(elem, m);
          mixDigest(elem, formatDouble(score));
          xorDigestOf(acc, elem);
        }
        break;
    }
  }
  if (hasExpire) xorDigest(acc, EXPIRE_MARK);
}

export function toHex(d: Uint8Array): string {
  let s = '';
  for (let i = 0; i < d.length; i++) s += (d[i] < 16 ? '0' : '') + d[i].toString(16);
  return s;
}

/** DEBUG DIGEST-VALUE for one key: 40 zeros when the key is not stored (expired keys still count, as in Redis). */
export function keyValueDigest(db: Db, key: Bytes): string {
  const acc = new Uint8Array(20);
  const v = db.peek(key);
  if (v !== undefined) mixValue(acc, v, db.getExpire(key) !== -1);
  return toHex(acc);
}

/** DEBUG DIGEST: the whole dataset (every stored key, logically expired or not); 40 zeros when empty. */
export function datasetDigest(dbs: readonly Db[]): string {
  const final = new Uint8Array(20);
  const acc = new Uint8Array(20);
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixDigest(final, be32(db.id));
    for (const [key, v] of db.entries()) {
      acc.fill(0);
      mixDigest(acc, key);
      mixValue(acc, v, db.getExpire(key) !== -1);
      xorDigestOf(final, acc);
    }
  }
  return toHex(final);
}
