/**
 * Configuration through a running Tandem: config files (comments, aliases, include, several save lines), the stock
 * redis.conf, CONFIG REWRITE round trips, CONFIG SET dir / loglevel side effects, and the log file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, startTandem } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getConfig(c: { cmd: (...a: string[]) => Promise<unknown> }, name: string): Promise<string> {
  const r = (await c.cmd('CONFIG', 'GET', name)) as string[];
  return r[1];
}

describe('config files', () => {
  it('loads comments, aliases, includes (relative to the working directory) and accumulating save lines', async () => {
    const dir = makeTempDir('tandem-conf-');
    fs.writeFileSync(path.join(dir, 'extra.conf'), '# included\nslave-priority 42\n');
    fs.mkdirSync(path.join(dir, 'conf.d'));
    fs.writeFileSync(path.join(dir, 'conf.d', 'a.conf'), 'timeout 17\n');
    fs.writeFileSync(path.join(dir, 'conf.d', 'b.conf'), 'hz 20\n');
    const srv = await startTandem({
      dir,
      configText:
        '# Tandem test\n\n  maxmemory 2mb  \nsave 900 1\nsave 300 10\ninclude extra.conf\ninclude conf.d/*.conf\n' +
        'hash-max-ziplist-entries 64\nuser alice on >pw ~* +@all\nnotify-keyspace-events "Ex"\n',
    });
    const c = await srv.client();
    expect(await getConfig(c, 'maxmemory')).toBe('2097152');
    expect(await getConfig(c, 'save')).toBe(''); // the test helper passes --save '' after the file
    expect(await getConfig(c, 'replica-priority')).toBe('42');
    expect(await getConfig(c, 'timeout')).toBe('17');
    expect(await getConfig(c, 'hz')).toBe('20');
    expect(await getConfig(c, 'hash-max-listpack-entries')).toBe('64');
    expect(await getConfig(c, 'notify-keyspace-events')).toBe('xE');
    const info = (await c.cmd('INFO', 'server')) as string;
    expect(info).toContain(`config_file:${path.join(fs.realpathSync(dir), 'tandem.conf')}\r\n`);
    c.close();
    await srv.stop();
  });

  it('accepts every directive of the stock redis.conf, and its commented examples', async () => {
    const stock = '/etc/redis/redis.conf';
    let text = '';
    try {
      text = fs.readFileSync(stock, 'latin1');
    } catch {
      console.warn(`SKIP: ${stock} not readable`);
      return;
    }
    const dir = makeTempDir('tandem-stock-');
    // the examples, uncommented (a fixed sample of the directives the stock file documents)
    const examples = [
      'bind 127.0.0.1 -::1',
      'unixsocketperm 700',
      'tls-port 0',
      'tls-cert-file redis.crt',
      'tls-auth-clients optional',
      'tls-protocols "TLSv1.2 TLSv1.3"',
      'save 3600 1 300 100 60 10000',
      'replica-announce-ip 5.5.5.5',
      'min-replicas-to-write 3',
      'min-replicas-max-lag 10',
      'masteruser someone',
      'masterauth secret',
      'repl-backlog-size 1mb',
      'repl-ping-replica-period 10',
      'acl-pubsub-default resetchannels',
      'maxmemory-policy noeviction',
      'maxmemory-samples 5',
      'maxmemory-eviction-tenacity 10',
      'maxmemory-clients 5%',
      'io-threads 4',
      'io-threads-do-reads no',
      'lua-time-limit 5000',
      'busy-reply-threshold 5000',
      'cluster-config-file nodes-6379.conf',
      'cluster-node-timeout 15000',
      'cluster-port 0',
      'cluster-replica-validity-factor 10',
      'cluster-preferred-endpoint-type ip',
      'active-defrag-ignore-bytes 100mb',
      'active-defrag-cycle-max 25',
      'lfu-log-factor 10',
      'server_cpulist 0-7:2',
      'bgsave_cpulist 1,10-11',
      'ignore-warnings ARM64-COW-BUG',
      'shutdown-on-sigterm default',
      'enable-debug-command no',
      'propagation-error-behavior ignore',
      'sanitize-dump-payload no',
      'tracking-table-max-keys 1000000',
      'proto-max-bulk-len 512mb',
      'client-query-buffer-limit 1gb',
      'latency-tracking-info-percentiles 50 99 99.9',
      'rename-command CONFIG ""',
      'user worker +@list +@connection ~jobs:* on >ffa9203c493aa99',
      'supervised auto',
      'syslog-facility local0',
    ];
    // The stock file daemonizes and logs to /var/log: the last lines keep the server in the foreground with its log
    // on stdout for the test helper (which also appends --port/--bind/--dir after the file).
    const srv2 = await startTandem({
      dir,
      configText: `${text}\n${examples.join('\n')}\nlogfile ""\ndaemonize no\npidfile tandem.pid\n`,
    });
    const c = await srv2.client();
    expect(await c.cmd('PING')).toBe('PONG');
    expect(await c.cmd('CONFIG', 'GET', 'maxmemory-clients')).toEqual({
      error: "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'maxmemory-clients' ",
    });
    c.close();
    await srv2.stop();
  });
});

describe('CONFIG REWRITE', () => {
  it('updates the file in place and a restart from it gives the same values', async () => {
    const dir = makeTempDir('tandem-rw-');
    const srv = await startTandem({
      dir,
      configText: '# keep me\nmaxmemory 1000000\nslave-read-only yes\n\n# end comment\n',
    });
    const c = await srv.client();
    expect(await c.cmd('CONFIG', 'SET', 'maxmemory', '2mb', 'timeout', '33', 'notify-keyspace-events', 'KEA')).toBe(
      'OK',
    );
    expect(await c.cmd('CONFIG', 'REWRITE')).toBe('OK');
    const file = path.join(dir, 'tandem.conf');
    const text = fs.readFileSync(file, 'latin1');
    expect(
      text.startsWith(
        '# keep me\nmaxmemory 2mb\nreplica-read-only yes\n\n# end comment\n\n# Generated by CONFIG REWRITE\n',
      ),
    ).toBe(true);
    expect(text).toContain('\ntimeout 33\n');
    expect(text).toContain('\nnotify-keyspace-events "AKE"\n');
    expect(text).toContain(`\nport ${srv.port}\n`);
    expect(srv.output()).toMatch(/CONFIG REWRITE executed with success\./);
    c.close();
    await srv.stop();

    // a restart from the rewritten file (on a new port) keeps the values
    const again = await startTandem({ dir, configText: text.replace(/^port .*$/m, '') });
    const c2 = await again.client();
    expect(await getConfig(c2, 'maxmemory')).toBe('2097152');
    expect(await getConfig(c2, 'timeout')).toBe('33');
    expect(await getConfig(c2, 'notify-keyspace-events')).toBe('AKE');
    c2.close();
    await again.stop();
  });

  it('refuses without a config file', async () => {
    const srv = await startTandem();
    const c = await srv.client();
    expect(await c.cmd('CONFIG', 'REWRITE')).toEqual({ error: 'ERR The server is running without a config file' });
    c.close();
    await srv.stop();
  });
});

describe('directives with side effects', () => {
  it('CONFIG SET dir changes the working directory (when protected configs are allowed)', async () => {
    const srv = await startTandem({ args: ['--enable-protected-configs', 'yes'] });
    const c = await srv.client();
    const other = makeTempDir('tandem-dir-');
    expect(await c.cmd('CONFIG', 'SET', 'dir', other)).toBe('OK');
    expect(await getConfig(c, 'dir')).toBe(fs.realpathSync(other));
    expect(await c.cmd('CONFIG', 'SET', 'dir', '/nonexistent/x')).toEqual({
      error: "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory",
    });
    expect(await getConfig(c, 'dir')).toBe(fs.realpathSync(other));
    c.close();
    await srv.stop();
  });

  it('loglevel changes take effect at once, and logfile sends the log to a file', async () => {
    const dir = makeTempDir('tandem-log-');
    const logfile = path.join(dir, 'tandem.log');
    const srv = await startTandem({ dir, args: ['--logfile', logfile], noWait: true });
    for (let i = 0; i < 100 && !fs.existsSync(logfile); i++) await sleep(50);
    for (let i = 0; i < 100 && !fs.readFileSync(logfile, 'latin1').includes('Ready to accept'); i++) await sleep(50);
    const c = await srv.client();
    const bad = await srv.client();
    bad.sendRaw('*1\r\n$x\r\n'); // a protocol error is logged at verbose level
    await bad.waitClose().catch(() => {});
    expect(fs.readFileSync(logfile, 'latin1')).not.toMatch(/Protocol error/);
    expect(await c.cmd('CONFIG', 'SET', 'loglevel', 'verbose')).toBe('OK');
    const bad2 = await srv.client();
    bad2.sendRaw('*1\r\n$x\r\n');
    await bad2.waitClose().catch(() => {});
    await sleep(50);
    expect(fs.readFileSync(logfile, 'latin1')).toMatch(/- Protocol error/);
    expect(srv.output()).not.toMatch(/Protocol error/);
    c.close();
    await srv.stop();
  });
});
