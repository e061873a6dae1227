/**
 * RDB persistence through real sockets and real processes: SAVE/BGSAVE and restarts, the point-in-time guarantee
 * of a BGSAVE racing a writer, save points, a failing disk (status, MISCONF, old file intact), corrupt dumps at
 * start-up, SHUTDOWN and SIGTERM saves, DEBUG RELOAD, FLUSHALL, and -LOADING during a slow load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RdbEncoder } from '../../src/persistence/rdb';
import { encodeArgv, plain, type RespClient } from '../helpers/resp-client';
import { ROOT, type ServerHandle, makeTempDir, startTandem, stopAll } from '../helpers/servers';

afterAll(stopAll);

const DEBUG = ['--enable-debug-command', 'yes'];

function tandem(dir: string, args: string[] = [], noWait = false): Promise<ServerHandle> {
  return startTandem({ dir, args: [...DEBUG, ...args], noWait });
}

async function info(c: RespClient, section = 'persistence'): Promise<Record<string, string>> {
  const text = (await c.cmd('INFO', section)) as string;
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends every command at once and returns the replies (plain JS). */
async function pipeline(c: RespClient, cmds: (string | number)[][]): Promise<unknown[]> {
  c.sendRaw(Buffer.concat(cmds.map((a) => encodeArgv(a.map(String)))));
  const out: unknown[] = [];
  for (let i = 0; i < cmds.length; i++) {
    out.push(plain(await c.next(20_000)));
  }
  return out;
}

