/**
 * ACL corpus replayed on Tandem and real Redis 7.0: rule parsing and its errors, ACL LIST / GETUSER text (for rules
 * whose description has at most one single-command word per selector: Redis orders several of them randomly, those
 * are compared after sorting in the second suite), authentication, command / key / channel checks, MULTI and EXEC,
 * requirepass, CLIENT KILL USER, RESP3 reply types, errorstats and the ACL LOG fields that do not depend on timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffCase, differential } from '../helpers/differential';
import { type Reply, type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, requireRedis, startRedis, startTandem } from '../helpers/servers';

const bin = (...bytes: number[]) => Buffer.from(bytes);
const HASH_A = 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb'; // sha256("a")

/** Deletes the users a group created, and returns the main connection to the default user. */
const cleanup = (...users: string[]): DiffCase[] => [['RESET'], ['ACL', 'DELUSER', ...users]];

differential('acl', {
  rules: [
    ['ACL', 'SETUSER', 'r1'],
    ['ACL', 'SETUSER', 'r2', 'reset'],
    ['ACL', 'SETUSER', 'r3', 'on', '>p1', '>p1', `#${HASH_A}`, '~a*', '%R~b*', '%W~c*', '%RW~d*', '&ch*'],
    ['ACL', 'SETUSER', 'r4', '+@all', '-@dangerous'],
    ['ACL', 'SETUSER', 'r5', '-@all', '+@read', '+@write', '-@admin'],
    ['ACL', 'SETUSER', 'r6', '+@all', '-@keyspace', '-@read'],
    ['ACL', 'SETUSER', 'r7', 'allcommands', '-@write', '+set'],
    ['ACL', 'SETUSER', 'r8', 'nocommands', '+client', '-client|kill'],
    ['ACL', 'SETUSER', 'r9', '+@all', '-config', '+config|get'],
    ['ACL', 'SETUSER', 'r10', '-@all', '+@string', '-append'],
    ['ACL', 'SETUSER', 'r11', '-@all', '+select|0', '+select|1'],
    ['ACL', 'SETUSER', 'r12', '+@ALL', '~A', '&B', 'ON', 'NOPASS'],
    ['ACL', 'SETUSER', 'r13', 'skip-sanitize-payload', 'sanitize-payload', 'skip-sanitize-payload'],
    ['ACL', 'SETUSER', 'r14', 'nopass', '>x'],
    ['ACL', 'SETUSER', 'r15', '>x', 'nopass'],
    ['ACL', 'SETUSER', 'r16', 'on', '~a', 'reset'],
    ['ACL', 'SETUSER', 'r17', '~a*', '~a*', '%R~a*', '%W~z', '~*'],
    ['ACL', 'SETUSER', 'r18', 'resetkeys', '~x', 'allkeys'],
    ['ACL', 'SETUSER', 'r19', '%R~', '%RW~x', '%WR~y', '%W~x'],
    ['ACL', 'SETUSER', 'r20', '(~a* +get)', '(%R~b*', '+set)', 'clearselectors', '(&x +publish)'],
    ['ACL', 'SETUSER', 'r21', '(', '~a', '+get', ')', '()', '(+@all)'],
    ['ACL', 'SETUSER', 'r22', '-@all', '+xadd'],
    ['ACL', 'SETUSER', 'r23', '+@all', '-@all', '+@hash', '-hdel'],
    ['ACL', 'SETUSER', 'r24', 'on', '>p', '<p', `#${HASH_A}`, `!${HASH_A}`],
    ['ACL', 'SETUSER', 'r3', '-@all', '+@hash'],
    ['ACL', 'SETUSER', 'r3', 'resetpass', 'resetchannels', 'resetkeys'],
    ['ACL', 'LIST'],
    ['ACL', 'USERS'],
    ['ACL', 'GETUSER', 'r3'],
    ['ACL', 'GETUSER', 'r20'],
    ['ACL', 'GETUSER', 'r21'],
    ['ACL', 'GETUSER', 'r23'],
    ['ACL', 'GETUSER', 'default'],
    ['ACL', 'GETUSER', 'nosuch'],
    ...cleanup(...Array.from({ length: 24 }, (_, i) => `r${i + 1}`)),
    ['ACL', 'USERS'],
  ],
  ruleErrors: [
    ['ACL', 'SETUSER', 'e', `#${HASH_A.slice(1)}`],
    ['ACL', 'SETUSER', 'e', `#${HASH_A.toUpperCase()}`],
    ['ACL', 'SETUSER', 'e', `!${HASH_A}`],
    ['ACL', 'SETUSER', 'e', '<nosuchpass'],
    ['ACL', 'SETUSER', 'e', '+nosuchcmd'],
    ['ACL', 'SETUSER', 'e', '-nosuchcmd'],
    ['ACL', 'SETUSER', 'e', '+@nosuchcat'],
    ['ACL', 'SETUSER', 'e', '+@'],
    ['ACL', 'SETUSER', 'e', '+'],
    ['ACL', 'SETUSER', 'e', '+config|get|x'],
    ['ACL', 'SETUSER', 'e', '+config|nosuch'],
    ['ACL', 'SETUSER', 'e', '+get|'],
    ['ACL', 'SETUSER', 'e', '-select|0'],
    ['ACL', 'SETUSER', 'e', '+nosuch|x'],
    ['ACL', 'SETUSER', 'e', '~*', '~a'],
    ['ACL', 'SETUSER', 'e', 'allkeys', '%R~a'],
    ['ACL', 'SETUSER', 'e', '&*', '&a'],
    ['ACL', 'SETUSER', 'e', '%X~a'],
    ['ACL', 'SETUSER', 'e', '%RR~a'],
    ['ACL', 'SETUSER', 'e', '~a b'],
    ['ACL', 'SETUSER', 'e', '&a\tb'],
    ['ACL', 'SETUSER', 'e', 'foo'],
    ['ACL', 'SETUSER', 'e', '(~a', '+get'],
    ['ACL', 'SETUSER', 'e', '(on)'],
    ['ACL', 'SETUSER', 'e', '(>pass)'],
    ['ACL', 'SETUSER', 'e', '(~* ~a)'],
    ['ACL', 'SETUSER', 'e', 'on', '+get', '+nosuch'],
    // nothing of a failed SETUSER is applied: the user was never created
    ['ACL', 'GETUSER', 'e'],
    ['ACL', 'SETUSER', 'a b'],
    ['ACL', 'SETUSER', bin(0x61, 0x00)],
    ['ACL', 'SETUSER', 'a\nb'],
    ['ACL', 'SETUSER', bin(0xc3, 0xa9, 0xff), 'on', '~k\xff*'],
    ['ACL', 'GETUSER', bin(0xc3, 0xa9, 0xff)],
    ['ACL', 'DELUSER', bin(0xc3, 0xa9, 0xff)],
  ],
  subcommands: [
    ['ACL'],
    ['ACL', 'NOSUCH'],
    ['ACL', 'SETUSER'],
    ['ACL', 'GETUSER'],
    ['ACL', 'GETUSER', 'a', 'b'],
    ['ACL', 'DELUSER'],
    ['ACL', 'DELUSER', 'default'],
    ['ACL', 'DELUSER', 'nosuch', 'default'],
    ['ACL', 'DELUSER', 'nosuch', 'nosuch2'],
    ['ACL', 'LIST', 'x'],
    ['ACL', 'USERS', 'x'],
    ['ACL', 'WHOAMI', 'x'],
    ['ACL', 'WHOAMI'],
    ['acl', 'whoami'],
    ['ACL', 'CAT'],
    ['ACL', 'CAT', 'nosuch'],
    ['ACL', 'CAT', 'a', 'b'],
    { cmd: ['ACL', 'CAT', 'ReAd'], mode: 'unordered' },
    { cmd: ['ACL', 'CAT', 'dangerous'], mode: 'unordered' },
    { cmd: ['ACL', 'CAT', 'scripting'], mode: 'unordered' },
    ['ACL', 'GENPASS', '0'],
    ['ACL', 'GENPASS', '-1'],
    ['ACL', 'GENPASS', '4097'],
    ['ACL', 'GENPASS', 'abc'],
    ['ACL', 'GENPASS', '1', '2'],
    { cmd: ['ACL', 'GENPASS'], mode: 'shape' },
    { cmd: ['ACL', 'GENPASS', '1'], mode: 'shape' },
    { cmd: ['ACL', 'GENPASS', '4096'], mode: 'shape' },
    ['ACL', 'LOG', 'x'],
    ['ACL', 'LOG', '1', '2'],
    ['ACL', 'LOG', 'RESET'],
    ['ACL', 'LOG'],
    ['ACL', 'LOG', '-5'],
    ['ACL', 'SAVE'],
    ['ACL', 'LOAD'],
    ['ACL', 'HELP'],
    ['ACL', 'HELP', 'x'],
    ['ACL', 'DRYRUN'],
    ['ACL', 'DRYRUN', 'default'],
    ['ACL', 'DRYRUN', 'nosuch', 'get', 'k'],
    ['ACL', 'DRYRUN', 'default', 'nosuchcmd'],
    ['ACL', 'DRYRUN', 'default', 'get'],
    ['ACL', 'DRYRUN', 'default', 'get', 'k'],
    ['ACL', 'DRYRUN', 'default', 'config'],
    ['ACL', 'DRYRUN', 'default', 'config', 'nosuch'],
    ['ACL', 'DRYRUN', 'default', 'config', 'get', 'x'],
    ['COMMAND', 'INFO', 'acl|setuser', 'acl|getuser', 'acl|cat', 'acl|help', 'acl|whoami', 'acl|dryrun', 'acl|log'],
  ],
  auth: [
    ['ACL', 'SETUSER', 'u1', 'on', '>p1', '>p2', '~*', '+@all'],
    ['ACL', 'SETUSER', 'u2', 'off', '>p', '~*', '+@all'],
    ['ACL', 'SETUSER', 'u3', 'on', 'nopass', '-@all', '+acl|whoami'],
    ['ACL', 'SETUSER', 'u4', 'on', '-@all'],
    ['AUTH', 'p'],
    ['AUTH', 'default', 'anything'],
    ['AUTH', 'u1', 'wrong'],
    ['AUTH', 'nosuch', 'p1'],
    ['AUTH', 'u2', 'p'],
    ['AUTH', 'u4', ''],
    ['AUTH', 'a', 'b', 'c'],
    ['AUTH', 'u1', 'p2'],
    ['ACL', 'WHOAMI'],
    ['AUTH', 'u3', 'whatever'],
    ['ACL', 'WHOAMI'],
    ['GET', 'x'],
    ['AUTH', 'u1', 'wrong'],
    ['ACL', 'WHOAMI'],
    ['HELLO', '2', 'AUTH', 'u1', 'wrong'],
    ['ACL', 'WHOAMI'],
    { cmd: ['HELLO', '3', 'AUTH', 'u1', 'p1', 'SETNAME', 'c1'], mode: 'shape' },
    ['CLIENT', 'GETNAME'],
    ['ACL', 'WHOAMI'],
    ['ACL', 'GETUSER', 'u3'],
    ['ACL', 'GETUSER', 'default'],
    ['HELLO', '2', 'AUTH', 'u1', 'p1', 'SETNAME', 'bad name'],
    ['HELLO', '2', 'AUTH', 'u1'],
    { cmd: ['HELLO', '2', 'AUTH', 'u3', 'x'], mode: 'shape' },
    ['ACL', 'WHOAMI'],
    ['RESET'],
    ['ACL', 'WHOAMI'],
    ...cleanup('u1', 'u2', 'u3', 'u4'),
  ],
  permissions: [
    [
      'ACL',
      'SETUSER',
      'p',
      'on',
      '>pw',
      '~r*',
      '%R~ro*',
      '%W~wo*',
      '&news.*',
      '-@all',
      '+@read',
      '+@write',
      '+@keyspace',
      '+select|0',
      '+config|get',
      '+ping',
      '+publish',
      '+spublish',
      '+acl|whoami',
      '+client|id',
    ],
    ['SET', 'wo1', 'v'],
    ['SET', 'ro1', 'v'],
    ['AUTH', 'p', 'pw'],
    ['SET', 'r1', 'v'],
    ['GET', 'r1'],
    ['SET', 'ro2', 'v'],
    ['GET', 'ro1'],
    ['SET', 'wo2', 'v'],
    ['GET', 'wo1'],
    ['SET', 'wo1', 'v', 'GET'],
    ['GETDEL', 'ro1'],
    ['DEL', 'wo2'],
    ['EXISTS', 'wo1', 'ro1', 'r1', 'zz'],
    ['TYPE', 'wo1'],
    ['STRLEN', 'wo1'],
    ['MSET', 'r1', 'a', 'r2', 'b'],
    ['MSET', 'r1', 'a', 'zz', 'b'],
    ['MGET', 'r1', 'ro1', 'zz'],
    ['LPUSH', 'r3', 'a'],
    ['LMOVE', 'r3', 'wo3', 'LEFT', 'RIGHT'],
    ['LMOVE', 'r3', 'ro3', 'LEFT', 'RIGHT'],
    ['COPY', 'r1', 'ro9'],
    ['COPY', 'ro1', 'r9'],
    ['RENAME', 'r9', 'wo9'],
    ['SINTERSTORE', 'r5', 'ro1', 'wo1'],
    ['SINTERSTORE', 'r5', 'ro1', 'r1'],
    ['ZUNIONSTORE', 'r6', '2', 'r1', 'zz'],
    ['ZUNIONSTORE', 'r6', '2', 'r1', 'ro1'],
    ['LMPOP', '2', 'zz', 'r3', 'LEFT'],
    ['SINTERCARD', '2', 'r1', 'ro1'],
    ['SINTERCARD', '2', 'r1', 'wo1'],
    ['FLUSHALL'],
    ['SELECT', '0'],
    ['SELECT', '1'],
    ['select', 'ab'],
    ['SELECT'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['CONFIG', 'RESETSTAT'],
    ['PUBLISH', 'news.a', 'x'],
    ['PUBLISH', 'other', 'x'],
    ['SPUBLISH', 'news.b', 'x'],
    ['SPUBLISH', 'other', 'x'],
    ['PING'],
    ['ECHO', 'x'],
    ['ACL', 'WHOAMI'],
    ['ACL', 'LIST'],
    ['AUTH', 'p', 'pw'],
    { cmd: ['HELLO'], mode: 'shape' },
    ['ACL', 'DRYRUN', 'p', 'get', 'r1'],
    ['RESET'],
    ['ACL', 'DRYRUN', 'p', 'get', 'r1'],
    ['ACL', 'DRYRUN', 'p', 'get', 'wo1'],
    ['ACL', 'DRYRUN', 'p', 'set', 'ro1', 'x'],
    ['ACL', 'DRYRUN', 'p', 'set', 'wo1', 'x', 'GET'],
    ['ACL', 'DRYRUN', 'p', 'mget', 'r1', 'zz', 'r2'],
    ['ACL', 'DRYRUN', 'p', 'mset', 'zz', '1', 'r1', '2', 'yy', '3'],
    ['ACL', 'DRYRUN', 'p', 'publish', 'other', 'x'],
    ['ACL', 'DRYRUN', 'p', 'subscribe', 'news.a'],
    ['ACL', 'DRYRUN', 'p', 'select', '0'],
    ['ACL', 'DRYRUN', 'p', 'select', '2'],
    ['ACL', 'DRYRUN', 'p', 'config', 'get', 'x'],
    ['ACL', 'DRYRUN', 'p', 'config', 'set', 'x', 'y'],
    ['ACL', 'DRYRUN', 'p', 'auth', 'x'],
    ['ACL', 'DRYRUN', 'p', 'hello'],
    ['ACL', 'DRYRUN', 'p', 'quit'],
    ['ACL', 'DRYRUN', 'p', 'set', 'r1'],
    ...cleanup('p'),
  ],
  channels: [
    ['ACL', 'SETUSER', 'c', 'on', 'nopass', 'allkeys', 'resetchannels', '&news.*', '&lit[ab]', '+@all'],
    { cmd: ['AUTH', 'c', 'x'], conn: 1 },
    { cmd: ['SUBSCRIBE', 'news.a', 'news.b'], conn: 1, replies: 2 },
    { cmd: ['SUBSCRIBE', 'news.c', 'other'], conn: 1 },
    { cmd: ['PSUBSCRIBE', 'news.*'], conn: 1 },
    { cmd: ['PSUBSCRIBE', 'news.x*'], conn: 1 },
    { cmd: ['PSUBSCRIBE', 'lit[ab]'], conn: 1 },
    { cmd: ['SSUBSCRIBE', 'news.s'], conn: 1 },
    { cmd: ['SSUBSCRIBE', 'other'], conn: 1 },
    { cmd: ['UNSUBSCRIBE', 'other'], conn: 1 },
    { cmd: ['PING'], conn: 1 },
    ['ACL', 'DRYRUN', 'c', 'psubscribe', 'lita'],
    ['ACL', 'DRYRUN', 'c', 'subscribe', 'lita'],
    ['ACL', 'DRYRUN', 'c', 'publish', 'news.z', 'm'],
    ['PUBLISH', 'news.a', 'hello'],
    { conn: 1, replies: 2, mode: 'unordered' },
    ...cleanup('c'),
  ],
  selectors: [
    ['ACL', 'SETUSER', 's', 'on', 'nopass', '~a*', '-@all', '+get', '(~b* +set)', '(%R~c* +@read)'],
    ['AUTH', 's', 'x'],
    ['GET', 'a1'],
    ['GET', 'b1'],
    ['SET', 'b1', 'x'],
    ['SET', 'a1', 'x'],
    ['GET', 'c1'],
    ['MGET', 'c1', 'c2'],
    ['MGET', 'a1', 'c1'],
    ['MGET', 'c1', 'a1'],
    ['STRLEN', 'c1'],
    ['DEL', 'c1'],
    ['RESET'],
    ['ACL', 'DRYRUN', 's', 'get', 'b1'],
    ['ACL', 'DRYRUN', 's', 'mget', 'c1', 'zz'],
    ['ACL', 'DRYRUN', 's', 'set', 'zz', 'x'],
    ['ACL', 'DRYRUN', 's', 'del', 'zz'],
    ...cleanup('s'),
  ],
  multi: [
    ['ACL', 'SETUSER', 'm', 'on', 'nopass', '~m*', '-@all', '+multi', '+exec', '+discard', '+get', '+set', '+watch'],
    ['AUTH', 'm', 'x'],
    ['MULTI'],
    ['SET', 'm1', 'x'],
    ['SET', 'zz', 'x'],
    ['INCR', 'm1'],
    ['EXEC'],
    ['MULTI'],
    ['GET', 'm1'],
    ['SET', 'm2', 'x'],
    { cmd: ['ACL', 'SETUSER', 'm', '-get', 'resetkeys', '~m1'], conn: 1 },
    ['EXEC'],
    ['MULTI'],
    ['SET', 'm1', 'y'],
    { cmd: ['ACL', 'SETUSER', 'm', '-exec'], conn: 1 },
    ['EXEC'],
    ['GET', 'm1'],
    { cmd: ['ACL', 'LOG', 'RESET'], conn: 1 },
    ['MULTI'],
    ['AUTH', 'm', 'x'],
    ['AUTH', 'nosuch', 'x'],
    ['DISCARD'],
    ['RESET'],
    ...cleanup('m'),
  ],
  requirepass: [
    ['CONFIG', 'SET', 'requirepass', 'secret'],
    ['ACL', 'LIST'],
    { cmd: ['PING'], conn: 1 },
    { cmd: ['AUTH', 'wrong'], conn: 1 },
    { cmd: ['AUTH', 'secret'], conn: 1 },
    { cmd: ['ACL', 'WHOAMI'], conn: 1 },
    { cmd: ['GET', 'x'], conn: 2 },
    ['CONFIG', 'SET', 'requirepass', ''],
    ['ACL', 'LIST'],
    // a connection opened while a password was needed no longer needs one
    { cmd: ['GET', 'x'], conn: 2 },
    ['ACL', 'SETUSER', 'default', 'resetpass'],
    { cmd: ['GET', 'x'], conn: 2 },
    { cmd: ['PING'], conn: 3 },
    { cmd: ['AUTH', 'x'], conn: 3 },
    { cmd: ['AUTH', 'default', 'x'], conn: 3 },
    ['ACL', 'SETUSER', 'default', 'nopass', 'off'],
    { cmd: ['PING'], conn: 4 },
    { cmd: ['AUTH', 'default', 'x'], conn: 4 },
    ['ACL', 'SETUSER', 'default', 'on'],
    { cmd: ['PING'], conn: 4 },
    ['CONFIG', 'GET', 'requirepass'],
  ],
  clientKillUser: [
    ['ACL', 'SETUSER', 'k', 'on', 'nopass', '+@all', '~*'],
    { cmd: ['AUTH', 'k', 'x'], conn: 1 },
    { cmd: ['AUTH', 'k', 'x'], conn: 2 },
    ['CLIENT', 'KILL', 'USER', 'nosuch'],
    ['CLIENT', 'KILL', 'USER', 'k', 'ID', 'abc'],
    ['CLIENT', 'KILL', 'USER', 'k', 'SKIPME', 'no'],
    ['CLIENT', 'KILL', 'USER', 'k'],
    ...cleanup('k'),
  ],
  errorstats: [
    ['CONFIG', 'RESETSTAT'],
    ['ACL', 'SETUSER', 'x', 'on', 'nopass', '~a', '-@all', '+get', '+publish'],
    ['AUTH', 'x', 'x'],
    ['SET', 'a', 'b'],
    ['GET', 'b'],
    ['PUBLISH', 'c', 'm'],
    ['AUTH', 'x', 'y'],
    ['AUTH', 'nosuch', 'y'],
    ['RESET'],
    ['INFO', 'errorstats'],
    ...cleanup('x'),
  ],
  aclLog: [
    ['ACL', 'LOG', 'RESET'],
    ['CONFIG', 'SET', 'acllog-max-len', '3'],
    ['ACL', 'SETUSER', 'l', 'on', 'nopass', '~a', '-@all', '+get'],
    ['AUTH', 'l', 'x'],
    ['GET', 'b'],
    ['GET', 'b'],
    ['SET', 'a', 'x'],
    ['GET', 'c'],
    ['AUTH', 'nosuch', 'x'],
    ['RESET'],
    { cmd: ['ACL', 'LOG'], mode: 'shape' },
    { cmd: ['ACL', 'LOG', '2'], mode: 'shape' },
    { cmd: ['ACL', 'LOG', '0'], mode: 'shape' },
    ['ACL', 'LOG', 'RESET'],
    ['ACL', 'LOG'],
    ['CONFIG', 'SET', 'acllog-max-len', '128'],
    ...cleanup('l'),
  ],
});

differential(
  'acl (RESP3)',
  {
    replies: [
      ['ACL', 'SETUSER', 'r3u', 'on', '>p', '~a', '%R~b', '&c', '-@all', '+@hash', '(~x +get)'],
      ['ACL', 'GETUSER', 'r3u'],
      ['ACL', 'GETUSER', 'nosuch'],
      ['ACL', 'GETUSER', 'default'],
      ['ACL', 'WHOAMI'],
      ['ACL', 'USERS'],
      ['ACL', 'DRYRUN', 'r3u', 'hget', 'zz', 'f'],
      ['AUTH', 'r3u', 'p'],
      ['HGET', 'zz', 'f'],
      ['RESET'],
      { cmd: ['HELLO', '3'], mode: 'shape' },
      { cmd: ['ACL', 'LOG', '1'], mode: 'shape' },
      ['ACL', 'LOG', 'RESET'],
      ...cleanup('r3u'),
    ],
  },
  { resp3: true },
);

// ---- comparisons needing normalisation -------------------------------------------------------------------------

/**
 * Sorts each run of single-command words ("+get +set") inside every selector: Redis prints them in hash-table
 * order, random per process. Category words keep their place (their order is deterministic).
 */
function normalizeRules(s: string): string {
  return s
    .split(/([()])/)
    .map((part) => {
      const out: string[] = [];
      let run: string[] = [];
      const flush = () => {
        out.push(...run.sort());
        run = [];
      };
      for (const w of part.split(' ')) {
        if (/^[-+][^@]/.test(w)) run.push(w);
        else {
          flush();
          out.push(w);
        }
      }
      flush();
      return out.join(' ');
    })
    .join('');
}

function normalize(v: unknown): unknown {
  if (typeof v === 'string') return normalizeRules(v);
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}

const enabled = requireRedis('differential acl (normalised)');
describe.skipIf(!enabled)('differential: acl descriptions and log (normalised)', () => {
  let tandem: ServerHandle;
  let redis: ServerHandle;
  let ct: RespClient;
  let cr: RespClient;
  beforeAll(async () => {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
    [ct, cr] = await Promise.all([tandem.client(), redis.client()]);
  });
  afterAll(async () => {
    ct?.close();
    cr?.close();
    await Promise.all([tandem?.stop(), redis?.stop()]);
  });

  const both = async (...argv: string[]): Promise<[unknown, unknown]> => {
    const [a, b] = await Promise.all([ct.call(...argv), cr.call(...argv)]);
    return [plain(a), plain(b)];
  };

  const RULES: string[][] = [
    ['-@all', '+get', '+set', '+hset', '+lpush', '+zadd', '+client|list'],
    ['+@all', '-get', '-set', '-hset'],
    ['-@all', '+@hash', '+@list', '-lpush', '-rpush', '+config|get', '+config|set'],
    ['+@all', '-@hash', '-@list', '-@set', '-@sortedset', '-@stream'],
    ['-@all', '+@read', '+@write', '+@keyspace', '+@fast', '+@slow'],
    ['+@all', '-@read', '-@write', '-@keyspace'],
    ['-@all', '+debug|object', '+select|0', '+select|1', '+get'],
    ['-@all', '+@blocking', '+@transaction', '-exec'],
    ['+@all', '-debug', '-config', '-shutdown', '-acl', '+acl|whoami'],
    ['-@all', '+xadd', '+eval', '+fcall', '+georadius'],
    ['-@all', '+@all', '-flushall', '+flushall', '-@dangerous', '+info', '+client|setname'],
    ['+@all', '-@scripting', '-@stream', '-@geo', '-@hyperloglog', '-@bitmap', '-@pubsub'],
    ['-@all', '+@admin', '-@dangerous', '+@pubsub', '+@connection'],
    ['-@all', '+@slow', '-@admin', '+cluster|info', '-cluster'],
    ['nocommands', '+client', '-client|kill', '-client|pause', '+acl', '-acl|setuser'],
    ['-@all', '+get', '(+set +del ~x*)', '(+@hash -hdel -hset %R~h*)'],
    // the recommended rules for a Sentinel user and a replication user
    [
      'on',
      '>sentinelpass',
      'allchannels',
      '+multi',
      '+slaveof',
      '+ping',
      '+exec',
      '+subscribe',
      '+config|rewrite',
      '+role',
      '+publish',
      '+info',
      '+client|setname',
      '+client|kill',
      '+script|kill',
    ],
    ['on', '>replpass', '+psync', '+replconf', '+ping'],
  ];

  it('ACL LIST and GETUSER describe the same rules', async () => {
    for (let i = 0; i < RULES.length; i++) {
      const [a, b] = await both('ACL', 'SETUSER', `n${i}`, ...RULES[i]);
      expect(a, RULES[i].join(' ')).toEqual(b);
      const [ga, gb] = await both('ACL', 'GETUSER', `n${i}`);
      expect(normalize(ga), `GETUSER for ${RULES[i].join(' ')}`).toEqual(normalize(gb));
    }
    const [la, lb] = await both('ACL', 'LIST');
    expect(normalize(la)).toEqual(normalize(lb));
    await both('ACL', 'DELUSER', ...RULES.map((_r, i) => `n${i}`));
  });

  it('ACL LOG entries carry the same facts', async () => {
    await both('ACL', 'LOG', 'RESET');
    await both('ACL', 'SETUSER', 'lg', 'on', 'nopass', '~a*', '&ch', '-@all', '+get', '+publish', '+multi', '+set');
    await both('AUTH', 'lg', 'x');
    for (const argv of [
      ['GET', 'b'],
      ['GET', 'b'],
      ['DEL', 'a1'],
      ['PUBLISH', 'other', 'm'],
      ['MULTI'],
      ['SET', 'zz', 'x'],
      ['DISCARD'],
      ['AUTH', 'lg', 'x'],
      ['AUTH', 'nosuch', 'pw'],
      ['auth', 'wrong-pass'],
      ['HELLO', '2', 'AUTH', 'nosuch', 'pw'],
    ]) {
      const [a, b] = await both(...argv);
      expect(a, argv.join(' ')).toEqual(b);
    }
    await both('RESET');
    const [la, lb] = await both('ACL', 'LOG');
    const facts = (log: unknown) =>
      (log as unknown[][]).map((e) => {
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < e.length; i += 2) m.set(e[i], e[i + 1]);
        const info = String(m.get('client-info'));
        const age = Number(m.get('age-seconds'));
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThan(30);
        // the CLIENT LIST line of the client that was refused: its command and user
        const cmd = /cmd=(\S+)/.exec(info)?.[1];
        const user = / user=(\S+)/.exec(info)?.[1];
        return [
          e.filter((_x, i) => i % 2 === 0),
          ...['count', 'reason', 'context', 'object', 'username'].map((k) => m.get(k)),
          cmd,
          user,
        ];
      });
    expect(facts(la)).toEqual(facts(lb));
    await both('ACL', 'DELUSER', 'lg');
  });

  it('ACL LOG reports the same RESP3 types', async () => {
    await both('HELLO', '3');
    await both('ACL', 'SETUSER', 'lg3', 'on', 'nopass', '-@all');
    await both('AUTH', 'lg3', 'x');
    await both('GET', 'x');
    await both('RESET');
    await both('HELLO', '3');
    const [a, b] = await Promise.all([ct.call('ACL', 'LOG', '1'), cr.call('ACL', 'LOG', '1')]);
    const types = (r: Reply): unknown =>
      r.t === 'array' || r.t === 'set'
        ? [r.t, (r.v ?? []).map(types)]
        : r.t === 'map'
          ? [r.t, r.v.map(([k, v]) => [types(k), types(v)])]
          : r.t;
    expect(types(a)).toEqual(types(b));
    await both('ACL', 'DELUSER', 'lg3');
  });
});
