/**
 * The snapshot's view of one database (see docs/SNAPSHOTS.md): the key map as it was at snapshot start, which the
 * database leaves untouched while the view is attached (changes go to the database's overlay), read with one cursor
 * that survives between slices.
 */
import type { KeyMap } from './keymap';
import type { Bytes } from '../protocol/bytes';
import type { RedisValue } from './value';

export interface FrozenViewOwner {
  /** called once the view has been read to the end: the database may fold its overlay back in */
  released(view: FrozenView): void;
}

export class FrozenView {
  /** TTLs at snapshot start of keys whose TTL changed since (-1 = had none); only keys that changed are here */
  readonly ttlAtStart = new Map<Bytes, number>();
  /** set when the database was emptied mid-snapshot: the view alone holds these maps now */
  detached = false;
  /** keys whose collection was copied before an in-place change, and their element count (the "CoW" figure) */
  copies = 0;
  copiedElements = 0;
  private cursor: IterableIterator<[Bytes, RedisValue]> | null = null;
  private finished = false;

  constructor(
    /** the key map at start (not modified while the view is attached) */
    readonly map: KeyMap<RedisValue>,
    /** the TTL map that goes with `map` (live: changes are recorded in ttlAtStart first) */
    public expires: KeyMap<number>,
    /** db index at start (SWAPDB may move the maps to another Db; keys are written under this index) */
    readonly originDb: number,
    public owner: FrozenViewOwner,
  ) {}

  /** Keys at start. */
  get size(): number {
    return this.map.size;
  }

  get done(): boolean {
    return this.finished;
  }

  /** TTL of `key` at snapshot start, -1 if none. */
  ttlOf(key: Bytes): number {
    const t = this.ttlAtStart.get(key);
    return t !== undefined ? t : (this.expires.get(key) ?? -1);
  }

  /** Hands up to `max` keys (value and TTL at start) to `emit`; returns how many. Releases the db at the end. */
  read(max: number, emit: (key: Bytes, value: RedisValue, expireMs: number) => void): number {
    if (this.finished) return 0;
    const it = (this.cursor ??= this.map.entries());
    let n = 0;
    while (n < max) {
      const r = it.next();
      if (r.done) {
        this.finish();
        break;
      }
      const [key, value] = r.value;
      emit(key, value, this.ttlOf(key));
      n++;
    }
    return n;
  }

  /** Stops reading (abort or end) and gives the database back its maps. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.cursor = null;
    if (!this.detached) this.owner.released(this);
  }
}
