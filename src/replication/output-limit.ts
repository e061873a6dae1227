/**
 * `client-output-buffer-limit replica <hard> <soft> <seconds>` accounting for one replica link. Pure: the caller
 * supplies the bytes the link holds (socket queue + stream kept back during a full sync) and the clock.
 * Redis' rule: the hard limit breaks at once; the soft limit only once it has been exceeded without interruption for
 * more than `seconds` (dropping under it resets the timer).
 */

export interface OutputLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

export class OutputLimitState {
  /** time (ms) the soft limit was first seen exceeded in the current streak; -1 when under it */
  softSince = -1;

  /** Whether `bytes` breaks the limits at `now` (ms). Limits of 0 are disabled. */
  exceeded(bytes: number, limits: OutputLimits | null, now: number): boolean {
    if (limits === null) return false;
    if (limits.hard > 0 && bytes >= limits.hard) return true;
    if (limits.soft > 0 && bytes >= limits.soft) {
      if (this.softSince < 0) {
        this.softSince = now;
        return false;
      }
      return now - this.softSince > limits.softSeconds * 1000;
    }
    this.softSince = -1;
    return false;
  }
}

/** Reads the replica class of the `client-output-buffer-limit` value ("normal 0 0 0 replica 268435456 ..."). */
export function replicaLimits(value: string): OutputLimits | null {
  const words = value.split(' ');
  for (let i = 0; i + 3 < words.length; i += 4) {
    const cls = words[i];
    if (cls === 'replica' || cls === 'slave') {
      return { hard: Number(words[i + 1]), soft: Number(words[i + 2]), softSeconds: Number(words[i + 3]) };
    }
  }
  return null;
}
