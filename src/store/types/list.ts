/** list value: placeholder until the list family lands. */
export class ListValue {
  readonly type = 'list' as const;
  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): string {
    return 'quicklist';
  }
  get size(): number {
    return 0;
  }
}
