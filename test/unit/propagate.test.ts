import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { Propagator, encodeCommand } from '../../src/replication/propagate';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';

/** Collects the stream and renders it as readable argv lists. */
function capture(p: Propagator) {
  const chunks: Buffer[] = [];
  p.addSink((b) => chunks.push(Buffer.from(b)));
  return {
    raw: () => Buffer.concat(chunks).toString('latin1'),
    cmds: () => parseStream(Buffer.concat(chunks).toString('latin1')),
    clear: () => {
      chunks.length = 0;
    },
  };
}

function parseStream(s: string): string[][] {
  const out: string[][] = [];
  let i = 0;
  const line = () => {
    const j = s.indexOf('\r\n', i);
    const l = s.slice(i, j);
    i = j + 2;
    return l;
  };
  while (i < s.length) {
    const h = line();
    expect(h[0]).toBe('*');
    const n = Number(h.slice(1));
    const argv: string[] = [];
    for (let k = 0; k < n; k++) {
      const len = Number(line().slice(1));
      argv.push(s.slice(i, i + len));
      i += len + 2;
    }
    out.push(argv);
  }
  return out;
}

/** One top-level call with the given effects, as dispatch's call() does it. */
function callWith(p: Propagator, effects: [number, string[]][]): void {
  p.begin();
  for (const [db, argv] of effects) p.add(db, argv);
  p.end();
}

