/**
 * Streaming RDB encoder. The snapshot code drives it record by record:
 *
 *   const enc = new RdbEncoder((chunk) => out.write(chunk), opts);
 *   enc.begin({ ctime, usedMem, repl });           // magic + AUX fields in Redis' order
 *   enc.func(libraryCode) ...                      // FUNCTION2 records
 *   enc.selectDb(db, size, expires);               // per non-empty db
 *   enc.entry(key, value, expireMs) ...
 *   enc.end();                                     // EOF + CRC64, final flush
 *
 * Chunks are produced as the buffer fills, so memory stays bounded by the chunk size plus the largest compact blob.
 * Values are written in the encodings Redis 7.0 would use for them (see value-encoder.ts).
 */
import type { Bytes } from '../../protocol/bytes';
import { type EncodingLimits, ValueEncoder } from './value-encoder';
import { Op, RDB_VERSION, RdbError, type RdbReplInfo, type RdbValue } from './types';
import { type ChunkSink, RdbWriter } from './writer';

export interface RdbEncodeOptions extends Partial<EncodingLimits> {
  /** rdbcompression: LZF for strings/blobs over 20 bytes when it saves space; default true */
  compression?: boolean;
  /** rdbchecksum: write the CRC64 (else eight zero bytes); default true */
  checksum?: boolean;
  /** size of the chunks handed to the sink; default 64 KiB */
  chunkSize?: number;
}

export interface RdbHeaderInfo {
  /** default '7.0.15' (the version we are compatible with, so tools and replicas treat the file as 7.0) */
  redisVer?: string;
  /** unix seconds; default now */
  ctime?: number;
  /** used memory in bytes; default 0 */
  usedMem?: number;
  /** replication fields (repl-stream-db, repl-id, repl-offset); omitted when absent */
  repl?: RdbReplInfo;
  /** true when the file is the base of a multi-part AOF */
  aofBase?: boolean;
}

export class RdbEncoder extends RdbWriter {
  private readonly values: ValueEncoder;
  private readonly checksum: boolean;
  private state: 'new' | 'open' | 'closed' = 'new';

  constructor(sink: ChunkSink, opts: RdbEncodeOptions = {}) {
    super(sink, opts.compression ?? true, opts.chunkSize ?? 65536);
    this.values = new ValueEncoder(opts);
    this.checksum = opts.checksum ?? true;
  }

  /** Magic and the standard AUX fields. */
  begin(info: RdbHeaderInfo = {}): void {
    if (this.state !== 'new') throw new RdbError(-1, 'begin() called twice');
    this.state = 'open';
    this.room(9);
    this.out.latin1Write(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, this.pos, 9);
    this.pos += 9;
    this.aux('redis-ver', info.redisVer ?? '7.0.15');
    this.aux('redis-bits', '64');
    this.aux('ctime', String(info.ctime ?? Math.floor(Date.now() / 1000)));
    this.aux('used-mem', String(info.usedMem ?? 0));
    if (info.repl) {
      this.aux('repl-stream-db', String(info.repl.streamDb));
      this.aux('repl-id', info.repl.replId);
      this.aux('repl-offset', String(info.repl.offset));
    }
    this.aux('aof-base', info.aofBase ? '1' : '0');
  }

  aux(key: Bytes, value: Bytes): void {
    this.open();
    this.byte(Op.Aux);
    this.string(key);
    this.string(value);
  }

  /** A function library (FUNCTION2): must come before the first selectDb. */
  func(code: Bytes): void {
    this.open();
    this.byte(Op.Function2);
    this.string(code);
  }

  /** Starts a database section; `size`/`expires` are the RESIZEDB hints (key count, keys with a TTL). */
  selectDb(db: number, size: number, expires: number): void {
    this.open();
    this.byte(Op.SelectDb);
    this.len(db);
    this.byte(Op.ResizeDb);
    this.len(size);
    this.len(expires);
  }

  /**
   * Switches the current database without a RESIZEDB hint: a forkless snapshot interleaves keys of another db (those
   * changed while it runs) with the section it is writing; SELECTDB may appear any number of times.
   */
  switchDb(db: number): void {
    this.open();
    this.byte(Op.SelectDb);
    this.len(db);
  }

  /**
   * One key. `expireMs` is an absolute unix time in ms or -1; `idle` (LRU seconds) / `freq` (LFU counter) are
   * written when >= 0, as Redis does under LRU/LFU maxmemory policies. Returns false when nothing was written
   * (an empty collection).
   */
  entry(key: Bytes, value: RdbValue, expireMs = -1, idle = -1, freq = -1): boolean {
    this.open();
    // Redis never stores empty collections and skips them (with a warning) when loading: leave them out.
    if (isEmptyCollection(value)) return false;
    if (expireMs !== -1) {
      this.byte(Op.ExpireMs);
      this.int64LE(expireMs);
    }
    if (idle >= 0) {
      this.byte(Op.Idle);
      this.len(idle);
    }
    if (freq >= 0) {
      this.byte(Op.Freq);
      this.byte(freq);
    }
    // The type byte comes first but depends on the encoding: plan() decides it (building any compact blob).
    const t = this.values.plan(value);
    this.byte(t);
    this.string(key);
    this.values.write(this, value, t);
    this.maybeFlush();
    return true;
  }

  /** EOF marker and checksum; flushes everything. Returns the total size of the image. */
  end(): number {
    this.open();
    this.byte(Op.Eof);
    this.flush(); // the CRC covers everything up to and including the EOF byte
    this.room(8);
    if (this.checksum) this.crc.writeLE(this.out, this.pos);
    else this.out.fill(0, this.pos, this.pos + 8);
    this.pos += 8;
    this.flush();
    this.state = 'closed';
    return this.flushed;
  }

  private open(): void {
    if (this.state !== 'open') throw new RdbError(-1, this.state === 'new' ? 'begin() not called' : 'encoder closed');
  }
}

function isEmptyCollection(v: RdbValue): boolean {
  if (typeof v === 'string') return false;
  switch (v.type) {
    case 'list':
      return v.items.length === 0;
    case 'set':
      return v.members.length === 0;
    case 'hash':
    case 'zset':
      return v.entries.length === 0;
    default:
      return false;
  }
}
