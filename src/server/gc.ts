/**
 * A full garbage collection right after a bulk load (RDB at start-up or DEBUG RELOAD, a replica's full sync,
 * DEBUG POPULATE), while the server is not serving yet or is blocked anyway.
 *
 * Why: a load grows the heap by the whole dataset in a few seconds. V8 then schedules its next major collection from
 * the heap size it saw mid-load, so one lands soon after the load, while clients are being served: on a 1M-key
 * dataset its final pause measured 60-140 ms on these 2-core machines (the concurrent marker gets little CPU when the
 * server and its clients use both cores). Collecting once at the end of the load costs that pause where the server
 * is still loading, and sets the next major collection from the live dataset size, far away.
 *
 * `gc` is exposed at run time (the flag only affects contexts created afterwards, hence the fresh context).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null | undefined;

export function collectAfterBulkLoad(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn: unknown = vm.runInNewContext('gc');
      collect = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
