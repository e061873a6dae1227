/**
 * The quick-start launcher (bin/tandem-topology): starts a master and replicas from config files, reports their
 * roles and links, serves the status page, and stops everything on Ctrl-C (SIGINT).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client';
import { ROOT, freePort, makeTempDir } from '../helpers/servers';

function waitFor(get: () => string, re: RegExp, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (re.test(get())) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timeout waiting for ${re} in:\n${get()}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

describe('tandem-topology launcher', () => {
  const dir = makeTempDir('topology-');
  let child: ReturnType<typeof spawn> | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('runs a master and two replicas, reports them, and stops them on SIGINT', async () => {
    const [mp, r1, r2, sp] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const confDir = path.join(dir, 'conf');
    fs.mkdirSync(confDir);
    const common = 'bind 127.0.0.1\nsave ""\nlogfile tandem.log\nrepl-diskless-sync-delay 0\n';
    fs.writeFileSync(path.join(confDir, 'master.conf'), `port ${mp}\n${common}`);
    for (const p of [r1, r2]) {
      fs.writeFileSync(path.join(confDir, `replica-${p}.conf`), `port ${p}\n${common}replicaof 127.0.0.1 ${mp}\n`);
    }
    let out = '';
    child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'tandem-topology'),
        '--conf-dir',
        confDir,
        '--data-dir',
        path.join(dir, 'data'),
        '--status-port',
        String(sp),
        '--interval',
        '200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));

    await waitFor(() => out, new RegExp(`127\\.0\\.0\\.1:${r2}\\s+replica\\s+of :${mp}\\s+link up`));
    await waitFor(() => out, new RegExp(`127\\.0\\.0\\.1:${r1}\\s+replica\\s+of :${mp}\\s+link up`));
    expect(out).toMatch(new RegExp(`127\\.0\\.0\\.1:${mp}\\s+master\\s+replicas 2`));

    // Data written on the master reaches both replicas.
    const m = await RespClient.connect(mp);
    expect(await m.cmd('SET', 'k', 'v')).toBe('OK');
    for (const p of [r1, r2]) {
      const c = await RespClient.connect(p);
      for (let i = 0; i < 50 && (await c.cmd('GET', 'k')) !== 'v'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await c.cmd('GET', 'k')).toBe('v');
      c.close();
    }
    m.close();

    const res = await fetch(`http://127.0.0.1:${sp}/status.json`);
    const status = (await res.json()) as { port: number; role: string; link: string }[];
    // the launcher lists the master, then the replica config files in name order
    const replicas = [r1, r2].sort((a, b) => String(a).localeCompare(String(b)));
    expect(status.map((s) => [s.port, s.role, s.link])).toEqual([
      [mp, 'master', '-'],
      ...replicas.map((p) => [p, 'replica', 'up']),
    ]);
    const page = await (await fetch(`http://127.0.0.1:${sp}/`)).text();
    expect(page).toContain('Tandem topology');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('all nodes stopped');
    // every node is gone
    for (const p of [mp, r1, r2]) await expect(RespClient.connect(p)).rejects.toThrow();
    child = null;
  });
});
