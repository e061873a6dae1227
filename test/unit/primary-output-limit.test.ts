import { describe, expect, it } from 'vitest';
import { OutputLimitState, replicaLimits } from '../../src/replication/output-limit';

describe('replica output buffer limits', () => {
  const limits = { hard: 1000, soft: 500, softSeconds: 2 };

  it('the hard limit breaks at once', () => {
    const s = new OutputLimitState();
    expect(s.exceeded(999, limits, 0)).toBe(false);
    expect(s.exceeded(1000, limits, 0)).toBe(true);
  });

  it('the soft limit breaks only after being exceeded for longer than its seconds without interruption', () => {
    const s = new OutputLimitState();
    expect(s.exceeded(600, limits, 10_000)).toBe(false); // starts the streak
    expect(s.exceeded(600, limits, 11_000)).toBe(false);
    expect(s.exceeded(600, limits, 12_000)).toBe(false); // exactly the limit: not yet (Redis compares with <=)
    expect(s.exceeded(600, limits, 12_001)).toBe(true);
  });

  it('dropping under the soft limit resets the streak', () => {
    const s = new OutputLimitState();
    expect(s.exceeded(600, limits, 0)).toBe(false);
    expect(s.exceeded(100, limits, 1500)).toBe(false);
    expect(s.exceeded(600, limits, 2500)).toBe(false);
    expect(s.exceeded(600, limits, 4000)).toBe(false);
    expect(s.exceeded(600, limits, 4501)).toBe(true);
  });

  it('zero disables a limit, and no configured class means no limit', () => {
    const s = new OutputLimitState();
    expect(s.exceeded(1e12, { hard: 0, soft: 0, softSeconds: 0 }, 0)).toBe(false);
    expect(s.exceeded(1e12, null, 0)).toBe(false);
    expect(s.exceeded(600, { hard: 0, soft: 500, softSeconds: 0 }, 0)).toBe(false);
    expect(s.exceeded(600, { hard: 0, soft: 500, softSeconds: 0 }, 1)).toBe(true);
  });

  it('reads the replica class from the config value (canonical name slave, or replica)', () => {
    expect(replicaLimits('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60')).toEqual({
      hard: 268435456,
      soft: 67108864,
      softSeconds: 60,
    });
    expect(replicaLimits('normal 0 0 0 replica 1 2 3 pubsub 0 0 0')).toEqual({ hard: 1, soft: 2, softSeconds: 3 });
    expect(replicaLimits('normal 0 0 0')).toBeNull();
  });
});
