/**
 * Differential testing: the same command sequence is sent to Tandem and to real redis-server 7.0, and the replies
 * must be identical (wire type and content). Each family contributes a corpus file under test/interop/.
 *
 * A case is an argv, or an object with a comparison mode for replies that are legitimately non-deterministic:
 * - unordered: arrays compared as multisets (SMEMBERS, HGETALL of a big hash, KEYS)
 * - pairs: flat [k, v, k, v] arrays compared as sets of pairs (HGETALL, CONFIG GET with globs)
 * - shape: only the reply type and array length must match (SRANDMEMBER, SPOP, RANDOMKEY)
 * - ttl: integers may differ by 1 (TTL/PTTL race with the clock)
 *
 * Several connections per server: a case may name `conn` (0 is the main connection; others open on first use, in
 * the group's protocol, and close when the group ends), read several reply frames (`replies`, e.g. SUBSCRIBE a b
 * answers with two frames) or only read frames pushed to it without sending anything (`cmd` omitted, `replies`
 * frames; e.g. messages delivered to a subscriber). With several frames, mode 'unordered' compares them as a
 * multiset of exact frames (e.g. pmessages of several matching patterns, delivered in hash order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply, RespClient } from './resp-client';
import { type ServerHandle, requireRedis, startRedis, startTandem } from './servers';

export type Arg = string | Buffer | number;
export type DiffCase =
  | Arg[]
  | {
      /** omitted: send nothing, just read `replies` frames (default 1) already pushed to this connection */
      cmd?: Arg[];
      /** connection index (default 0, the main connection) */
      conn?: number;
      /** number of reply frames this case produces (default 1; 0 sends without reading, e.g. a command that blocks) */
      replies?: number;
      mode?: 'exact' | 'unordered' | 'pairs' | 'shape' | 'ttl';
      /** run on both but do not compare (set-up steps whose reply is random) */
      noCompare?: boolean;
      /** ms to sleep after this command on both servers (expiry tests) */
      sleepAfter?: number;
    };

type CaseObject = Exclude<DiffCase, Arg[]>;

function norm(c: DiffCase): CaseObject & { mode: NonNullable<CaseObject['mode']> } {
  return Array.isArray(c) ? { cmd: c, mode: 'exact' } : { mode: 'exact', ...c };
}

function sortKey(r: Reply): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Returns a canonical form of a reply for comparison under `mode`. */
export function canonical(r: Reply, mode: string): unknown {
  if (mode === 'shape') {
    if (r.t === 'array' || r.t === 'set' || r.t === 'push') return { t: r.t, n: r.v?.length ?? null };
    if (r.t === 'map') return { t: r.t, n: r.v.length };
    return { t: r.t };
  }
  if (mode === 'ttl' && r.t === 'int') return { t: 'int', approx: true };
  if ((mode === 'unordered' || mode === 'pairs') && (r.t === 'array' || r.t === 'set') && r.v) {
    if (mode === 'pairs') {
      const pairs: string[] = [];
      for (let i = 0; i + 1 < r.v.length; i += 2) pairs.push(sortKey(r.v[i]) + sortKey(r.v[i + 1]));
      return { t: r.t, pairs: pairs.sort() };
    }
    return { t: r.t, items: r.v.map(sortKey).sort() };
  }
  if (mode === 'unordered' && r.t === 'map') {
    return { t: 'map', pairs: r.v.map(([k, v]) => sortKey(k) + sortKey(v)).sort() };
  }
  return r;
}

function show(r: Reply): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
}

function fmtCmd(cmd: Arg[] | undefined): string {
  if (cmd === undefined) return '(read)';
  return cmd.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a).slice(0, 60))).join(' ');
}

/**
 * Declares a vitest suite that replays `cases` on both servers. Groups are separate `it`s sharing the servers; each
 * group starts with FLUSHALL + HELLO 2 (or 3 when `resp3`) unless `keepState`.
 */
export function differential(
  title: string,
  groups: Record<string, DiffCase[]>,
  opts: { args?: string[]; resp3?: boolean; keepState?: boolean } = {},
): void {
  const enabled = requireRedis(`differential ${title}`);
  describe.skipIf(!enabled)(`differential: ${title}`, () => {
    let tandem: ServerHandle;
    let redis: ServerHandle;
    let ct: RespClient;
    let cr: RespClient;
    beforeAll(async () => {
      [tandem, redis] = await Promise.all([startTandem({ args: opts.args }), startRedis({ args: opts.args })]);
      [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
    });
    afterAll(async () => {
      ct?.close();
      cr?.close();
      await Promise.all([tandem?.stop(), redis?.stop()]);
    });

    for (const [name, cases] of Object.entries(groups)) {
      it(name, async () => {
        if (!opts.keepState) {
          for (const c of [ct, cr]) {
            await c.call('FLUSHALL');
            await c.call('HELLO', opts.resp3 ? '3' : '2');
            await c.call('SELECT', '0');
          }
        }
        // extra connections of this group: index -> [tandem, redis]
        const extra = new Map<number, [RespClient, RespClient]>();
        const pair = async (i: number): Promise<[RespClient, RespClient]> => {
          if (i === 0) return [ct, cr];
          let p = extra.get(i);
          if (!p) {
            p = await Promise.all([tandem.client(), redis.client()]);
            extra.set(i, p);
            if (opts.resp3) await Promise.all(p.map((c) => c.call('HELLO', '3')));
          }
          return p;
        };
        const exchange = async (c: RespClient, cmd: Arg[] | undefined, n: number): Promise<Reply[]> => {
          if (cmd !== undefined) c.send(...cmd);
          const out: Reply[] = [];
          for (let i = 0; i < n; i++) out.push(await c.next());
          return out;
        };
        try {
          for (const raw of cases) {
            const tc = norm(raw);
            const [t, r] = await pair(tc.conn ?? 0);
            const n = tc.replies ?? 1;
            const [rts, rrs] = await Promise.all([exchange(t, tc.cmd, n), exchange(r, tc.cmd, n)]);
            if (tc.sleepAfter) await new Promise((res) => setTimeout(res, tc.sleepAfter));
            if (tc.noCompare) continue;
            if (n > 1 && tc.mode === 'unordered') {
              const a = rts.map(sortKey).sort();
              const b = rrs.map(sortKey).sort();
              expect(a, `${fmtCmd(tc.cmd)} (${n} frames, any order)`).toEqual(b);
              continue;
            }
            for (let i = 0; i < n; i++) {
              const rt = rts[i];
              const rr = rrs[i];
              const what = `${fmtCmd(tc.cmd)}${tc.conn ? ` [conn ${tc.conn}]` : ''}${n > 1 ? ` (frame ${i + 1}/${n})` : ''}`;
              if (tc.mode === 'ttl' && rt.t === 'int' && rr.t === 'int') {
                const d = rt.v - rr.v;
                expect(d >= -1n && d <= 1n, `${what}: tandem ${rt.v} redis ${rr.v}`).toBe(true);
                continue;
              }
              const a = canonical(rt, tc.mode);
              const b = canonical(rr, tc.mode);
              expect(a, `${what}\n  tandem: ${show(rt)}\n  redis:  ${show(rr)}`).toEqual(b);
            }
          }
        } finally {
          for (const [x, y] of extra.values()) {
            x.close();
            y.close();
          }
        }
      });
    }
  });
}
