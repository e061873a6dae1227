/**
 * What OBJECT ENCODING / OBJECT REFCOUNT report for a value, and deep copies for COPY.
 *
 * Strings are stored as bare JS strings, so their Redis encoding is derived from the bytes: a canonical int64 is
 * 'int', up to 44 bytes 'embstr', longer 'raw'. Redis departs from that rule after a few operations (APPEND and
 * SETRANGE leave a 'raw' string even when short, INCRBYFLOAT stores "2" as 'embstr', COPY of a shared small integer
 * yields an unshared one). Those rare cases are remembered in a small bounded side table keyed by db and key, which
 * holds the exact string it describes: a mark only applies while the key still holds that very value, so a mark left
 * behind by a path that forgot to clear it can at worst apply to a key re-set to identical bytes.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Db } from './db';
import type { RedisValue } from './value';

/** Longest string Redis stores inline with its object header. */
const EMBSTR_MAX = 44;
/** Redis shares immutable objects for the integers 0..9999. */
const SHARED_INTEGERS = 10000;
/** OBJECT REFCOUNT of a shared object. */
export const SHARED_REFCOUNT = 2147483647;
/** Upper bound of remembered encoding exceptions per db; the oldest is forgotten first. */
const MAX_MARKS = 10000;

/** 'int1' is an int-encoded string that is not the shared object (refcount 1). */
type Mark = 'raw' | 'embstr' | 'int1';

interface MarkEntry {
  value: Bytes;
  mark: Mark;
}

const marks = new WeakMap<Db, Map<Bytes, MarkEntry>>();
/** Total marks across dbs: lets the hot write paths skip all work when there are none (the common case). */
let markCount = 0;

function isIntEncodable(s: Bytes): boolean {
  return s.length <= 20 && parseLong(s) !== null;
}

/** The encoding Redis gives a freshly stored string (tryObjectEncoding). */
function naturalEncoding(s: Bytes): 'int' | 'embstr' | 'raw' {
  if (isIntEncodable(s)) return 'int';
  return s.length <= EMBSTR_MAX ? 'embstr' : 'raw';
}

function setMark(db: Db, key: Bytes, value: Bytes, mark: Mark): void {
  let m = marks.get(db);
  if (m === undefined) {
    m = new Map();
    marks.set(db, m);
  }
  if (m.delete(key)) markCount--;
  m.set(key, { value, mark });
  markCount++;
  if (m.size > MAX_MARKS) {
    const oldest = m.keys().next().value as Bytes;
    m.delete(oldest);
    markCount--;
  }
}

function getMark(db: Db, key: Bytes, value: Bytes): Mark | null {
  if (markCount === 0) return null;
  const e = marks.get(db)?.get(key);
  return e !== undefined && e.value === value ? e.mark : null;
}

/** Forgets whatever was remembered about `key` (call when a write replaces or deletes the value). */
export function clearEncodingMark(db: Db, key: Bytes): void {
  if (markCount === 0) return;
  const m = marks.get(db);
  if (m?.delete(key)) markCount--;
}

/** Records that `key` now holds a string Redis would keep in 'raw' encoding (after APPEND/SETRANGE). */
export function markRaw(db: Db, key: Bytes, value: Bytes): void {
  if (value.length > EMBSTR_MAX) clearEncodingMark(db, key);
  else setMark(db, key, value, 'raw');
}

/** Records that `key` holds a string created without int detection (INCRBYFLOAT results). */
export function markNoIntEncoding(db: Db, key: Bytes, value: Bytes): void {
  if (isIntEncodable(value) && value.length <= EMBSTR_MAX) setMark(db, key, value, 'embstr');
  else clearEncodingMark(db, key);
}

