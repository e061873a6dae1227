/**
 * ACLs through real sockets: what user changes do to live connections (DELUSER, revoked channels, ACL LOAD, a
 * restricted default user), the ACL file and config `user` lines at start-up and in CONFIG REWRITE, redaction of
 * secrets in SLOWLOG and MONITOR, CLIENT LIST / KILL by user, NOPERM in INFO; and replication through a
 * replication user: a real Redis 7.0 replica of a Tandem master, a Tandem replica of a Tandem master and of a real
 * Redis master, all with masteruser / masterauth.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { sentinelAvailable, startSentinel, stopAllSentinels } from '../helpers/sentinel';
import { type ServerHandle, makeTempDir, redisAvailable, startRedis, startTandem, stopAll } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handles: ServerHandle[] = [];
const clients: RespClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of handles.splice(0)) await h.stop('SIGKILL');
});
afterAll(async () => {
  await stopAllSentinels();
  await stopAll();
});

async function server(opts: Parameters<typeof startTandem>[0] = {}): Promise<ServerHandle> {
  const h = await startTandem(opts);
  handles.push(h);
  return h;
}

async function client(h: ServerHandle): Promise<RespClient> {
  const c = await h.client();
  clients.push(c);
  return c;
}

async function until(what: string, test: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw { error: `timed out waiting for ${what}` };
    await sleep(25);
  }
}

function field(text: unknown, name: string): string | undefined {
  for (const l of String(text).split(/\r?\n/)) if (l.startsWith(`${name}:`)) return l.slice(name.length + 1);
  return undefined;
}

describe('ACL and live connections', () => {
  it('ACL DELUSER closes the connections of the user, the asking one after its reply', async () => {
    const h = await server();
    const admin = await client(h);
    await admin.call('ACL', 'SETUSER', 'bob', 'on', 'nopass', '+@all', '~*');
    const b1 = await client(h);
    const b2 = await client(h);
    expect(await b1.cmd('AUTH', 'bob', 'x')).toBe('OK');
    expect(await b2.cmd('AUTH', 'bob', 'x')).toBe('OK');
    expect(await admin.cmd('ACL', 'DELUSER', 'bob')).toBe(1);
    await b1.waitClose();
    await b2.waitClose();
    expect(await admin.cmd('PING')).toBe('PONG');
    // a user deleting itself gets its reply, then the connection closes
    await admin.call('ACL', 'SETUSER', 'carol', 'on', 'nopass', '+@all', '~*');
    const c = await client(h);
    await c.call('AUTH', 'carol', 'x');
    expect(await c.cmd('ACL', 'DELUSER', 'carol')).toBe(1);
    await c.waitClose();
  });

  it('revoking channels closes the subscribers that lost a subscription, not the others', async () => {
    const h = await server();
    const admin = await client(h);
    await admin.call('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', '~*', 'resetchannels', '&a', '&b', '&p*');
    const onA = await client(h);
    const onB = await client(h);
    const onP = await client(h);
    for (const c of [onA, onB, onP]) await c.call('AUTH', 'sub', 'x');
    await onA.call('SUBSCRIBE', 'a');
    await onB.call('SUBSCRIBE', 'b');
    await onP.call('PSUBSCRIBE', 'p*');
    // adding a channel covers the old list: nobody is checked
    await admin.call('ACL', 'SETUSER', 'sub', '&c');
    await sleep(50);
    expect(onA.closed || onB.closed || onP.closed).toBe(false);
    await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&b', '&p*');
    await onA.waitClose();
    await sleep(50);
    expect(onB.closed).toBe(false);
    expect(onP.closed).toBe(false);
    // a pattern subscription needs the very same pattern in the rules
    await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&b', '&p1');
    await onP.waitClose();
    expect(await admin.cmd('PUBLISH', 'b', 'm')).toBe(1);
  });

  it('restricting the default user applies to its open connections at once, and lifting it too', async () => {
    const h = await server();
    const c = await client(h);
    const admin = await client(h);
    await admin.call('ACL', 'SETUSER', 'admin', 'on', '>pw', '+@all', '~*', '&*');
    await admin.call('AUTH', 'admin', 'pw');
    expect(await c.cmd('SET', 'k', 'v')).toBe('OK');
    await admin.call('ACL', 'SETUSER', 'default', 'resetkeys', '~pub:*');
    expect(await c.cmd('GET', 'k')).toEqual({
      error: 'NOPERM this user has no permissions to access one of the keys used as arguments',
    });
    expect(await c.cmd('SET', 'pub:1', 'v')).toBe('OK');
    await admin.call('ACL', 'SETUSER', 'default', 'allkeys');
    expect(await c.cmd('GET', 'k')).toBe('v');
  });

  it('ACL LOAD replaces the users: their connections are closed, the default user keeps its own', async () => {
    const dir = makeTempDir('tandem-acl-');
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, 'user default on nopass ~* &* +@all\nuser bob on >pw ~k* +get\n');
    const t = await server({ dir, args: ['--aclfile', file] });
    const admin = await client(t);
    expect(await admin.cmd('ACL', 'LIST')).toEqual([
      'user bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* resetchannels -@all +get',
      'user default on nopass ~* &* +@all',
    ]);
    const bob = await client(t);
    expect(await bob.cmd('AUTH', 'bob', 'pw')).toBe('OK');
    expect(await admin.cmd('ACL', 'SETUSER', 'alice', 'on', '>x', '+@all', '~*')).toBe('OK');
    expect(await admin.cmd('ACL', 'SAVE')).toBe('OK');
    expect(fs.readFileSync(file, 'latin1')).toBe(
      'user alice on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~* resetchannels +@all\n' +
        'user bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* resetchannels -@all +get\n' +
        'user default on nopass ~* &* +@all\n',
    );
    expect(await admin.cmd('ACL', 'LOAD')).toBe('OK');
    await bob.waitClose();
    expect(await admin.cmd('ACL', 'USERS')).toEqual(['alice', 'bob', 'default']);
    fs.writeFileSync(file, 'user bob on +nosuch\n');
    expect(await admin.cmd('ACL', 'LOAD')).toEqual({
      error: `ERR ${file}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
    });
    expect(await admin.cmd('ACL', 'USERS')).toEqual(['alice', 'bob', 'default']);
  });
});

describe('ACL at start-up and in the config file', () => {
  it('config `user` lines are loaded (after requirepass) and CONFIG REWRITE writes the live users', async () => {
    const h = await server({
      configText: 'requirepass foo\nuser default on nopass ~* &* +@all\nuser bob on >pw ~k* +get\n',
    });
    const c = await client(h);
    expect(await c.cmd('ACL', 'LIST')).toEqual([
      'user bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* resetchannels -@all +get',
      'user default on nopass sanitize-payload ~* &* +@all',
    ]);
    expect(await c.cmd('CONFIG', 'GET', 'requirepass')).toEqual(['requirepass', 'foo']);
    await c.call('ACL', 'SETUSER', 'carol', 'on', '~c', '+set');
    expect(await c.cmd('CONFIG', 'REWRITE')).toBe('OK');
    const text = fs.readFileSync(path.join(h.dir, 'tandem.conf'), 'latin1');
    // as Redis: the users in name order take the old `user` lines' places, the rest go after the marker
    expect(text).toMatch(
      /^requirepass "foo"\nuser bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k\* resetchannels -@all \+get\nuser carol on ~c resetchannels -@all \+set\n\n# Generated by CONFIG REWRITE\n[\s\S]*\nuser default on nopass sanitize-payload ~\* &\* \+@all\n$/,
    );
  });

  it('refuses to start with users both in the config and in an ACL file, or with a broken ACL file', async () => {
    const a = await startTandem({ configText: 'aclfile /nonexistent.acl\nuser bob on\n', noWait: true });
    handles.push(a);
    expect(await new Promise((r) => a.proc.on('exit', r))).toBe(1);
    expect(a.output()).toContain('Configuring Redis with users defined in redis.conf and at the same setting');
    const b = await startTandem({ args: ['--aclfile', '/nonexistent.acl'], noWait: true });
    handles.push(b);
    expect(await new Promise((r) => b.proc.on('exit', r))).toBe(1);
    expect(b.output()).toContain(
      "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '/nonexistent.acl': No such file or directory",
    );
  });
});

describe('ACL and the rest of the server', () => {
  it('secrets are redacted in SLOWLOG and MONITOR', async () => {
    const h = await server();
    const c = await client(h);
    const mon = await client(h);
    await mon.call('MONITOR');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('ACL', 'SETUSER', 'u', 'on', '>secret', '+@all', '~*');
    await c.call('AUTH', 'u', 'secret');
    await c.call('HELLO', '2', 'AUTH', 'u', 'secret');
    const log = (await c.cmd('SLOWLOG', 'GET', '3')) as unknown[][];
    expect(log.map((e) => e[3])).toEqual([
      ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)'],
      ['AUTH', '(redacted)', '(redacted)'],
      ['ACL', 'SETUSER', '(redacted)', '(redacted)', '(redacted)', '(redacted)', '(redacted)'],
    ]);
    await c.call('ECHO', 'end');
    const lines: string[] = [];
    while (!lines.some((l) => l.includes('"ECHO" "end"'))) lines.push(String(plain(await mon.next())));
    const seen = lines.join('\n');
    expect(seen).toContain('"AUTH" "(redacted)" "(redacted)"');
    expect(seen).toContain('"HELLO" "2" "AUTH" "(redacted)" "(redacted)"');
    expect(seen).not.toContain('secret');
    expect(seen).not.toContain('SETUSER'); // an admin command: not shown at all
  });

  it('CLIENT LIST shows the user, CLIENT KILL USER closes its connections', async () => {
    const h = await server();
    const admin = await client(h);
    await admin.call('ACL', 'SETUSER', 'k', 'on', 'nopass', '+@all', '~*');
    const k = await client(h);
    await k.call('AUTH', 'k', 'x');
    const listing = String(await admin.cmd('CLIENT', 'LIST'));
    expect(listing).toMatch(/ user=k /);
    expect(listing).toMatch(/cmd=client\|list user=default /);
    expect(await admin.cmd('CLIENT', 'KILL', 'USER', 'nosuch')).toEqual({ error: "ERR No such user 'nosuch'" });
    expect(await admin.cmd('CLIENT', 'KILL', 'USER', 'k')).toBe(1);
    await k.waitClose();
  });

  it('NOPERM and WRONGPASS are counted in errorstats, refusals as rejected calls', async () => {
    const h = await server();
    const c = await client(h);
    await c.call('ACL', 'SETUSER', 'r', 'on', 'nopass', '-@all', '+get', '~a');
    await c.call('AUTH', 'r', 'x');
    await c.call('SET', 'a', 'x');
    await c.call('GET', 'b');
    await c.call('AUTH', 'r2', 'x');
    await c.call('RESET');
    const errs = await c.cmd('INFO', 'errorstats');
    expect(field(errs, 'errorstat_NOPERM')).toBe('count=2');
    expect(field(errs, 'errorstat_WRONGPASS')).toBe('count=1');
    const stats = await c.cmd('INFO', 'commandstats');
    expect(field(stats, 'cmdstat_set')).toMatch(/rejected_calls=1,failed_calls=0$/);
    expect(field(stats, 'cmdstat_get')).toMatch(/^calls=0,.*rejected_calls=1,failed_calls=0$/);
    expect(field(stats, 'cmdstat_auth')).toMatch(/failed_calls=1$/);
  });

  it('a new connection needs AUTH as long as the default user requires a password', async () => {
    const h = await server({ args: ['--requirepass', 'pw'] });
    const c = await client(h);
    expect(await c.cmd('GET', 'x')).toEqual({ error: 'NOAUTH Authentication required.' });
    expect(await c.cmd('AUTH', 'pw')).toBe('OK');
    await c.call('ACL', 'SETUSER', 'default', 'nopass');
    const d = await client(h);
    expect(await d.cmd('GET', 'x')).toBe(null);
    await c.call('ACL', 'SETUSER', 'default', 'off');
    const e = await client(h);
    expect(await e.cmd('GET', 'x')).toEqual({ error: 'NOAUTH Authentication required.' });
    expect(await e.cmd('AUTH', 'default', 'x')).toEqual({
      error: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
    // connections already authenticated keep working
    expect(await d.cmd('GET', 'x')).toBe(null);
  });
});

// ---- replication through a replication user ----------------------------------------------------------------------

const REPL_USER = ['ACL', 'SETUSER', 'repl', 'on', '>rpw', '+psync', '+replconf', '+ping'];

async function linkUp(r: RespClient): Promise<void> {
  await until(
    'the replication link',
    async () => field(await r.cmd('INFO', 'replication'), 'master_link_status') === 'up',
  );
}

async function replicated(r: RespClient, key: string, value: string): Promise<void> {
  await until(`${key} on the replica`, async () => (await r.cmd('GET', key)) === value);
}

describe.skipIf(!redisAvailable())('replication with masteruser / masterauth', () => {
  it('a real Redis replica authenticates as the replication user of a Tandem master', async () => {
    const m = await server({ args: ['--requirepass', 'adminpw'] });
    const mc = await client(m);
    await mc.call('AUTH', 'adminpw');
    expect(await mc.cmd(...REPL_USER)).toBe('OK');
    await mc.call('SET', 'before', '1');
    const r = await startRedis({
      args: ['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'rpw'],
    });
    handles.push(r);
    const rc = await client(r);
    await linkUp(rc);
    await replicated(rc, 'before', '1');
    await mc.call('SET', 'after', '2');
    await replicated(rc, 'after', '2');
    expect(String(await mc.cmd('CLIENT', 'LIST', 'TYPE', 'replica'))).toMatch(/flags=S .* user=repl /);
    // the replica's periodic REPLCONF ACK passes the ACL check: its offset is acknowledged
    await until('the replica ACK', async () => /slave0:.*lag=[01]\b/.test(String(await mc.cmd('INFO', 'replication'))));
    expect(await mc.cmd('ACL', 'LOG')).toEqual([]);
  });

  it('a Tandem replica authenticates as the replication user of a Tandem master; a wrong password keeps it out', async () => {
    const m = await server({ args: ['--requirepass', 'adminpw'] });
    const mc = await client(m);
    await mc.call('AUTH', 'adminpw');
    await mc.call(...REPL_USER);
    await mc.call('SET', 'k', 'v');
    const r = await server({
      args: ['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'rpw'],
    });
    const rc = await client(r);
    await linkUp(rc);
    await replicated(rc, 'k', 'v');
    await mc.call('SET', 'k2', 'v2');
    await replicated(rc, 'k2', 'v2');

    const bad = await server({
      args: ['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'wrong'],
    });
    const bc = await client(bad);
    await sleep(1500);
    expect(field(await bc.cmd('INFO', 'replication'), 'master_link_status')).toBe('down');
    const log = (await mc.cmd('ACL', 'LOG')) as unknown[][];
    expect(log[0].slice(0, 10)).toEqual([
      'count',
      log[0][1],
      'reason',
      'auth',
      'context',
      'toplevel',
      'object',
      'AUTH',
      'username',
      'repl',
    ]);
  });

  it('a Tandem replica authenticates as the replication user of a real Redis master', async () => {
    const m = await startRedis({ args: ['--requirepass', 'adminpw'] });
    handles.push(m);
    const mc = await client(m);
    await mc.call('AUTH', 'adminpw');
    await mc.call(...REPL_USER);
    await mc.call('SET', 'k', 'v');
    const r = await server({
      args: ['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'rpw'],
    });
    const rc = await client(r);
    await linkUp(rc);
    await replicated(rc, 'k', 'v');
    await mc.call('SET', 'k2', 'v2');
    await replicated(rc, 'k2', 'v2');
    expect(String(await mc.cmd('CLIENT', 'LIST', 'TYPE', 'replica'))).toMatch(/ user=repl /);
  });
});

describe.skipIf(!redisAvailable() || !sentinelAvailable())('Sentinel with auth-user / auth-pass', () => {
  it('a real redis-sentinel monitors a Tandem master through a least-privilege sentinel user', async () => {
    const m = await server({ args: ['--requirepass', 'adminpw'] });
    const mc = await client(m);
    await mc.call('AUTH', 'adminpw');
    // the rules Redis documents for a Sentinel user
    const rules = ['on', '>spw', 'allchannels', '+multi', '+slaveof', '+ping', '+exec', '+subscribe'];
    rules.push('+config|rewrite', '+role', '+publish', '+info', '+client|setname', '+client|kill', '+script|kill');
    expect(await mc.cmd('ACL', 'SETUSER', 'sentinel-user', ...rules)).toBe('OK');
    await mc.call(...REPL_USER);
    const r = await server({
      args: ['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'rpw'],
    });
    await linkUp(await client(r));
    const s = await startSentinel(
      [{ name: 'mymaster', port: m.port, quorum: 1, downAfterMs: 2000 }],
      ['sentinel auth-user mymaster sentinel-user', 'sentinel auth-pass mymaster spw'],
    );
    // INFO through the sentinel user shows it the replica
    await s.waitEvent('+slave', new RegExp(`:${r.port} `));
    await until('the sentinel links', async () => {
      const list = String(await mc.cmd('CLIENT', 'LIST'));
      return (list.match(/ user=sentinel-user /g) ?? []).length >= 2;
    });
    await sleep(1500);
    expect(await mc.cmd('ACL', 'LOG')).toEqual([]);
    const master = (await s.cmd('SENTINEL', 'MASTER', 'mymaster')) as string[];
    expect(master[master.indexOf('flags') + 1]).toBe('master');
  });
});
