import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { SetValue, intMember } from '../../src/store/types/set';
import { parseReply, plain } from '../helpers/resp-client';

const MAX = 512;

function make(members: string[], max = MAX): SetValue {
  return SetValue.fromMembers(members, max);
}

describe('intMember (string2ll rules)', () => {
  it('accepts canonical int64 strings only', () => {
    expect(intMember('0')).toBe(0);
    expect(intMember('-1')).toBe(-1);
    expect(intMember('123456789012345')).toBe(123456789012345);
    for (const bad of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '1e3', '0x10', 'abc', '9223372036854775808']) {
      expect(intMember(bad), bad).toBeNull();
    }
    expect(intMember('-9223372036854775809')).toBeNull();
  });

  it('is a number exactly when the value is a safe integer, bigint beyond', () => {
    expect(intMember('9007199254740991')).toBe(9007199254740991);
    expect(intMember('-9007199254740991')).toBe(-9007199254740991);
    expect(intMember('9007199254740992')).toBe(9007199254740992n);
    expect(intMember('9223372036854775807')).toBe(9223372036854775807n);
    expect(intMember('-9223372036854775808')).toBe(-9223372036854775808n);
  });
});

describe('SetValue intset encoding', () => {
  it('iterates ascending, as Redis intsets do', () => {
    const s = make(['5', '-3', '100000', '-100000', '0']);
    expect(s.encoding()).toBe('intset');
    expect(s.members()).toEqual(['-100000', '-3', '0', '5', '100000']);
    expect([...s]).toEqual(['-100000', '-3', '0', '5', '100000']);
  });

  it('is exact over the whole int64 range, beyond 2^53', () => {
    const big = [
      '9223372036854775807',
      '-9223372036854775808',
      '9007199254740993',
      '9007199254740992',
      '9007199254740991',
      '-9007199254740993',
      '1',
    ];
    const s = make(big);
    expect(s.encoding()).toBe('intset');
    expect(s.size).toBe(7);
    expect(s.members()).toEqual([
      '-9223372036854775808',
      '-9007199254740993',
      '1',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9223372036854775807',
    ]);
    expect(s.has('9007199254740993')).toBe(true);
    expect(s.has('9007199254740994')).toBe(false);
    expect(s.add('9007199254740993', MAX)).toBe(false);
    expect(s.delete('9007199254740992')).toBe(true);
    expect(s.has('9007199254740992')).toBe(false);
    expect(s.has('9007199254740993')).toBe(true);
  });

  it('treats non-canonical spellings as different members', () => {
    const s = make(['5']);
    expect(s.has('05')).toBe(false);
    expect(s.has('+5')).toBe(false);
    expect(s.delete('5.0')).toBe(false);
    expect(s.encoding()).toBe('intset');
  });

  it('add/delete report changes', () => {
    const s = new SetValue();
    expect(s.add('3', MAX)).toBe(true);
    expect(s.add('3', MAX)).toBe(false);
    expect(s.add('1', MAX)).toBe(true);
    expect(s.delete('2')).toBe(false);
    expect(s.delete('3')).toBe(true);
    expect(s.members()).toEqual(['1']);
  });
});

describe('SetValue conversions', () => {
  it('converts when the count exceeds set-max-intset-entries, not at it', () => {
    const s = make(['1', '2', '3'], 3);
    expect(s.encoding()).toBe('intset');
    s.add('2', 3);
    expect(s.encoding()).toBe('intset');
    s.add('4', 3);
    expect(s.encoding()).toBe('hashtable');
    expect(new Set(s.members())).toEqual(new Set(['1', '2', '3', '4']));
  });

  it('converts on the first non-integer member', () => {
    for (const m of ['a', '-0', '01', '9223372036854775808', '1.5', '']) {
      const s = make(['1', '2']);
      s.add(m, MAX);
      expect(s.encoding(), m).toBe('hashtable');
      expect(s.has(m)).toBe(true);
      expect(s.has('1')).toBe(true);
    }
  });

  it('never converts back', () => {
    const s = make(['1', 'a']);
    s.delete('a');
    expect(s.encoding()).toBe('hashtable');
    expect(s.members()).toEqual(['1']);
  });

  it('a limit of zero means no intset at all', () => {
    expect(make(['1'], 0).encoding()).toBe('hashtable');
  });

  it('hashtable members are binary-safe', () => {
    const s = make(['\x00', '\xff\r\n', 'é']);
    expect(s.has('\x00')).toBe(true);
    expect(s.has('\xff\r\n')).toBe(true);
    expect(s.has('\xff')).toBe(false);
  });
});

describe('SetValue random access', () => {
  it('randomMember covers the intset and small hashtables', () => {
    for (const members of [
      ['1', '2', '3'],
      ['a', 'b', 'c'],
    ]) {
      const s = make(members);
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) seen.add(s.randomMember());
      expect([...seen].sort()).toEqual(members);
    }
  });

  it('popRandom removes each member exactly once, in every encoding', () => {
    for (const n of [10, 50, 300]) {
      for (const prefix of ['', 'm']) {
        const members = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
        const s = make(members);
        const popped = new Set<string>();
        while (s.size > 0) popped.add(s.popRandom());
        expect(popped.size).toBe(n);
        expect(popped).toEqual(new Set(members));
      }
    }
  });

  it('big hashtables sample only live members after mixed adds and deletes', () => {
    const s = new SetValue();
    for (let i = 0; i < 400; i++) s.add(`x${i}`, MAX);
    s.randomMember(); // builds the sampler
    for (let i = 0; i < 390; i++) s.delete(`x${i}`);
    s.add('fresh', MAX);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(s.randomMember());
    const live = new Set(['fresh']);
    for (let i = 390; i < 400; i++) live.add(`x${i}`);
    expect(seen).toEqual(live);
  });

  it('SPOP-style draining of a big set is roughly uniform in its first picks', () => {
    const firsts = new Map<string, number>();
    for (let round = 0; round < 2000; round++) {
      const s = new SetValue();
      for (let i = 0; i < 100; i++) s.add(`e${i}`, MAX);
      const m = s.popRandom();
      firsts.set(m, (firsts.get(m) ?? 0) + 1);
    }
    expect(firsts.size).toBeGreaterThan(80);
  });
});

