/**
 * Streaming RDB decoder (push parser). Feed it chunks as they arrive (file reads, or a replication socket) with
 * push(); it calls the handler for every record as soon as the record is complete, and keeps in memory only the
 * unconsumed tail of the input plus the value being assembled. Call end() when the input is over: a stream that
 * stopped before EOF + checksum is an error, so a truncated transfer can never pass for a complete load.
 *
 * Resumption works at "unit" granularity: a top-level record, or one element of a collection stored element by
 * element. A unit that runs out of input is re-read from its start once enough bytes have arrived.
 */
import type { Bytes } from '../../protocol/bytes';
import { Crc64, crcHex } from './crc64';
import { readInt64LE } from './ints';
import { NEED_MORE, ByteReader } from './reader';
import { decodeListpack } from './listpack';
import { decodeBlobValue, moduleName } from './values';
import { decodeZiplist } from './ziplist';
import { Op, RDB_VERSION, RdbError, type RdbEntry, type RdbValue, rdbTypeName, showKey, T } from './types';

export interface RdbHandler {
  /** a key with its value and attributes */
  entry(e: RdbEntry): void;
  /** an AUX field (redis-ver, ctime, repl-id, ...) */
  aux?(key: Bytes, value: Bytes): void;
  /** a FUNCTION2 record: the full source of one function library */
  func?(code: Bytes): void;
  selectDb?(db: number): void;
  resizeDb?(db: number, size: number, expires: number): void;
  /** a key that was not delivered: empty collection, or unsupported type with `unsupported: 'skip'` */
  skipped?(db: number, key: Bytes, rdbType: number, reason: string): void;
}

export interface RdbDecodeOptions {
  /** verify the CRC64 trailer when it is not zero (rdbchecksum); default true */
  verifyChecksum?: boolean;
  /** streams and module values/aux data: fail (default), skip them, or return them as opaque raw records */
  unsupported?: 'error' | 'skip' | 'raw';
  /** number of databases of the loading server: a SELECTDB beyond it is an error (Redis refuses to start) */
  databases?: number;
  /** highest accepted RDB version; default 10 (Redis 7.0) */
  maxVersion?: number;
}

export interface RdbSummary {
  version: number;
  /** keys delivered to entry() */
  keys: number;
  /** of which with an expire */
  expires: number;
  /** keys not delivered (see RdbHandler.skipped) */
  skipped: number;
  /** stored checksum (0n when the writer disabled checksums, null for versions < 5 which have none) */
  checksum: bigint | null;
  /** total bytes of the RDB image including the checksum */
  bytes: number;
}

const S_HEADER = 0;
const S_TOP = 1;
const S_ELEMS = 2;
const S_QUICKLIST = 3;
const S_CRC = 4;
const S_DONE = 5;

export class RdbDecoder extends ByteReader {
  private state = S_HEADER;
  private commitPos = 0;
  private failure: Error | null = null;
  /** the current unit is a structure walked whole (see run()) */
  private walkingUnit = false;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  private readonly crc = new Crc64();
  private crcPos = 0;
  private crcDone = false;
  private readonly verify: boolean;
  private readonly unsupported: 'error' | 'skip' | 'raw';
  private readonly databases: number;
  private readonly maxVersion: number;

  private version = 0;
  private db = 0;
  // attributes of the next key (reset after each key)
  private expireMs = -1;
  private idle = -1;
  private freq = -1;

  // value being assembled element by element
  private curType = 0;
  private curKey: Bytes = '';
  private remaining = 0;
  private items: Bytes[] = [];
  private pairs: [Bytes, Bytes][] = [];
  private scored: [Bytes, number][] = [];
  private seen: Set<Bytes> | null = null;

  /** DUMP payload mode: a single type byte + value, no key, no header */
  private valueOnly = false;

  private keys = 0;
  private expires = 0;
  private skippedKeys = 0;
  private storedCrc: bigint | null = null;

