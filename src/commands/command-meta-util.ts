/**
 * Reading the command facts of command-meta.ts (ACL categories, tips, key specs) and deriving them for commands
 * Redis does not have; key extraction by key specs (COMMAND GETKEYS); and a synopsis parser that turns a table
 * entry's argument summary into COMMAND DOCS arguments.
 */
import type { Bytes } from '../protocol/bytes';
import { ACL_CATEGORIES } from '../server/acl-catalog';
import { parseLong } from '../protocol/numbers';
import type { CommandEntry, CommandFlag } from './command';
import { COMMAND_META } from './command-meta';

/** COMMAND INFO prints flags in this order (Redis' flag table order); may_replicate and the sentinel flags are
 * deliberately not shown by Redis. */
const FLAG_ORDER: readonly CommandFlag[] = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'no_mandatory_keys',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
];

/** The category a DOCS group implies (for commands Redis does not know); categories are listed in ACL_CATEGORIES' order. */
const GROUP_CATEGORY: Record<string, string> = {
  generic: 'keyspace',
  keys: 'keyspace',
  string: 'string',
  list: 'list',
  set: 'set',
  'sorted-set': 'sortedset',
  sortedset: 'sortedset',
  zset: 'sortedset',
  hash: 'hash',
  pubsub: 'pubsub',
  transactions: 'transaction',
  connection: 'connection',
  bitmap: 'bitmap',
  hyperloglog: 'hyperloglog',
  geo: 'geo',
  stream: 'stream',
  scripting: 'scripting',
};

export interface KeySpec {
  flags: string[];
  begin: ['index', number] | ['keyword', string, number] | ['unknown'];
  find: ['range', number, number, number] | ['keynum', number, number, number] | ['unknown'];
}

interface Meta {
  acl: string[];
  tips: string[];
  specs: KeySpec[];
}

const metaCache = new Map<string, Meta | null>();

function decodeSpec(s: string): KeySpec {
  const [flags, b, f] = s.split('/');
  const bp = b.split(':');
  const fp = f.split(':');
  let begin: KeySpec['begin'] = ['unknown'];
  if (bp[0] === 'i') begin = ['index', Number(bp[1])];
  else if (bp[0] === 'k') begin = ['keyword', bp[1], Number(bp[2])];
  let find: KeySpec['find'] = ['unknown'];
  if (fp[0] === 'r') find = ['range', Number(fp[1]), Number(fp[2]), Number(fp[3])];
  else if (fp[0] === 'n') find = ['keynum', Number(fp[1]), Number(fp[2]), Number(fp[3])];
  return { flags: flags === '' ? [] : flags.split(','), begin, find };
}

/** Redis' published facts for a command ("get", "config|set"), or null for a command Redis does not have. */
export function commandMeta(fullName: string): Meta | null {
  let m = metaCache.get(fullName);
  if (m !== undefined) return m;
  const raw = COMMAND_META[fullName];
  if (raw === undefined) {
    m = null;
  } else {
    const [acl, tips, specs] = raw.split('|');
    m = {
      acl: acl === '' ? [] : acl.split(' '),
      tips: tips === '' ? [] : tips.split(' '),
      specs: specs === '' ? [] : specs.split(';').map(decodeSpec),
    };
  }
  metaCache.set(fullName, m);
  return m;
}

/** Key specs of an entry: Redis' when known, otherwise derived from the legacy first/last/step range. */
export function keySpecs(e: CommandEntry): KeySpec[] {
  const m = commandMeta(e.fullName);
  if (m) return m.specs;
  const s = e.spec;
  if (s.firstKey <= 0) return [];
  const last = s.lastKey < 0 ? s.lastKey : s.lastKey - s.firstKey;
  return [
    {
      flags: s.flags.includes('write') ? ['RW', 'update'] : ['RO', 'access'],
      begin: ['index', s.firstKey],
      find: ['range', last, s.keyStep || 1, 0],
    },
  ];
}

export function tipsOf(e: CommandEntry): readonly string[] {
  return commandMeta(e.fullName)?.tips ?? [];
}

