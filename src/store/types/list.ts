/**
 * List values: a quicklist-like chain of nodes, each holding up to NODE_MAX_COUNT elements and NODE_MAX_BYTES bytes.
 *
 * Memory is the point of the design. One JS string per element costs ~24-40 bytes of header and array slot on top of
 * its bytes, so nodes away from the ends are stored *packed*: every element prefixed by a 1- or 2-byte length and
 * concatenated into a single one-byte string (Redis' listpack idea). A 2.2M-element list of small values then takes
 * about what Redis takes instead of several times more, and the GC sees a few thousand strings instead of millions.
 *
 * The HOT nodes at each end stay as plain arrays so pushes and pops are O(1) without re-packing; a node is packed when
 * it becomes cold (a new node appears between it and the end) and unpacked only when an end operation reaches it,
 * which costs O(node) once per node's worth of operations. Index access walks node counts from the nearer end, then
 * scans inside one node: O(n / node size + node size).
 */
import type { Bytes } from '../../protocol/bytes';
import { packItems, packedAt, packedCopy, packedIndexOf, packedOffsets, unpackItems } from './list-pack';

/** byte budget of one node in packed form (Redis' default list-max-listpack-size -2 is 8 KB) */
export const NODE_MAX_BYTES = 8192;
/** element budget of one node: bounds the scan inside a packed node */
export const NODE_MAX_COUNT = 512;
/** nodes kept unpacked at each end */
const HOT = 2;
/**
 * Up to this many elements a node's array is re-allocated at its exact size after a push: V8 grows arrays with ~16
 * spare slots, which more than doubled the footprint of the many tiny lists (a 3-element list cost ~650 bytes).
 */
const EXACT_ITEMS = 16;

/** Bytes an element occupies in a packed node: its length prefix plus its bytes. */
function cost(s: Bytes): number {
  const l = s.length;
  return l < 128 ? l + 1 : l + 2;
}

class Node {
  constructor(
    /** elements, when unpacked (hot or being modified) */
    public items: Bytes[] | null,
    /** the packed form when items is null, '' otherwise */
    public packed: string,
    public count: number,
    /** packed size: sum of cost() */
    public bytes: number,
  ) {}

  /** The elements as an array, unpacking the node for modification. */
  open(): Bytes[] {
    let items = this.items;
    if (items === null) {
      items = unpackItems(this.packed, this.count);
      this.items = items;
      this.packed = '';
    }
    return items;
  }

  /** Whether an element of cost `c` may be added without exceeding the budgets (an empty node takes anything). */
  fits(c: number): boolean {
    return this.count === 0 || (this.count < NODE_MAX_COUNT && this.bytes + c <= NODE_MAX_BYTES);
  }

  /** Packs the node if it is unpacked and small enough (a lone huge element stays a plain string). */
  pack(): void {
    if (this.items !== null && this.bytes <= NODE_MAX_BYTES && this.count > 0) {
      this.packed = packItems(this.items);
      this.items = null;
    }
  }

  /** Element k (0 <= k < count) without unpacking. */
  at(k: number): Bytes {
    return this.items !== null ? this.items[k] : packedAt(this.packed, k);
  }

  /** The elements as an array that the caller must not keep or modify if the node is unpacked. */
  view(): Bytes[] {
    return this.items ?? unpackItems(this.packed, this.count);
  }
}

// Result of locate(): module-level so index lookups allocate nothing.
let locNode = 0;
let locOff = 0;

export class ListValue {
  /** on the prototype (set below the class), so that no instance pays a field for it */
  declare readonly type: 'list';
  private nodes: Node[] = [];
  private len = 0;

  /** Builds a list from elements in head-to-tail order (RDB load, SORT STORE, tests). */
  static from(items: Iterable<Bytes>): ListValue {
    const l = new ListValue();
    for (const s of items) l.pushRight(s);
    return l;
  }

  /** OBJECT ENCODING as Redis 7.0 reports it: lists are always quicklists there. */
  encoding(): string {
    return 'quicklist';
  }

