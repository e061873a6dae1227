/**
 * Conversion between keyspace values and the RDB codec's neutral form. The codec stays pure (bytes in, records
 * out); this is the only place that knows both sides.
 */
import type { Config } from '../config/config';
import type { Bytes } from '../protocol/bytes';
import type { EncodingLimits, RdbValue } from './rdb';
import { HashValue } from '../store/types/hash';
import { ListValue } from '../store/types/list';
import { SetValue } from '../store/types/set';
import { ZSetValue } from '../store/types/zset';
import type { RedisValue } from '../store/value';

/** Encoding thresholds from the live config, for both loading (value classes) and saving (codec). */
export function encodingLimits(config: Config): EncodingLimits {
  return {
    hashMaxListpackEntries: config.num('hash-max-listpack-entries'),
    hashMaxListpackValue: config.num('hash-max-listpack-value'),
    zsetMaxListpackEntries: config.num('zset-max-listpack-entries'),
    zsetMaxListpackValue: config.num('zset-max-listpack-value'),
    setMaxIntsetEntries: config.num('set-max-intset-entries'),
    listMaxListpackSize: config.num('list-max-listpack-size'),
    listCompressDepth: config.num('list-compress-depth'),
    listPackedThreshold: 1 << 30,
  };
}

/** Keyspace value -> codec record (collections are copied into arrays; strings pass through). */
export function toRdbValue(v: RedisValue): RdbValue {
  if (typeof v === 'string') return v;
  switch (v.type) {
    case 'list':
      return { type: 'list', items: v.toArray() };
    case 'set':
      return { type: 'set', members: v.members(), encoding: v.encoding() };
    case 'hash': {
      const flat = v.pairs();
      const entries: [Bytes, Bytes][] = new Array(flat.length >> 1);
      for (let i = 0; i < flat.length; i += 2) entries[i >> 1] = [flat[i], flat[i + 1]];
      return { type: 'hash', entries, encoding: v.encoding() };
    }
    case 'zset': {
      const entries: [Bytes, number][] = [];
      v.forEach((m, s) => {
        entries.push([m, s]);
      });
      return { type: 'zset', entries, encoding: v.encoding() };
    }
  }
}

/** Codec record -> keyspace value, with the encoding the limits give (as Redis converts on load). */
export function fromRdbValue(rv: RdbValue, limits: EncodingLimits): RedisValue {
  if (typeof rv === 'string') return rv;
  switch (rv.type) {
    case 'list':
      return ListValue.from(rv.items);
    case 'set':
      return SetValue.fromMembers(rv.members, limits.setMaxIntsetEntries);
    case 'hash': {
      const flat: Bytes[] = new Array(rv.entries.length * 2);
      for (let i = 0; i < rv.entries.length; i++) {
        flat[2 * i] = rv.entries[i][0];
        flat[2 * i + 1] = rv.entries[i][1];
      }
      return HashValue.fromPairs(flat, limits.hashMaxListpackEntries, limits.hashMaxListpackValue);
    }
    case 'zset':
      return ZSetValue.fromEntries(rv.entries, limits.zsetMaxListpackEntries, limits.zsetMaxListpackValue);
    case 'raw':
      throw new Error(`values of RDB type ${rv.rdbType} (streams, modules) are not supported`);
  }
}
