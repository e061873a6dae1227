/**
 * INCRBYFLOAT arithmetic emulating C `long double` (x87 80-bit). Work in progress: full emulation lands next.
 */
import type { Bytes } from './bytes';

export function incrByFloat(current: Bytes, incr: Bytes): { value: Bytes } | { error: string } {
  const a = Number(current);
  const b = Number(incr);
  if (Number.isNaN(a) || Number.isNaN(b)) return { error: 'ERR value is not a valid float' };
  const r = a + b;
  if (!Number.isFinite(r)) return { error: 'ERR increment would produce NaN or Infinity' };
  return { value: String(r) };
}