describe('SetValue copies', () => {
  it('clone is independent and keeps the encoding', () => {
    for (const members of [
      ['1', '2'],
      ['a', 'b'],
    ]) {
      const s = make(members);
      const k = s.clone();
      expect(k.encoding()).toBe(s.encoding());
      k.add('9', MAX);
      k.delete(members[0]);
      expect(s.members()).toEqual(members);
      expect(k.has('9')).toBe(true);
    }
  });
});

/**
 * In-process server (no sockets) with a propagation sink, to check exactly what hash/set commands replicate.
 */
function harness() {
  const srv = new Server(new Config());
  const stream: string[][] = [];
  srv.propagator.addSink((chunk) => {
    for (let pos = 0; pos < chunk.length; ) {
      const r = parseReply(chunk, pos);
      if (r === null) break;
      const [reply, next] = r;
      if (reply.t === 'array' && reply.v !== null) {
        const argv = reply.v.map((x) => (x.t === 'bulk' ? (x.v ?? '') : ''));
        if (argv[0] !== 'SELECT') stream.push(argv);
      }
      pos = next;
    }
  });
  const c = new Client(srv, null, '127.0.0.1:1', '127.0.0.1:2');
  const run = (...argv: string[]): unknown => {
    processCommand(srv, c, argv);
    const out = c.out.take();
    const r = out === null ? null : parseReply(out, 0);
    return r === null ? undefined : plain(r[0]);
  };
  return { srv, run, stream };
}

describe('set commands in-process: effects and replication', () => {
  it('SPOP without count replicates as SREM of the popped member', () => {
    const { run, stream, srv } = harness();
    run('SADD', 's', 'a', 'b');
    const m = run('SPOP', 's') as string;
    const m2 = run('SPOP', 's') as string;
    expect(new Set([m, m2])).toEqual(new Set(['a', 'b']));
    expect(srv.dbs[0].get('s')).toBeUndefined();
    expect(stream).toEqual([
      ['SADD', 's', 'a', 'b'],
      ['SREM', 's', m],
      ['SREM', 's', m2],
    ]);
  });

  it('SPOP with count replicates one SREM per member inside MULTI/EXEC', () => {
    const { run, stream, srv } = harness();
    run('SADD', 's', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10');
    stream.length = 0;
    const dirty = srv.dirty;
    const popped = run('SPOP', 's', '3') as string[];
    expect(popped).toHaveLength(3);
    expect(srv.dirty - dirty).toBe(3);
    expect(stream).toEqual([['MULTI'], ...popped.map((m) => ['SREM', 's', m]), ['EXEC']]);
  });

  it('SPOP of most of the set replicates the popped members and keeps the rest', () => {
    const { run, stream } = harness();
    const all = Array.from({ length: 20 }, (_, i) => `m${i}`);
    run('SADD', 's', ...all);
    stream.length = 0;
    const popped = run('SPOP', 's', '19') as string[];
    expect(new Set(popped).size).toBe(19);
    const rest = run('SMEMBERS', 's') as string[];
    expect(new Set([...popped, ...rest])).toEqual(new Set(all));
    expect(
      stream
        .slice(1, -1)
        .map((a) => a[2])
        .sort(),
    ).toEqual([...popped].sort());
  });

  it('SPOP of the whole set replicates as DEL', () => {
    const { run, stream, srv } = harness();
    run('SADD', 's', 'a', 'b', 'c');
    stream.length = 0;
    const dirty = srv.dirty;
    expect((run('SPOP', 's', '10') as string[]).sort()).toEqual(['a', 'b', 'c']);
    expect(srv.dirty - dirty).toBe(3);
    expect(stream).toEqual([['DEL', 's']]);
    expect(run('SPOP', 's', '10')).toEqual([]);
    expect(stream).toHaveLength(1);
  });

  it('SRANDMEMBER never replicates; *STORE replicate as executed', () => {
    const { run, stream } = harness();
    run('SADD', 'a', '1', '2');
    run('SRANDMEMBER', 'a', '-5');
    run('SINTERSTORE', 'd', 'a', 'nokey'); // empty result, no destination: no change
    run('SUNIONSTORE', 'd', 'a');
    run('SDIFFSTORE', 'd', 'a', 'a'); // empty result deletes the destination
    run('SMOVE', 'nokey', 'a', '1');
    run('SMOVE', 'a', 'b', '1');
    expect(stream).toEqual([
      ['SADD', 'a', '1', '2'],
      ['SUNIONSTORE', 'd', 'a'],
      ['SDIFFSTORE', 'd', 'a', 'a'],
      ['SMOVE', 'a', 'b', '1'],
    ]);
  });

  it('SMOVE counts both sides as changes', () => {
    const { run, srv } = harness();
    run('SADD', 'a', 'x', 'y');
    run('SADD', 'b', 'y');
    const d0 = srv.dirty;
    expect(run('SMOVE', 'a', 'b', 'x')).toBe(1);
    expect(srv.dirty - d0).toBe(2);
    expect(run('SMOVE', 'a', 'b', 'y')).toBe(1); // already in b: only the removal counts
    expect(srv.dirty - d0).toBe(3);
    expect(srv.dbs[0].get('a')).toBeUndefined();
  });
});