  get size(): number {
    return this.len;
  }

  /** Number of nodes (DEBUG OBJECT's ql_nodes). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Independent copy. Packed nodes are immutable strings, so they are shared rather than copied. */
  clone(): ListValue {
    const l = new ListValue();
    l.len = this.len;
    l.nodes = this.nodes.map((n) => new Node(n.items === null ? null : n.items.slice(), n.packed, n.count, n.bytes));
    return l;
  }

  // ---- ends ----------------------------------------------------------------------------------------------------

  pushRight(v: Bytes): void {
    const nodes = this.nodes;
    const c = cost(v);
    let t = nodes[nodes.length - 1];
    if (t === undefined || !t.fits(c)) {
      t = new Node([], '', 0, 0);
      if (nodes.length === 0) this.nodes = [t];
      else nodes.push(t);
      this.cool(this.nodes.length - 1 - HOT);
    }
    const items = t.open();
    items.push(v);
    if (items.length <= EXACT_ITEMS) t.items = items.slice();
    t.count++;
    t.bytes += c;
    this.len++;
  }

  pushLeft(v: Bytes): void {
    const nodes = this.nodes;
    const c = cost(v);
    let h = nodes[0];
    if (h === undefined || !h.fits(c)) {
      h = new Node([], '', 0, 0);
      if (nodes.length === 0) this.nodes = [h];
      else nodes.unshift(h);
      this.cool(HOT);
    }
    const items = h.open();
    items.unshift(v);
    if (items.length <= EXACT_ITEMS) h.items = items.slice();
    h.count++;
    h.bytes += c;
    this.len++;
  }

  popLeft(): Bytes | undefined {
    const h = this.nodes[0];
    if (h === undefined) return undefined;
    const v = h.open().shift() as Bytes;
    h.bytes -= cost(v);
    this.len--;
    if (--h.count === 0) this.nodes.shift();
    return v;
  }

  popRight(): Bytes | undefined {
    const nodes = this.nodes;
    const t = nodes[nodes.length - 1];
    if (t === undefined) return undefined;
    const v = t.open().pop() as Bytes;
    t.bytes -= cost(v);
    this.len--;
    if (--t.count === 0) nodes.pop();
    return v;
  }

  /** Removes up to n elements from the head (or tail), returned in pop order. */
  popMany(n: number, fromRight: boolean): Bytes[] {
    const k = Math.min(n, this.len);
    const out = new Array<Bytes>(k);
    for (let i = 0; i < k; i++) out[i] = (fromRight ? this.popRight() : this.popLeft()) as Bytes;
    return out;
  }

  // ---- index access --------------------------------------------------------------------------------------------

  /** Finds the node holding element `index` (0 <= index < len), walking from the nearer end. */
  private locate(index: number): Node {
    const nodes = this.nodes;
    if (index < this.len >> 1) {
      let i = 0;
      while (index >= nodes[i].count) index -= nodes[i++].count;
      locNode = i;
      locOff = index;
      return nodes[i];
    }
    let back = this.len - 1 - index;
    let i = nodes.length - 1;
    while (back >= nodes[i].count) back -= nodes[i--].count;
    locNode = i;
    locOff = nodes[i].count - 1 - back;
    return nodes[i];
  }

  /** Element at `index` (negative counts from the tail), or undefined when out of range. */
  at(index: number): Bytes | undefined {
    if (index < 0) index += this.len;
    if (index < 0 || index >= this.len) return undefined;
    const nd = this.locate(index);
    return nd.at(locOff);
  }

  /** Replaces the element at `index` (negative counts from the tail). Returns false when out of range. */
  set(index: number, v: Bytes): boolean {
    if (index < 0) index += this.len;
    if (index < 0 || index >= this.len) return false;
    const nd = this.locate(index);
    const i = locNode;
    const items = nd.open();
    nd.bytes += cost(v) - cost(items[locOff]);
    items[locOff] = v;
    this.settle(i);
    return true;
  }

