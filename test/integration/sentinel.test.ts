/**
 * tandem-sentinel processes managing Tandem nodes over real sockets: discovery, a failover after SIGKILL of the
 * master (the re-pointed replica continues with a partial resync), conversion of the returning old master, a manual
 * SENTINEL FAILOVER, restarting a sentinel from the config file it rewrote, ioredis' Sentinel client following the
 * master without losing an acknowledged write, and the command surface of a single sentinel (events, config
 * persistence, votes, errors, start-up failures).
 *
 * Each scenario builds its own topology so they run side by side; hellos are sped up with SENTINEL DEBUG
 * publish-period where a scenario waits for them (a returning master is converted after 4 hello periods).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { plain, RespClient } from '../helpers/resp-client';
import { flatToMap, parseInfo, until } from '../helpers/sentinel';
import {
  buildTopology,
  caughtUp,
  eventLog,
  info,
  NAME,
  nodeCmd,
  passwords,
  roleOf,
  sentinelList,
  sentinelMaster,
  startDataNode,
  switched,
  writeKeys,
} from '../helpers/sentinel-topology';
import { freePort, makeTempDir, stopAll, TANDEM_BIN } from '../helpers/servers';
import { startSentinelProc, stopAllSentinelProcs, TANDEM_SENTINEL_BIN } from '../helpers/tandem-sentinel';

afterAll(async () => {
  await stopAllSentinelProcs();
  await stopAll();
});

const FAST_HELLO = ['publish-period', 500];
const TANDEM3 = [
  { kind: 'tandem' as const, debug: FAST_HELLO },
  { kind: 'tandem' as const, debug: FAST_HELLO },
  { kind: 'tandem' as const, debug: FAST_HELLO },
];

function confLines(file: string, re: RegExp): string[] {
  return fs
    .readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => re.test(l));
}

/** The leader's events, in the order redis-sentinel emits them for a failover with one replica to re-point. */
const LEADER_SEQUENCE = [
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
  '+promoted-slave',
  '+failover-state-reconf-slaves',
  '+slave-reconf-sent',
  '+slave-reconf-inprog',
  '+slave-reconf-done',
  '+failover-end',
  '+switch-master',
];

