/**
 * Turns the compact blob encodings (listpack, intset, ziplist, zipmap) of a value into the neutral RdbValue form.
 */
import type { Bytes } from '../../protocol/bytes';
import { decodeIntset } from './intset';
import { decodeListpack } from './listpack';
import { type RdbValue, T } from './types';
import { decodeZiplist, decodeZipmap } from './ziplist';

/**
 * Decodes the blob `b[start, end)` of a value of blob type `t`.
 * Returns the value, null when it is empty (Redis skips such keys), or a string describing the corruption.
 */
export function decodeBlobValue(t: number, b: Buffer, start: number, end: number): RdbValue | null | string {
  const flat: Bytes[] = [];
  let err: string | null;
  switch (t) {
    case T.HashListpack:
    case T.ZsetListpack:
    case T.SetListpack:
      err = decodeListpack(b, start, end, flat);
      break;
    case T.HashZiplist:
    case T.ZsetZiplist:
    case T.ListZiplist:
      err = decodeZiplist(b, start, end, flat);
      break;
    case T.SetIntset:
      err = decodeIntset(b, start, end, flat);
      break;
    case T.HashZipmap:
      err = decodeZipmap(b, start, end, flat);
      break;
    default:
      return `type ${t} is not a blob type`;
  }
  if (err !== null) return err;
  if (flat.length === 0) return null;
  switch (t) {
    case T.ListZiplist:
      return { type: 'list', items: flat };
    case T.SetIntset:
    case T.SetListpack:
      return { type: 'set', members: flat };
    case T.HashListpack:
    case T.HashZiplist:
    case T.HashZipmap: {
      if (flat.length % 2 !== 0) return 'hash blob has an odd number of elements';
      const entries: [Bytes, Bytes][] = new Array(flat.length / 2);
      for (let i = 0, j = 0; i < flat.length; i += 2, j++) entries[j] = [flat[i], flat[i + 1]];
      // Legacy encodings were always checked for duplicate fields by Redis while converting them.
      if (t !== T.HashListpack && hasDuplicate(entries)) return 'hash blob has duplicate fields';
      return { type: 'hash', entries };
    }
    default: {
      if (flat.length % 2 !== 0) return 'zset blob has an odd number of elements';
      const entries: [Bytes, number][] = new Array(flat.length / 2);
      for (let i = 0, j = 0; i < flat.length; i += 2, j++) {
        const score = parseScore(flat[i + 1]);
        if (Number.isNaN(score)) return `zset blob has an invalid score ${JSON.stringify(flat[i + 1])}`;
        entries[j] = [flat[i], score];
      }
      if (t === T.ZsetZiplist && hasDuplicate(entries)) return 'zset blob has duplicate members';
      return { type: 'zset', entries };
    }
  }
}

function hasDuplicate(entries: [Bytes, unknown][]): boolean {
  const seen = new Set<Bytes>();
  for (const e of entries) seen.add(e[0]);
  return seen.size !== entries.length;
}

/** Scores in listpacks/ziplists are integers or %.17g-style text (strtod syntax); NaN when unparsable. */
function parseScore(s: Bytes): number {
  const v = Number(s);
  if (!Number.isNaN(v) && s.length > 0) return v;
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Number.POSITIVE_INFINITY;
  if (l === '-inf' || l === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

const MODULE_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Module type name encoded in the top 54 bits of a module id (9 chars x 6 bits); the low 10 bits are a version. */
export function moduleName(id: bigint): string {
  let name = '';
  for (let i = 0; i < 9; i++) {
    const c = Number((id >> BigInt(10 + (8 - i) * 6)) & 63n);
    name += MODULE_CHARSET[c];
  }
  return name;
}
