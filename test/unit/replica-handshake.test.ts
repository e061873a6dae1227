import { describe, expect, it } from 'vitest';
import { Handshake, type HandshakeOptions } from '../../src/replication/handshake';

const ID = '0e6def2015437f99f63474d08a740fea9fb963e5';
const ID2 = 'f61fd3bd3714e2821c13fab23b3c3d63a3310968';

function make(over: Partial<HandshakeOptions> = {}) {
  const logs: string[] = [];
  const h = new Handshake(
    {
      masterUser: '',
      masterAuth: '',
      listeningPort: 7003,
      announceIp: '',
      psync: null,
      failover: false,
      ...over,
    },
    (level, msg) => logs.push(`${level}: ${msg}`),
  );
  return { h, logs };
}

const text = (b: Buffer) => b.toString('latin1');

/** Runs the handshake to the PSYNC reply; returns the PSYNC bytes. */
function toPsync(h: Handshake, replies = 2): string {
  expect(text(h.start())).toBe('*1\r\n$4\r\nPING\r\n');
  const burst = h.onLine('+PONG');
  expect(burst.kind).toBe('send');
  for (let i = 0; i < replies - 1; i++) expect(h.onLine('+OK')).toEqual({ kind: 'wait' });
  const psync = h.onLine('+OK');
  if (psync.kind !== 'send') throw new Error(`expected PSYNC, got ${psync.kind}`);
  expect(h.phase).toBe('psync');
  return text(psync.data);
}