/** A dataset of every type and encoding, binary values, TTLs and several databases. */
async function fill(c: RespClient, n = 200): Promise<void> {
  const cmds: (string | number)[][] = [['SELECT', 0]];
  for (let i = 0; i < n; i++) cmds.push(['SET', `str:${i}`, i % 3 === 0 ? i : `value-${i}-${'x'.repeat(i % 50)}`]);
  cmds.push(['SET', 'bin', '\x00\x01\xff\r\nend']);
  cmds.push(['SET', 'big', 'abc'.repeat(20_000)]);
  cmds.push(['RPUSH', 'list:small', 'a', 'b', '1', '-2']);
  cmds.push(['RPUSH', 'list:big', ...Array.from({ length: 1000 }, (_, i) => `e${i}`)]);
  cmds.push(['HSET', 'hash:small', 'f1', 'v1', 'f2', '2']);
  cmds.push(['HSET', 'hash:big', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  cmds.push(['SADD', 'set:int', 1, 2, 3, -7]);
  cmds.push(['SADD', 'set:big', ...Array.from({ length: 700 }, (_, i) => `m${i}`)]);
  cmds.push(['ZADD', 'zset:small', 1, 'a', 2.5, 'b', '-inf', 'c']);
  cmds.push(['ZADD', 'zset:big', ...Array.from({ length: 300 }, (_, i) => [i / 7, `m${i}`]).flat()]);
  cmds.push(['SET', 'ttl:str', 'x', 'EX', 100_000]);
  cmds.push(['EXPIRE', 'hash:small', 50_000]);
  cmds.push(['SELECT', 3], ['SET', 'db3:key', 'three'], ['LPUSH', 'db3:list', 'z'], ['SELECT', 0]);
  await pipeline(c, cmds);
}

function waitExit(h: ServerHandle, timeoutMs = 20_000): Promise<number | null> {
  if (h.proc.exitCode !== null) return Promise.resolve(h.proc.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not exit:\n${h.output()}`)), timeoutMs);
    h.proc.on('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

describe('SAVE, BGSAVE and restarts', () => {
  it('SAVE writes a dump that a restart loads whole; LASTSAVE and INFO follow', async () => {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir);
    const c = await a.client();
    await fill(c);
    const digest = await c.cmd('DEBUG', 'DIGEST');
    const before = Number(await c.cmd('LASTSAVE'));
    expect((await info(c)).rdb_changes_since_last_save).not.toBe('0');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await c.cmd('SAVE')).toBe('OK');
    const i = await info(c);
    expect(i.rdb_changes_since_last_save).toBe('0');
    expect(i.rdb_saves).toBe('1');
    expect(i.rdb_last_bgsave_status).toBe('ok');
    expect(Number(await c.cmd('LASTSAVE'))).toBeGreaterThan(before);
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    c.close();
    await a.stop();

    const b = await tandem(dir);
    const c2 = await b.client();
    expect(await c2.cmd('DEBUG', 'DIGEST')).toBe(digest);
    const ttl = Number(await c2.cmd('TTL', 'ttl:str'));
    expect(ttl).toBeGreaterThan(99_000);
    expect(await c2.cmd('OBJECT', 'ENCODING', 'set:int')).toBe('intset');
    expect(await c2.cmd('OBJECT', 'ENCODING', 'hash:big')).toBe('hashtable');
    expect(await c2.cmd('OBJECT', 'ENCODING', 'zset:small')).toBe('listpack');
    expect((await info(c2)).rdb_last_load_keys_loaded).toBe(String(200 + 13));
    const out = b.output();
    expect(out).toMatch(/Loading RDB produced by version 7\.0\.15/);
    expect(out).toMatch(/RDB age \d+ seconds/);
    expect(out).toMatch(/RDB memory usage when created [\d.]+ Mb/);
    expect(out).toMatch(/Done loading RDB, keys loaded: 213, keys expired: 0\./);
    expect(out).toMatch(/DB loaded from disk: \d+\.\d{3} seconds/);
    expect(out.indexOf('DB loaded from disk')).toBeLessThan(out.indexOf('Ready to accept connections'));
    c2.close();
    await b.stop();
  });

  it('BGSAVE racing a writer: the image is exactly the dataset at BGSAVE time', async () => {
    const dir = makeTempDir('tandem-persist-');
    // ~1 s of saving for 4000 keys, so the writer below changes many keys while the snapshot drains
    const a = await tandem(dir, ['--rdb-key-save-delay', '250']);
    const c = await a.client();
    const w = await a.client();
    await fill(c, 3800);
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        const batch: (string | number)[][] = [];
        for (let j = 0; j < 20; j++) {
          const k = (round * 37 + j * 101) % 3800;
          batch.push(['SET', `str:${k}`, `changed-${round}`]);
          batch.push(['DEL', `str:${(k + 1) % 3800}`]);
          batch.push(['SET', `new:${round}:${j}`, 'fresh']);
        }
        batch.push(['RPUSH', 'list:big', `pushed-${round}`]);
        batch.push(['HSET', 'hash:big', `g${round}`, 'v']);
        batch.push(['SADD', 'set:int', 1000 + round]);
        batch.push(['ZINCRBY', 'zset:big', 1, 'm3']);
        batch.push(['EXPIRE', `str:${(round * 13) % 3800}`, 90_000]);
        batch.push(['PERSIST', 'ttl:str']);
        batch.push(['INCR', 'str:0']);
        await pipeline(w, batch);
        writes += batch.length;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    // Both in one packet: nothing from the writer can run between the picture and the start of the snapshot.
    c.sendRaw(Buffer.concat([encodeArgv(['DEBUG', 'DIGEST']), encodeArgv(['BGSAVE'])]));
    const picture = (await c.next()) as { v: string };
    expect(await c.next()).toEqual({ t: 'status', v: 'Background saving started' });
    const writesAtStart = writes;
    await waitFor(async () => (await info(c)).rdb_bgsave_in_progress === '0', 20_000, 'bgsave end');
    writing = false;
    await writer;
    expect(writes - writesAtStart).toBeGreaterThan(500);
    expect((await info(c)).rdb_last_bgsave_status).toBe('ok');
    const flat = (await c.cmd('DEBUG', 'SNAPSHOT-STATS')) as unknown[];
    const stats = new Map<unknown, unknown>();
    for (let i = 0; i < flat.length; i += 2) stats.set(flat[i], flat[i + 1]);
    expect(stats.get('kind')).toBe('disk');
    expect(stats.get('status')).toBe('ok');
    expect(Number(stats.get('preserved_keys'))).toBeGreaterThan(0);
    expect(Number(stats.get('keys'))).toBe(Number(stats.get('keys_total')));
    expect(await c.cmd('DEBUG', 'DIGEST')).not.toBe(picture.v);
    await a.waitForLog(/Background saving terminated with success/);
    expect(a.output()).toMatch(/Background saving started by pid \d+/);

    const dir2 = makeTempDir('tandem-persist-');
    fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    const b = await tandem(dir2);
    const c2 = await b.client();
    expect(await c2.cmd('DEBUG', 'DIGEST')).toBe(picture.v);
    c.close();
    w.close();
    c2.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  it('BGSAVE while one runs, SAVE during it, SCHEDULE, MULTI, syntax', async () => {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir, ['--rdb-key-save-delay', '1000']);
    const c = await a.client();
    await pipeline(c, [['DEBUG', 'POPULATE', 500]]);
    expect(await c.cmd('BGSAVE', 'foo')).toEqual({ error: 'ERR syntax error' });
    expect(await c.cmd('BGSAVE', 'SCHEDULE', 'x')).toEqual({ error: 'ERR syntax error' });
    expect(await c.cmd('BGSAVE')).toBe('Background saving started');
    const busy = { error: 'ERR Background save already in progress' };
    expect(await c.cmd('BGSAVE')).toEqual(busy);
    expect(await c.cmd('BGSAVE', 'SCHEDULE')).toEqual(busy);
    expect(await c.cmd('SAVE')).toEqual(busy);
    expect(await pipeline(c, [['MULTI'], ['BGSAVE'], ['EXEC']])).toEqual(['OK', 'QUEUED', [busy]]);
    const i = await info(c);
    expect(i.rdb_bgsave_in_progress).toBe('1');
    expect(Number(i.current_save_keys_total)).toBe(500);
    expect(Number(i.rdb_current_bgsave_time_sec)).toBeGreaterThanOrEqual(0);
    await waitFor(async () => (await info(c)).rdb_bgsave_in_progress === '0', 20_000, 'bgsave end');
    expect((await info(c)).rdb_current_bgsave_time_sec).toBe('-1');
    await c.cmd('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    // Inside a transaction the save is scheduled and run by the cron.
    expect(await pipeline(c, [['MULTI'], ['BGSAVE'], ['EXEC']])).toEqual([
      'OK',
      'QUEUED',
      ['Background saving scheduled'],
    ]);
    await waitFor(async () => (await info(c)).rdb_saves === '2', 5000, 'scheduled bgsave');
    await waitFor(async () => (await info(c)).rdb_bgsave_in_progress === '0', 5000, 'bgsave end');
    expect(await c.cmd('MULTI')).toBe('OK');
    expect(await c.cmd('SAVE')).toEqual({ error: 'ERR Command not allowed inside a transaction' });
    expect(await c.cmd('DISCARD')).toBe('OK');
    c.close();
    await a.stop();
  });
});

describe('save points and failures', () => {
  it('a BGSAVE starts once both the seconds and the changes of a save point are reached', async () => {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir, ['--save', '1 3']);
    const c = await a.client();
    await c.cmd('SET', 'a', '1');
    await c.cmd('SET', 'b', '2');
    await new Promise((r) => setTimeout(r, 2200));
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(false);
    await c.cmd('SET', 'c', '3');
    await a.waitForLog(/3 changes in 1 seconds\. Saving\.\.\./, 3000);
    await a.waitForLog(/Background saving terminated with success/, 3000);
    expect((await info(c)).rdb_changes_since_last_save).toBe('0');
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    c.close();
    await a.stop();
  });

  it('a failed background save: status err, MISCONF for writes and PING, old dump intact, retry after 5 s', async () => {
    const dir = makeTempDir('tandem-persist-');
    // The save point is set after the first SAVE: a slow start could otherwise let it fire between SET and SAVE.
    const a = await tandem(dir, ['--save', '']);
    const c = await a.client();
    await c.cmd('SET', 'old', 'data');
    expect(await c.cmd('SAVE')).toBe('OK');
    await c.cmd('CONFIG', 'SET', 'save', '1 1');
    const oldDump = fs.readFileSync(path.join(dir, 'dump.rdb'));
    const pid = (await info(c, 'server')).process_id;
    // The temp file cannot be created: a directory has its name (works even as root).
    fs.mkdirSync(path.join(dir, `temp-${pid}.rdb`));
    await c.cmd('SET', 'k', 'v');
    await a.waitForLog(/Background saving error/, 5000);
    expect(a.output()).toContain(
      `Failed opening the temp RDB file temp-${pid}.rdb (in server root dir ${fs.realpathSync(dir)}) for saving: Is a directory`,
    );
    const misconf = (await c.call('SET', 'x', 'y')) as { t: string; v: string };
    expect(misconf.t).toBe('error');
    expect(misconf.v).toMatch(/^MISCONF Redis is configured to save RDB snapshots/);
    expect(((await c.call('PING')) as { v: string }).v).toMatch(/^MISCONF/);
    expect(await c.cmd('GET', 'k')).toBe('v');
    expect((await info(c)).rdb_last_bgsave_status).toBe('err');
    expect(fs.readFileSync(path.join(dir, 'dump.rdb'))).toEqual(oldDump);
    // The gate follows the configuration, as in Redis.
    await c.cmd('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    expect(await c.cmd('SET', 'x', 'y')).toBe('OK');
    await c.cmd('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    expect(((await c.call('SET', 'x', 'y')) as { t: string }).t).toBe('error');
    // No save points, no gate.
    await c.cmd('CONFIG', 'SET', 'save', '');
    expect(await c.cmd('SET', 'x', 'y')).toBe('OK');
    await c.cmd('CONFIG', 'SET', 'save', '1 1');
    // The save point retries only 5 s after the failed attempt.
    const attempts = () => (a.output().match(/1 changes in 1 seconds\. Saving\.\.\./g) ?? []).length;
    const t0 = Date.now();
    await waitFor(() => attempts() >= 2, 9000, 'second attempt');
    expect(Date.now() - t0).toBeGreaterThan(2500);
    // That attempt fails too (the directory is still there); until it has, SAVE would find it in progress.
    await waitFor(() => (a.output().match(/Background saving error/g) ?? []).length >= 2, 5000, 'second failure');
    // Fixed disk: a successful SAVE clears the error.
    fs.rmdirSync(path.join(dir, `temp-${pid}.rdb`));
    expect(await c.cmd('SAVE')).toBe('OK');
    expect((await info(c)).rdb_last_bgsave_status).toBe('ok');
    expect(await c.cmd('SET', 'x', 'z')).toBe('OK');
    c.close();
    await a.stop();
  });

  it('a failed SAVE replies -ERR and leaves the old dump in place', async () => {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir, ['--enable-protected-configs', 'yes']);
    const c = await a.client();
    await c.cmd('SET', 'k', 'v1');
    expect(await c.cmd('SAVE')).toBe('OK');
    const old = fs.readFileSync(path.join(dir, 'dump.rdb'));
    await c.cmd('CONFIG', 'SET', 'dbfilename', 'dir.rdb');
    fs.mkdirSync(path.join(dir, 'dir.rdb'));
    await c.cmd('SET', 'k', 'v2');
    expect(await c.call('SAVE')).toEqual({ t: 'error', v: 'ERR' });
    expect(a.output()).toMatch(
      /Error moving temp DB file temp-\d+\.rdb on the final destination dir\.rdb \(in server root dir .*\): Is a directory/,
    );
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'dump.rdb'))).toEqual(old);
    c.close();
    await a.stop();
  });
});

describe('loading at start-up', () => {
  async function validDump(): Promise<Buffer> {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir);
    const c = await a.client();
    await fill(c, 50);
    await c.cmd('SAVE');
    c.close();
    await a.stop();
    return fs.readFileSync(path.join(dir, 'dump.rdb'));
  }

  it('a corrupt or truncated dump stops start-up with status 1, names the offset, and is never overwritten', async () => {
    const good = await validDump();
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 0xff;
    const badType = Buffer.from(good);
    // the first key's type byte follows SELECTDB 0 + RESIZEDB: find "\xfe\x00\xfb" and skip the two lengths
    const sel = badType.indexOf(Buffer.from([0xfe, 0x00, 0xfb]));
    let p = sel + 3;
    for (let k = 0; k < 2; k++) p += badType[p] >> 6 === 0 ? 1 : badType[p] >> 6 === 1 ? 2 : 5;
    badType[p] = 0x55;
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', truncated, /Short read or OOM loading DB[\s\S]*offset \d+ -> unexpected end of data/],
      ['bad checksum', badCrc, /offset \d+ -> wrong RDB checksum/],
      ['unknown type', badType, new RegExp(`offset ${p} -> unknown value type 85`)],
      ['not an RDB', Buffer.from('NOTREDIS-0010 hello'), /offset 0 -> wrong signature/],
      [
        'stream (unsupported)',
        fs.readFileSync(path.join(ROOT, 'test/fixtures/rdb/sample-7.0.15.rdb')),
        /key '.*' holds a stream value \(RDB type 19\), which is not supported/,
      ],
    ];
    for (const [what, bytes, re] of cases) {
      const dir = makeTempDir('tandem-persist-');
      fs.writeFileSync(path.join(dir, 'dump.rdb'), bytes);
      // Save points configured: a server that kept going would overwrite the file.
      const h = await tandem(dir, ['--save', '1 0'], true);
      const code = await waitExit(h);
      expect(code, what).toBe(1);
      expect(h.output(), what).toMatch(re);
      expect(h.output(), what).toContain('Terminating server after rdb file reading failure.');
      expect(h.output(), what).not.toContain('Ready to accept connections');
      expect(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(bytes), what).toBe(true);
    }
  });

  it('keys expired in the file are dropped on load (counted in INFO and the log)', async () => {
    const dir = makeTempDir('tandem-persist-');
    const a = await tandem(dir);
    const c = await a.client();
    await c.cmd('SET', 'short', 'x', 'PX', '300');
    await c.cmd('SET', 'long', 'x', 'EX', '1000');
    await c.cmd('SAVE');
    c.close();
    await a.stop();
    await new Promise((r) => setTimeout(r, 400));
    const b = await tandem(dir);
    const c2 = await b.client();
    expect(await c2.cmd('DBSIZE')).toBe(1);
    const i = await info(c2);
    expect(i.rdb_last_load_keys_expired).toBe('1');
    expect(i.rdb_last_load_keys_loaded).toBe('1');
    expect(b.output()).toContain('Done loading RDB, keys loaded: 1, keys expired: 1.');
    c2.close();
    await b.stop();
  });

  it('answers -LOADING and reports progress while a slow dump loads (key-load-delay)', async () => {
    const dir = makeTempDir('tandem-persist-');
    const chunks: Buffer[] = [];
    const enc = new RdbEncoder((ch) => chunks.push(ch));
    enc.begin();
    enc.selectDb(0, 4000, 0);
    for (let i = 0; i < 4000; i++) enc.entry(`key:${i}`, `value:${i}`);
    enc.end();
    fs.writeFileSync(path.join(dir, 'dump.rdb'), Buffer.concat(chunks));
    // 4000 keys x 400 us: about 1.6 s of loading
    const h = await tandem(dir, ['--key-load-delay', '400'], true);
    await h.waitForLog(/Loading RDB produced by version/, 10_000);
    let c: RespClient | null = null;
    await waitFor(async () => {
      try {
        c = await h.client();
        return true;
      } catch {
        return false;
      }
    });
    const client = c as unknown as RespClient;
    expect(await client.cmd('PING')).toEqual({ error: 'LOADING Redis is loading the dataset in memory' });
    expect(await client.cmd('GET', 'key:1')).toEqual({ error: 'LOADING Redis is loading the dataset in memory' });
    const i = await info(client);
    expect(i.loading).toBe('1');
    expect(Number(i.loading_total_bytes)).toBe(fs.statSync(path.join(dir, 'dump.rdb')).size);
    expect(Number(i.loading_loaded_perc)).toBeLessThan(100);
    expect(i.loading_start_time).toMatch(/^\d+$/);
    expect(i.loading_eta_seconds).toMatch(/^\d+$/);
    for (const f of ['loading_rdb_used_mem', 'loading_loaded_bytes']) expect(i[f]).toMatch(/^\d+$/);
    expect(h.output()).not.toContain('Ready to accept connections');
    await h.waitForLog(/Ready to accept connections/, 20_000);
    expect(await client.cmd('DBSIZE')).toBe(4000);
    const after = await info(client);
    expect(after.loading).toBe('0');
    expect(after.loading_total_bytes).toBeUndefined();
    client.close();
    await h.stop();
  });
});

describe('SHUTDOWN, SIGTERM, FLUSHALL, DEBUG RELOAD', () => {
  it('SHUTDOWN saves only with save points or SAVE; NOSAVE skips; SIGTERM saves with save points', async () => {
    const run = async (args: string[], how: string[] | 'SIGTERM'): Promise<[boolean, string]> => {
      const dir = makeTempDir('tandem-persist-');
      const h = await tandem(dir, args);
      const c = await h.client();
      await c.cmd('SET', 'k', 'v');
      if (how === 'SIGTERM') h.proc.kill('SIGTERM');
      else c.send(...how);
      expect(await waitExit(h)).toBe(0);
      c.close();
      return [fs.existsSync(path.join(dir, 'dump.rdb')), h.output()];
    };
    expect((await run([], ['SHUTDOWN']))[0]).toBe(false);
    const [saved, out] = await run([], ['SHUTDOWN', 'SAVE']);
    expect(saved).toBe(true);
    expect(out).toMatch(/Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/);
    expect((await run(['--save', '3600 1'], ['SHUTDOWN']))[0]).toBe(true);
    expect((await run(['--save', '3600 1'], ['SHUTDOWN', 'NOSAVE']))[0]).toBe(false);
    expect((await run(['--save', '3600 1'], 'SIGTERM'))[0]).toBe(true);
  });

  it('a failing final save refuses to exit (the server keeps serving) unless FORCE or NOSAVE', async () => {
    const dir = makeTempDir('tandem-persist-');
    const h = await tandem(dir, ['--save', '3600 1']);
    const c = await h.client();
    // The rename over the dump fails: a directory has its name (not at start-up: loading it would fail).
    fs.mkdirSync(path.join(dir, 'dump.rdb'));
    expect(await c.cmd('SHUTDOWN')).toEqual({ error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
    expect(h.output()).toContain("Error trying to save the DB, can't exit.");
    expect(await c.cmd('PING')).toBe('PONG');
    const refusals = () => (h.output().match(/Errors trying to shut down the server/g) ?? []).length;
    expect(refusals()).toBe(1);
    h.proc.kill('SIGTERM');
    await waitFor(() => refusals() === 2, 5000, 'refused SIGTERM');
    expect(await c.cmd('PING')).toBe('PONG');
    c.send('SHUTDOWN', 'FORCE');
    expect(await waitExit(h)).toBe(0);
    expect(h.output()).toContain('Error trying to save the DB. Exit anyway.');
    c.close();
  });

  it('FLUSHALL abandons a running BGSAVE and, with save points, saves the empty dataset', async () => {
    const dir = makeTempDir('tandem-persist-');
    const h = await tandem(dir, ['--save', '3600 1000000', '--rdb-key-save-delay', '2000']);
    const c = await h.client();
    await pipeline(c, [['DEBUG', 'POPULATE', 2000]]);
    expect(await c.cmd('BGSAVE')).toBe('Background saving started');
    expect(await c.cmd('FLUSHALL')).toBe('OK');
    await h.waitForLog(/Background saving terminated by signal 10/, 10_000);
    const i = await info(c);
    expect(i.rdb_last_bgsave_status).toBe('ok');
    expect(i.rdb_changes_since_last_save).toBe('0');
    // Until the abandoned snapshot has handed its keys back, it still counts as in progress.
    await waitFor(async () => (await info(c)).rdb_bgsave_in_progress === '0', 10_000, 'abort drained');
    c.close();
    await h.stop('SIGKILL');
    const b = await tandem(dir);
    const c2 = await b.client();
    expect(await c2.cmd('DBSIZE')).toBe(0);
    expect(b.output()).toContain('Done loading RDB, keys loaded: 0, keys expired: 0.');
    c2.close();
    await b.stop();
  });

  it('DEBUG RELOAD keeps the data; NOSAVE, NOFLUSH and MERGE; bad options', async () => {
    const dir = makeTempDir('tandem-persist-');
    const h = await tandem(dir);
    const c = await h.client();
    await fill(c, 100);
    const digest = await c.cmd('DEBUG', 'DIGEST');
    expect(await c.cmd('DEBUG', 'RELOAD')).toBe('OK');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(digest);
    expect((await info(c)).rdb_changes_since_last_save).toBe('0');
    expect(h.output()).toContain('DB reloaded by DEBUG RELOAD');
    expect(await c.cmd('DEBUG', 'RELOAD', 'FOO')).toEqual({
      error: 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.',
    });
    // NOSAVE: back to the file, later changes are gone
    await c.cmd('SET', 'later', '1');
    await c.cmd('DEL', 'str:1');
    expect(await c.cmd('DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(digest);
    // NOFLUSH without MERGE: a key present on both sides is refused and nothing changes
    await c.cmd('SET', 'str:1', 'mine');
    expect(await c.cmd('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH')).toEqual({
      error: 'ERR Error trying to load the RDB dump',
    });
    expect(await c.cmd('GET', 'str:1')).toBe('mine');
    // MERGE: the file's value wins, keys only in memory stay
    await c.cmd('SET', 'only-here', '1');
    expect(await c.cmd('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE')).toBe('OK');
    expect(await c.cmd('GET', 'str:1')).toBe('value-1-x');
    expect(await c.cmd('GET', 'only-here')).toBe('1');
    // No dump at all
    fs.unlinkSync(path.join(dir, 'dump.rdb'));
    expect(await c.cmd('DEBUG', 'RELOAD', 'NOSAVE')).toEqual({ error: 'ERR Error trying to load the RDB dump' });
    expect(await c.cmd('GET', 'only-here')).toBe('1');
    c.close();
    await h.stop();
  });
});
