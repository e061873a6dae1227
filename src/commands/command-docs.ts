/**
 * COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP), answered from the command
 * table. The facts Redis publishes about each command (ACL categories, tips, key specs) come from command-meta.ts,
 * generated from a real 7.0 server; summaries and argument lists come from Tandem's own table entries.
 */
import type { Bytes } from '../protocol/bytes';
import type { ReplyWriter } from '../protocol/resp-writer';
import type { Client } from '../server/client';
import { globMatch } from '../store/glob';
import { type CommandEntry, type CommandSpec, cmd } from './command';
import {
  categoriesOf,
  type DocArg,
  flagsOf,
  type KeySpec,
  keySpecs,
  keysWithFlags,
  parseSynopsis,
  tipsOf,
} from './command-meta-util';

// ---- COMMAND INFO ------------------------------------------------------------------------------------------------

function replyKeySpec(o: ReplyWriter, k: KeySpec): void {
  o.mapLen(3);
  o.bulk('flags');
  o.setLen(k.flags.length);
  for (const f of k.flags) o.status(f);
  o.bulk('begin_search');
  o.mapLen(2);
  o.bulk('type');
  if (k.begin[0] === 'index') {
    o.bulk('index');
    o.bulk('spec');
    o.mapLen(1);
    o.bulk('index');
    o.int(k.begin[1]);
  } else if (k.begin[0] === 'keyword') {
    o.bulk('keyword');
    o.bulk('spec');
    o.mapLen(2);
    o.bulk('keyword');
    o.bulk(k.begin[1]);
    o.bulk('startfrom');
    o.int(k.begin[2]);
  } else {
    o.bulk('unknown');
    o.bulk('spec');
    o.mapLen(0);
  }
  o.bulk('find_keys');
  o.mapLen(2);
  o.bulk('type');
  if (k.find[0] === 'range') {
    o.bulk('range');
    o.bulk('spec');
    o.mapLen(3);
    o.bulk('lastkey');
    o.int(k.find[1]);
    o.bulk('keystep');
    o.int(k.find[2]);
    o.bulk('limit');
    o.int(k.find[3]);
  } else if (k.find[0] === 'keynum') {
    o.bulk('keynum');
    o.bulk('spec');
    o.mapLen(3);
    o.bulk('keynumidx');
    o.int(k.find[1]);
    o.bulk('firstkey');
    o.int(k.find[2]);
    o.bulk('keystep');
    o.int(k.find[3]);
  } else {
    o.bulk('unknown');
    o.bulk('spec');
    o.mapLen(0);
  }
}

function replyInfo(o: ReplyWriter, e: CommandEntry, tips: readonly string[]): void {
  const s = e.spec;
  o.arrayLen(10);
  o.bulk(e.fullName);
  o.int(s.arity);
  const flags = flagsOf(e);
  o.setLen(flags.length);
  for (const f of flags) o.status(f);
  o.int(s.firstKey);
  o.int(s.lastKey);
  o.int(s.keyStep);
  const cats = categoriesOf(e);
  o.setLen(cats.length);
  for (const cat of cats) o.status(`@${cat}`);
  o.setLen(tips.length);
  for (const t of tips) o.bulk(t);
  const specs = keySpecs(e);
  o.setLen(specs.length);
  for (const k of specs) replyKeySpec(o, k);
  if (e.subcommands) {
    o.arrayLen(e.subcommands.size);
    for (const sub of e.subcommands.values()) replyInfo(o, sub, tipsOf(sub));
  } else {
    o.setLen(0);
  }
}

/** Resolves "name" or "container|sub" (case-insensitive) to a table entry. */
function findEntry(c: Client, name: Bytes): CommandEntry | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return c.srv.commands.get(name);
  const parent = c.srv.commands.get(name.slice(0, bar));
  return parent?.subcommands?.get(name.slice(bar + 1).toLowerCase());
}

function commandAll(c: Client): void {
  const entries = c.srv.commands.entries;
  c.out.arrayLen(entries.length);
  for (const e of entries) replyInfo(c.out, e, tipsOf(e));
}

function commandInfo(c: Client): void {
  if (c.argv.length === 2) return commandAll(c);
  c.out.arrayLen(c.argv.length - 2);
  for (let i = 2; i < c.argv.length; i++) {
    const e = findEntry(c, c.argv[i]);
    if (e) replyInfo(c.out, e, tipsOf(e));
    else c.out.null();
  }
}

// ---- COMMAND DOCS ------------------------------------------------------------------------------------------------

function replyArgs(o: ReplyWriter, args: DocArg[], keySpecCount: number): void {
  o.arrayLen(args.length);
  for (const a of args) {
    const isKey = a.type === 'key';
    const n = 2 + (isKey ? 1 : 0) + (a.token ? 1 : 0) + (a.flags.length ? 1 : 0) + (a.args ? 1 : 0);
    o.mapLen(n);
    o.bulk('name');
    o.bulk(a.name);
    o.bulk('type');
    o.bulk(a.type);
    if (isKey) {
      o.bulk('key_spec_index');
      o.int(Math.min(a.keySpecIndex ?? 0, Math.max(0, keySpecCount - 1)));
    }
    if (a.token) {
      o.bulk('token');
      o.bulk(a.token);
    }
    if (a.flags.length) {
      o.bulk('flags');
      o.setLen(a.flags.length);
      for (const f of a.flags) o.status(f);
    }
    if (a.args) {
      o.bulk('arguments');
      replyArgs(o, a.args, keySpecCount);
    }
  }
}