  /** Inserts `v` so that it ends up at position `index` (0..len). */
  insertAt(index: number, v: Bytes): void {
    if (index <= 0) return this.pushLeft(v);
    if (index >= this.len) return this.pushRight(v);
    const nd = this.locate(index);
    const i = locNode;
    nd.open().splice(locOff, 0, v);
    nd.count++;
    nd.bytes += cost(v);
    this.len++;
    this.settle(i);
  }

  /** Elements start..stop inclusive (0 <= start <= stop < len), head to tail. */
  range(start: number, stop: number): Bytes[] {
    const out = new Array<Bytes>(stop - start + 1);
    if (stop < start) return out;
    const nodes = this.nodes;
    this.locate(start);
    let i = locNode;
    let k = locOff;
    let o = 0;
    while (o < out.length) {
      const nd = nodes[i++];
      const take = Math.min(nd.count - k, out.length - o);
      if (nd.items !== null) {
        const items = nd.items;
        for (let j = 0; j < take; j++) out[o++] = items[k + j];
      } else {
        o = packedCopy(nd.packed, k, take, out, o);
      }
      k = 0;
    }
    return out;
  }

  /** Every element, head to tail. */
  toArray(): Bytes[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  *values(): IterableIterator<Bytes> {
    for (const nd of this.nodes) yield* nd.view();
  }

  [Symbol.iterator](): IterableIterator<Bytes> {
    return this.values();
  }

  /** Calls fn for every element, head to tail (cheaper than the iterator). */
  forEach(fn: (v: Bytes) => void): void {
    for (const nd of this.nodes) {
      const items = nd.view();
      for (let j = 0; j < items.length; j++) fn(items[j]);
    }
  }

  /**
   * The elements node by node, head to tail: RDB's QUICKLIST_2 writes one listpack per chunk. The arrays must not be
   * modified or kept.
   */
  *chunks(): IterableIterator<readonly Bytes[]> {
    for (const nd of this.nodes) yield nd.view();
  }

  // ---- searches and bulk removal -------------------------------------------------------------------------------

  /** Index of the first element equal to `v`, or -1. */
  indexOf(v: Bytes): number {
    let base = 0;
    for (const nd of this.nodes) {
      const k = nd.items !== null ? nd.items.indexOf(v) : packedIndexOf(nd.packed, nd.count, v);
      if (k >= 0) return base + k;
      base += nd.count;
    }
    return -1;
  }

  /**
   * LPOS: indexes of elements equal to `v`, scanning from the head or (reverse) from the tail. The first `skip`
   * matches are passed over, at most `limit` (0 = all) are returned, and at most `maxlen` elements (0 = all) are
   * compared.
   */
  positions(v: Bytes, reverse: boolean, skip: number, limit: number, maxlen: number): number[] {
    const out: number[] = [];
    const nodes = this.nodes;
    let budget = maxlen > 0 ? maxlen : this.len;
    if (!reverse) {
      let base = 0;
      for (let i = 0; i < nodes.length && budget > 0; i++) {
        const nd = nodes[i];
        const n = Math.min(nd.count, budget);
        if (nd.items !== null) {
          const items = nd.items;
          for (let k = 0; k < n; k++) {
            if (items[k] === v && skip-- <= 0 && out.push(base + k) === limit) return out;
          }
        } else {
          const p = nd.packed;
          const vl = v.length;
          let pos = 0;
          for (let k = 0; k < n; k++) {
            let l = p.charCodeAt(pos++);
            if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
            if (l === vl && p.startsWith(v, pos) && skip-- <= 0 && out.push(base + k) === limit) return out;
            pos += l;
          }
        }
        budget -= n;
        base += nd.count;
      }
      return out;
    }
    let end = this.len;
    for (let i = nodes.length - 1; i >= 0 && budget > 0; i--) {
      const nd = nodes[i];
      const base = end - nd.count;
      const stopAt = Math.max(0, nd.count - budget);
      if (nd.items !== null) {
        const items = nd.items;
        for (let k = nd.count - 1; k >= stopAt; k--) {
          if (items[k] === v && skip-- <= 0 && out.push(base + k) === limit) return out;
        }
      } else {
        const p = nd.packed;
        const offs = packedOffsets(p, nd.count);
        for (let k = nd.count - 1; k >= stopAt; k--) {
          if (offs[nd.count + k] === v.length && p.startsWith(v, offs[k]) && skip-- <= 0) {
            if (out.push(base + k) === limit) return out;
          }
        }
      }
      budget -= nd.count - stopAt;
      end = base;
    }
    return out;
  }

  /**
   * LREM: removes elements equal to `v`; count > 0 removes the first `count` from the head, count < 0 the first
   * |count| from the tail, 0 all of them. Returns how many were removed.
   */
  removeValue(v: Bytes, count: number): number {
    const nodes = this.nodes;
    const reverse = count < 0;
    const limit = reverse ? -count : count;
    const c = cost(v);
    let removed = 0;
    for (let step = 0; step < nodes.length; step++) {
      const nd = nodes[reverse ? nodes.length - 1 - step : step];
      if (nd.items === null && packedIndexOf(nd.packed, nd.count, v) < 0) continue;
      const items = nd.open();
      let r = 0;
      if (!reverse) {
        let w = 0;
        for (let k = 0; k < items.length; k++) {
          const s = items[k];
          if (s === v && (limit === 0 || removed + r < limit)) r++;
          else items[w++] = s;
        }
        items.length = w;
      } else {
        let w = items.length;
        for (let k = items.length - 1; k >= 0; k--) {
          const s = items[k];
          if (s === v && removed + r < limit) r++;
          else items[--w] = s;
        }
        items.splice(0, w);
      }
      nd.count -= r;
      nd.bytes -= r * c;
      removed += r;
      if (limit !== 0 && removed >= limit) break;
    }
    if (removed > 0) {
      this.len -= removed;
      this.normalize(0, nodes.length - 1);
    }
    return removed;
  }

  /** Removes `n` elements starting at index `start` (0 <= start, start + n <= len). */
  deleteRange(start: number, n: number): void {
    if (n <= 0) return;
    if (start === 0 && n >= this.len) {
      this.nodes = [];
      this.len = 0;
      return;
    }
    const nodes = this.nodes;
    this.locate(start);
    const first = locNode;
    let i = first;
    let k = locOff;
    let left = n;
    while (left > 0) {
      const nd = nodes[i];
      if (k === 0 && left >= nd.count) {
        left -= nd.count;
        nd.count = 0;
        nd.items = [];
        nd.packed = '';
        nd.bytes = 0;
      } else {
        const items = nd.open();
        const take = Math.min(left, nd.count - k);
        const gone = items.splice(k, take);
        for (let j = 0; j < gone.length; j++) nd.bytes -= cost(gone[j]);
        nd.count -= take;
        left -= take;
      }
      k = 0;
      i++;
    }
    this.len -= n;
    this.normalize(first, i - 1);
  }

  /** LTRIM: keeps elements start..stop inclusive (already clamped: 0 <= start, stop < len), drops everything if empty. */
  trim(start: number, stop: number): void {
    if (start > stop || start >= this.len) {
      this.deleteRange(0, this.len);
      return;
    }
    this.deleteRange(stop + 1, this.len - stop - 1);
    this.deleteRange(0, start);
  }

  /** Verifies the structure's invariants; returns the first violation found, or null (tests, DEBUG). */
  checkIntegrity(): string | null {
    let total = 0;
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const nd = nodes[i];
      const items = nd.view();
      if (nd.count === 0) return `node ${i} is empty`;
      if (items.length !== nd.count) return `node ${i} count ${nd.count} != ${items.length}`;
      let bytes = 0;
      for (const s of items) bytes += cost(s);
      if (bytes !== nd.bytes) return `node ${i} bytes ${nd.bytes} != ${bytes}`;
      if (nd.count > NODE_MAX_COUNT) return `node ${i} holds ${nd.count} elements`;
      if (nd.count > 1 && bytes > NODE_MAX_BYTES) return `node ${i} holds ${bytes} bytes`;
      const cold = i >= HOT && i < nodes.length - HOT;
      if (cold && nd.items !== null && bytes <= NODE_MAX_BYTES) return `cold node ${i} is not packed`;
      if (nd.items !== null && nd.packed !== '') return `node ${i} has both forms`;
      total += nd.count;
    }
    return total === this.len ? null : `size ${this.len} != ${total}`;
  }

