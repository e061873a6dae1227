/**
 * Neutral in-memory form of RDB contents, shared by the decoder and the encoder. It deliberately does not use the
 * server's value classes: the loader converts these records into keyspace values, and the snapshot code converts
 * keyspace values into them, so the codec stays pure and testable on bytes alone.
 */
import type { Bytes } from '../../protocol/bytes';

/** Highest RDB format version Redis 7.0 writes and reads. */
export const RDB_VERSION = 10;

/** Opcodes (first byte of a top-level record that is not a value type). */
export enum Op {
  Function2 = 0xf5,
  FunctionPreGA = 0xf6,
  ModuleAux = 0xf7,
  Idle = 0xf8,
  Freq = 0xf9,
  Aux = 0xfa,
  ResizeDb = 0xfb,
  ExpireMs = 0xfc,
  ExpireSec = 0xfd,
  SelectDb = 0xfe,
  Eof = 0xff,
}

/** Value type ids (the byte before each key). */
export enum T {
  String = 0,
  List = 1,
  Set = 2,
  Zset = 3,
  Hash = 4,
  Zset2 = 5,
  Module = 6,
  Module2 = 7,
  HashZipmap = 9,
  ListZiplist = 10,
  SetIntset = 11,
  ZsetZiplist = 12,
  HashZiplist = 13,
  ListQuicklist = 14,
  StreamListpacks = 15,
  HashListpack = 16,
  ZsetListpack = 17,
  ListQuicklist2 = 18,
  StreamListpacks2 = 19,
  SetListpack = 20,
}

export interface RdbList {
  readonly type: 'list';
  items: Bytes[];
}
export interface RdbSet {
  readonly type: 'set';
  members: Bytes[];
  /** Encoder hint (the server's current encoding). Absent: chosen from the thresholds like a fresh Redis value. */
  encoding?: 'intset' | 'hashtable';
}
export interface RdbZset {
  readonly type: 'zset';
  /** [member, score]; any order (the encoder sorts as Redis stores them). */
  entries: [Bytes, number][];
  encoding?: 'listpack' | 'skiplist';
}
export interface RdbHash {
  readonly type: 'hash';
  /** [field, value] in the order to store them (listpack keeps insertion order). */
  entries: [Bytes, Bytes][];
  encoding?: 'listpack' | 'hashtable';
}
/**
 * A value type Tandem does not model (stream, module), kept as the exact bytes that follow the key so it can be
 * written back verbatim. Only produced when the decoder runs with `unsupported: 'raw'`.
 */
export interface RdbRaw {
  readonly type: 'raw';
  rdbType: number;
  payload: Bytes;
}

/** A string value is the bare binary string (no wrapper object: strings are the bulk of most datasets). */
export type RdbValue = Bytes | RdbList | RdbSet | RdbZset | RdbHash | RdbRaw;

export interface RdbEntry {
  db: number;
  key: Bytes;
  value: RdbValue;
  /** absolute unix time in ms, or -1 */
  expireMs: number;
  /** LRU idle seconds (IDLE opcode), or -1 */
  idle: number;
  /** LFU counter 0..255 (FREQ opcode), or -1 */
  freq: number;
  /** RDB type byte the value was stored with (informational: shows the on-disk encoding) */
  rdbType: number;
}

/** Replication fields of the AUX section. */
export interface RdbReplInfo {
  streamDb: number;
  replId: string;
  offset: number;
}

/**
 * Thrown for corrupt, truncated or unsupported input (decoder) and invalid arguments (encoder). `offset` is the
 * absolute byte offset in the RDB stream where the problem was found (-1 when not tied to a position).
 */
export class RdbError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(offset >= 0 ? `RDB error at offset ${offset}: ${reason}` : `RDB error: ${reason}`);
    this.name = 'RdbError';
  }
}

/** Human-readable name of a value type id, for error messages. */
export function rdbTypeName(t: number): string {
  switch (t) {
    case T.String:
      return 'string';
    case T.List:
    case T.ListZiplist:
    case T.ListQuicklist:
    case T.ListQuicklist2:
      return 'list';
    case T.Set:
    case T.SetIntset:
    case T.SetListpack:
      return 'set';
    case T.Zset:
    case T.Zset2:
    case T.ZsetZiplist:
    case T.ZsetListpack:
      return 'zset';
    case T.Hash:
    case T.HashZipmap:
    case T.HashZiplist:
    case T.HashListpack:
      return 'hash';
    case T.Module:
    case T.Module2:
      return 'module';
    case T.StreamListpacks:
    case T.StreamListpacks2:
      return 'stream';
    default:
      return 'unknown';
  }
}

/** Printable rendering of a binary key for messages (non-printable bytes escaped, long keys cut). */
export function showKey(k: Bytes): string {
  let s = '';
  const n = Math.min(k.length, 64);
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    s += c >= 0x20 && c < 0x7f && c !== 0x5c && c !== 0x27 ? k[i] : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `'${s}${k.length > n ? '...' : ''}'`;
}
