/** set value: placeholder until the set family lands. */
export class SetValue {
  readonly type = 'set' as const;
  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): string {
    return 'intset';
  }
  get size(): number {
    return 0;
  }
}