describe.concurrent('tandem-sentinel managing Tandem nodes', () => {
  it('fails over a killed master (partial resync), converts it back, obeys SENTINEL FAILOVER and restarts from its config', async ({
    onTestFinished,
  }) => {
    const t = await buildTopology(onTestFinished, { nodes: 'tandem', sentinels: TANDEM3 });
    const { master } = t;
    const ids = await Promise.all(t.sentinels.map(async (s) => String(await s.cmd('SENTINEL', 'MYID'))));
    for (const [i, s] of t.sentinels.entries()) {
      expect(ids[i]).toMatch(/^[0-9a-f]{40}$/);
      const m = await sentinelMaster(s);
      expect(m.get('runid')).toBe((await info(master.port, 'server')).get('run_id'));
      expect(m.get('flags')).toBe('master');
      expect(m.get('num-slaves')).toBe('2');
      expect(m.get('num-other-sentinels')).toBe('2');
      const reps = await sentinelList(s, 'REPLICAS');
      expect(reps.map((r) => Number(r.get('port'))).sort()).toEqual(t.replicas.map((r) => r.port).sort());
      for (const r of reps) {
        expect(r.get('runid')).toBe((await info(Number(r.get('port')), 'server')).get('run_id'));
        expect(r.get('master-port')).toBe(String(master.port));
        expect(r.get('slave-priority')).toBe('100');
      }
      expect((await sentinelList(s, 'SENTINELS')).map((o) => o.get('runid')).sort()).toEqual(
        ids.filter((_, j) => j !== i).sort(),
      );
      expect(await s.cmd('SENTINEL', 'CKQUORUM', NAME)).toBe(
        'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      );
      expect(parseInfo(await s.cmd('INFO', 'sentinel')).get('master0')).toBe(
        `name=${NAME},status=ok,address=127.0.0.1:${master.port},slaves=2,sentinels=3`,
      );
      // The links carry the names redis-sentinel gives them.
      const names = String(await nodeCmd(master.port, 'CLIENT', 'LIST'));
      expect(names).toContain(`name=sentinel-${ids[i].slice(0, 8)}-cmd`);
      expect(names).toContain(`name=sentinel-${ids[i].slice(0, 8)}-pubsub`);
    }

    await writeKeys(master.port, 'pre', 300, 2);
    const digest = String(await nodeCmd(master.port, 'DEBUG', 'DIGEST'));
    await master.h.stop('SIGKILL');
    await Promise.all(t.sentinels.map((s) => s.waitEvent('+sdown', new RegExp(`^master ${NAME} `))));
    const newPort = await switched(t, master.port);

    const leaders = t.sentinels.filter((s) => s.events().some((e) => e.type === '+elected-leader'));
    expect(leaders, eventLog(t)).toHaveLength(1);
    const seq = leaders[0].events().map((e) => e.type);
    expect(seq.filter((e) => LEADER_SEQUENCE.includes(e))).toEqual(LEADER_SEQUENCE);
    const leaderId = String(await leaders[0].cmd('SENTINEL', 'MYID'));
    for (const s of t.sentinels.filter((x) => x !== leaders[0])) {
      expect(s.events().find((e) => e.type === '+vote-for-leader')?.text).toBe(`${leaderId} 1`);
      expect(s.events().some((e) => e.type === '+config-update-from')).toBe(true);
    }

    const promoted = t.replicas.find((r) => r.port === newPort)!;
    const other = t.replicas.find((r) => r.port !== newPort)!;
    expect(await roleOf(promoted.port)).toBe('master');
    await caughtUp(promoted, other);
    const stats = await info(promoted.port, 'stats');
    expect(stats.get('sync_partial_ok')).toBe('1');
    expect(stats.get('sync_full')).toBe('0');
    expect(await nodeCmd(promoted.port, 'DEBUG', 'DIGEST')).toBe(digest);
    // REPLICAOF + CONFIG REWRITE reached the nodes' own config files.
    await until(
      'the promoted node to drop replicaof from its config',
      () => confLines(promoted.conf, /^replicaof /).length === 0,
    );
    expect(confLines(other.conf, /^replicaof /)).toEqual([`replicaof 127.0.0.1 ${newPort}`]);
    // The sentinels persisted the new configuration.
    for (const s of t.sentinels) {
      expect(confLines(s.confPath, /^sentinel (monitor|config-epoch|current-epoch) /)).toEqual([
        `sentinel monitor ${NAME} 127.0.0.1 ${newPort} 2`,
        `sentinel config-epoch ${NAME} 1`,
        'sentinel current-epoch 1',
      ]);
      expect(confLines(s.confPath, /^sentinel known-replica /).sort()).toEqual(
        [
          `sentinel known-replica ${NAME} 127.0.0.1 ${master.port}`,
          `sentinel known-replica ${NAME} 127.0.0.1 ${other.port}`,
        ].sort(),
      );
    }

    // The old master comes back empty, as a master: it is turned into a replica of the new one and resyncs.
    const back = await startDataNode('tandem', master.configText, master);
    t.nodes.push(back);
    const backRe = new RegExp(`^slave 127\\.0\\.0\\.1:${back.port} .* @ ${NAME} 127\\.0\\.0\\.1 ${newPort}$`);
    await until(
      'the returning master to be converted',
      () => t.sentinels.some((s) => s.events().some((e) => e.type === '+convert-to-slave' && backRe.test(e.text))),
      20_000,
      100,
      () => eventLog(t),
    );
    await caughtUp(promoted, back);
    expect(await nodeCmd(back.port, 'GET', 'pre:7')).toBe('v7\x00\xff');

    // A manual failover needs no SDOWN, ODOWN or election; a second request while it runs is refused.
    expect(await t.sentinels[0].cmd('SENTINEL', 'FAILOVER', 'nope')).toEqual({
      error: 'ERR No such master with that name',
    });
    expect(await t.sentinels[0].cmd('SENTINEL', 'FAILOVER', NAME)).toBe('OK');
    expect(await t.sentinels[0].cmd('SENTINEL', 'FAILOVER', NAME)).toEqual({
      error: 'INPROG Failover already in progress',
    });
    const thirdPort = await switched(t, newPort);
    expect([other.port, back.port]).toContain(thirdPort);
    expect(t.sentinels[0].events().filter((e) => e.type === '+elected-leader')).toHaveLength(
      leaders[0] === t.sentinels[0] ? 2 : 1,
    );
    for (const s of t.sentinels)
      expect(confLines(s.confPath, /^sentinel current-epoch /)).toEqual(['sentinel current-epoch 2']);
    // The demoted master (alive) is converted to a replica of the new one.
    const demotedRe = new RegExp(`^slave 127\\.0\\.0\\.1:${newPort} .* @ ${NAME} 127\\.0\\.0\\.1 ${thirdPort}$`);
    await until(
      'the demoted master to be converted',
      () => t.sentinels.some((s) => s.events().some((e) => e.type === '+convert-to-slave' && demotedRe.test(e.text))),
      20_000,
      100,
      () => eventLog(t),
    );
    const third = [other, back].find((n) => n.port === thirdPort)!;
    await caughtUp(third, promoted);

    // A sentinel restarted from the file it rewrote keeps its id, epochs and the topology it knew.
    const s2 = t.sentinels[2];
    await s2.stop('SIGKILL');
    const again = await startSentinelProc({
      kind: 'tandem',
      monitors: [{ name: NAME, port: 0, quorum: 2 }],
      reuse: s2,
    });
    t.sentinels[2] = again;
    expect(await again.cmd('SENTINEL', 'MYID')).toBe(ids[2]);
    const m = await sentinelMaster(again);
    expect(m.get('port')).toBe(String(thirdPort));
    expect(m.get('config-epoch')).toBe('2');
    expect(m.get('num-slaves')).toBe('2');
    expect(m.get('num-other-sentinels')).toBe('2');
  }, 80_000);

  it('ioredis follows the master through the sentinels across a failover without losing an acknowledged write', async ({
    onTestFinished,
  }) => {
    const PASSWORD = 's3ntinel-pass';
    const t = await buildTopology(onTestFinished, { nodes: 'tandem', sentinels: TANDEM3, password: PASSWORD });
    const sentinels = t.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
    const redis = new Redis({
      sentinels,
      name: NAME,
      password: PASSWORD,
      retryStrategy: () => 50,
      sentinelRetryStrategy: () => 50,
      maxRetriesPerRequest: null,
      // ioredis' default failover path: the killed master's connection drops and it asks the sentinels again. Its
      // opt-in `failoverDetector` is left off: a +switch-master that lands while ioredis is between reconnect
      // attempts ends the client for good (an ioredis race, seen with real redis-sentinel too); the event itself is
      // checked below through an ordinary subscriber.
    });
    redis.on('error', () => {});
    onTestFinished(() => redis.disconnect());
    // What a client watching the sentinels' pub/sub sees: one +switch-master naming the old and the new address.
    const watcher = new Redis({ port: t.sentinels[0]!.port, host: '127.0.0.1' });
    onTestFinished(() => watcher.disconnect());
    const switches: string[] = [];
    watcher.on('message', (channel: string, msg: string) => {
      if (channel === '+switch-master') switches.push(msg);
    });
    await watcher.subscribe('+switch-master');
    expect(await redis.set('io:hello', 'world')).toBe('OK');
    expect(parseInfo(await redis.info('server')).get('tcp_port')).toBe(String(t.master.port));

    // role 'slave': picked among SENTINEL slaves, accepted when its INFO says role:slave.
    const reader = new Redis({ sentinels, name: NAME, password: PASSWORD, role: 'slave' });
    onTestFinished(() => reader.disconnect());
    await until('the replicas to have the key', async () => (await reader.get('io:hello')) === 'world');
    expect(t.replicas.map((r) => String(r.port))).toContain(parseInfo(await reader.info('server')).get('tcp_port'));
    await reader.quit();

    // A write counts as acknowledged once WAIT confirms every replica the master has at that time has it.
    let replicasNeeded = 2;
    const acked: { i: number; at: number }[] = [];
    let stop = false;
    let lastError = '';
    let lastWait = -1;
    onTestFinished(() => {
      stop = true;
    });
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const need = replicasNeeded;
        try {
          const set = await redis.set(`io:${i}`, `v${i}`);
          const n = await redis.wait(need, 2000);
          lastWait = n;
          if (set === 'OK' && n >= need) acked.push({ i, at: Date.now() });
        } catch (e) {
          // not acknowledged; a closed client rejects at once, so do not spin
          lastError = String(e);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    })();
    await until('the writer to get going', () => acked.length >= 50);
    await t.master.h.stop('SIGKILL');
    // Only now (the old master is gone): the new master will have a single replica left.
    replicasNeeded = 1;
    const killedAt = Date.now();
    const newPort = await switched(t, t.master.port);
    await until(
      '50 acknowledged writes after the failover',
      () => acked.filter((a) => a.at > killedAt).length >= 50,
      20_000,
      100,
      () => `ioredis ${redis.status}, last error ${lastError}, last WAIT ${lastWait}\n${eventLog(t)}`,
    );
    stop = true;
    await writer;
    expect(parseInfo(await redis.info('server')).get('tcp_port')).toBe(String(newPort));
    await until('+switch-master on the sentinel channel', () => switches.length > 0);
    expect(switches).toEqual([`${NAME} 127.0.0.1 ${t.master.port} 127.0.0.1 ${newPort}`]);
    const promoted = t.replicas.find((r) => r.port === newPort)!;
    const other = t.replicas.find((r) => r.port !== newPort)!;
    await caughtUp(promoted, other);
    for (const n of [promoted, other]) {
      const got = (await nodeCmd(n.port, 'MGET', ...acked.map((a) => `io:${a.i}`))) as (string | null)[];
      expect(got).toEqual(acked.map((a) => `v${a.i}`));
    }
    passwords.delete(t.master.port);
  }, 60_000);
});

