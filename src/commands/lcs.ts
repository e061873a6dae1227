/**
 * LCS: longest common subsequence of two string values, with LEN, IDX (matched ranges), MINMATCHLEN and
 * WITHMATCHLEN. Uses the classic dynamic-programming table, whose transient size Redis caps at proto-max-bulk-len;
 * the walk back through the table follows the same tie-breaking as Redis so IDX reports identical ranges.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { RedisValue } from '../store/value';

/** Read lookup of any type, counting keyspace hits/misses. */
function readAny(c: Client, key: Bytes): RedisValue | undefined {
  const v = c.db.get(key);
  if (v === undefined) c.srv.stats.keyspaceMisses++;
  else c.srv.stats.keyspaceHits++;
  return v;
}

export function lcs(c: Client): void {
  const argv = c.argv;
  const va = readAny(c, argv[1]);
  const vb = readAny(c, argv[2]);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    return c.error('ERR The specified keys must contain string values');
  }
  let getLen = false;
  let getIdx = false;
  let withLen = false;
  let minLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withLen = true;
    else if (opt === 'minmatchlen' && j + 1 < argv.length) {
      const n = parseLong(argv[++j]);
      if (n === null) return c.notInteger();
      minLen = Math.max(0, n);
    } else return c.syntaxError();
  }
  if (getLen && getIdx) return c.error('ERR If you want both the length and indexes, please just use IDX.');
  const a = (va as Bytes | undefined) ?? '';
  const b = (vb as Bytes | undefined) ?? '';
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.srv.config.num('proto-max-bulk-len')) {
    return c.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  // table[i * (blen + 1) + j] = LCS length of a[0..i) and b[0..j)
  const w = blen + 1;
  const table = new Uint32Array(cells);
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1] + 1;
      else {
        const up = table[prev + j];
        const left = table[row + j - 1];
        table[row + j] = Math.max(up, left);
      }
    }
  }
  const total = table[alen * w + blen];
  if (getLen) return c.out.int(total);
  // Walk back from the end collecting the subsequence and, for IDX, the runs of consecutive matches (last first).
  const chars: number[] = new Array(total);
  const ranges: number[] = []; // flat [aStart, aEnd, bStart, bEnd] groups
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  const emit = (): void => {
    if (aStart >= 0 && (minLen === 0 || aEnd - aStart + 1 >= minLen)) ranges.push(aStart, aEnd, bStart, bEnd);
    aStart = -1;
  };
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[--idx] = a.charCodeAt(i - 1);
      if (aStart < 0) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else {
        aStart--; // the walk only moves diagonally between matches, so the run always extends backwards
        bStart--;
      }
      i--;
      j--;
      if (aStart === 0 || bStart === 0) emit();
    } else {
      if (table[(i - 1) * w + j] > table[i * w + j - 1]) i--;
      else j--;
      emit();
    }
  }
  if (!getIdx) {
    let out = '';
    for (let k = 0; k < total; k += 8192) out += String.fromCharCode.apply(null, chars.slice(k, k + 8192));
    c.out.bulk(out);
    return;
  }
  c.out.mapLen(2);
  c.out.bulk('matches');
  const n = ranges.length / 4;
  c.out.arrayLen(n);
  for (let k = 0; k < ranges.length; k += 4) {
    c.out.arrayLen(withLen ? 3 : 2);
    c.out.arrayLen(2);
    c.out.int(ranges[k]);
    c.out.int(ranges[k + 1]);
    c.out.arrayLen(2);
    c.out.int(ranges[k + 2]);
    c.out.int(ranges[k + 3]);
    if (withLen) c.out.int(ranges[k + 1] - ranges[k] + 1);
  }
  c.out.bulk('len');
  c.out.int(total);
}
