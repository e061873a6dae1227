/**
 * tandem-server [config-file] [--directive value ...] [-] — behaves like redis-server's command line. The Node
 * process running this is the server itself (bin/tandem-server is a node script, not a wrapper), so the PID a
 * supervisor sees is the one signals must reach.
 */
import fs from 'node:fs';
import { usedMemory } from '../commands/info';
import { COMPAT_VERSION, TANDEM_VERSION } from '../commands/version';
import { Config } from '../config/config';
import { FatalConfigError, loadServerConfig } from '../config/load';
import { ListenError } from '../server/listeners';
import { type LogLevel, log } from '../server/log';
import {
  daemonize,
  installPeriodicLogs,
  installSignalHandlers,
  isDaemonChild,
  notifyDaemonParent,
  removePidFile,
  writePidFile,
} from '../server/process';
import { installPersistence } from '../persistence/persistence';
import { installPrimary } from '../replication/primary';
import { installReplica } from '../replication/replica-install';
import { Server } from '../server/server';
import { main as sentinelMain, wantsSentinel } from './tandem-sentinel';

function usage(): never {
  process.stderr.write(
    [
      'Usage: tandem-server [/path/to/redis.conf] [options] [-]',
      '       tandem-server - (read config from stdin)',
      '       tandem-server -v or --version',
      '       tandem-server -h or --help',
      '',
      'Examples:',
      '       tandem-server (run the server with default config)',
      '       tandem-server /etc/redis/6379.conf',
      '       tandem-server --port 7777',
      '       tandem-server --port 7777 --replicaof 127.0.0.1 8888',
      '       tandem-server /etc/myredis.conf --loglevel verbose -',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

interface CommandLine {
  file: string;
  options: string[];
  /** config text also comes from stdin ('-' first or last, as redis-server accepts) */
  stdin: boolean;
}

function parseCommandLine(argv: string[]): CommandLine {
  let file = '';
  let options = argv;
  let stdin = false;
  if (argv.length > 0 && argv[0] === '-') {
    stdin = true;
    options = argv.slice(1);
  } else if (argv.length > 0 && !argv[0].startsWith('-')) {
    file = argv[0];
    options = argv.slice(1);
  }
  if (options[options.length - 1] === '-') {
    stdin = true;
    options = options.slice(0, -1);
  }
  return { file, options, stdin };
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(
      `Tandem server v=${TANDEM_VERSION} redis-compat=${COMPAT_VERSION} bits=64 node=${process.version}\n`,
    );
    process.exit(0);
  }
  if (argv[0] === '-h' || argv[0] === '--help') usage();
  // `--sentinel` anywhere selects sentinel mode, as with redis-server.
  if (wantsSentinel(argv)) return sentinelMain(argv);
  const startCwd = process.cwd();
  const cmdline = parseCommandLine(argv);
  const stdinText = cmdline.stdin ? fs.readFileSync(0, 'latin1') : null;
  const config = new Config();
  try {
    loadServerConfig(config, cmdline.file, cmdline.options, {
      stdin: cmdline.stdin,
      stdinText: stdinText ?? undefined,
    });
  } catch (err) {
    if (err instanceof FatalConfigError) {
      process.stderr.write(err.render(COMPAT_VERSION));
    } else {
      process.stderr.write(`${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  // Config errors were reported on the terminal above; from here on the detached copy does the work.
  if (config.bool('daemonize') && !isDaemonChild) {
    await daemonize({ argv, cwd: startCwd, logfile: config.get('logfile'), stdinText });
  }

  log.level = config.get('loglevel') as LogLevel;
  log.setFile(config.get('logfile'));
  log.role = 'C';
  log.warning(`Tandem ${TANDEM_VERSION} is starting, speaking the Redis ${COMPAT_VERSION} protocol`);
  // Same shape as Redis' start line: scripts and tools parse its version and pid fields.
  log.warning(
    `Redis version=${COMPAT_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`,
  );
  if (argv.length === 0) {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use tandem-server /path/to/redis.conf',
    );
  } else {
    log.warning('Configuration loaded');
  }

  const server = new Server(config);
  installPersistence(server);
  installReplica(server);
  installPrimary(server);
  log.roleSource = () => (server.masterHost !== null ? 'S' : 'M');
  log.notice(`Running mode=standalone, port=${config.num('port')}.`);
  installSignalHandlers(server);
  installPeriodicLogs(server, usedMemory);
  log.warning('Server initialized');
  // Users from the config file's `user` lines or the ACL file; an error there aborts the start, as in Redis.
  const aclErrors = server.acl.loadAtStartup();
  if (aclErrors !== null) {
    for (const line of aclErrors) log.warning(line);
    log.flushSync();
    process.exit(1);
  }
  writePidFile(server);
  try {
    await server.start();
  } catch (err) {
    log.warning(err instanceof ListenError ? err.message : `${(err as Error).stack ?? err}`);
    removePidFile(server);
    log.flushSync();
    process.exit(1);
  }
  notifyDaemonParent();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
