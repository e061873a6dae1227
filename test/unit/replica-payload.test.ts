import { describe, expect, it } from 'vitest';
import { PayloadError, PayloadFramer } from '../../src/replication/sync-payload';

const MARK = '87a258fdffca0de64b7e8265e28c890d2fb0d134';
const b = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `chunks` and returns the collected RDB bytes, the rest after the payload, and the framer. */
function feed(chunks: Buffer[]) {
  const f = new PayloadFramer();
  const rdb: Buffer[] = [];
  const rest: Buffer[] = [];
  let keepalives = 0;
  let doneAt = -1;
  chunks.forEach((c, i) => {
    const r = f.push(c);
    rdb.push(...r.rdb);
    keepalives += r.keepalives;
    if (r.done && doneAt < 0) doneAt = i;
    if (r.rest !== null) rest.push(r.rest);
  });
  return {
    f,
    rdb: Buffer.concat(rdb).toString('latin1'),
    rest: Buffer.concat(rest).toString('latin1'),
    keepalives,
    doneAt,
  };
}

/** Splits `s` at the given cut positions. */
function cut(s: string, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(b(s.slice(prev, p)));
    prev = p;
  }
  out.push(b(s.slice(prev)));
  return out;
}

describe('full sync payload framing', () => {
  it('$len: exactly len bytes, the stream follows without CRLF', () => {
    const r = feed([b('$9\r\nREDIS0010*1\r\n$4\r\nping\r\n')]);
    expect(r.f.header).toEqual({ kind: 'len', length: 9 });
    expect(r.rdb).toBe('REDIS0010');
    expect(r.rest).toBe('*1\r\n$4\r\nping\r\n');
    expect(r.f.done).toBe(true);
  });

  it('$len split everywhere, with keepalive newlines before the header', () => {
    const s = '\n\n$12\r\nREDIS0010abcSELECT';
    for (let i = 1; i < s.length; i++) {
      for (let j = i + 1; j < s.length; j++) {
        const r = feed(cut(s, [i, j]));
        expect(r.rdb, `${i},${j}`).toBe('REDIS0010abc');
        expect(r.rest).toBe('SELECT');
        expect(r.keepalives).toBe(2);
      }
    }
  });

  it('$0 ends at once', () => {
    const r = feed([b('$0\r\n')]);
    expect(r.f.done).toBe(true);
    expect(r.rdb).toBe('');
  });

  it('$EOF: the mark ends the payload, even when split across chunks at any point', () => {
    const body = `REDIS0010${'x'.repeat(100)}\xff12345678`;
    const s = `$EOF:${MARK}\r\n${body}${MARK}`;
    const headerLen = 5 + 40 + 2;
    for (let i = headerLen; i < s.length; i++) {
      const r = feed(cut(s, [3, i]));
      expect(r.f.header).toEqual({ kind: 'eof', mark: MARK });
      expect(r.rdb, `cut at ${i}`).toBe(body);
      expect(r.f.done).toBe(true);
      expect(r.rest).toBe('');
      expect(r.f.rdbBytes).toBe(body.length);
    }
  });

  it('$EOF byte by byte, and a payload shorter than the mark', () => {
    const s = `$EOF:${MARK}\r\nab${MARK}*1\r\n`;
    const r = feed([...b(s)].map((x) => Buffer.from([x])));
    expect(r.rdb).toBe('ab');
    expect(r.rest).toBe('*1\r\n');
  });

  it('a partial mark inside the data is not the end', () => {
    const body = `REDIS${MARK.slice(0, 39)}Z${MARK.slice(0, 20)}`;
    const r = feed(cut(`$EOF:${MARK}\r\n${body}${MARK}`, [60, 90]));
    expect(r.rdb).toBe(body);
    expect(r.f.done).toBe(true);
  });

  it('not done until the mark arrives', () => {
    const r = feed([b(`$EOF:${MARK}\r\nREDIS0010abc`)]);
    expect(r.f.done).toBe(false);
    expect(r.doneAt).toBe(-1);
  });

  it('errors: master error line, bad first byte', () => {
    expect(() => new PayloadFramer().push(b("-ERR BGSAVE failed, replication can't continue\r\n"))).toThrow(
      new PayloadError("MASTER aborted replication with an error: ERR BGSAVE failed, replication can't continue"),
    );
    expect(() => new PayloadFramer().push(b('+OK\r\n'))).toThrow(
      "Bad protocol from MASTER, the first byte is not '$' (we received '+OK'), are you sure the host and port are right?",
    );
  });

  it('a header with a short EOF mark is read as a length (strtol)', () => {
    const r = feed([b('$EOF:abc\r\n')]);
    expect(r.f.header).toEqual({ kind: 'len', length: 0 });
    expect(r.f.done).toBe(true);
  });
});
