import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/replication/backlog';
import { NO_REPLID, ReplicationHistory } from '../../src/replication/history';

function withStream(bytes: number, backlogSize = 1024) {
  const h = new ReplicationHistory();
  const b = new Backlog(backlogSize, h.offset);
  b.feed(Buffer.alloc(bytes, 0x61));
  h.offset = b.offset;
  return { h, b };
}

describe('ReplicationHistory', () => {
  it('ids are 40 lowercase hex chars; replid2 starts unset', () => {
    const h = new ReplicationHistory();
    expect(h.replid).toMatch(/^[0-9a-f]{40}$/);
    expect(h.replid2).toBe(NO_REPLID);
    expect(h.secondOffset).toBe(-1);
  });

  it('continues when id matches and offset is inside the backlog window', () => {
    const { h, b } = withStream(300);
    expect(h.decide(h.replid, 301, b)).toEqual({ kind: 'continue', replid: h.replid, fromOffset: 301 });
    expect(h.decide(h.replid, 1, b).kind).toBe('continue');
    expect(h.decide(h.replid, 302, b).kind).toBe('full');
    expect(h.decide('?', -1, b).kind).toBe('full');
    expect(h.decide('f'.repeat(40), 301, b).kind).toBe('full');
    expect(h.decide(h.replid, 301, null).kind).toBe('full');
  });

  it('falls back to full sync when the backlog lost the requested bytes', () => {
    const { h, b } = withStream(3000, 1024);
    expect(b.firstByteOffset).toBe(3000 - 1024 + 1);
    expect(h.decide(h.replid, 1000, b).kind).toBe('full');
    expect(h.decide(h.replid, 2000, b).kind).toBe('continue');
  });

  it('after promotion the old id is accepted up to the shift point only (spec §1 example)', () => {
    const { h, b } = withStream(403);
    const old = h.replid;
    h.shiftId();
    expect(h.replid2).toBe(old);
    expect(h.secondOffset).toBe(404);
    expect(h.decide(old, 404, b)).toEqual({ kind: 'continue', replid: h.replid, fromOffset: 404 });
    b.feed(Buffer.from('more'));
    h.offset = b.offset;
    expect(h.decide(old, 405, b).kind).toBe('full');
  });
});
