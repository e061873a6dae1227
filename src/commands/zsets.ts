/**
 * The sorted-set family's command table. Handlers live by concept: member-level commands in zsets-members.ts,
 * ranges in zsets-range.ts, pops in zsets-pop.ts, set operations in zsets-setops.ts.
 */
import { type CommandFlag, type CommandSpec, cmd } from './command';
import { zadd, zcard, zincrby, zmscore, zrandmember, zrank, zrem, zrevrank, zscan, zscore } from './zsets-members';
import { bzmpop, bzpopmax, bzpopmin, mpopKeys, zmpop, zpopmax, zpopmin } from './zsets-pop';
import {
  BY_AUTO,
  BY_LEX,
  BY_RANK,
  BY_SCORE,
  DIR_AUTO,
  DIR_FWD,
  DIR_REV,
  zcount,
  zlexcount,
  zrangeGeneric,
  zremrangeGeneric,
} from './zsets-range';
import { numkeysKeys, zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore } from './zsets-setops';

const Z = (summary: string, since: string, args: string, complexity?: string) => ({
  group: 'sorted-set',
  summary,
  since,
  args,
  complexity,
});

const W_FAST: CommandFlag[] = ['write', 'denyoom', 'fast'];
const R_FAST: CommandFlag[] = ['readonly', 'fast'];
const ACL_W_FAST = ['write', 'sortedset', 'fast'];
const ACL_R_FAST = ['read', 'sortedset', 'fast'];
const ACL_W_SLOW = ['write', 'sortedset', 'slow'];
const ACL_R_SLOW = ['read', 'sortedset', 'slow'];
const ACL_BLOCK_FAST = ['write', 'sortedset', 'fast', 'blocking'];
const ACL_BLOCK_SLOW = ['write', 'sortedset', 'slow', 'blocking'];

const withAcl = <T extends object>(meta: T, acl: string[]) => ({ ...meta, acl });

