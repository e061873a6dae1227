import { describe, expect, it } from 'vitest';
import {
  attachTo,
  CAPA_EOF,
  CAPA_PSYNC2,
  pickBatch,
  REQ_EXCLUDE_DATA,
  REQ_EXCLUDE_FUNCTIONS,
  socketTarget,
} from '../../src/replication/sync-batch';

const EOF2 = CAPA_EOF | CAPA_PSYNC2;
const diskless = { diskless: true, delayMs: 5000, maxReplicas: 0 };

describe('full-sync batching', () => {
  it('waits for the diskless delay, measured on the longest-waiting replica', () => {
    expect(pickBatch([{ capa: EOF2, req: 0, idleMs: 4999 }], diskless)).toBeNull();
    const b = pickBatch(
      [
        { capa: EOF2, req: 0, idleMs: 5000 },
        { capa: EOF2, req: 0, idleMs: 10 },
      ],
      diskless,
    );
    expect(b).toEqual({ members: [0, 1], capa: EOF2, req: 0, socketTarget: true });
  });

  it('starts at once when enough replicas wait (repl-diskless-sync-max-replicas)', () => {
    const waiting = [
      { capa: EOF2, req: 0, idleMs: 0 },
      { capa: EOF2, req: 0, idleMs: 0 },
    ];
    expect(pickBatch(waiting, { ...diskless, maxReplicas: 3 })).toBeNull();
    expect(pickBatch(waiting, { ...diskless, maxReplicas: 2 })?.members).toEqual([0, 1]);
  });

  it('starts at once with disk-based sync, and when forced', () => {
    const waiting = [{ capa: EOF2, req: 0, idleMs: 0 }];
    expect(pickBatch(waiting, { ...diskless, diskless: false })).toEqual({
      members: [0],
      capa: EOF2,
      req: 0,
      socketTarget: false,
    });
    expect(pickBatch(waiting, diskless, true)?.socketTarget).toBe(true);
  });

  it('batches only replicas with the first one requirements, intersecting capabilities', () => {
    const filtered = REQ_EXCLUDE_DATA | REQ_EXCLUDE_FUNCTIONS;
    const b = pickBatch(
      [
        { capa: EOF2, req: 0, idleMs: 6000 },
        { capa: CAPA_EOF | CAPA_PSYNC2, req: filtered, idleMs: 9000 },
        { capa: CAPA_PSYNC2, req: 0, idleMs: 0 },
      ],
      diskless,
    );
    // the filtered one waits for a batch of its own; one member lacks EOF, so the batch goes through disk
    expect(b).toEqual({ members: [0, 2], capa: CAPA_PSYNC2, req: 0, socketTarget: false });
    // the filtered replica's own batch: a filter forces the socket target even with diskless sync off
    const f = pickBatch([{ capa: CAPA_EOF, req: filtered, idleMs: 0 }], { ...diskless, diskless: false });
    expect(f?.socketTarget).toBe(true);
  });

  it('needs nobody waiting to do nothing', () => {
    expect(pickBatch([], diskless, true)).toBeNull();
  });

  it('socket target needs EOF support', () => {
    expect(socketTarget(true, CAPA_PSYNC2, 0)).toBe(false);
    expect(socketTarget(true, CAPA_EOF, 0)).toBe(true);
    expect(socketTarget(false, CAPA_EOF, 0)).toBe(false);
    expect(socketTarget(false, CAPA_EOF, REQ_EXCLUDE_DATA)).toBe(true);
  });
});

describe('joining a running disk snapshot', () => {
  const member = (capa: number, req = 0, rdbOnly = false, accumulating = true) => ({
    capa,
    req,
    rdbOnly,
    accumulating,
  });

  it('joins when the first suitable member has capabilities it also has and the same requirements', () => {
    expect(attachTo({ capa: EOF2, req: 0, rdbOnly: false }, [member(CAPA_PSYNC2)])).toBe(0);
    expect(attachTo({ capa: CAPA_PSYNC2, req: 0, rdbOnly: false }, [member(EOF2)])).toBe(-1);
    expect(attachTo({ capa: EOF2, req: REQ_EXCLUDE_DATA, rdbOnly: false }, [member(EOF2)])).toBe(-1);
  });

  it('only the first suitable member counts', () => {
    expect(attachTo({ capa: CAPA_PSYNC2, req: 0, rdbOnly: false }, [member(EOF2), member(CAPA_PSYNC2)])).toBe(-1);
  });

  it('skips members that keep no stream for a replica that needs one', () => {
    const running = [member(EOF2, 0, true), member(EOF2, 0, false, false), member(EOF2)];
    expect(attachTo({ capa: EOF2, req: 0, rdbOnly: false }, running)).toBe(2);
    // an rdb-only newcomer can copy from an rdb-only member
    expect(attachTo({ capa: EOF2, req: 0, rdbOnly: true }, running)).toBe(0);
  });

  it('waits for the next snapshot when nobody accumulates', () => {
    expect(attachTo({ capa: EOF2, req: 0, rdbOnly: false }, [])).toBe(-1);
  });
});
