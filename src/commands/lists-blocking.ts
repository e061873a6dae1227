/**
 * BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH. With data available they behave like their non-blocking forms; otherwise the
 * client waits in c.srv.blocking, and when a key it waits on becomes ready the handler runs again with
 * c.retryingBlocked set. A re-run serves from the key that became ready (blocking.readyKey), as Redis does, and goes
 * back to waiting, keeping its place, if that key holds another type by then. What replicates is the effect:
 * LPOP/RPOP (with the count popped for BLMPOP), LMOVE or RPOPLPUSH.
 */
import type { Bytes } from '../protocol/bytes';
import type { Client } from '../server/client';
import type { ListValue } from '../store/types/list';
import {
  afterRemoval,
  argSide,
  mayBlock,
  moveOne,
  parseMpop,
  popRangeWithKey,
  timeoutReply,
  writeList,
} from './lists-common';
import { WRONG, argTimeout } from './util';

/** BLPOP/BRPOP: serve one element from the first non-empty key, or block on all of them. */
export function blockingPop(c: Client, left: boolean): void {
  const argv = c.argv;
  const last = argv.length - 1;
  const timeout = argTimeout(c, argv[last]);
  if (timeout === null) return;
  if (c.retryingBlocked) {
    const key = c.srv.blocking.readyKey as Bytes;
    const v = c.db.get(key);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply); // not servable after all: stay in line
      return;
    }
    servePop(c, key, v, left);
    return;
  }
  for (let j = 1; j < last; j++) {
    const key = argv[j];
    const l = writeList(c, key);
    if (l === WRONG) return;
    if (l !== undefined) return servePop(c, key, l, left);
  }
  if (!mayBlock(c)) return c.out.nullArray();
  c.srv.blocking.block(c, argv.slice(1, last), timeout, timeoutReply);
}

function servePop(c: Client, key: Bytes, l: ListValue, left: boolean): void {
  const v = (left ? l.popLeft() : l.popRight()) as Bytes;
  c.out.arrayLen(2);
  c.out.bulk(key);
  c.out.bulk(v);
  afterRemoval(c, key, l, 1);
  c.propagateArgv = [left ? 'LPOP' : 'RPOP', key];
}

/** BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: options are checked before the timeout, as in Redis. */
export function blmpop(c: Client): void {
  const a = parseMpop(c, 2);
  if (a === null) return;
  const timeout = argTimeout(c, c.argv[1]);
  if (timeout === null) return;
  if (c.retryingBlocked) {
    const key = c.srv.blocking.readyKey as Bytes;
    const v = c.db.get(key);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply);
      return;
    }
    popRangeWithKey(c, key, v, a.left, a.count);
    return;
  }
  for (const key of a.keys) {
    const l = writeList(c, key);
    if (l === WRONG) return;
    if (l !== undefined) return popRangeWithKey(c, key, l, a.left, a.count);
  }
  if (!mayBlock(c)) return c.out.nullArray();
  c.srv.blocking.block(c, a.keys, timeout, timeoutReply);
}

/** BLMOVE/BRPOPLPUSH: move at once if the source has data, else block on it; replicated as LMOVE/RPOPLPUSH. */
function blockingMove(c: Client, fromLeft: boolean, toLeft: boolean, timeout: number, asRpoplpush: boolean): void {
  const argv = c.argv;
  const src = argv[1];
  let sl: ListValue | undefined | typeof WRONG;
  if (c.retryingBlocked) {
    const v = c.db.get(src);
    if (v === undefined || typeof v === 'string' || v.type !== 'list') {
      c.srv.blocking.block(c, [], timeout, timeoutReply);
      return;
    }
    sl = v;
  } else {
    sl = writeList(c, src);
    if (sl === WRONG) return;
    if (sl === undefined) {
      if (!mayBlock(c)) return c.out.null();
      c.srv.blocking.block(c, [src], timeout, timeoutReply);
      return;
    }
  }
  if (!moveOne(c, src, sl, argv[2], fromLeft, toLeft)) return;
  c.propagateArgv = asRpoplpush ? ['RPOPLPUSH', src, argv[2]] : ['LMOVE', src, argv[2], argv[3], argv[4]];
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
export function blmove(c: Client): void {
  const fromLeft = argSide(c, c.argv[3]);
  if (fromLeft === null) return;
  const toLeft = argSide(c, c.argv[4]);
  if (toLeft === null) return;
  const timeout = argTimeout(c, c.argv[5]);
  if (timeout === null) return;
  blockingMove(c, fromLeft, toLeft, timeout, false);
}

/** BRPOPLPUSH source destination timeout: BLMOVE RIGHT LEFT, replicated as RPOPLPUSH */
export function brpoplpush(c: Client): void {
  const timeout = argTimeout(c, c.argv[3]);
  if (timeout === null) return;
  blockingMove(c, false, true, timeout, true);
}
