/**
 * Sorted-set commands run in-process (a Server without sockets): exact reply bytes, what reaches the replication
 * stream, and blocking pops served by later writes.
 */
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { Client } from '../../src/server/client';
import { processCommand } from '../../src/server/dispatch';
import { Server } from '../../src/server/server';
import { SetValue } from '../../src/store/types/set';

describe('zset commands in-process: replies, propagation and blocking (no sockets)', () => {
  function setup() {
    const srv = new Server(new Config());
    const stream: string[][] = [];
    srv.propagator.addSink((chunk) => {
      for (const argv of parseStream(chunk.toString('latin1'))) if (argv[0] !== 'SELECT') stream.push(argv);
    });
    const client = () => new Client(srv, null, '127.0.0.1:1', '127.0.0.1:2');
    const run = (c: Client, ...argv: string[]) => {
      processCommand(srv, c, argv);
      return c.out.take()?.toString('latin1') ?? '';
    };
    return { srv, stream, client, run };
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
      const n = Number(line().slice(1));
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

  it('propagates writes as executed, pops of ZMPOP/BZ* as ZPOPMIN/ZPOPMAX, and nothing for no-ops', () => {
    const { srv, stream, client, run } = setup();
    const c = client();
    expect(run(c, 'ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd')).toBe(':4\r\n');
    expect(run(c, 'ZADD', 'k', 'NX', '5', 'a')).toBe(':0\r\n');
    expect(run(c, 'ZREM', 'k', 'nope')).toBe(':0\r\n');
    expect(run(c, 'ZINCRBY', 'k', '0.5', 'a')).toBe('$3\r\n1.5\r\n');
    expect(run(c, 'BZPOPMIN', 'k', '0')).toBe('*3\r\n$1\r\nk\r\n$1\r\na\r\n$3\r\n1.5\r\n');
    expect(run(c, 'ZMPOP', '1', 'k', 'MAX', 'COUNT', '2')).toBe(
      '*2\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n',
    );
    expect(run(c, 'BZMPOP', '0', '2', 'none', 'k', 'MIN')).toBe('*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(run(c, 'EXISTS', 'k')).toBe(':0\r\n');
    expect(run(c, 'ZUNIONSTORE', 'dst', '1', 'none')).toBe(':0\r\n');
    expect(stream).toEqual([
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZINCRBY', 'k', '0.5', 'a'],
      ['ZPOPMIN', 'k'],
      ['ZPOPMAX', 'k', '2'],
      ['ZPOPMIN', 'k', '1'],
    ]);
    expect(srv.dirty).toBe(4 + 1 + 1 + 2 + 1);
  });

  it('serves a blocked BZPOPMIN when a zset appears, and propagates the push then the pop', () => {
    const { srv, stream, client, run } = setup();
    const a = client();
    const b = client();
    expect(run(a, 'BZPOPMIN', 'q1', 'q2', '0')).toBe('');
    expect(a.blocked).not.toBeNull();
    expect(run(b, 'ZADD', 'q2', '7', 'x', '8', 'y')).toBe(':2\r\n');
    expect(a.blocked).toBeNull();
    expect(a.out.take()?.toString('latin1')).toBe('*3\r\n$2\r\nq2\r\n$1\r\nx\r\n$1\r\n7\r\n');
    expect(stream).toEqual([
      ['ZADD', 'q2', '7', 'x', '8', 'y'],
      ['ZPOPMIN', 'q2'],
    ]);
    expect(run(b, 'ZRANGE', 'q2', '0', '-1')).toBe('*1\r\n$1\r\ny\r\n');
    expect(srv.blocking.blockedClients).toBe(0);
  });

  it('BZMPOP blocked clients are served in arrival order with their own counts', () => {
    const { stream, client, run } = setup();
    const a = client();
    const b = client();
    const w = client();
    run(a, 'BZMPOP', '0', '1', 'q', 'MAX', 'COUNT', '2');
    run(b, 'BZMPOP', '0', '1', 'q', 'MIN', 'COUNT', '5');
    run(w, 'ZADD', 'q', '1', 'a', '2', 'b', '3', 'c');
    expect(a.out.take()?.toString('latin1')).toBe(
      '*2\r\n$1\r\nq\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n',
    );
    expect(b.out.take()?.toString('latin1')).toBe('*2\r\n$1\r\nq\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n');
    expect(stream.slice(1)).toEqual([
      ['ZPOPMAX', 'q', '2'],
      ['ZPOPMIN', 'q', '5'],
    ]);
  });

  it('does not block inside MULTI and treats it as a timeout', () => {
    const { client, run } = setup();
    const a = client();
    run(a, 'MULTI');
    run(a, 'BZPOPMAX', 'none', '0');
    run(a, 'BZMPOP', '0', '1', 'none', 'MIN');
    expect(run(a, 'EXEC')).toBe('*2\r\n*-1\r\n*-1\r\n');
    expect(a.blocked).toBeNull();
  });

  it('a blocked client stays blocked when its key reappears with another type', () => {
    const { srv, client, run } = setup();
    const a = client();
    run(a, 'BZPOPMIN', 'k', '0');
    // make the key "ready" with a non-zset value, as a list push would
    srv.dbs[0].add('k', new SetValue());
    srv.blocking.signalReady(srv.dbs[0], 'k');
    srv.blocking.handleReady();
    expect(a.blocked).not.toBeNull();
    expect(a.out.take()).toBeNull();
    srv.blocking.unblock(a);
  });

  it('keeps scores exact through ZADD INCR / ZINCRBY and formats them as %.17g', () => {
    const { client, run } = setup();
    const c = client();
    expect(run(c, 'ZINCRBY', 'f', '0.1', 'm')).toBe('$19\r\n0.10000000000000001\r\n');
    expect(run(c, 'ZADD', 'f', 'INCR', '0.2', 'm')).toBe('$19\r\n0.30000000000000004\r\n');
    expect(run(c, 'ZADD', 'f', 'INCR', '-inf', 'm')).toBe('$4\r\n-inf\r\n');
    expect(run(c, 'ZADD', 'f', 'INCR', '+inf', 'm')).toBe('-ERR resulting score is not a number (NaN)\r\n');
    expect(run(c, 'ZADD', 'f', '1e20', 'n')).toBe(':1\r\n');
    expect(run(c, 'ZSCORE', 'f', 'n')).toBe('$5\r\n1e+20\r\n');
    expect(run(c, 'ZINCRBY', 'g', '-0', 'm')).toBe('$2\r\n-0\r\n');
    expect(run(c, 'ZSCORE', 'g', 'm')).toBe('$1\r\n0\r\n');
  });
});
