/**
 * Tandem stores every key and value as a "binary string": a JS string whose char codes are all 0..255, one char per
 * byte (Node's 'latin1' encoding). V8 keeps such strings in one-byte representation, so a small value costs ~16 bytes
 * of header plus its length, instead of the ~100 bytes of a Buffer object — and they can be Map keys directly.
 */
export type Bytes = string;

/** Converts bytes (as received from a socket or file) to a binary string. */
export function bytesOf(buf: Buffer, start = 0, end = buf.length): Bytes {
  return buf.latin1Slice(start, end);
}

/** Converts a binary string back to a Buffer (copies). */
export function bufferOf(s: Bytes): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Encodes a JS (UTF-16) text as UTF-8 bytes in binary-string form: for messages and names we build ourselves. */
export function utf8ToBytes(text: string): Bytes {
  // Fast path: ASCII text is already its own byte representation.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'utf8').latin1Slice(0);
  }
  return text;
}

/** Decodes binary-string bytes as UTF-8 text (for logging or file paths given by clients). */
export function bytesToUtf8(s: Bytes): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
  }
}
