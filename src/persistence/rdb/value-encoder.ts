/**
 * Chooses and writes the on-disk encoding of a value the way Redis 7.0 stores the same data:
 * - strings: int forms / LZF / raw (writer.string);
 * - lists: quicklist-2 of listpack nodes split by list-max-listpack-size exactly as RPUSH fills them, PLAIN nodes for
 *   elements over the packed threshold, interior nodes LZF-compressed when list-compress-depth > 0;
 * - sets: intset when every member is a canonical int64 and the count fits set-max-intset-entries, else hashtable;
 * - hashes/zsets: listpack within the *-max-listpack-* limits, else hashtable / skiplist (zset written highest first).
 * A value's `encoding` hint (the server's current encoding, which is sticky in Redis) overrides the thresholds.
 */
import type { Bytes } from '../../protocol/bytes';
import { formatDouble } from '../../protocol/numbers';
import { encodeIntset } from './intset';
import { ListpackWriter, listpackEntrySize } from './listpack';
import { T, type RdbHash, type RdbValue, type RdbZset } from './types';
import type { RdbWriter } from './writer';

export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  /** list-max-listpack-size: negative = node byte limit 4/8/16/32/64 KiB, positive = max entries per node */
  listMaxListpackSize: number;
  listCompressDepth: number;
  /** elements of at least this many bytes get their own PLAIN node */
  listPackedThreshold: number;
}

export const DEFAULT_LIMITS: Readonly<EncodingLimits> = Object.freeze({
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  listMaxListpackSize: -2,
  listCompressDepth: 0,
  listPackedThreshold: 1 << 30,
});

const NODE_SIZE_LIMITS = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** Redis' per-entry overhead estimate when deciding whether one more element fits a node */
const ENTRY_OVERHEAD_ESTIMATE = 8;
/** lpBytes of an empty listpack (header + terminator) */
const EMPTY_LISTPACK = 7;
/** the range in which Redis stores an integral score as a listpack integer (double2ll) */
const SCORE_INT_LIMIT = 2 ** 62;

export class ValueEncoder {
  readonly limits: EncodingLimits;
  private readonly lp = new ListpackWriter();
  private intset: Buffer | null = null;
  private nodeEnds: number[] = [];