describe.concurrent('a single tandem-sentinel', () => {
  it('serves the SENTINEL commands, publishes events, votes once per epoch and persists its state', async ({
    onTestFinished,
  }) => {
    const master = await startDataNode('tandem', '');
    const replica = await startDataNode('tandem', `replicaof 127.0.0.1 ${master.port}\n`);
    onTestFinished(async () => {
      await master.h.stop('SIGKILL');
      await replica.h.stop('SIGKILL');
    });
    // A notification script (set in the file: SENTINEL SET may not change script paths by default).
    const scriptDir = makeTempDir('sentinel-script-');
    const script = path.join(scriptDir, 'notify.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho "$1|$2" >> ${scriptDir}/notify.log\n`, { mode: 0o755 });
    const s = await startSentinelProc({
      kind: 'tandem',
      monitors: [{ name: NAME, port: master.port, quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 20_000 }],
      extra: [`sentinel notification-script ${NAME} ${script}`],
      // INFO every second: the replica is rediscovered and the master's new run id seen without long waits.
      debug: ['info-period', 1000],
    });
    onTestFinished(() => s.stop());
    await until('the replica to be discovered', async () => (await sentinelList(s, 'REPLICAS')).length === 1);
    const myid = String(await s.cmd('SENTINEL', 'MYID'));

    // Events are published on the sentinel's own pub/sub.
    const sub = await RespClient.connect(s.port);
    onTestFinished(() => sub.close());
    sub.send('PSUBSCRIBE', '*');
    expect(plain(await sub.next())).toEqual(['psubscribe', '*', 1]);
    // Discoveries (+slave, +sentinel...) may interleave with the events a step causes: skip them.
    const nextEvent = async (): Promise<string[]> => {
      for (;;) {
        const e = plain(await sub.next(5000)) as string[];
        if (!['+slave', '+sentinel', '+role-change', '-role-change'].includes(e[2])) return e;
      }
    };

    expect(await s.cmd('ROLE')).toEqual(['sentinel', [NAME]]);
    expect(await s.cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)).toEqual(['127.0.0.1', String(master.port)]);
    expect(await s.cmd('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope')).toBe(null);
    expect(await s.cmd('SENTINEL', 'CKQUORUM', NAME)).toEqual({
      error:
        'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
    });
    expect(await s.cmd('GET', 'x')).toEqual({ error: "ERR unknown command 'GET', with args beginning with: 'x' " });
    expect(await s.cmd('PUBLISH', 'chan', 'x')).toEqual({
      error: 'ERR Only HELLO messages are accepted by Sentinel instances.',
    });

    // INFO-CACHE: the last INFO of the master and of each replica, with their age.
    await until(
      'the replica to answer INFO',
      async () => (await sentinelList(s, 'REPLICAS'))[0].get('info-refresh') !== '0',
    );
    const cache = (await s.cmd('SENTINEL', 'INFO-CACHE', NAME)) as [string, [number, string][]];
    expect(cache[0]).toBe(NAME);
    expect(cache[1]).toHaveLength(2);
    expect(parseInfo(cache[1][0][1]).get('tcp_port')).toBe(String(master.port));
    expect(parseInfo(cache[1][1][1]).get('tcp_port')).toBe(String(replica.port));

    // MONITOR / SET / REMOVE: events and the config file follow.
    expect(await s.cmd('SENTINEL', 'MONITOR', 'other', '127.0.0.1', master.port, 1)).toBe('OK');
    expect(await nextEvent()).toEqual(['pmessage', '*', '+monitor', `master other 127.0.0.1 ${master.port} quorum 1`]);
    expect(await s.cmd('SENTINEL', 'MONITOR', 'other', '127.0.0.1', master.port, 1)).toEqual({
      error: 'ERR Duplicate master name.',
    });
    expect(await s.cmd('SENTINEL', 'SET', 'other', 'down-after-milliseconds', 7000, 'auth-pass', 'sekret')).toBe('OK');
    expect(await nextEvent()).toEqual([
      'pmessage',
      '*',
      '+set',
      `master other 127.0.0.1 ${master.port} down-after-milliseconds 7000`,
    ]);
    expect(await nextEvent()).toEqual([
      'pmessage',
      '*',
      '+set',
      `master other 127.0.0.1 ${master.port} auth-pass ******`,
    ]);
    expect(confLines(s.confPath, /^sentinel .* other /)).toEqual(
      expect.arrayContaining([
        `sentinel monitor other 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds other 7000',
        'sentinel auth-pass other sekret',
      ]),
    );
    expect(await s.cmd('SENTINEL', 'SET', 'other', 'quorum', 0)).toEqual({
      error: "ERR Invalid argument '0' for SENTINEL SET 'quorum'",
    });
    expect(await s.cmd('SENTINEL', 'REMOVE', 'other')).toBe('OK');
    expect(await nextEvent()).toEqual(['pmessage', '*', '-monitor', `master other 127.0.0.1 ${master.port}`]);
    expect(confLines(s.confPath, / other /)).toEqual([]);
    expect(await s.cmd('ROLE')).toEqual(['sentinel', [NAME]]);

    // Votes: one per epoch, to the first asker; a newer epoch is adopted and persisted.
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    expect(await s.cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', master.port, 5, a)).toEqual([0, a, 5]);
    expect(await nextEvent()).toEqual(['pmessage', '*', '+new-epoch', '5']);
    expect(await nextEvent()).toEqual(['pmessage', '*', '+vote-for-leader', `${a} 5`]);
    expect(await s.cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', master.port, 5, b)).toEqual([0, a, 5]);
    expect(await s.cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', master.port, 6, '*')).toEqual([0, '*', 0]);
    expect(await s.cmd('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 1, 9, b)).toEqual([0, '*', 0]);
    expect(confLines(s.confPath, /^sentinel (leader-epoch|current-epoch) /)).toEqual([
      `sentinel leader-epoch ${NAME} 5`,
      'sentinel current-epoch 5',
    ]);

    // A hello published on the master carries this sentinel's view.
    const hello = await RespClient.connect(master.port);
    onTestFinished(() => hello.close());
    hello.send('SUBSCRIBE', '__sentinel__:hello');
    await hello.next();
    const msg = plain(await hello.next(5000)) as string[];
    expect(msg[2]).toBe(`127.0.0.1,${s.port},${myid},5,${NAME},127.0.0.1,${master.port},0`);

    // RESET forgets the replica (rediscovered from the master's INFO right after).
    expect(await s.cmd('SENTINEL', 'RESET', '*')).toBe(1);
    expect(await nextEvent()).toEqual(['pmessage', '*', '+reset-master', `master ${NAME} 127.0.0.1 ${master.port}`]);
    await until('the replica to be rediscovered', async () => (await sentinelList(s, 'REPLICAS')).length === 1);

    // The master answers from a new process: +reboot.
    await master.h.stop('SIGKILL');
    const back = await startDataNode('tandem', '', master);
    onTestFinished(async () => {
      await back.h.stop('SIGKILL');
    });
    await s.waitEvent('+reboot', new RegExp(`^master ${NAME} 127\\.0\\.0\\.1 ${master.port}$`), 15_000);

    // Warning-level events of the master run its notification script with the event type and text.
    expect((await sentinelMaster(s)).get('notification-script')).toBe(script);
    expect(await s.cmd('SENTINEL', 'SET', NAME, 'quorum', 2)).toBe('OK');
    await until('the notification script to run', () => {
      const log = fs.existsSync(`${scriptDir}/notify.log`) ? fs.readFileSync(`${scriptDir}/notify.log`, 'latin1') : '';
      return log.includes(`+set|master ${NAME} 127.0.0.1 ${master.port} quorum 2\n`);
    });
    // Only warnings run it (not the notice-level +reboot or +slave). Runs started together may finish in any order.
    // A restart slower than down-after (a loaded machine) adds a +sdown/-sdown pair, warnings too.
    const ran = fs
      .readFileSync(`${scriptDir}/notify.log`, 'latin1')
      .split('\n')
      .filter((l) => l !== '' && !/^[+-]sdown\|master /.test(l));
    expect(ran.sort()).toEqual(
      [
        `+monitor|master ${NAME} 127.0.0.1 ${master.port} quorum 2`,
        '+new-epoch|5',
        `+vote-for-leader|${a} 5`,
        `+reset-master|master ${NAME} 127.0.0.1 ${master.port}`,
        `+set|master ${NAME} 127.0.0.1 ${master.port} quorum 2`,
      ].sort(),
    );
    expect(await s.cmd('SENTINEL', 'SET', NAME, 'notification-script', script)).toEqual({
      error:
        'ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration',
    });
    expect(await s.cmd('SENTINEL', 'PENDING-SCRIPTS')).toEqual([]);

    // SHUTDOWN ends the process.
    await s.cmd('SHUTDOWN').catch(() => {});
    await until('the sentinel to exit', () => s.exited());
    expect(s.output()).toContain('Sentinel is now ready to exit, bye bye...');
  }, 40_000);

  it('refuses to start without a writable config file or with a bad sentinel line; tandem-server --sentinel works', async ({
    onTestFinished,
  }) => {
    const run = (bin: string, args: string[], cwd: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
    const dir = makeTempDir('sentinel-start-');
    const noFile = await run(TANDEM_SENTINEL_BIN, ['--port', String(await freePort())], dir);
    expect(noFile.code).toBe(1);
    expect(noFile.out).toMatch(/^\d+:X .* # Sentinel needs config file on disk to save state\. Exiting\.\.\.$/m);

    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(
      bad,
      `port ${await freePort()}\nsentinel monitor m 127.0.0.1 6379 2\nsentinel parallel-syncs nope 1\n`,
    );
    const badRun = await run(TANDEM_SENTINEL_BIN, [bad], dir);
    expect(badRun.code).toBe(1);
    expect(badRun.out).toContain(
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'sentinel parallel-syncs nope 1'\nNo such master with specified name.\n",
    );
    fs.writeFileSync(bad, `sentinel myid abc\n`);
    expect((await run(TANDEM_SENTINEL_BIN, [bad], dir)).out).toContain('Malformed Sentinel id in myid option.');
    // Outside sentinel mode a sentinel line is a config error.
    const plainServer = await run(TANDEM_BIN, [bad, '--port', String(await freePort())], dir);
    expect(plainServer.code).toBe(1);
    expect(plainServer.out).toContain('sentinel directive while not in sentinel mode');

    // tandem-server <conf> --sentinel runs the same sentinel.
    const port = await freePort();
    const conf = path.join(dir, 'ok.conf');
    fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor m 127.0.0.1 1 2\n`);
    const p = spawn(process.execPath, [TANDEM_BIN, conf, '--sentinel'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      p.kill('SIGKILL');
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    await until('the sentinel to start', () => out.includes('+monitor master m 127.0.0.1 1 quorum 2'));
    expect(out).toMatch(/Running mode=sentinel, port=\d+\./);
    const c = await RespClient.connect(port);
    try {
      expect(await c.cmd('ROLE')).toEqual(['sentinel', ['m']]);
      // Nothing listens on port 1: the links keep failing (between attempts the master shows as disconnected).
      await until(
        'the unreachable master to show as disconnected',
        async () => flatToMap(await c.cmd('SENTINEL', 'MASTER', 'm')).get('flags') === 'master,disconnected',
      );
      const hello = new Map((await c.cmd('HELLO', 3)) as [string, unknown][]);
      expect(hello.get('mode')).toBe('sentinel');
      expect(hello.has('role')).toBe(false);
    } finally {
      c.close();
    }
    // The file now holds a generated id and the state lines.
    expect(confLines(conf, /^sentinel myid [0-9a-f]{40}$/)).toHaveLength(1);
    expect(fs.readFileSync(conf, 'latin1')).toContain('\n# Generated by CONFIG REWRITE\n');
  }, 30_000);
});
