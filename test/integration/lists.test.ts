import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('list commands', () => {
  let srv: ServerHandle;
  let c: RespClient;
  let w: RespClient;

  beforeAll(async () => {
    srv = await startTandem();
    c = await srv.client();
    w = await srv.client();
  });
  beforeEach(async () => {
    await c.cmd('FLUSHALL');
  });
  afterAll(async () => {
    c?.close();
    w?.close();
    await srv?.stop();
  });

  /** Runs `change` on c between WATCH key and EXEC on w; returns whether EXEC went through. */
  async function execSurvives(key: string, change: () => Promise<unknown>): Promise<boolean> {
    await w.cmd('WATCH', key);
    await change();
    await w.cmd('MULTI');
    await w.cmd('PING');
    const r = await w.call('EXEC');
    return r.t === 'array' && r.v !== null;
  }

  it('stores every byte value unchanged', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const values = [all, Buffer.alloc(0), Buffer.from('\r\n'), Buffer.alloc(20000, 0xab)];
    await c.cmd('RPUSH', 'b', ...values);
    const got = (await c.call('LRANGE', 'b', '0', '-1')) as { t: 'array'; v: { t: 'bulk'; v: string }[] };
    expect(got.v.map((r) => Buffer.from(r.v, 'latin1'))).toEqual(values);
    expect(await c.cmd('LPOS', 'b', all)).toBe(0);
    expect(await c.cmd('OBJECT', 'ENCODING', 'b')).toBe('quicklist');
    expect(await c.cmd('TYPE', 'b')).toBe('list');
  });

  it('agrees with a plain array on a large list under mixed operations', async () => {
    const model: string[] = [];
    for (let chunk = 0; chunk < 20; chunk++) {
      const items = Array.from({ length: 5000 }, (_, i) => `v${(chunk * 5000 + i) % 997}`);
      await c.cmd('RPUSH', 'L', ...items);
      model.push(...items);
    }
    expect(await c.cmd('LLEN', 'L')).toBe(100_000);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 300; step++) {
      const i = rnd(model.length);
      switch (step % 6) {
        case 0:
          expect(await c.cmd('LINDEX', 'L', String(i))).toBe(model[i]);
          break;
        case 1:
          expect(await c.cmd('LSET', 'L', String(i), `set${step}`)).toBe('OK');
          model[i] = `set${step}`;
          break;
        case 2:
          expect(await c.cmd('LINSERT', 'L', 'BEFORE', model[i], `ins${step}`)).toBe(model.length + 1);
          model.splice(model.indexOf(model[i]), 0, `ins${step}`);
          break;
        case 3:
          expect(await c.cmd('LRANGE', 'L', String(i), String(i + 40))).toEqual(model.slice(i, i + 41));
          break;
        case 4: {
          const v = `v${rnd(997)}`;
          const n = rnd(5) - 2;
          const got = (await c.cmd('LREM', 'L', String(n), v)) as number;
          let left = Math.abs(n) || Number.POSITIVE_INFINITY;
          const idx: number[] = [];
          if (n >= 0) for (let k = 0; k < model.length && left > 0; k++) model[k] === v && left-- && idx.push(k);
          else for (let k = model.length - 1; k >= 0 && left > 0; k--) model[k] === v && left-- && idx.push(k);
          expect(got).toBe(idx.length);
          for (const k of idx.sort((a, b) => b - a)) model.splice(k, 1);
          break;
        }
        case 5: {
          const v = model[i];
          expect(await c.cmd('LPOS', 'L', v, 'RANK', '-1')).toBe(model.lastIndexOf(v));
          break;
        }
      }
    }
    expect(await c.cmd('LLEN', 'L')).toBe(model.length);
    expect(await c.cmd('LRANGE', 'L', '0', '-1')).toEqual(model);
    expect(await c.cmd('LTRIM', 'L', '1000', '-1000')).toBe('OK');
    expect(await c.cmd('LRANGE', 'L', '0', '-1')).toEqual(model.slice(1000, model.length - 999));
  });

  it('invalidates WATCH exactly when Redis does', async () => {
    await c.cmd('RPUSH', 'l', 'a', 'b', 'c');
    expect(await execSurvives('l', () => c.cmd('LPUSH', 'l', 'x'))).toBe(false);
    expect(await execSurvives('l', () => c.cmd('LLEN', 'l'))).toBe(true);
    expect(await execSurvives('l', () => c.cmd('LSET', 'l', '0', 'y'))).toBe(false);
    expect(await execSurvives('l', () => c.cmd('LREM', 'l', '0', 'nothing'))).toBe(true);
    expect(await execSurvives('l', () => c.cmd('LREM', 'l', '1', 'a'))).toBe(false);
    expect(await execSurvives('l', () => c.cmd('LINSERT', 'l', 'AFTER', 'nothing', 'q'))).toBe(true);
    expect(await execSurvives('l', () => c.cmd('LINSERT', 'l', 'AFTER', 'b', 'q'))).toBe(false);
    // LTRIM signals the key even when it keeps everything
    expect(await execSurvives('l', () => c.cmd('LTRIM', 'l', '0', '-1'))).toBe(false);
    expect(await execSurvives('l', () => c.cmd('LPOP', 'l', '0'))).toBe(true);
    expect(await execSurvives('l', () => c.cmd('RPOPLPUSH', 'l', 'other'))).toBe(false);
    expect(await execSurvives('other', () => c.cmd('RPOPLPUSH', 'l', 'other'))).toBe(false);
    expect(await execSurvives('nokey', () => c.cmd('LPUSHX', 'nokey', 'v'))).toBe(true);
    expect(await execSurvives('nokey', () => c.cmd('LPOP', 'nokey'))).toBe(true);
    expect(await execSurvives('l', () => c.cmd('LMPOP', '1', 'l', 'LEFT', 'COUNT', '100'))).toBe(false);
    expect(await c.cmd('EXISTS', 'l')).toBe(0);
  });

  it('counts keyspace hits and misses for reads only, as Redis does', async () => {
    await c.cmd('RPUSH', 'l', 'a');
    await c.cmd('CONFIG', 'RESETSTAT');
    const stats = async () => {
      const info = (await c.cmd('INFO', 'stats')) as string;
      return [Number(/keyspace_hits:(\d+)/.exec(info)?.[1]), Number(/keyspace_misses:(\d+)/.exec(info)?.[1])];
    };
    await c.cmd('LLEN', 'l');
    await c.cmd('LRANGE', 'nokey', '0', '-1');
    await c.cmd('LINDEX', 'l', '0');
    await c.cmd('LPOS', 'nokey', 'a');
    expect(await stats()).toEqual([2, 2]);
    await c.cmd('LPUSH', 'l', 'b');
    await c.cmd('LPOP', 'nokey');
    await c.cmd('RPOPLPUSH', 'l', 'm');
    await c.cmd('LSET', 'l', '0', 'z');
    await c.cmd('BLPOP', 'l', '0');
    expect(await stats()).toEqual([2, 2]);
  });

  it('deletes a list key when its last element goes, by every path', async () => {
    const paths: string[][] = [
      ['LPOP', 'k'],
      ['RPOP', 'k', '5'],
      ['LREM', 'k', '0', 'a'],
      ['LTRIM', 'k', '1', '0'],
      ['LMOVE', 'k', 'dst', 'LEFT', 'LEFT'],
      ['LMPOP', '1', 'k', 'RIGHT'],
      ['BLPOP', 'k', '0'],
      ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '9'],
    ];
    for (const p of paths) {
      await c.cmd('RPUSH', 'k', 'a');
      await c.cmd(...p);
      expect(await c.cmd('EXISTS', 'k'), p.join(' ')).toBe(0);
    }
  });

  it('LPUSH replies the length after all elements and keeps argument order reversed', async () => {
    expect(await c.cmd('LPUSH', 'l', '1', '2', '3')).toBe(3);
    expect(await c.cmd('RPUSH', 'l', '4', '5')).toBe(5);
    expect(plain(await c.call('LRANGE', 'l', '0', '-1'))).toEqual(['3', '2', '1', '4', '5']);
  });
});