  constructor(
    private readonly h: RdbHandler,
    opts: RdbDecodeOptions = {},
  ) {
    super();
    this.verify = opts.verifyChecksum ?? true;
    this.unsupported = opts.unsupported ?? 'error';
    this.databases = opts.databases ?? Number.POSITIVE_INFINITY;
    this.maxVersion = opts.maxVersion ?? RDB_VERSION;
  }

  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Feeds the next chunk. Returns how many bytes of it belong to the RDB image: all of them until the checksum has
   * been read, then the part up to the end of the trailer (the caller owns whatever follows, e.g. a command stream).
   * Throws RdbError on corrupt input; the decoder is then unusable.
   */
  push(chunk: Buffer): number {
    if (this.failure) throw this.failure;
    if (this.state === S_DONE) return 0;
    const chunkAbs = this.base + this.lim + this.pendingLen;
    if (this.pos === this.lim && this.pendingLen === 0) {
      this.checksumUpTo(this.lim);
      this.base += this.lim;
      this.buf = chunk;
      this.pos = 0;
      this.lim = chunk.length;
      this.crcPos = 0;
    } else {
      if (this.need > chunkAbs + chunk.length) {
        // The interrupted unit still cannot complete: just queue the bytes (no copying, no re-parse).
        this.pending.push(chunk);
        this.pendingLen += chunk.length;
        return chunk.length;
      }
      this.checksumUpTo(this.pos);
      const parts = [this.buf.subarray(this.pos), ...this.pending, chunk];
      this.base += this.pos;
      this.buf = Buffer.concat(parts);
      this.pos = 0;
      this.lim = this.buf.length;
      this.crcPos = 0;
      this.pending = [];
      this.pendingLen = 0;
    }
    this.run();
    if (this.state !== S_DONE) return chunk.length;
    const used = this.base + this.pos - chunkAbs;
    return used < 0 ? 0 : Math.min(used, chunk.length);
  }

  /** Declares the input complete. Throws when the image was incomplete. */
  end(): RdbSummary {
    if (this.failure) throw this.failure;
    if (this.state !== S_DONE && this.pendingLen > 0) {
      // Bytes were held back waiting for a larger unit to complete; this is all there will be, so try them now.
      this.need = 0;
      this.push(Buffer.alloc(0));
    }
    if (this.state !== S_DONE) {
      const at = this.base + this.pos;
      const what =
        this.state === S_HEADER
          ? 'in the header'
          : this.state === S_CRC
            ? 'in the checksum trailer'
            : this.state === S_TOP
              ? 'before the EOF marker'
              : `in the value of key ${showKey(this.curKey)}`;
      this.failure = new RdbError(at, `unexpected end of data ${what} (truncated RDB)`);
      throw this.failure;
    }
    return this.summary();
  }

  /**
   * Decodes the body of a DUMP payload (type byte + value, `image[0, end)`); the caller has checked its footer.
   * @internal used by dump.ts
   */
  decodeValueOnly(image: Buffer, end: number): void {
    this.valueOnly = true;
    this.buf = image;
    this.lim = end;
    this.state = S_TOP;
    this.run();
    if (this.keys + this.skippedKeys !== 1 || this.state !== S_TOP || this.pos !== end) {
      this.fail(
        this.base + this.pos,
        this.keys + this.skippedKeys === 0 ? 'truncated value' : 'trailing bytes after the value',
      );
    }
  }

  summary(): RdbSummary {
    return {
      version: this.version,
      keys: this.keys,
      expires: this.expires,
      skipped: this.skippedKeys,
      checksum: this.storedCrc,
      bytes: this.base + this.pos,
    };
  }

  private checksumUpTo(p: number): void {
    if (!this.crcDone && p > this.crcPos) this.crc.update(this.buf, this.crcPos, p);
    this.crcPos = p;
  }

  private run(): void {
    try {
      for (;;) {
        this.commitPos = this.pos;
        this.walkingUnit = false;
        switch (this.state) {
          case S_TOP:
            this.record();
            break;
          case S_ELEMS:
            this.elements();
            break;
          case S_QUICKLIST:
            this.quicklistNodes();
            break;
          case S_HEADER:
            this.header();
            break;
          case S_CRC:
            this.trailer();
            break;
          default:
            return;
        }
      }
    } catch (e) {
      if (e === NEED_MORE) {
        if (this.walkingUnit) {
          // A structure walked as one unit (stream, module data) is re-read from its start on every retry: wait
          // until the buffered part has at least doubled, so retries cost O(size) in total, not O(size^2).
          this.need = Math.max(this.need, this.base + this.commitPos + 2 * (this.lim - this.commitPos));
        }
        this.pos = this.commitPos;
        return;
      }
      this.failure = e instanceof Error ? e : new Error(String(e));
      throw this.failure;
    }
  }

