/**
 * DUMP / RESTORE payloads: the RDB serialization of one value (type byte + body, as in a file), then the RDB
 * version as u16 LE and a CRC64 of everything before it, little-endian.
 */
import { Crc64 } from './crc64';
import { RdbDecoder } from './decoder';
import type { RdbEncodeOptions } from './encoder';
import { RDB_VERSION, RdbError, type RdbValue } from './types';
import { ValueEncoder } from './value-encoder';
import { RdbWriter } from './writer';

/** Serializes a value as DUMP does. */
export function encodeDump(value: RdbValue, opts: RdbEncodeOptions = {}): Buffer {
  const chunks: Buffer[] = [];
  const w = new RdbWriter((c) => chunks.push(c), opts.compression ?? true, opts.chunkSize ?? 16384);
  const values = new ValueEncoder(opts);
  const t = values.plan(value);
  w.byte(t);
  values.write(w, value, t);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  w.flush();
  const body = Buffer.concat(chunks);
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out);
  new Crc64().update(body).writeLE(out, body.length);
  return out;
}

/** The footer check RESTORE does before parsing: length, RDB version not newer than ours, CRC64. */
export function verifyDump(payload: Buffer): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const ver = payload[footer] | (payload[footer + 1] << 8);
  if (ver > RDB_VERSION) return false;
  return new Crc64().update(payload, 0, payload.length - 8).equalsLE(payload, payload.length - 8);
}

/**
 * Parses a DUMP payload into a value. Throws RdbError when the footer check fails or the body is malformed (RESTORE
 * replies "DUMP payload version or checksum are wrong" / "Bad data format" respectively; `reason` tells which).
 * Returns null for an empty collection (which RESTORE refuses as bad data as well).
 */
export function decodeDump(payload: Buffer): RdbValue | null {
  if (!verifyDump(payload)) throw new RdbError(-1, 'DUMP payload version or checksum are wrong');
  let value: RdbValue | null = null;
  const d = new RdbDecoder({ entry: (e) => (value = e.value) }, { unsupported: 'raw' });
  d.decodeValueOnly(payload, payload.length - 10);
  return value;
}