/** Flags as COMMAND INFO shows them; movablekeys is derived the way Redis derives it. */
export function flagsOf(e: CommandEntry): string[] {
  const set = new Set<string>(e.spec.flags);
  if (e.spec.getKeys || keySpecs(e).some((k) => k.begin[0] !== 'index' || k.find[0] !== 'range')) {
    set.add('movablekeys');
  }
  return FLAG_ORDER.filter((f) => set.has(f));
}

/** ACL categories (without '@'): Redis' list when it has the command, else implied by flags and group. */
export function categoriesOf(e: CommandEntry): string[] {
  const m = commandMeta(e.fullName);
  if (m) return m.acl;
  const s = e.spec;
  const cats = new Set<string>(s.acl ?? []);
  const f = new Set<string>(s.flags);
  if (f.has('write')) cats.add('write');
  if (f.has('readonly')) cats.add('read');
  if (f.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (f.has('pubsub')) cats.add('pubsub');
  if (f.has('blocking')) cats.add('blocking');
  cats.add(f.has('fast') ? 'fast' : 'slow');
  const g = GROUP_CATEGORY[s.group];
  if (g) cats.add(g);
  return ACL_CATEGORIES.filter((c) => cats.has(c));
}

/** SET and BITFIELD declare variable key flags: the real ones depend on the arguments, as Redis computes them. */
function variableFlags(name: string, argv: readonly Bytes[]): string[] {
  if (name === 'set') {
    for (let i = 3; i < argv.length; i++) if (argv[i].toLowerCase() === 'get') return ['RW', 'access', 'update'];
    return ['OW', 'update'];
  }
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    const rem = argv.length - i - 1;
    if (a === 'get' && rem >= 2) i += 2;
    else if (a === 'overflow' && rem >= 1) i += 1;
    else {
      readonly = false; // SET/INCRBY, or a syntax error: assume it writes
      break;
    }
  }
  return readonly ? ['RO', 'access'] : ['RW', 'access', 'update'];
}