function replyDocs(o: ReplyWriter, e: CommandEntry): void {
  const s = e.spec;
  let args: DocArg[] = [];
  try {
    args = s.args ? parseSynopsis(s.args) : [];
  } catch {
    args = []; // a synopsis we cannot read is simply not structured
  }
  const fields = 3 + (s.complexity ? 1 : 0) + (args.length ? 1 : 0) + (e.subcommands ? 1 : 0);
  o.mapLen(fields);
  o.bulk('summary');
  o.bulk(s.summary);
  o.bulk('since');
  o.bulk(s.since);
  o.bulk('group');
  o.bulk(s.group);
  if (s.complexity) {
    o.bulk('complexity');
    o.bulk(s.complexity);
  }
  if (args.length) {
    o.bulk('arguments');
    replyArgs(o, args, keySpecs(e).length);
  }
  if (e.subcommands) {
    o.bulk('subcommands');
    o.mapLen(e.subcommands.size);
    for (const sub of e.subcommands.values()) {
      o.bulk(sub.fullName);
      replyDocs(o, sub);
    }
  }
}

function commandDocs(c: Client): void {
  const o = c.out;
  const found: CommandEntry[] = [];
  if (c.argv.length === 2) {
    found.push(...c.srv.commands.entries);
  } else {
    for (let i = 2; i < c.argv.length; i++) {
      const e = findEntry(c, c.argv[i]);
      if (e) found.push(e);
    }
  }
  o.mapLen(found.length);
  for (const e of found) {
    o.bulk(e.fullName);
    replyDocs(o, e);
  }
}

// ---- COMMAND LIST / GETKEYS --------------------------------------------------------------------------------------

function commandList(c: Client): void {
  const argv = c.argv;
  let filter: ((e: CommandEntry) => boolean) | null = null;
  if (argv.length === 5 && argv[2].toLowerCase() === 'filterby') {
    const kind = argv[3].toLowerCase();
    const arg = argv[4];
    if (kind === 'module')
      filter = () => false; // no modules
    else if (kind === 'aclcat') filter = (e) => categoriesOf(e).includes(arg.toLowerCase());
    else if (kind === 'pattern') filter = (e) => globMatch(arg, e.fullName, true);
    else return c.syntaxError();
  } else if (argv.length !== 2) {
    return c.syntaxError();
  }
  const names: string[] = [];
  for (const e of c.srv.commands.all()) if (!filter || filter(e)) names.push(e.fullName);
  c.out.bulks(names);
}

function getkeys(c: Client, withFlags: boolean): void {
  const argv = c.argv.slice(2);
  let e = c.srv.commands.get(argv[0]);
  if (e?.subcommands && argv.length >= 2) e = e.subcommands.get(argv[1].toLowerCase());
  if (!e) return c.error('ERR Invalid command specified');
  if (!e.spec.getKeys && !keySpecs(e).some((k) => !k.flags.includes('not_key'))) {
    return c.error('ERR The command has no key arguments');
  }
  const arity = e.spec.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
    return c.error('ERR Invalid number of arguments specified for command');
  }
  const keys = keysWithFlags(e, argv);
  if (keys.length === 0 && !e.spec.flags.includes('no_mandatory_keys')) {
    return c.error('ERR Invalid arguments specified for command');
  }
  c.out.arrayLen(keys.length);
  for (const [i, flags] of keys) {
    if (!withFlags) {
      c.out.bulk(argv[i]);
      continue;
    }
    c.out.arrayLen(2);
    c.out.bulk(argv[i]);
    c.out.setLen(flags.length);
    for (const f of flags) c.out.status(f);
  }
}

function commandHelp(c: Client): void {
  const lines = [
    'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
    'HELP',
    '    Prints this help.',
  ];
  c.out.arrayLen(lines.length);
  for (const l of lines) c.out.status(l);
}

const meta = (summary: string, args?: string) => ({ group: 'server', summary, since: '2.8.13', args });
const F = ['loading', 'stale'] as const;
const sub = (name: string, arity: number, summary: string, h: (c: Client) => void, args?: string) =>
  cmd(name, arity, F, [0, 0, 0], meta(summary, args), h);

export const commandCommands: CommandSpec[] = [
  cmd('command', -1, F, [0, 0, 0], meta('Describes every command'), commandAll, {
    subcommands: [
      sub('count', 2, 'Counts the commands', (c) => c.out.int(c.srv.commands.entries.length)),
      sub('list', -2, 'Lists command names', commandList, '[FILTERBY MODULE name|ACLCAT category|PATTERN pattern]'),
      sub('info', -2, 'Describes the given commands', commandInfo, '[command-name [command-name ...]]'),
      sub('docs', -2, 'Documents the given commands', commandDocs, '[command-name [command-name ...]]'),
      sub('getkeys', -4, 'Extracts the keys of a command line', (c) => getkeys(c, false), 'command [arg [arg ...]]'),
      sub(
        'getkeysandflags',
        -4,
        'Extracts the keys of a command line with their access flags',
        (c) => getkeys(c, true),
        'command [arg [arg ...]]',
      ),
      sub('help', 2, 'Lists COMMAND subcommands', commandHelp),
    ],
  }),
];