describe('encodeCommand', () => {
  it('encodes a RESP array of bulk strings, binary safe', () => {
    expect(encodeCommand(['SET', 'k', 'v']).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
    const bin = '\x00\xff\r\n';
    const b = encodeCommand(['SET', bin, '']);
    expect(b.toString('latin1')).toBe(`*3\r\n$3\r\nSET\r\n$4\r\n${bin}\r\n$0\r\n\r\n`);
    expect(b[b.indexOf('$4') + 4]).toBe(0);
    expect(b[b.indexOf('$4') + 5]).toBe(255);
  });

  it('handles long arguments', () => {
    const big = 'x'.repeat(100_000);
    const b = encodeCommand(['SET', 'k', big]);
    expect(b.length).toBe(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n`.length + 100_000 + 2);
  });
});

describe('Propagator', () => {
  it('does nothing without sinks', () => {
    const p = new Propagator();
    expect(p.active).toBe(false);
    callWith(p, [
      [0, ['SET', 'a', '1']],
      [0, ['SET', 'b', '2']],
    ]);
    const s = capture(p);
    callWith(p, [[0, ['SET', 'c', '3']]]);
    // nothing left over from the sink-less call
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['SET', 'c', '3'],
    ]);
  });

  it('emits SELECT only when the db changes', () => {
    const p = new Propagator();
    const s = capture(p);
    callWith(p, [[0, ['SET', 'a', '1']]]);
    callWith(p, [[0, ['SET', 'b', '2']]]);
    callWith(p, [[3, ['DEL', 'a']]]);
    callWith(p, [[3, ['DEL', 'b']]]);
    callWith(p, [[0, ['DEL', 'c']]]);
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SELECT', '3'],
      ['DEL', 'a'],
      ['DEL', 'b'],
      ['SELECT', '0'],
      ['DEL', 'c'],
    ]);
    expect(p.selectedDb).toBe(0);
  });

  it('re-selects after selectedDb is reset (new full sync)', () => {
    const p = new Propagator();
    const s = capture(p);
    callWith(p, [[2, ['SET', 'a', '1']]]);
    p.selectedDb = -1;
    callWith(p, [[2, ['SET', 'b', '1']]]);
    expect(s.cmds()).toEqual([
      ['SELECT', '2'],
      ['SET', 'a', '1'],
      ['SELECT', '2'],
      ['SET', 'b', '1'],
    ]);
  });

  it('raw sends (PING, GETACK) never select and do not change the selected db', () => {
    const p = new Propagator();
    const s = capture(p);
    p.send(encodeCommand(['ping']));
    callWith(p, [[1, ['SET', 'a', '1']]]);
    p.send(encodeCommand(['REPLCONF', 'GETACK', '*']));
    callWith(p, [[1, ['SET', 'b', '1']]]);
    expect(s.cmds()).toEqual([
      ['ping'],
      ['SELECT', '1'],
      ['SET', 'a', '1'],
      ['REPLCONF', 'GETACK', '*'],
      ['SET', 'b', '1'],
    ]);
  });

  it('a call with one effect is emitted bare', () => {
    const p = new Propagator();
    const s = capture(p);
    callWith(p, [[0, ['INCR', 'n']]]);
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['INCR', 'n'],
    ]);
  });

  it('a call with no effect emits nothing', () => {
    const p = new Propagator();
    const s = capture(p);
    callWith(p, []);
    expect(s.raw()).toBe('');
  });

  it('wraps several effects of one call in MULTI/EXEC, SELECT before MULTI', () => {
    const p = new Propagator();
    const s = capture(p);
    // e.g. APPEND on a key found expired: DEL then the command
    callWith(p, [
      [4, ['DEL', 'k']],
      [4, ['append', 'k', 'x']],
    ]);
    expect(s.cmds()).toEqual([['SELECT', '4'], ['MULTI'], ['DEL', 'k'], ['append', 'k', 'x'], ['EXEC']]);
  });

  it('a block spanning dbs selects inside it and sends EXEC in the last db', () => {
    const p = new Propagator();
    const s = capture(p);
    callWith(p, [
      [0, ['SET', 'a', '1']],
      [1, ['SET', 'b', '2']],
    ]);
    callWith(p, [[1, ['SET', 'c', '3']]]);
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['SELECT', '1'],
      ['SET', 'b', '2'],
      ['EXEC'],
      ['SET', 'c', '3'],
    ]);
  });

  it('nested calls (EXEC running commands) are emitted once, when the outer call ends', () => {
    const p = new Propagator();
    const s = capture(p);
    p.begin(); // EXEC
    p.begin(); // SET
    p.add(0, ['SET', 'a', '1']);
    p.end();
    expect(s.raw()).toBe(''); // nothing before the transaction completes
    p.begin(); // GET: no effect
    p.end();
    p.begin(); // INCR
    p.add(0, ['INCR', 'n']);
    p.end();
    p.end();
    expect(s.cmds()).toEqual([['SELECT', '0'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'n'], ['EXEC']]);
  });

  it('a transaction with a single write is emitted bare', () => {
    const p = new Propagator();
    const s = capture(p);
    p.begin();
    p.begin();
    p.add(0, ['SET', 'a', '1']);
    p.end();
    p.begin();
    p.end();
    p.end();
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['SET', 'a', '1'],
    ]);
  });

  it('effects outside any call (active expiry) are emitted at once, never wrapped', () => {
    const p = new Propagator();
    const s = capture(p);
    p.add(0, ['DEL', 'x']);
    p.add(0, ['DEL', 'y']);
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['DEL', 'x'],
      ['DEL', 'y'],
    ]);
  });

  it('fans out to every sink, encoding once; removed sinks get nothing more', () => {
    const p = new Propagator();
    const a: Buffer[] = [];
    const b: Buffer[] = [];
    const sa = (x: Buffer) => a.push(x);
    const sb = (x: Buffer) => b.push(x);
    p.addSink(sa);
    p.addSink(sb);
    callWith(p, [[0, ['SET', 'a', '1']]]);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBe(b[i]); // same Buffer object, not a re-encoding
    p.removeSink(sb);
    callWith(p, [[0, ['SET', 'b', '1']]]);
    expect(Buffer.concat(a).toString('latin1')).toContain('$1\r\nb\r\n');
    expect(Buffer.concat(b).toString('latin1')).not.toContain('$1\r\nb\r\n');
  });
});

/**
 * The propagation contract end to end, in-process (no sockets): commands go through dispatch on a pseudo-client and
 * the replication stream is captured from the server's propagator.
 */
describe('propagation of pub/sub and transactions through dispatch', () => {
  function setup() {
    const srv = new Server(new Config());
    const s = capture(srv.propagator);
    const c = srv.createPseudoClient('test');
    const run = (...argv: string[]) => {
      processCommand(srv, c, argv);
      return c.out.take()?.toString('latin1') ?? '';
    };
    return { srv, s, c, run };
  }

  it('PUBLISH is not a write command but reaches the stream (no AOF-only special case)', () => {
    const { s, run } = setup();
    expect(run('PUBLISH', 'ch', 'hello')).toBe(':0\r\n');
    expect(run('SPUBLISH', 'sh', 'x')).toBe(':0\r\n');
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['PUBLISH', 'ch', 'hello'],
      ['SPUBLISH', 'sh', 'x'],
    ]);
  });

  it('read-only transactions and failed commands propagate nothing', () => {
    const { s, run } = setup();
    run('MULTI');
    run('HGET', 'h', 'f');
    run('PING');
    expect(run('EXEC')).toBe('*2\r\n$-1\r\n+PONG\r\n');
    run('MULTI');
    run('HSET', 'h'); // arity: aborts
    expect(run('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(s.raw()).toBe('');
  });

  it('a transaction with a single write is sent bare, with two or more wrapped in MULTI/EXEC', () => {
    const { s, run } = setup();
    run('MULTI');
    run('HSET', 'h', 'f', 'v');
    run('HGET', 'h', 'f');
    run('EXEC');
    expect(s.cmds()).toEqual([
      ['SELECT', '0'],
      ['HSET', 'h', 'f', 'v'],
    ]);
    s.clear();
    run('MULTI');
    run('HSET', 'h', 'g', 'w');
    run('HGET', 'h', 'g');
    run('SADD', 's', 'a');
    run('PUBLISH', 'ch', 'm');
    run('EXEC');
    expect(s.cmds()).toEqual([
      ['MULTI'],
      ['HSET', 'h', 'g', 'w'],
      ['SADD', 's', 'a'],
      ['PUBLISH', 'ch', 'm'],
      ['EXEC'],
    ]);
  });

  it('SELECT inside a transaction: SELECT before MULTI for the first write, then as the db changes', () => {
    const { s, run } = setup();
    run('SELECT', '5');
    run('MULTI');
    run('SADD', 's', 'a');
    run('SELECT', '6');
    run('SADD', 's', 'b');
    run('EXEC');
    run('SADD', 's', 'c'); // still in db 6 after the transaction
    expect(s.cmds()).toEqual([
      ['SELECT', '5'],
      ['MULTI'],
      ['SADD', 's', 'a'],
      ['SELECT', '6'],
      ['SADD', 's', 'b'],
      ['EXEC'],
      ['SADD', 's', 'c'],
    ]);
  });

  it('runtime errors inside EXEC are skipped in the stream; the successful writes remain', () => {
    const { s, run } = setup();
    run('SADD', 'set', 'm');
    s.clear();
    run('MULTI');
    run('HSET', 'set', 'f', 'v'); // WRONGTYPE
    run('SADD', 'set', 'n');
    run('SADD', 'set', 'n'); // no change: not propagated
    expect(run('EXEC')).toBe(
      '*3\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n:0\r\n',
    );
    expect(s.cmds()).toEqual([['SADD', 'set', 'n']]);
  });

  it('a transaction failed by WATCH propagates nothing', () => {
    const { srv, s, run } = setup();
    const other = srv.createPseudoClient('other');
    run('WATCH', 'h');
    processCommand(srv, other, ['HSET', 'h', 'f', '1']);
    s.clear();
    run('MULTI');
    run('HSET', 'h', 'f', '2');
    run('SADD', 's', 'x');
    expect(run('EXEC')).toBe('*-1\r\n');
    expect(s.raw()).toBe('');
  });
});