  private header(): void {
    if (this.pos + 9 > this.lim) this.short(this.pos, 9);
    const b = this.buf;
    const p = this.pos;
    if (b.latin1Slice(p, p + 5) !== 'REDIS') this.fail(this.base + p, 'wrong signature (not an RDB file)');
    let v = 0;
    for (let i = 5; i < 9; i++) {
      const c = b[p + i];
      if (c < 48 || c > 57) break; // like atoi: stop at the first non-digit
      v = v * 10 + (c - 48);
    }
    if (v < 1 || v > this.maxVersion) this.fail(this.base + p + 5, `can't handle RDB format version ${v}`);
    this.version = v;
    this.pos = p + 9;
    this.state = S_TOP;
  }

  private trailer(): void {
    const p = this.pos;
    if (p + 8 > this.lim) this.short(p, 8);
    this.storedCrc = this.buf.readBigUInt64LE(p);
    if (this.verify && this.storedCrc !== 0n && !this.crc.equalsLE(this.buf, p)) {
      this.fail(
        this.base + p,
        `wrong RDB checksum: file has ${crcHex(this.storedCrc)}, computed ${crcHex(this.crc.value())}`,
      );
    }
    this.pos = p + 8;
    this.state = S_DONE;
  }

  /** One top-level record: an opcode with its payload, or a complete key (or the start of a large value). */
  private record(): void {
    const at = this.pos;
    if (this.valueOnly && this.keys + this.skippedKeys > 0) {
      if (at < this.lim) this.fail(this.base + at, 'trailing bytes after the value');
      this.short(at, 1); // the single value is complete: stop here
    }
    const t = this.readByte();
    if (t >= 0xf5) {
      if (this.valueOnly) this.fail(this.base + at, `unknown value type ${t}`);
      this.opcode(t, at);
      return;
    }
    if (t > T.SetListpack || t === 8) this.fail(this.base + at, `unknown value type ${t}`);
    const key = this.valueOnly ? '' : this.readString();
    switch (t) {
      case T.String:
        this.emit(key, this.readString(), t);
        return;
      case T.List:
      case T.Set:
      case T.Zset:
      case T.Hash:
      case T.Zset2:
      case T.ListQuicklist:
      case T.ListQuicklist2: {
        const n = this.readLen();
        if (n === 0) {
          this.skip(key, t, 'empty value');
          return;
        }
        this.curType = t;
        this.curKey = key;
        this.remaining = n;
        this.items = [];
        if (t === T.Hash) this.pairs = [];
        else if (t === T.Zset || t === T.Zset2) this.scored = [];
        this.seen = t === T.Set || t === T.Hash || t === T.Zset || t === T.Zset2 ? new Set() : null;
        this.state = t === T.ListQuicklist || t === T.ListQuicklist2 ? S_QUICKLIST : S_ELEMS;
        return;
      }
      case T.HashZipmap:
      case T.ListZiplist:
      case T.SetIntset:
      case T.ZsetZiplist:
      case T.HashZiplist:
      case T.HashListpack:
      case T.ZsetListpack:
      case T.SetListpack: {
        const blobAt = this.base + this.pos;
        this.readBlob();
        const v = decodeBlobValue(t, this.blobBuf, this.blobStart, this.blobEnd);
        if (typeof v === 'string') this.fail(blobAt, `${showKey(key)}: ${v}`);
        if (v === null) this.skip(key, t, 'empty value');
        else this.emit(key, v, t);
        return;
      }
      case T.StreamListpacks:
      case T.StreamListpacks2:
      case T.Module:
      case T.Module2:
        this.unsupportedValue(key, t, at);
        return;
      default:
        this.fail(this.base + at, `unknown value type ${t}`);
    }
  }

