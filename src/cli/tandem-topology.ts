/**
 * tandem-topology: the quick-start main job. Starts a master and its replicas on 127.0.0.1 from the config files in
 * conf/ (each node in its own data directory), prints each node's role and link status as they change, serves a live
 * status page, and stops every node cleanly on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { formatStatusLine, readStatus, serveStatusPage } from './topology-status';

const ROOT = path.resolve(__dirname, '..', '..');

interface NodeSpec {
  port: number;
  conf: string;
}

/** Reads the port of a node from its config file. */
function portOf(conf: string): number {
  const m = /^\s*port\s+(\d+)/m.exec(fs.readFileSync(conf, 'utf8'));
  if (!m) throw new Error(`${conf} has no port directive`);
  return Number(m[1]);
}

function specs(confDir: string, replicas: number): NodeSpec[] {
  const master = path.join(confDir, 'master.conf');
  const reps = fs
    .readdirSync(confDir)
    .filter((f) => /^replica-.*\.conf$/.test(f))
    .sort()
    .slice(0, replicas)
    .map((f) => path.join(confDir, f));
  return [master, ...reps].map((conf) => ({ conf, port: portOf(conf) }));
}

function startNode(spec: NodeSpec, dataDir: string): ChildProcess {
  const dir = path.join(dataDir, String(spec.port));
  fs.mkdirSync(dir, { recursive: true });
  // the script itself (not `node script`): its shebang carries the server's V8 flags
  const child = spawn(path.join(ROOT, 'bin', 'tandem-server'), [spec.conf], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping)
      console.log(`node 127.0.0.1:${spec.port} exited (${signal ?? code}); log: ${path.join(dir, 'tandem.log')}`);
  });
  return child;
}

let stopping = false;

async function main(): Promise<void> {
  const o = new Command('tandem-topology')
    .description('run a Tandem master and replicas on 127.0.0.1 from conf/*.conf')
    .option('--conf-dir <dir>', 'directory with master.conf and replica-*.conf', path.join(ROOT, 'conf'))
    .option('--data-dir <dir>', 'where each node gets its working directory', path.join(ROOT, 'data'))
    .option('--replicas <n>', 'number of replicas to start', '2')
    .option('--status-port <port>', 'live status page on 127.0.0.1 (0 = off)', '8080')
    .option('--interval <ms>', 'status poll interval', '1000')
    .parse()
    .opts();
  const nodes = specs(path.resolve(o.confDir), Number(o.replicas));
  const children = nodes.map((n) => startNode(n, path.resolve(o.dataDir)));
  const ports = nodes.map((n) => n.port);
  console.log(
    `started ${nodes.length} nodes: ${ports.map((p) => `127.0.0.1:${p}`).join(', ')} (Ctrl-C stops them all)`,
  );

  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${sig}: stopping ${children.length} nodes...`);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    console.log('all nodes stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const statusPort = Number(o.statusPort);
  if (statusPort > 0) {
    try {
      await serveStatusPage(statusPort, ports);
      console.log(`status page: http://127.0.0.1:${statusPort}/`);
    } catch (e) {
      console.log(`status page not started: ${(e as Error).message}`);
    }
  }

  // Print the whole table when something changes (role, link, sync, replica count), otherwise stay quiet.
  let last = '';
  const poll = async () => {
    if (stopping) return;
    const status = await readStatus(ports);
    const key = status.map((s) => [s.up, s.role, s.link, s.syncInProgress, s.connectedReplicas].join()).join('|');
    if (key !== last) {
      last = key;
      console.log(`--- ${new Date().toLocaleTimeString()}`);
      for (const s of status) console.log(formatStatusLine(s));
    }
    setTimeout(poll, Number(o.interval));
  };
  setTimeout(poll, 500);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
