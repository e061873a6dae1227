/**
 * What a key can hold. Strings are binary strings (see protocol/bytes.ts) stored directly, without a wrapper object,
 * because they are by far the most common value; collections are class instances carrying their own `type`.
 */
import type { Bytes } from '../protocol/bytes';
import type { HashValue } from './types/hash';
import type { ListValue } from './types/list';
import type { SetValue } from './types/set';
import type { ZSetValue } from './types/zset';

export type CollectionValue = ListValue | HashValue | SetValue | ZSetValue;
export type RedisValue = Bytes | CollectionValue;
export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset';

export function typeOf(v: RedisValue): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

/** Number of elements for collections, byte length for strings. */
export function sizeOf(v: RedisValue): number {
  return typeof v === 'string' ? v.length : v.size;
}