describe('replica handshake', () => {
  it('sends PING, then REPLCONF listening-port and capa in one burst, then PSYNC ? -1', () => {
    const { h, logs } = make();
    expect(text(h.start())).toBe('*1\r\n$4\r\nPING\r\n');
    const burst = h.onLine('+PONG');
    expect(burst.kind === 'send' && text(burst.data)).toBe(
      '*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7003\r\n' +
        '*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n',
    );
    expect(h.onLine('+OK')).toEqual({ kind: 'wait' });
    const psync = h.onLine('+OK');
    expect(psync.kind === 'send' && text(psync.data)).toBe('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    expect(logs).toEqual([
      'notice: Master replied to PING, replication can continue...',
      'notice: Partial resynchronization not possible (no cached master)',
    ]);
  });

  it('adds AUTH (with masteruser) and REPLCONF ip-address to the burst, and reads one reply for each', () => {
    const { h } = make({ masterUser: 'repluser', masterAuth: 's3cret', announceIp: '127.0.0.1', listeningPort: 27103 });
    h.start();
    const burst = h.onLine('+PONG');
    expect(burst.kind === 'send' && text(burst.data)).toBe(
      '*3\r\n$4\r\nAUTH\r\n$8\r\nrepluser\r\n$6\r\ns3cret\r\n' +
        '*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$5\r\n27103\r\n' +
        '*3\r\n$8\r\nREPLCONF\r\n$10\r\nip-address\r\n$9\r\n127.0.0.1\r\n' +
        '*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n',
    );
    expect(h.phase).toBe('auth');
    expect(h.onLine('+OK')).toEqual({ kind: 'wait' });
    expect(h.phase).toBe('port');
    expect(h.onLine('+OK')).toEqual({ kind: 'wait' });
    expect(h.phase).toBe('ip');
    expect(h.onLine('+OK')).toEqual({ kind: 'wait' });
    expect(h.phase).toBe('capa');
    expect(h.onLine('+OK').kind).toBe('send');
  });

  it('AUTH with a password only', () => {
    const { h } = make({ masterAuth: 'pw' });
    h.start();
    const burst = h.onLine('+PONG');
    expect(burst.kind === 'send' && text(burst.data).startsWith('*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n')).toBe(true);
  });

  it('accepts -NOAUTH / -NOPERM / -ERR operation not permitted to PING, rejects other errors', () => {
    for (const ok of ['-NOAUTH Authentication required.', '-NOPERM no', '-ERR operation not permitted', '+PONG', '']) {
      const { h } = make({ masterAuth: 'x' });
      h.start();
      expect(h.onLine(ok).kind, ok).toBe('send');
    }
    const { h, logs } = make();
    h.start();
    expect(h.onLine('-ERR unknown command')).toEqual({ kind: 'fail' });
    expect(logs).toEqual(["warning: Error reply to PING from master: '-ERR unknown command'"]);
  });

  it('a failed AUTH aborts; REPLCONF errors are not critical', () => {
    const a = make({ masterAuth: 'bad' });
    a.h.start();
    a.h.onLine('+PONG');
    expect(a.h.onLine('-WRONGPASS invalid username-password pair or user is disabled.')).toEqual({ kind: 'fail' });
    expect(a.logs).toContain(
      'warning: Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.',
    );

    const b = make({ announceIp: '10.0.0.1' });
    b.h.start();
    b.h.onLine('+PONG');
    expect(b.h.onLine('-ERR x')).toEqual({ kind: 'wait' });
    expect(b.h.onLine('-ERR y')).toEqual({ kind: 'wait' });
    expect(b.h.onLine('-ERR Unrecognized REPLCONF option: capa').kind).toBe('send');
    expect(b.logs).toEqual([
      'notice: Master replied to PING, replication can continue...',
      'notice: (Non critical) Master does not understand REPLCONF listening-port: -ERR x',
      'notice: (Non critical) Master does not understand REPLCONF ip-address: -ERR y',
      'notice: (Non critical) Master does not understand REPLCONF capa: -ERR Unrecognized REPLCONF option: capa',
      'notice: Partial resynchronization not possible (no cached master)',
    ]);
  });

  it('continues from a cached master: PSYNC <replid> <offset>, optionally with FAILOVER', () => {
    const { h, logs } = make({ psync: { replid: ID, offset: 338 } });
    expect(toPsync(h)).toBe(`*3\r\n$5\r\nPSYNC\r\n$40\r\n${ID}\r\n$3\r\n338\r\n`);
    expect(logs).toContain(`notice: Trying a partial resynchronization (request ${ID}:338).`);
    const f = make({ psync: { replid: ID, offset: 1 }, failover: true });
    expect(toPsync(f.h)).toBe(`*4\r\n$5\r\nPSYNC\r\n$40\r\n${ID}\r\n$1\r\n1\r\n$8\r\nFAILOVER\r\n`);
  });

  it('+FULLRESYNC after keepalive newlines', () => {
    const { h, logs } = make();
    toPsync(h);
    expect(h.onLine('')).toEqual({ kind: 'wait' });
    expect(h.onLine('')).toEqual({ kind: 'wait' });
    expect(h.onLine(`+FULLRESYNC ${ID} 14`)).toEqual({ kind: 'full', replid: ID, offset: 14 });
    expect(logs).toContain(`notice: Full resync from master: ${ID}:14`);
    expect(h.phase).toBe('done');
  });

  it('a malformed +FULLRESYNC blanks the id', () => {
    const { h, logs } = make();
    toPsync(h);
    expect(h.onLine('+FULLRESYNC abc 14')).toEqual({ kind: 'full', replid: '', offset: -1 });
    expect(logs).toContain('warning: Master replied with wrong +FULLRESYNC syntax.');
  });

  it('+CONTINUE with and without an id', () => {
    const a = make({ psync: { replid: ID, offset: 10 } });
    toPsync(a.h);
    expect(a.h.onLine(`+CONTINUE ${ID2}`)).toEqual({ kind: 'continue', replid: ID2 });
    expect(a.logs).toContain('notice: Successful partial resynchronization with master.');
    const b = make({ psync: { replid: ID, offset: 10 } });
    toPsync(b.h);
    expect(b.h.onLine('+CONTINUE')).toEqual({ kind: 'continue', replid: null });
    const c = make({ psync: { replid: ID, offset: 10 } });
    toPsync(c.h);
    expect(c.h.onLine('+CONTINUE short')).toEqual({ kind: 'continue', replid: null });
  });

  it('-NOMASTERLINK and -LOADING mean try later', () => {
    for (const line of ["-NOMASTERLINK Can't SYNC while not connected with my master", '-LOADING Redis is loading']) {
      const { h, logs } = make();
      toPsync(h);
      expect(h.onLine(line)).toEqual({ kind: 'fail' });
      expect(logs).toContain(`notice: Master is currently unable to PSYNC but should be in the future: ${line}`);
    }
  });

  it('during a coordinated FAILOVER a refused PSYNC ends the failover instead of falling back to SYNC', () => {
    for (const line of ["-ERR PSYNC FAILOVER can't be sent to a master.", '-LOADING Redis is loading', '+OK']) {
      const { h, logs } = make({ psync: { replid: ID, offset: 5 }, failover: true });
      toPsync(h);
      expect(h.onLine(line), line).toEqual({ kind: 'fail', failoverRejected: true });
      expect(logs).not.toContain('notice: Retrying with SYNC...');
    }
    const ok = make({ psync: { replid: ID, offset: 5 }, failover: true });
    toPsync(ok.h);
    expect(ok.h.onLine(`+CONTINUE ${ID2}`)).toEqual({ kind: 'continue', replid: ID2 });
  });

  it('other replies fall back to SYNC', () => {
    const a = make();
    toPsync(a.h);
    const s = a.h.onLine('-ERR unknown command');
    expect(s.kind === 'sync' && text(s.data)).toBe('SYNC\r\n');
    expect(a.logs.slice(-2)).toEqual([
      'notice: Master does not support PSYNC or is in error state (reply: -ERR unknown command)',
      'notice: Retrying with SYNC...',
    ]);
    const b = make();
    toPsync(b.h);
    expect(b.h.onLine("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.").kind).toBe(
      'sync',
    );
    expect(b.logs).toContain(
      "warning: Unexpected reply to PSYNC from master: -MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
  });
});