  private opcode(t: number, at: number): void {
    switch (t) {
      case Op.ExpireMs: {
        const p = this.pos;
        if (p + 8 > this.lim) this.short(p, 8);
        this.expireMs = readInt64LE(this.buf, p);
        this.pos = p + 8;
        return;
      }
      case Op.ExpireSec: {
        const p = this.pos;
        if (p + 4 > this.lim) this.short(p, 4);
        this.expireMs = this.buf.readInt32LE(p) * 1000;
        this.pos = p + 4;
        return;
      }
      case Op.Idle:
        this.idle = this.readLen();
        return;
      case Op.Freq:
        this.freq = this.readByte();
        return;
      case Op.SelectDb: {
        const db = this.readLen();
        if (db >= this.databases) {
          this.fail(this.base + at, `database ${db} selected but the server is configured with ${this.databases}`);
        }
        this.db = db;
        this.h.selectDb?.(db);
        return;
      }
      case Op.ResizeDb: {
        const size = this.readLen();
        const expires = this.readLen();
        this.h.resizeDb?.(this.db, size, expires);
        return;
      }
      case Op.Aux: {
        const k = this.readString();
        const v = this.readString();
        this.h.aux?.(k, v);
        return;
      }
      case Op.Function2: {
        const code = this.readString();
        this.h.func?.(code);
        return;
      }
      case Op.ModuleAux: {
        const id = this.readLenBig();
        const whenOp = this.readLen();
        if (whenOp !== 2) this.fail(this.base + at, 'module aux data with an invalid "when" opcode');
        this.readLen();
        if (this.unsupported === 'error') {
          this.fail(this.base + at, `RDB contains aux data of module '${moduleName(id)}', which is not supported`);
        }
        this.walkingUnit = true;
        this.skipModuleOpcodes();
        return;
      }
      case Op.FunctionPreGA:
        this.fail(this.base + at, 'pre-release function format not supported');
        return;
      case Op.Eof:
        this.checksumUpTo(this.pos);
        this.crcDone = true;
        this.state = this.version >= 5 ? S_CRC : S_DONE;
        return;
      default:
        this.fail(this.base + at, `unknown opcode ${t}`);
    }
  }

  /** One element of a list/set/hash/zset stored element by element (types 1-5). */
  private elements(): void {
    const t = this.curType;
    while (this.remaining > 0) {
      this.commitPos = this.pos;
      const at = this.pos;
      const a = this.readString();
      if (t === T.List) {
        this.items.push(a);
      } else if (t === T.Set) {
        this.items.push(a);
        this.noDup(a, at);
      } else if (t === T.Hash) {
        this.pairs.push([a, this.readString()]);
        this.noDup(a, at);
      } else {
        const score = t === T.Zset2 ? this.readBinaryDouble() : this.readStringDouble();
        if (Number.isNaN(score)) this.fail(this.base + at, `${showKey(this.curKey)}: zset score is NaN`);
        this.scored.push([a, score]);
        this.noDup(a, at);
      }
      this.remaining--;
    }
    this.seen = null;
    this.state = S_TOP;
    let v: RdbValue;
    if (t === T.List) v = { type: 'list', items: this.items };
    else if (t === T.Set) v = { type: 'set', members: this.items };
    else if (t === T.Hash) v = { type: 'hash', entries: this.pairs };
    else v = { type: 'zset', entries: this.scored };
    this.release();
    this.emit(this.curKey, v, t);
  }

  private noDup(member: Bytes, at: number): void {
    const seen = this.seen!;
    const before = seen.size;
    seen.add(member);
    if (seen.size === before) this.fail(this.base + at, `${showKey(this.curKey)}: duplicate member ${showKey(member)}`);
  }

