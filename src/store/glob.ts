/**
 * Glob-style matching with Redis' rules (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET): `*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]` (reversed ranges allowed), and `\x` escapes. Works on binary strings. Iterative with backtracking on the
 * last `*`, so hostile patterns cannot blow the stack.
 */

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = -1;
  const plen = pattern.length;
  const slen = str.length;
  const lower = (c: number): number => (nocase && c >= 65 && c <= 90 ? c + 32 : c);

  while (s < slen) {
    if (p < plen) {
      const pc = pattern.charCodeAt(p);
      if (pc === 42 /* * */) {
        while (p + 1 < plen && pattern.charCodeAt(p + 1) === 42) p++;
        if (p + 1 === plen) return true;
        starP = p++;
        starS = s;
        continue;
      }
      if (pc === 63 /* ? */) {
        p++;
        s++;
        continue;
      }
      if (pc === 91 /* [ */) {
        const r = matchClass(pattern, p + 1, lower(str.charCodeAt(s)), lower);
        if (r.matched) {
          p = r.next;
          s++;
          continue;
        }
      } else {
        let want = pc;
        let np = p + 1;
        if (pc === 92 /* \ */ && p + 1 < plen) {
          want = pattern.charCodeAt(p + 1);
          np = p + 2;
        }
        if (lower(want) === lower(str.charCodeAt(s))) {
          p = np;
          s++;
          continue;
        }
      }
    }
    // mismatch: backtrack to the last star, letting it absorb one more char
    if (starP < 0) return false;
    p = starP + 1;
    s = ++starS;
  }
  while (p < plen && pattern.charCodeAt(p) === 42) p++;
  return p === plen;
}

/** Matches char code `c` against a class starting after '['. Returns position after ']'. */
function matchClass(
  pattern: string,
  p: number,
  c: number,
  lower: (c: number) => number,
): { matched: boolean; next: number } {
  const plen = pattern.length;
  let not = false;
  if (p < plen && pattern.charCodeAt(p) === 94 /* ^ */) {
    not = true;
    p++;
  }
  let match = false;
  for (;;) {
    if (p >= plen) {
      // Unterminated class: Redis treats the end of pattern as the end of the class.
      break;
    }
    const pc = pattern.charCodeAt(p);
    if (pc === 93 /* ] */) {
      p++;
      break;
    }
    if (pc === 92 /* \ */ && p + 1 < plen) {
      if (lower(pattern.charCodeAt(p + 1)) === c) match = true;
      p += 2;
    } else if (p + 2 < plen && pattern.charCodeAt(p + 1) === 45 /* - */) {
      let start = lower(pc);
      let end = lower(pattern.charCodeAt(p + 2));
      if (start > end) [start, end] = [end, start];
      if (c >= start && c <= end) match = true;
      p += 3;
    } else {
      if (lower(pc) === c) match = true;
      p++;
    }
  }
  return { matched: not ? !match : match, next: p };
}
