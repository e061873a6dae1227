/**
 * LZF (liblzf format) as used for compressed RDB strings.
 *
 * Format: a control byte c < 32 starts a literal run of c+1 bytes; otherwise the top 3 bits are a back-reference
 * length L (7 = extended by the next byte), then an offset byte; it copies L+2 bytes starting
 * ((c & 31) << 8 | offset) + 1 bytes back (overlap allowed).
 *
 * The compressor follows liblzf's greedy hashing scheme with Redis' build settings (16-bit hash table, "very fast"
 * re-hashing after a match), so our output, and therefore whether compression is used at all for a given output
 * budget, matches what Redis writes for the same bytes.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Hash table of input positions. Slots hold `epoch + position`; a slot is valid for the current call only when it is
 * above the call's epoch, which spares clearing 256 KiB before each (often tiny) compression.
 */
const htab = new Uint32Array(HSIZE);
let epoch = 0;

/**
 * Compresses `src[start, end)` into `out` starting at `outStart`, using at most `budget` bytes of output.
 * Returns the compressed length, or 0 when the result would not fit (the caller then stores the data raw).
 */
export function lzfCompress(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outStart: number,
  budget: number,
): number {
  const inLen = end - start;
  if (inLen === 0 || budget === 0) return 0;
  if (epoch + inLen + 1 >= 0xffffffff) {
    htab.fill(0);
    epoch = 0;
  }
  const base = epoch; // slot value = base + (ip - start); valid when > base, i.e. never position 0 (like liblzf)
  epoch += inLen + 1;

  const outEnd = outStart + budget;
  let ip = start;
  let op = outStart + 1; // room for the first literal-run control byte
  let lit = 0;
  let hval = (src[ip] << 8) | src[ip + 1];

  while (ip < end - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0;
    const slot = ((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1);
    const stored = htab[slot];
    htab[slot] = base + (ip - start);
    const ref = stored > base ? start + (stored - base) : -1;
    let off = 0;
    if (
      ref >= 0 &&
      (off = ip - ref - 1) < MAX_OFF &&
      src[ref + 2] === src[ip + 2] &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1]
    ) {
      let maxlen = end - ip - 2;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 4 >= outEnd && op - (lit === 0 ? 1 : 0) + 4 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // ... or drop its unused control byte

      // Match length: liblzf first probes up to 16 bytes without the maxlen bound when maxlen > 16, then extends
      // one byte at a time; replicate that so match lengths (and output) are identical.
      let len = 2;
      let done = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (src[ref + len] !== src[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }

      len -= 2; // encoded as length - 2
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // control byte of the next literal run
      ip += len + 1;
      if (ip >= end - 2) break;

      // Re-hash the last two positions of the match so later data can refer to them.
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)] = base + (ip - start);
      ip++;
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)] = base + (ip - start);
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  if (op + 3 > outEnd) return 0;
  while (ip < end) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op - outStart;
}

/**
 * Decompresses `src[start, end)` into a new buffer of exactly `outLen` bytes.
 * Returns null when the data is malformed or does not produce exactly `outLen` bytes.
 */
export function lzfDecompress(src: Uint8Array, start: number, end: number, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let ip = start;
  let op = 0;
  while (ip < end) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLen || ip + n > end) return null;
      if (n < 16) {
        for (let k = 0; k < n; k++) out[op + k] = src[ip + k];
      } else {
        out.set(src.subarray(ip, ip + n), op);
      }
      op += n;
      ip += n;
    } else {
      let n = ctrl >>> 5;
      if (n === 7) {
        if (ip >= end) return null;
        n += src[ip++];
      }
      if (ip >= end) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++];
      n += 2;
      if (op + n > outLen || ref < 0) return null;
      // Overlapping copies repeat the pattern, so copy byte by byte.
      for (let k = 0; k < n; k++) out[op + k] = out[ref + k];
      op += n;
    }
  }
  return op === outLen ? out : null;
}