  /** One quicklist node (types 14 and 18). */
  private quicklistNodes(): void {
    const t = this.curType;
    while (this.remaining > 0) {
      this.commitPos = this.pos;
      const at = this.base + this.pos;
      let container = 2;
      if (t === T.ListQuicklist2) {
        container = this.readLen();
        if (container !== 1 && container !== 2) {
          this.fail(at, `${showKey(this.curKey)}: invalid quicklist container ${container}`);
        }
      }
      if (container === 1) {
        this.items.push(this.readString()); // PLAIN node: one large element stored as is
      } else {
        this.readBlob();
        const err =
          t === T.ListQuicklist2
            ? decodeListpack(this.blobBuf, this.blobStart, this.blobEnd, this.items)
            : decodeZiplist(this.blobBuf, this.blobStart, this.blobEnd, this.items);
        if (err !== null) this.fail(at, `${showKey(this.curKey)}: quicklist node: ${err}`);
      }
      this.remaining--;
    }
    this.state = S_TOP;
    const items = this.items;
    this.release();
    if (items.length === 0) this.skip(this.curKey, t, 'empty value');
    else this.emit(this.curKey, { type: 'list', items }, t);
  }

  /** Drops references to the assembled value so the decoder does not pin it after delivery. */
  private release(): void {
    this.items = [];
    this.pairs = [];
    this.scored = [];
  }

  private readBinaryDouble(): number {
    const p = this.pos;
    if (p + 8 > this.lim) this.short(p, 8);
    this.pos = p + 8;
    return this.buf.readDoubleLE(p);
  }

  /** Legacy text double: length byte (253 nan, 254 +inf, 255 -inf) then that many chars. */
  private readStringDouble(): number {
    const at = this.pos;
    const n = this.readByte();
    if (n === 253) return Number.NaN;
    if (n === 254) return Number.POSITIVE_INFINITY;
    if (n === 255) return Number.NEGATIVE_INFINITY;
    const p = this.pos;
    if (p + n > this.lim) this.short(p, n);
    this.pos = p + n;
    const v = Number.parseFloat(this.buf.latin1Slice(p, p + n));
    if (Number.isNaN(v)) this.fail(this.base + at, 'invalid double value');
    return v;
  }

  private unsupportedValue(key: Bytes, t: number, at: number): void {
    const valueAt = this.pos;
    let what: string = rdbTypeName(t);
    if (t === T.Module2 || t === T.Module) {
      const id = this.readLenBig();
      what = `module type '${moduleName(id)}'`;
      if (t === T.Module)
        this.fail(this.base + at, `${showKey(key)}: ${what} in the unsupported pre-4.0 module format`);
    }
    if (this.unsupported === 'error') {
      this.fail(this.base + at, `key ${showKey(key)} holds a ${what} value (RDB type ${t}), which is not supported`);
    }
    this.walkingUnit = true;
    if (t === T.Module2) this.skipModuleOpcodes();
    else this.skipStream(t === T.StreamListpacks2);
    if (this.unsupported === 'raw') {
      this.emit(key, { type: 'raw', rdbType: t, payload: this.buf.latin1Slice(valueAt, this.pos) }, t);
    } else {
      this.skip(key, t, `unsupported ${what} value`);
    }
  }

  private emit(key: Bytes, value: RdbValue, t: number): void {
    const e: RdbEntry = {
      db: this.db,
      key,
      value,
      expireMs: this.expireMs,
      idle: this.idle,
      freq: this.freq,
      rdbType: t,
    };
    this.keys++;
    if (this.expireMs !== -1) this.expires++;
    this.expireMs = -1;
    this.idle = -1;
    this.freq = -1;
    this.h.entry(e);
  }

  private skip(key: Bytes, t: number, reason: string): void {
    this.expireMs = -1;
    this.idle = -1;
    this.freq = -1;
    this.skippedKeys++;
    this.h.skipped?.(this.db, key, t, reason);
  }
}

/** Everything in an RDB image, for callers that want it all in memory (tests, tools, small files). */
export interface RdbContents {
  version: number;
  aux: [Bytes, Bytes][];
  functions: Bytes[];
  entries: RdbEntry[];
  summary: RdbSummary;
}

/** Decodes a complete in-memory RDB image. */
export function decodeRdb(image: Buffer, opts?: RdbDecodeOptions): RdbContents {
  const aux: [Bytes, Bytes][] = [];
  const functions: Bytes[] = [];
  const entries: RdbEntry[] = [];
  const d = new RdbDecoder(
    { entry: (e) => entries.push(e), aux: (k, v) => aux.push([k, v]), func: (c) => functions.push(c) },
    opts,
  );
  d.push(image);
  const summary = d.end();
  return { version: summary.version, aux, functions, entries, summary };
}
