/** hash value: placeholder until the hash family lands. */
export class HashValue {
  readonly type = 'hash' as const;
  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): string {
    return 'listpack';
  }
  get size(): number {
    return 0;
  }
}
