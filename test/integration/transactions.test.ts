import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

async function lineOf(c: RespClient, name: string): Promise<string | undefined> {
  return ((await c.cmd('CLIENT', 'LIST')) as string).split('\n').find((l) => l.includes(`name=${name} `));
}

describe('transactions', () => {
  let srv: ServerHandle;
  const open: RespClient[] = [];
  const client = async () => {
    const c = await srv.client();
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    srv = await startTandem();
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await srv?.stop();
  });

  it('optimistic locking: concurrent WATCH/MULTI/EXEC increments never lose an update', async () => {
    const workers = await Promise.all([client(), client(), client(), client()]);
    await workers[0].cmd('SET', 'counter', '0');
    const perWorker = 40;
    let conflicts = 0;
    const run = async (c: RespClient) => {
      for (let done = 0; done < perWorker; ) {
        await c.cmd('WATCH', 'counter');
        const v = Number(await c.cmd('GET', 'counter'));
        // yield so other workers interleave between our read and our write
        await new Promise((r) => setImmediate(r));
        c.send('MULTI');
        c.send('SET', 'counter', String(v + 1));
        c.send('EXEC');
        expect(plain(await c.next())).toBe('OK');
        expect(plain(await c.next())).toBe('QUEUED');
        const r = plain(await c.next());
        if (r === null) conflicts++;
        else {
          expect(r).toEqual(['OK']);
          done++;
        }
      }
    };
    await Promise.all(workers.map(run));
    expect(await workers[0].cmd('GET', 'counter')).toBe(String(perWorker * workers.length));
    expect(conflicts).toBeGreaterThan(0); // the race really happened
  });

  it('a failed EXEC is a null array in RESP2 and a RESP3 null', async () => {
    const a = await client();
    const b = await client();
    await a.cmd('WATCH', 'w');
    await b.cmd('SET', 'w', '1');
    await a.cmd('MULTI');
    await a.cmd('GET', 'w');
    expect(await a.call('EXEC')).toEqual({ t: 'array', v: null });
    await a.call('HELLO', '3');
    await a.cmd('WATCH', 'w');
    await b.cmd('SET', 'w', '2');
    await a.cmd('MULTI');
    expect(await a.call('EXEC')).toEqual({ t: 'null' });
  });

  it('queued commands run in order as one reply array, even thousands of them', async () => {
    const c = await client();
    await c.cmd('DEL', 'big');
    c.send('MULTI');
    for (let i = 0; i < 5000; i++) c.send('INCR', 'big');
    c.send('GET', 'big');
    c.send('EXEC');
    expect(plain(await c.next())).toBe('OK');
    for (let i = 0; i < 5001; i++) expect(await c.next()).toEqual({ t: 'status', v: 'QUEUED' });
    const r = plain(await c.next()) as unknown[];
    expect(r.length).toBe(5001);
    expect(r[0]).toBe(1);
    expect(r[4999]).toBe(5000);
    expect(r[5000]).toBe('5000');
  });

  it('another client never sees a transaction half done', async () => {
    const a = await client();
    const b = await client();
    await a.cmd('MSET', 'x', '0', 'y', '0');
    // pipeline many transactions moving one unit between x and y while b reads both keys
    for (let i = 0; i < 200; i++) {
      a.send('MULTI');
      a.send('DECR', 'x');
      a.send('INCR', 'y');
      a.send('EXEC');
    }
    for (let i = 0; i < 200; i++) {
      const [x, y] = (await b.cmd('MGET', 'x', 'y')) as string[];
      expect(Number(x) + Number(y)).toBe(0);
    }
    for (let i = 0; i < 800; i++) await a.next();
    expect(await b.cmd('MGET', 'x', 'y')).toEqual(['-200', '200']);
  });

  it('CLIENT LIST shows the open transaction', async () => {
    const c = await client();
    await c.cmd('CLIENT', 'SETNAME', 'txn-client');
    await c.cmd('MULTI');
    await c.cmd('PING');
    await c.cmd('PING');
    const other = await client();
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=x .* multi=2 /);
    await c.cmd('DISCARD');
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=N .* multi=-1 /);
    // a doomed transaction answers QUEUED but stores nothing more
    await c.cmd('MULTI');
    await c.cmd('PING');
    await c.cmd('NOSUCHCOMMAND');
    await c.cmd('PING');
    await c.cmd('PING');
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=x .* multi=1 /);
    await c.cmd('DISCARD');
    // a touched WATCH shows as flag d, and nothing gets queued either
    await c.cmd('WATCH', 'watched-key');
    await other.cmd('SET', 'watched-key', '1');
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=d .* multi=-1 /);
    await c.cmd('MULTI');
    await c.cmd('PING');
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=xd .* multi=0 /);
    expect(await c.call('EXEC')).toEqual({ t: 'array', v: null });
    expect(await lineOf(other, 'txn-client')).toMatch(/ flags=N .* multi=-1 /);
  });

  it('QUIT inside MULTI closes the connection', async () => {
    const c = await client();
    await c.cmd('MULTI');
    await c.cmd('SET', 'never', '1');
    expect(await c.cmd('QUIT')).toBe('OK');
    await c.waitClose();
    const d = await client();
    expect(await d.cmd('EXISTS', 'never')).toBe(0);
  });

  it('SUBSCRIBE inside MULTI leaves the connection subscribed after EXEC', async () => {
    const c = await client();
    await c.cmd('MULTI');
    await c.cmd('SUBSCRIBE', 'txch');
    await c.cmd('SSUBSCRIBE', 'txsh');
    expect(plain(await c.call('EXEC'))).toEqual([
      ['subscribe', 'txch', 1],
      { error: "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client" },
    ]);
    const pub = await client();
    expect(await pub.cmd('PUBLISH', 'txch', 'hi')).toBe(1);
    expect(plain(await c.next())).toEqual(['message', 'txch', 'hi']);
    expect(await c.cmd('GET', 'x')).toEqual({
      error:
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
  });

  it('MONITOR sees MULTI, the executed commands, then EXEC; refused commands are not shown', async () => {
    const mon = await client();
    expect(await mon.cmd('MONITOR')).toBe('OK');
    const c = await client();
    await c.cmd('MULTI');
    await c.cmd('SET', 'm', '1');
    await c.cmd('SET', 'm'); // arity error: refused, never shown
    await c.cmd('EXEC'); // EXECABORT, still shown
    await c.cmd('MULTI');
    await c.cmd('SET', 'm', '2');
    await c.cmd('GET', 'm');
    await c.cmd('EXEC');
    await c.cmd('EXEC', 'extra'); // refused EXEC: shown, as Redis does
    await c.cmd('PING');
    await c.cmd('ECHO', 'end');
    const lines: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await mon.next();
      expect(r.t).toBe('status');
      lines.push((r as { v: string }).v.replace(/^\d+\.\d+ \[\d+ [^\]]+\] /, ''));
    }
    expect(lines).toEqual([
      '"MULTI"',
      '"EXEC"',
      '"MULTI"',
      '"SET" "m" "2"',
      '"GET" "m"',
      '"EXEC"',
      '"EXEC" "extra"',
      '"PING"',
      '"ECHO" "end"',
    ]);
    mon.close();
  });

  it('statistics: queued commands count when EXEC runs them; aborted and refused EXECs count as in Redis', async () => {
    const c = await client();
    expect(await c.cmd('CONFIG', 'RESETSTAT')).toBe('OK');
    await c.cmd('MULTI');
    await c.cmd('SET', 'a'); // refused while queueing
    await c.cmd('EXEC'); // EXECABORT: a failed call
    await c.cmd('EXEC', 'x'); // refused EXEC
    await c.cmd('MULTI');
    await c.cmd('SET', 'k', 'v');
    await c.cmd('INCR', 'k'); // fails inside EXEC
    await c.cmd('EXEC');
    const stats = (await c.cmd('INFO', 'commandstats')) as string;
    const stat = (name: string) => {
      const m = new RegExp(`cmdstat_${name}:calls=(\\d+),.*rejected_calls=(\\d+),failed_calls=(\\d+)`).exec(stats);
      return m ? m.slice(1).map(Number) : null;
    };
    // [calls, rejected_calls, failed_calls]
    expect(stat('multi')).toEqual([2, 0, 0]);
    expect(stat('exec')).toEqual([2, 1, 1]);
    expect(stat('set')).toEqual([1, 1, 0]);
    expect(stat('incr')).toEqual([1, 0, 1]);
    const errors = (await c.cmd('INFO', 'errorstats')) as string;
    expect(errors).toMatch(/errorstat_ERR:count=2\r\n/);
    expect(errors).toMatch(/errorstat_EXECABORT:count=2\r\n/);
  });

  it('MONITOR cannot be started from inside a transaction', async () => {
    const c = await client();
    await c.cmd('MULTI');
    await c.cmd('MONITOR');
    expect(await c.cmd('EXEC')).toEqual([{ error: "ERR MONITOR isn't allowed for DENY BLOCKING client" }]);
    expect(await c.cmd('PING')).toBe('PONG');
  });
});
