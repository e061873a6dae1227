/**
 * The ACL model without a server: the command catalog, rule words and their errors, descriptions (checked against
 * what Redis 7.0.15 prints for the same rules), credentials, and permission checks over real command-table entries.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CommandEntry } from '../../src/commands/command';
import { CommandTable } from '../../src/commands/table';
import {
  ACL_OK,
  AclCatalog,
  AclErr,
  AclUser,
  DENIED_CHANNEL,
  DENIED_CMD,
  DENIED_KEY,
  SEL_ALLCHANNELS,
  categoryBit,
  checkCommand,
  denied,
  hasSpaces,
  hashPassword,
  mergeSelectorArgs,
  validateUserRules,
} from '../../src/server/acl';
import { channelsField, describeCommandRules, describeUser, keysField } from '../../src/server/acl-describe';

const catalog = new AclCatalog();
const table = new CommandTable();

function user(...rules: string[]): AclUser {
  const u = new AclUser('u', catalog, () => 0);
  for (const r of rules) expect(u.apply(r), r).toBeNull();
  return u;
}

function entry(name: string): CommandEntry {
  const [base, sub] = name.split('|');
  const e = table.get(base);
  if (!e) throw new Error(`no command ${name}`);
  return sub ? e.subcommands!.get(sub)! : e;
}

const check = (u: AclUser, ...argv: string[]) => {
  const name = table.get(argv[0])?.subcommands ? `${argv[0]}|${argv[1]}` : argv[0];
  return checkCommand(u, entry(name.toLowerCase()), argv);
};

describe('ACL catalog', () => {
  it('knows every Redis 7.0 command and subcommand, containers first-level only', () => {
    expect(catalog.size).toBe(366);
    expect(catalog.lookup('GET')?.name).toBe('get');
    expect(catalog.lookup('config|GET')?.name).toBe('config|get');
    expect(catalog.lookup('config|get|x')).toBeUndefined();
    expect(catalog.lookup('get|x')).toBeUndefined();
    expect(catalog.lookup('xadd')?.cats).toBe(categoryBit('write') | categoryBit('stream') | categoryBit('fast'));
    expect(catalog.lookup('config')?.subs?.map((s) => s.name)).toEqual([
      'config|get',
      'config|help',
      'config|resetstat',
      'config|rewrite',
      'config|set',
    ]);
  });

  it('adds commands Redis does not have with the categories given', () => {
    const c = new AclCatalog([['frobnicate', ['write', 'fast']]]);
    expect(c.size).toBe(367);
    expect(c.lookup('frobnicate')?.cats).toBe(categoryBit('write') | categoryBit('fast'));
  });
});

describe('ACL rules', () => {
  it('a new user is off with no rights; reset adds sanitize-payload', () => {
    expect(describeUser(user())).toBe('off resetchannels -@all');
    expect(describeUser(user('on', '~a', 'reset'))).toBe('off sanitize-payload resetchannels -@all');
  });

  it('passwords are stored hashed, once, and removed by clear text or hash', () => {
    const u = user('>p1', '>p1', `#${hashPassword('p2')}`);
    expect(u.passwords).toEqual([hashPassword('p1'), hashPassword('p2')]);
    expect(u.apply('<p1')).toBeNull();
    expect(u.apply(`!${hashPassword('p2')}`)).toBeNull();
    expect(u.passwords).toEqual([]);
    expect(u.apply('<p1')).toBe(AclErr.noSuchPassword);
    expect(u.apply('#abc')).toBe(AclErr.badHash);
    expect(u.apply(`#${hashPassword('x').toUpperCase()}`)).toBe(AclErr.badHash);
    expect(u.apply(`!${'0'.repeat(63)}`)).toBe(AclErr.badHash);
  });

  it('nopass and passwords exclude each other; on/off and the sanitize flags toggle', () => {
    expect(describeUser(user('nopass', '>x'))).toBe(`off #${hashPassword('x')} resetchannels -@all`);
    expect(describeUser(user('>x', 'nopass'))).toBe('off nopass resetchannels -@all');
    expect(describeUser(user('ON', 'skip-sanitize-payload'))).toBe('on skip-sanitize-payload resetchannels -@all');
    expect(describeUser(user('on', 'off', 'skip-sanitize-payload', 'sanitize-payload'))).toBe(
      'off sanitize-payload resetchannels -@all',
    );
  });

  it('key patterns: %R/%W access, merged per pattern, refused after allkeys', () => {
    const u = user('~a*', '%R~b*', '%W~c*', '%R~a*', '%W~b*', '%RW~d', '%R');
    expect(keysField(u.root)).toBe('~a* ~b* %W~c* ~d %R~');
    expect(u.apply('allkeys')).toBeNull();
    expect(keysField(u.root)).toBe('~*');
    expect(u.apply('~x')).toBe(AclErr.keysAfterAll);
    expect(u.apply('%R~x')).toBe(AclErr.keysAfterAll);
    expect(u.apply('resetkeys')).toBeNull();
    expect(keysField(u.root)).toBe('');
    expect(u.apply('%X~a')).toBe(AclErr.syntax);
    expect(u.apply('%RR~a')).toBe(AclErr.syntax);
    expect(u.apply('%')).toBe(AclErr.syntax);
    expect(u.apply('~a b')).toBe(AclErr.syntax);
    expect(u.apply('~a\x00')).toBe(AclErr.syntax);
  });

  it('channel patterns, allchannels and the acl-pubsub-default', () => {
    const u = user('&a', '&b*', '&a');
    expect(channelsField(u.root)).toBe('&a &b*');
    expect(u.apply('&*')).toBeNull();
    expect(u.apply('&c')).toBe(AclErr.channelsAfterAll);
    expect(channelsField(u.root)).toBe('&*');
    const open = new AclUser('o', catalog, () => SEL_ALLCHANNELS);
    expect(describeUser(open)).toBe('off &* -@all');
    expect(open.apply('&x')).toBe(AclErr.channelsAfterAll);
  });

  it('command words and their errors', () => {
    const u = user();
    expect(u.apply('+nosuch')).toBe(AclErr.unknown);
    expect(u.apply('-nosuch')).toBe(AclErr.unknown);
    expect(u.apply('+@nosuch')).toBe(AclErr.unknown);
    expect(u.apply('+')).toBe(AclErr.unknown);
    expect(u.apply('+config|nosuch')).toBe(AclErr.unknown);
    expect(u.apply('+config|get|x')).toBe(AclErr.subcommandFirstArg);
    expect(u.apply('+get|')).toBe(AclErr.syntax);
    expect(u.apply('-select|0')).toBe(AclErr.unknown);
    expect(u.apply('bogus')).toBe(AclErr.syntax);
    expect(u.apply('+XADD')).toBeNull(); // a Redis command Tandem does not implement is still a known name
    expect(describeCommandRules(u.root)).toBe('-@all +xadd');
  });

  it('a container takes its subcommands along; first args are remembered case-insensitively', () => {
    const u = user('+config', '-config|set', '+select|0', '+SELECT|0', '+select|1');
    expect(describeCommandRules(u.root)).toBe('-@all +config -config|set +select|0 +select|1');
    expect(u.apply('+select')).toBeNull();
    expect(describeCommandRules(u.root)).toBe('-@all +config -config|set +select');
  });

  it('selectors: merged from several words, described in parentheses, cleared by clearselectors', () => {
    expect(mergeSelectorArgs(['on', '(~a', '+get)', '()', '('])).toBe(4);
    expect(mergeSelectorArgs(['on', '(~a', '+get)', '()'])).toEqual(['on', '(~a +get)', '()']);
    const u = user('(~a* +get)', '(%R~b* &c +@read)');
    expect(describeUser(u)).toBe(
      'off resetchannels -@all (~a* resetchannels -@all +get) (%R~b* resetchannels &c -@all +@read)',
    );
    expect(u.apply('(on)')).toBe(AclErr.syntax);
    expect(u.apply('(~* ~a)')).toBe(AclErr.keysAfterAll);
    expect(u.apply('clearselectors')).toBeNull();
    expect(u.selectors).toHaveLength(1);
  });

  it('spaces and NUL are not allowed in names and patterns', () => {
    expect(hasSpaces('a b')).toBe(true);
    expect(hasSpaces('a\tb')).toBe(true);
    expect(hasSpaces('a\x00')).toBe(true);
    expect(hasSpaces('a\xffb')).toBe(false);
  });

  it('config-file validation ignores unknown commands but not syntax errors, with the failing index', () => {
    expect(validateUserRules(['on', '+nosuch', '~a'], 0)).toBeNull();
    expect(validateUserRules(['on', '~*', '~a'], 0)).toEqual([2, AclErr.keysAfterAll]);
    expect(validateUserRules(['on', '&a'], SEL_ALLCHANNELS)).toEqual([1, AclErr.channelsAfterAll]);
  });
});

describe('ACL descriptions (as Redis 7.0.15 prints them)', () => {
  const cases: [string, string][] = [
    ['+@all', '+@all'],
    ['-@all', '-@all'],
    ['+@all -@dangerous', '+@all -@dangerous'],
    ['-@all +@read +@write -@admin', '-@all +@read +@write -pfdebug'],
    ['+@all -@keyspace -@read', '+@all -@read -@keyspace'],
    ['allcommands -@write +set', '+@all -@write +set'],
    ['nocommands +client -client|kill', '-@all +client -client|kill'],
    ['-@all +@fast', '-@all +@fast'],
    ['+@all -@slow', '+@all -@slow'],
    ['+@all -@all +@hash -hdel', '-@all +@hash -hdel'],
    [
      '-@all +@all -flushall +flushall -@dangerous +info',
      '+@all -@admin -flushall -flushdb -keys -migrate -restore -restore-asking -sort -sort_ro -swapdb',
    ],
  ];
  for (const [rules, text] of cases) {
    it(rules, () => {
      expect(describeCommandRules(user(...rules.split(' ')).root)).toBe(text);
    });
  }

  it('the default user and a full user line', () => {
    const d = user('+@all', '~*', '&*', 'on', 'nopass');
    expect(describeUser(d)).toBe('on nopass ~* &* +@all');
    const u = user('on', '>a', '~k*', '%W~w', '&ch', '-@all', '+get');
    expect(describeUser(u)).toBe(`on #${hashPassword('a')} ~k* %W~w resetchannels &ch -@all +get`);
  });

  it('the description is cached until the user changes', () => {
    const u = user('+get');
    expect(describeUser(u)).toBe('off resetchannels -@all +get');
    u.apply('+set');
    expect(describeUser(u)).toBe('off resetchannels -@all +get +set');
  });
});

describe('ACL users', () => {
  it('credentials: enabled users only, any password with nopass, constant shape for the rest', () => {
    const u = user('>pw');
    expect(u.checkPassword('pw')).toBe(false); // off
    u.apply('on');
    expect(u.checkPassword('pw')).toBe(true);
    expect(u.checkPassword('PW')).toBe(false);
    expect(u.checkPassword('')).toBe(false);
    u.apply('nopass');
    expect(u.checkPassword('anything')).toBe(true);
    u.apply('off');
    expect(u.checkPassword('anything')).toBe(false);
  });

  it('binary passwords are hashed byte for byte', () => {
    const u = user('on', '>\xff\x00p');
    expect(u.passwords[0]).toBe(
      createHash('sha256')
        .update(Buffer.from([0xff, 0x00, 0x70]))
        .digest('hex'),
    );
    expect(u.checkPassword('\xff\x00p')).toBe(true);
    expect(u.checkPassword('\xc3\xbf\x00p')).toBe(false);
  });

  it('unrestricted only with all commands, all keys and all channels in the root selector', () => {
    expect(user('+@all', '~*', '&*').unrestricted).toBe(true);
    expect(user('+@all', '~*').unrestricted).toBe(false);
    expect(user('+@all', '~*', '&*', '-get').unrestricted).toBe(false);
    // the same rights rebuilt command by command: still checked, the shortcut is for +@all only
    expect(user('+@all', '~*', '&*', '-get', '+get').unrestricted).toBe(false);
  });

  it('clone and copyFrom keep identities apart', () => {
    const a = user('on', '>x', '~a', '(+get)');
    const b = a.clone('b');
    b.apply('~b');
    b.selectors[1].apply('+set');
    expect(describeUser(a)).toBe(`on #${hashPassword('x')} ~a resetchannels -@all (resetchannels -@all +get)`);
    a.copyFrom(b);
    expect(a.name).toBe('u');
    expect(describeUser(a)).toBe(`on #${hashPassword('x')} ~a ~b resetchannels -@all (resetchannels -@all +get +set)`);
  });
});

describe('ACL permission checks', () => {
  it('commands, subcommands, first args, and no-auth commands', () => {
    const u = user('-@all', '+get', '+config|get', '+select|0', '~*');
    expect(check(u, 'GET', 'k')).toBe(ACL_OK);
    expect(check(u, 'SET', 'k', 'v')).toBe(DENIED_CMD);
    expect(check(u, 'CONFIG', 'GET', 'x')).toBe(ACL_OK);
    expect(check(u, 'CONFIG', 'SET', 'x', 'y')).toBe(DENIED_CMD);
    expect(check(u, 'SELECT', '0')).toBe(ACL_OK);
    expect(check(u, 'select', '1')).toBe(DENIED_CMD);
    expect(check(u, 'AUTH', 'x')).toBe(ACL_OK);
    expect(check(u, 'HELLO')).toBe(ACL_OK);
  });

  it('keys: read needs %R, write needs %W, flagless keys (EXISTS) any pattern', () => {
    const u = user('+@all', '%R~r*', '%W~w*', '~rw*');
    expect(check(u, 'GET', 'r1')).toBe(ACL_OK);
    expect(check(u, 'GET', 'w1')).toBe(DENIED_KEY);
    expect(denied.pos).toBe(1);
    expect(check(u, 'SET', 'w1', 'v')).toBe(ACL_OK); // SET without GET only overwrites
    expect(check(u, 'SET', 'w1', 'v', 'GET')).toBe(DENIED_KEY);
    expect(check(u, 'SET', 'rw1', 'v', 'GET')).toBe(ACL_OK);
    expect(check(u, 'EXISTS', 'w1', 'r1')).toBe(ACL_OK);
    expect(check(u, 'EXISTS', 'zz')).toBe(DENIED_KEY);
    expect(check(u, 'MSET', 'w1', 'a', 'zz', 'b')).toBe(DENIED_KEY);
    expect(denied.pos).toBe(3);
    expect(check(u, 'LMOVE', 'r1', 'w1', 'LEFT', 'RIGHT')).toBe(DENIED_KEY); // the source is popped: write
    expect(check(u, 'LMOVE', 'rw1', 'w1', 'LEFT', 'RIGHT')).toBe(ACL_OK);
    expect(check(u, 'ZUNIONSTORE', 'w1', '2', 'r1', 'rw2')).toBe(ACL_OK);
    expect(check(u, 'ZUNIONSTORE', 'w1', '2', 'r1', 'w2')).toBe(DENIED_KEY);
    expect(denied.pos).toBe(4);
  });

  it('channels: globs for names, literal for PSUBSCRIBE patterns; unsubscribing is never checked', () => {
    const u = user('+@all', '~*', 'resetchannels', '&news.*', '&lit[ab]');
    expect(check(u, 'PUBLISH', 'news.x', 'm')).toBe(ACL_OK);
    expect(check(u, 'PUBLISH', 'other', 'm')).toBe(DENIED_CHANNEL);
    expect(check(u, 'SUBSCRIBE', 'news.a', 'other')).toBe(DENIED_CHANNEL);
    expect(denied.pos).toBe(2);
    expect(check(u, 'PSUBSCRIBE', 'news.*')).toBe(ACL_OK);
    expect(check(u, 'PSUBSCRIBE', 'news.x*')).toBe(DENIED_CHANNEL);
    expect(check(u, 'SUBSCRIBE', 'lita')).toBe(ACL_OK);
    expect(check(u, 'PSUBSCRIBE', 'lita')).toBe(DENIED_CHANNEL);
    expect(check(u, 'SSUBSCRIBE', 'news.s')).toBe(ACL_OK);
    expect(check(u, 'UNSUBSCRIBE', 'other')).toBe(ACL_OK);
  });

  it('selectors: any one allowing the whole command is enough; the most specific refusal is reported', () => {
    const u = user('~a*', '-@all', '+get', '(~b* +set)', '(%R~c* +@read)');
    expect(check(u, 'GET', 'a1')).toBe(ACL_OK);
    expect(check(u, 'SET', 'b1', 'x')).toBe(ACL_OK);
    expect(check(u, 'SET', 'a1', 'x')).toBe(DENIED_KEY);
    expect(check(u, 'MGET', 'c1', 'c2')).toBe(ACL_OK);
    expect(check(u, 'MGET', 'a1', 'c1')).toBe(DENIED_KEY); // no single selector allows both keys
    expect(check(u, 'DEL', 'c1')).toBe(DENIED_CMD);
  });
});