  // ---- node maintenance ----------------------------------------------------------------------------------------

  /** Packs node i if it is away from both ends. */
  private cool(i: number): void {
    if (i >= HOT && i < this.nodes.length - HOT) this.nodes[i].pack();
  }

  /** After node i was modified in place: drop it if empty, split it if over budget, re-pack it if cold. */
  private settle(i: number): void {
    const nd = this.nodes[i];
    if (nd.count === 0) {
      this.nodes.splice(i, 1);
      return;
    }
    if (nd.count > NODE_MAX_COUNT || (nd.bytes > NODE_MAX_BYTES && nd.count > 1)) {
      const parts = splitNode(nd.open(), []);
      this.nodes.splice(i, 1, ...parts);
      // The new nodes may be cold; so may hot neighbours: near the head they were pushed inward, near the tail the
      // list grew past them.
      for (let j = Math.max(0, i - HOT); j < i + parts.length + HOT; j++) this.cool(j);
      for (let j = HOT; j < HOT + parts.length; j++) this.cool(j);
      return;
    }
    this.cool(i);
  }

  /**
   * After removals in nodes lo..hi: drops empty nodes, merges neighbours that fit together into one (so heavy
   * removals do not leave a trail of tiny nodes) and re-packs cold nodes.
   */
  private normalize(lo: number, hi: number): void {
    const nodes = this.nodes;
    // the left neighbour is included so it can absorb what is left of the first touched node
    const from = Math.max(0, lo - 1);
    const to = Math.min(nodes.length - 1, hi + 1);
    let w = from;
    for (let r = from; r <= to; r++) {
      const nd = nodes[r];
      if (nd.count === 0) continue;
      if (w > from) {
        const prev = nodes[w - 1];
        if (prev.count + nd.count <= NODE_MAX_COUNT && prev.bytes + nd.bytes <= NODE_MAX_BYTES) {
          mergeInto(prev, nd);
          continue;
        }
      }
      nodes[w++] = nd;
    }
    if (w <= to) nodes.splice(w, to + 1 - w);
    // removing nodes only moves others closer to an end, so only the nodes of this range can need packing
    for (let i = from; i < w; i++) this.cool(i);
  }
}

/** Appends b's elements to a (both non-empty; their sum fits the budgets). */
function mergeInto(a: Node, b: Node): void {
  if (a.items === null && b.items === null) {
    a.packed = [a.packed, b.packed].join('');
  } else {
    const items = a.open();
    const more = b.view();
    for (let j = 0; j < more.length; j++) items.push(more[j]);
  }
  a.count += b.count;
  a.bytes += b.bytes;
}

/** Cuts an over-budget array into halves, recursively, until every part fits (a single element always does). */
function splitNode(items: Bytes[], out: Node[]): Node[] {
  let bytes = 0;
  for (let j = 0; j < items.length; j++) bytes += cost(items[j]);
  if (items.length === 1 || (items.length <= NODE_MAX_COUNT && bytes <= NODE_MAX_BYTES)) {
    out.push(new Node(items, '', items.length, bytes));
    return out;
  }
  const half = items.length >> 1;
  splitNode(items.slice(0, half), out);
  splitNode(items.slice(half), out);
  return out;
}

Object.defineProperty(ListValue.prototype, 'type', { value: 'list' });
