/** zset value: placeholder until the zset family lands. */
export class ZSetValue {
  readonly type = 'zset' as const;
  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): string {
    return 'listpack';
  }
  get size(): number {
    return 0;
  }
}