export const zsetCommands: CommandSpec[] = [
  cmd(
    'zadd',
    -4,
    W_FAST,
    [1, 1, 1],
    withAcl(
      Z(
        'Adds members with scores, or updates their scores',
        '1.2.0',
        'key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]',
      ),
      ACL_W_FAST,
    ),
    zadd,
  ),
  cmd(
    'zincrby',
    4,
    W_FAST,
    [1, 1, 1],
    withAcl(Z("Increments a member's score", '1.2.0', 'key increment member'), ACL_W_FAST),
    zincrby,
  ),
  cmd(
    'zrem',
    -3,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes members', '1.2.0', 'key member [member ...]'), ACL_W_FAST),
    zrem,
  ),
  cmd(
    'zscore',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z("Returns a member's score", '1.2.0', 'key member'), ACL_R_FAST),
    zscore,
  ),
  cmd(
    'zmscore',
    -3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the scores of several members', '6.2.0', 'key member [member ...]'), ACL_R_FAST),
    zmscore,
  ),
  cmd('zcard', 2, R_FAST, [1, 1, 1], withAcl(Z('Returns the number of members', '1.2.0', 'key'), ACL_R_FAST), zcard),
  cmd(
    'zcount',
    4,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Counts members within a score range', '2.0.0', 'key min max'), ACL_R_FAST),
    zcount,
  ),
  cmd(
    'zlexcount',
    4,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Counts members within a lexicographical range', '2.8.9', 'key min max'), ACL_R_FAST),
    zlexcount,
  ),
  cmd(
    'zrange',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z(
        'Returns members in a range of ranks, scores or names',
        '1.2.0',
        'key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_AUTO, DIR_AUTO),
  ),
  cmd(
    'zrangestore',
    -5,
    ['write', 'denyoom'],
    [1, 2, 1],
    withAcl(
      Z(
        'Stores a range of a sorted set in another key',
        '6.2.0',
        'dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]',
      ),
      ACL_W_SLOW,
    ),
    (c) => zrangeGeneric(c, 2, true, BY_AUTO, DIR_AUTO),
  ),
  cmd(
    'zrangebyscore',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a score range', '1.0.5', 'key min max [WITHSCORES] [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_SCORE, DIR_FWD),
  ),
  cmd(
    'zrevrangebyscore',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z(
        'Returns members within a score range, highest first',
        '2.2.0',
        'key max min [WITHSCORES] [LIMIT offset count]',
      ),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_SCORE, DIR_REV),
  ),
  cmd(
    'zrangebylex',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a lexicographical range', '2.8.9', 'key min max [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_LEX, DIR_FWD),
  ),
  cmd(
    'zrevrangebylex',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members within a lexicographical range, highest first', '2.8.9', 'key max min [LIMIT offset count]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_LEX, DIR_REV),
  ),
  cmd(
    'zrevrange',
    -4,
    ['readonly'],
    [1, 1, 1],
    withAcl(
      Z('Returns members in a range of ranks, highest first', '1.2.0', 'key start stop [WITHSCORES]'),
      ACL_R_SLOW,
    ),
    (c) => zrangeGeneric(c, 1, false, BY_RANK, DIR_REV),
  ),
  cmd(
    'zrank',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the rank of a member, lowest score first', '2.0.0', 'key member'), ACL_R_FAST),
    zrank,
  ),
  cmd(
    'zrevrank',
    3,
    R_FAST,
    [1, 1, 1],
    withAcl(Z('Returns the rank of a member, highest score first', '2.0.0', 'key member'), ACL_R_FAST),
    zrevrank,
  ),
  cmd(
    'zpopmin',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes and returns the lowest-scored members', '5.0.0', 'key [count]'), ACL_W_FAST),
    zpopmin,
  ),
  cmd(
    'zpopmax',
    -2,
    ['write', 'fast'],
    [1, 1, 1],
    withAcl(Z('Removes and returns the highest-scored members', '5.0.0', 'key [count]'), ACL_W_FAST),
    zpopmax,
  ),
  cmd(
    'bzpopmin',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    withAcl(
      Z('Pops the lowest-scored member, blocking until one exists', '5.0.0', 'key [key ...] timeout'),
      ACL_BLOCK_FAST,
    ),
    bzpopmin,
  ),
  cmd(
    'bzpopmax',
    -3,
    ['write', 'noscript', 'blocking', 'fast'],
    [1, -2, 1],
    withAcl(
      Z('Pops the highest-scored member, blocking until one exists', '5.0.0', 'key [key ...] timeout'),
      ACL_BLOCK_FAST,
    ),
    bzpopmax,
  ),
  cmd(
    'zmpop',
    -4,
    ['write', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z('Pops members from the first non-empty sorted set', '7.0.0', 'numkeys key [key ...] MIN|MAX [COUNT count]'),
      ACL_W_SLOW,
    ),
    zmpop,
    { getKeys: mpopKeys(1) },
  ),
  cmd(
    'bzmpop',
    -5,
    ['write', 'blocking', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Pops members from the first non-empty sorted set, blocking until one exists',
        '7.0.0',
        'timeout numkeys key [key ...] MIN|MAX [COUNT count]',
      ),
      ACL_BLOCK_SLOW,
    ),
    bzmpop,
    { getKeys: mpopKeys(2) },
  ),
  cmd(
    'zunion',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Returns the union of sorted sets',
        '6.2.0',
        'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    zunion,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zinter',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z(
        'Returns the intersection of sorted sets',
        '6.2.0',
        'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]',
      ),
      ACL_R_SLOW,
    ),
    zinter,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zdiff',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(Z('Returns the difference of sorted sets', '6.2.0', 'numkeys key [key ...] [WITHSCORES]'), ACL_R_SLOW),
    zdiff,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zintercard',
    -3,
    ['readonly', 'movablekeys'],
    [0, 0, 0],
    withAcl(
      Z('Counts the members of the intersection of sorted sets', '7.0.0', 'numkeys key [key ...] [LIMIT limit]'),
      ACL_R_SLOW,
    ),
    zintercard,
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    'zunionstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(
      Z(
        'Stores the union of sorted sets',
        '2.0.0',
        'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]',
      ),
      ACL_W_SLOW,
    ),
    zunionstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zinterstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(
      Z(
        'Stores the intersection of sorted sets',
        '2.0.0',
        'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]',
      ),
      ACL_W_SLOW,
    ),
    zinterstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zdiffstore',
    -4,
    ['write', 'denyoom', 'movablekeys'],
    [1, 1, 1],
    withAcl(Z('Stores the difference of sorted sets', '6.2.0', 'destination numkeys key [key ...]'), ACL_W_SLOW),
    zdiffstore,
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    'zremrangebyrank',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a range of ranks', '2.0.0', 'key start stop'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_RANK),
  ),
  cmd(
    'zremrangebyscore',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a score range', '1.2.0', 'key min max'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_SCORE),
  ),
  cmd(
    'zremrangebylex',
    4,
    ['write'],
    [1, 1, 1],
    withAcl(Z('Removes members within a lexicographical range', '2.8.9', 'key min max'), ACL_W_SLOW),
    (c) => zremrangeGeneric(c, BY_LEX),
  ),
  cmd(
    'zrandmember',
    -2,
    ['readonly'],
    [1, 1, 1],
    withAcl(Z('Returns random members', '6.2.0', 'key [count [WITHSCORES]]'), ACL_R_SLOW),
    zrandmember,
  ),
  cmd(
    'zscan',
    -3,
    ['readonly'],
    [1, 1, 1],
    withAcl(Z('Iterates over members and scores', '2.8.0', 'key cursor [MATCH pattern] [COUNT count]'), ACL_R_SLOW),
    zscan,
  ),
];