/** Walks the key specs over a concrete argv. Null when a spec cannot locate its keys (Redis' "invalid spec"). */
function walkSpecs(specs: readonly KeySpec[], argv: readonly Bytes[]): [number, string[]][] | null {
  const out: [number, string[]][] = [];
  const argc = argv.length;
  for (const k of specs) {
    if (k.flags.includes('not_key')) continue;
    let first = 0;
    if (k.begin[0] === 'index') {
      first = k.begin[1];
    } else if (k.begin[0] === 'keyword') {
      const [, kw, from] = k.begin;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === kw.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword absent: no keys from this spec
    } else {
      return null;
    }
    let last: number;
    let step: number;
    if (k.find[0] === 'range') {
      const [, lastkey, keystep, limit] = k.find;
      step = keystep;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
    } else if (k.find[0] === 'keynum') {
      const [, numIdx, firstkey, keystep] = k.find;
      if (numIdx >= argc || first + numIdx >= argc) return null;
      const n = parseLong(argv[first + numIdx]);
      if (n === null || n < 0) return null;
      step = keystep;
      first += firstkey;
      last = first + n - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push([i, k.flags]);
    if (k.flags.includes('incomplete')) return null;
  }
  return out;
}

/**
 * Key positions (with their spec flags) of a concrete call, as COMMAND GETKEYS finds them: the key specs when they
 * can tell, otherwise the command's own key finder (variable flags of SET/BITFIELD, unknown or incomplete specs).
 */
export function keysWithFlags(e: CommandEntry, argv: readonly Bytes[]): [number, string[]][] {
  const specs = keySpecs(e);
  if (specs.some((k) => k.flags.includes('variable_flags'))) {
    return argv.length > 1 ? [[1, variableFlags(e.fullName, argv)]] : [];
  }
  const walked = specs.some((k) => !k.flags.includes('not_key')) ? walkSpecs(specs, argv) : null;
  if (walked !== null) return walked;
  if (!e.spec.getKeys) return [];
  const flags = specs[0]?.flags ?? (e.isWrite ? ['RW'] : ['RO']);
  return e.spec.getKeys(argv).map((i): [number, string[]] => [i, flags]);
}

// ---- synopsis -> COMMAND DOCS arguments --------------------------------------------------------------------------

export interface DocArg {
  name: string;
  type: string;
  token?: string;
  flags: string[];
  args?: DocArg[];
  keySpecIndex?: number;
}

const INT_NAMES =
  /^(count|index|start|stop|end|offset|numkeys|seconds|milliseconds|db|port|increment|timeout|len|length|limit|position|pos|ttl|unix-time-seconds|unix-time-milliseconds)$/;
const DOUBLE_NAMES = /^(score|min|max|longitude|latitude|radius|delta|float)$/;
const isToken = (w: string) => /^[A-Z][A-Z0-9_-]*$/.test(w);

function plainArg(w: string): DocArg {
  const name = w.replace(/[^A-Za-z0-9_:-]/g, '');
  let type = 'string';
  if (/key$/i.test(name)) type = 'key';
  else if (INT_NAMES.test(name)) type = 'integer';
  else if (DOUBLE_NAMES.test(name)) type = 'double';
  return { name, type, flags: [] };
}

/**
 * Turns a synopsis such as "key [EX seconds|PX milliseconds] [NX|XX] member [member ...]" into COMMAND DOCS
 * arguments. Best effort: unknown shapes become plain string arguments.
 */
export function parseSynopsis(text: string): DocArg[] {
  const toks = text.match(/\.\.\.|[[\]()|]|[^\s[\]()|]+/g) ?? [];
  let pos = 0;
  const group = (items: DocArg[], name: string): DocArg =>
    items.length === 1 ? items[0] : { name, type: 'block', flags: [], args: items };

  function seq(): DocArg {
    const alts: DocArg[][] = [[]];
    while (pos < toks.length) {
      const t = toks[pos];
      if (t === ']' || t === ')') break;
      pos++;
      const cur = alts[alts.length - 1];
      if (t === '|') {
        alts.push([]);
      } else if (t === '...') {
        const prev = cur[cur.length - 1];
        if (prev && !prev.flags.includes('multiple')) prev.flags.push('multiple');
      } else if (t === '[' || t === '(') {
        const inner = seq();
        pos++; // the closing bracket
        const prev = cur[cur.length - 1];
        const first = inner.type === 'block' ? inner.args![0] : inner;
        // "key [key ...]" is one repeated argument rather than an optional group
        if (t === '[' && prev && first?.name === prev.name && inner.flags.includes('multiple')) {
          if (!prev.flags.includes('multiple')) prev.flags.push('multiple');
          continue;
        }
        if (t === '[') inner.flags.unshift('optional');
        cur.push(inner);
      } else if (isToken(t)) {
        const next = toks[pos];
        if (next !== undefined && next !== '...' && !/^[[\]()|]$/.test(next) && !isToken(next)) {
          pos++;
          cur.push({ ...plainArg(next), token: t });
        } else {
          cur.push({ name: t.toLowerCase(), type: 'pure-token', token: t, flags: [] });
        }
      } else {
        cur.push(plainArg(t));
      }
    }
    if (alts.length > 1) {
      const options = alts.map((a, i) => group(a, `option${i + 1}`));
      return { name: options.map((o) => o.name).join('-'), type: 'oneof', flags: [], args: options };
    }
    const only = alts[0];
    if (only.length === 1) return only[0];
    return { name: only.map((a) => a.name).join('-'), type: 'block', flags: [], args: only };
  }

  const out: DocArg[] = [];
  while (pos < toks.length) {
    const a = seq();
    if (a.type === 'block' && a.flags.length === 0) out.push(...a.args!);
    else if (a.name !== '') out.push(a);
    pos++; // skip a stray closing bracket, if any
  }
  let keyIdx = 0;
  const number = (list: DocArg[]) => {
    for (const a of list) {
      if (a.type === 'key') a.keySpecIndex = keyIdx++;
      if (a.args) number(a.args);
    }
  };
  number(out);
  return out;
}
