/**
 * RDB codec (Redis 7.0, RDB version 10): pure byte-level encoding and decoding with a neutral value form.
 * See decoder.ts (streaming push parser), encoder.ts (streaming writer) and dump.ts (DUMP/RESTORE payloads).
 */
export { Crc64, crc64 } from './crc64';
export {
  decodeRdb,
  type RdbContents,
  type RdbDecodeOptions,
  RdbDecoder,
  type RdbHandler,
  type RdbSummary,
} from './decoder';
export { decodeDump, encodeDump, verifyDump } from './dump';
export { RdbEncoder, type RdbEncodeOptions, type RdbHeaderInfo } from './encoder';
export { lzfCompress, lzfDecompress } from './lzf';
export {
  RDB_VERSION,
  type RdbEntry,
  RdbError,
  type RdbHash,
  type RdbList,
  type RdbRaw,
  type RdbReplInfo,
  type RdbSet,
  type RdbValue,
  type RdbZset,
} from './types';
export { DEFAULT_LIMITS, type EncodingLimits } from './value-encoder';