/** Moves the mark of a value that moves unchanged (RENAME, MOVE). */
export function moveEncodingMark(from: Db, fromKey: Bytes, to: Db, toKey: Bytes): void {
  if (markCount === 0) return;
  const e = marks.get(from)?.get(fromKey);
  clearEncodingMark(from, fromKey);
  if (e !== undefined) setMark(to, toKey, e.value, e.mark);
  else clearEncodingMark(to, toKey);
}

/**
 * Records the encoding of a duplicated value (COPY): raw and embstr copies keep their encoding, an int copy is a new
 * object even when the source was the shared one.
 */
export function copyEncodingMark(from: Db, fromKey: Bytes, to: Db, toKey: Bytes, value: RedisValue): void {
  if (typeof value !== 'string') {
    clearEncodingMark(to, toKey);
    return;
  }
  const mark = getMark(from, fromKey, value);
  if (mark !== null) setMark(to, toKey, value, mark);
  else if (naturalEncoding(value) === 'int') setMark(to, toKey, value, 'int1');
  else clearEncodingMark(to, toKey);
}

/** OBJECT ENCODING of the value stored at db/key. */
export function encodingOf(db: Db, key: Bytes, value: RedisValue): string {
  if (typeof value !== 'string') return value.encoding();
  const mark = getMark(db, key, value);
  if (mark === 'raw') return 'raw';
  if (mark === 'embstr') return 'embstr';
  return naturalEncoding(value);
}

/**
 * OBJECT REFCOUNT: small integers are shared objects unless maxmemory is set with an LRU/LFU policy (those need a
 * per-object access clock, so Redis stops sharing them). Everything else has one reference.
 */
export function refcountOf(db: Db, key: Bytes, value: RedisValue, sharingAllowed: boolean): number {
  if (typeof value !== 'string' || !sharingAllowed) return 1;
  if (getMark(db, key, value) !== null) return 1;
  if (value.length > 4 || !isIntEncodable(value)) return 1;
  const n = Number(value);
  return n >= 0 && n < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}

// ---- deep copies (COPY) ---------------------------------------------------------------------------------------

interface Cloneable {
  clone(): RedisValue;
}

function hasClone(v: object): v is Cloneable {
  return typeof (v as Partial<Cloneable>).clone === 'function';
}

/**
 * An independent copy of a value. Strings are immutable and shared as is. Collections use their own clone() when
 * the type provides one; otherwise a structural copy that keeps the prototype and copies Maps, Sets, arrays, typed
 * arrays and nested objects (collection classes hold only data, no references to server state).
 */
export function cloneValue(v: RedisValue): RedisValue {
  if (typeof v === 'string') return v;
  if (hasClone(v)) return v.clone();
  return deepCopy(v, new Map()) as RedisValue;
}

function deepCopy(x: unknown, seen: Map<object, unknown>): unknown {
  if (x === null || typeof x !== 'object') return x;
  const done = seen.get(x);
  if (done !== undefined) return done;
  if (x instanceof Map) {
    const m = new Map();
    seen.set(x, m);
    for (const [k, v] of x) m.set(deepCopy(k, seen), deepCopy(v, seen));
    return m;
  }
  if (x instanceof Set) {
    const s = new Set();
    seen.set(x, s);
    for (const v of x) s.add(deepCopy(v, seen));
    return s;
  }
  if (ArrayBuffer.isView(x)) {
    const copy = Buffer.isBuffer(x)
      ? Buffer.from(x)
      : new (x.constructor as new (a: ArrayBufferView) => ArrayBufferView)(x);
    seen.set(x, copy);
    return copy;
  }
  if (Array.isArray(x)) {
    const a: unknown[] = new Array(x.length);
    seen.set(x, a);
    for (let i = 0; i < x.length; i++) a[i] = deepCopy(x[i], seen);
    return a;
  }
  const o = Object.create(Object.getPrototypeOf(x)) as Record<string, unknown>;
  seen.set(x, o);
  for (const k of Object.keys(x)) o[k] = deepCopy((x as Record<string, unknown>)[k], seen);
  return o;
}