  constructor(opts: Partial<EncodingLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS };
    for (const k of Object.keys(DEFAULT_LIMITS) as (keyof EncodingLimits)[]) {
      const v = opts[k];
      if (v !== undefined) this.limits[k] = v;
    }
  }

  /** Decides the RDB type of `v`, preparing its blob when it is a compact encoding. */
  plan(v: RdbValue): number {
    if (typeof v === 'string') return T.String;
    switch (v.type) {
      case 'list':
        return T.ListQuicklist2;
      case 'set': {
        const n = v.members.length;
        if (n > 0 && v.encoding !== 'hashtable' && (v.encoding === 'intset' || n <= this.limits.setMaxIntsetEntries)) {
          this.intset = encodeIntset(v.members);
          if (this.intset) return T.SetIntset;
        }
        return T.Set;
      }
      case 'hash':
        if (this.hashIsListpack(v)) {
          const lp = this.lp;
          lp.reset();
          for (const [f, val] of v.entries) {
            lp.append(f);
            lp.append(val);
          }
          lp.finish();
          return T.HashListpack;
        }
        return T.Hash;
      case 'zset':
        if (this.zsetIsListpack(v)) {
          const lp = this.lp;
          lp.reset();
          const sorted = sortedAscending(v.entries);
          for (const [m, score] of sorted) {
            lp.append(m);
            appendScore(lp, score);
          }
          lp.finish();
          return T.ZsetListpack;
        }
        return T.Zset2;
      case 'raw':
        return v.rdbType;
    }
  }

  /** Writes the body of `v` in the encoding `plan()` returned. */
  write(w: RdbWriter, v: RdbValue, t: number): void {
    if (typeof v === 'string') {
      w.string(v);
      return;
    }
    switch (t) {
      case T.SetIntset: {
        const b = this.intset!;
        this.intset = null;
        w.blob(b, 0, b.length);
        return;
      }
      case T.HashListpack:
      case T.ZsetListpack:
        w.blob(this.lp.buf, 0, this.lp.size);
        return;
      case T.Set: {
        const m = (v as { members: Bytes[] }).members;
        w.len(m.length);
        for (let i = 0; i < m.length; i++) w.string(m[i]);
        return;
      }
      case T.Hash: {
        const e = (v as RdbHash).entries;
        w.len(e.length);
        for (let i = 0; i < e.length; i++) {
          w.string(e[i][0]);
          w.string(e[i][1]);
        }
        return;
      }
      case T.Zset2: {
        // Highest first, as Redis walks its skiplist backwards: loading then always inserts at the head.
        const e = sortedAscending((v as RdbZset).entries);
        w.len(e.length);
        for (let i = e.length - 1; i >= 0; i--) {
          w.string(e[i][0]);
          w.doubleLE(e[i][1]);
        }
        return;
      }
      case T.ListQuicklist2:
        this.writeQuicklist(w, (v as { items: Bytes[] }).items);
        return;
      default:
        w.verbatim((v as { payload: Bytes }).payload);
    }
  }

  private hashIsListpack(v: RdbHash): boolean {
    if (v.encoding !== undefined) return v.encoding === 'listpack';
    const e = v.entries;
    if (e.length > this.limits.hashMaxListpackEntries) return false;
    const max = this.limits.hashMaxListpackValue;
    for (let i = 0; i < e.length; i++) if (e[i][0].length > max || e[i][1].length > max) return false;
    return true;
  }

  private zsetIsListpack(v: RdbZset): boolean {
    if (v.encoding !== undefined) return v.encoding === 'listpack';
    const e = v.entries;
    if (e.length > this.limits.zsetMaxListpackEntries) return false;
    const max = this.limits.zsetMaxListpackValue;
    for (let i = 0; i < e.length; i++) if (e[i][0].length > max) return false;
    return true;
  }

  /**
   * Node layout first (to write the node count), then each node. Only node end indices are kept (negative for a
   * PLAIN node), so a long list is never materialised as listpacks all at once.
   */
  private writeQuicklist(w: RdbWriter, items: Bytes[]): void {
    const { listMaxListpackSize: fill, listPackedThreshold: packed, listCompressDepth: depth } = this.limits;
    const ends = this.nodeEnds;
    ends.length = 0;
    let nodeSize = 0; // lpBytes of the node being filled; 0 = none
    let count = 0;
    for (let i = 0; i < items.length; i++) {
      const sz = items[i].length;
      if (sz >= packed) {
        if (nodeSize) ends.push(i);
        ends.push(-(i + 1));
        nodeSize = 0;
        continue;
      }
      if (nodeSize && nodeAccepts(nodeSize, count, sz, fill)) {
        nodeSize += listpackEntrySize(items[i]);
        count++;
      } else {
        if (nodeSize) ends.push(i);
        nodeSize = EMPTY_LISTPACK + listpackEntrySize(items[i]);
        count = 1;
      }
    }
    if (nodeSize) ends.push(items.length);

    const nodes = ends.length;
    w.len(nodes);
    let start = 0;
    for (let n = 0; n < nodes; n++) {
      const compress = depth > 0 && n >= depth && n < nodes - depth;
      const end = ends[n];
      if (end < 0) {
        const item = items[-end - 1];
        start = -end;
        w.len(1); // PLAIN container
        if (compress) {
          const b = Buffer.from(item, 'latin1');
          if (w.compressedNode(b, b.length)) continue;
        }
        w.string(item);
        continue;
      }
      const lp = this.lp;
      lp.reset();
      for (let i = start; i < end; i++) lp.append(items[i]);
      const size = lp.finish();
      start = end;
      w.len(2); // PACKED container
      if (compress && w.compressedNode(lp.buf, size)) continue;
      w.blob(lp.buf, 0, size);
    }
  }
}

/** Whether one more element of `sz` bytes may join a node (Redis 7.0 quicklist insert rule). */
function nodeAccepts(nodeSize: number, count: number, sz: number, fill: number): boolean {
  const estimate = nodeSize + sz + ENTRY_OVERHEAD_ESTIMATE;
  if (fill < 0) {
    const level = -fill - 1;
    return level < NODE_SIZE_LIMITS.length && estimate <= NODE_SIZE_LIMITS[level];
  }
  return estimate <= SIZE_SAFETY_LIMIT && count < fill;
}

/** Zset order: score, then member bytes. Returns the input itself when already ordered. */
function sortedAscending(entries: [Bytes, number][]): [Bytes, number][] {
  let ordered = true;
  for (let i = 1; i < entries.length; i++) {
    if (cmpScored(entries[i - 1], entries[i]) > 0) {
      ordered = false;
      break;
    }
  }
  return ordered ? entries : entries.slice().sort(cmpScored);
}

function cmpScored(a: [Bytes, number], b: [Bytes, number]): number {
  if (a[1] < b[1]) return -1;
  if (a[1] > b[1]) return 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Integral scores within +-2^62 are stored as integers; others as their %.17g text. */
function appendScore(lp: ListpackWriter, score: number): void {
  if (Number.isInteger(score) && score >= -SCORE_INT_LIMIT && score <= SCORE_INT_LIMIT) {
    lp.appendInt(Number.isSafeInteger(score) ? score + 0 : BigInt(score));
  } else {
    lp.append(formatDouble(score));
  }
}
