/**
 * The replication backlog: a fixed-size ring buffer holding the most recent bytes of the replication stream, so a
 * replica that lost its link can continue from its offset (partial resync) instead of taking a full snapshot.
 * Offsets are stream offsets as in Redis: the first byte ever fed after creation has offset `masterOffset + 1`.
 * Pure data structure: no sockets, no timers.
 */
export class Backlog {
  private buf: Buffer;
  /** write position in buf */
  private idx = 0;
  /** bytes of valid history (<= buf.length) */
  histlen = 0;
  /** stream offset of the last byte fed (Redis' master_repl_offset) */
  offset: number;

  /** `startOffset` is master_repl_offset at creation: the next byte fed gets startOffset + 1. */
  constructor(size: number, startOffset: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.offset = startOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Offset of the oldest byte held (repl_backlog_first_byte_offset). */
  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  feed(chunk: Buffer): void {
    const size = this.buf.length;
    this.offset += chunk.length;
    let data = chunk;
    if (data.length >= size) {
      // Only the tail fits; it fills the whole ring.
      data.copy(this.buf, 0, data.length - size);
      this.idx = 0;
      this.histlen = size;
      return;
    }
    const first = Math.min(data.length, size - this.idx);
    data.copy(this.buf, this.idx, 0, first);
    if (first < data.length) {
      data = data.subarray(first);
      data.copy(this.buf, 0);
      this.idx = data.length;
    } else {
      this.idx = (this.idx + first) % size;
    }
    this.histlen = Math.min(size, this.histlen + chunk.length);
  }

  /**
   * Whether a replica asking for `fromOffset` (the next byte it lacks) can continue from here: the window is
   * [firstByteOffset, offset + 1] — asking for offset + 1 means "nothing missing".
   */
  covers(fromOffset: number): boolean {
    return fromOffset >= this.firstByteOffset && fromOffset <= this.offset + 1;
  }

  /** Bytes from `fromOffset` to the end, as at most two slices (copies). Caller checks covers() first. */
  readFrom(fromOffset: number): Buffer[] {
    const want = this.offset + 1 - fromOffset;
    if (want <= 0) return [];
    const size = this.buf.length;
    const start = (this.idx - want + size * 2) % size;
    if (start + want <= size) return [Buffer.from(this.buf.subarray(start, start + want))];
    return [Buffer.from(this.buf.subarray(start)), Buffer.from(this.buf.subarray(0, want - (size - start)))];
  }

  /** Changes the capacity, keeping as much of the most recent history as fits. */
  resize(newSize: number): void {
    newSize = Math.max(1, newSize);
    if (newSize === this.buf.length) return;
    const keep = Math.min(this.histlen, newSize);
    const tail = Buffer.concat(this.readFrom(this.offset + 1 - keep));
    this.buf = Buffer.allocUnsafe(newSize);
    tail.copy(this.buf, 0);
    this.idx = keep % newSize;
    this.histlen = keep;
  }
}
