/**
 * tandem-sentinel <sentinel.conf> [--directive value ...] — also reached as `tandem-server <conf> --sentinel`, the
 * way redis-sentinel is redis-server in sentinel mode. The Node process running this is the sentinel itself.
 */
import { COMPAT_VERSION, TANDEM_VERSION } from '../commands/version';
import { Config } from '../config/config';
import { FatalConfigError, loadServerConfig, type SentinelLine } from '../config/load';
import { ListenError } from '../server/listeners';
import { type LogLevel, log } from '../server/log';
import {
  daemonize,
  installSignalHandlers,
  isDaemonChild,
  notifyDaemonParent,
  removePidFile,
  writePidFile,
} from '../server/process';
import { Server } from '../server/server';
import { sentinelModeCommands } from '../sentinel/commands';
import { applySentinelLines, SentinelConfigError } from '../sentinel/config';
import { SENTINEL_PORT, SentinelRuntime } from '../sentinel/runtime';

function usage(): never {
  process.stderr.write(
    [
      'Usage: tandem-sentinel /path/to/sentinel.conf [options]',
      '       tandem-server /path/to/sentinel.conf --sentinel [options]',
      '       tandem-sentinel -v or --version',
      '       tandem-sentinel -h or --help',
      '',
      'The config file is mandatory: the sentinel rewrites it with its state.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(
      `Tandem sentinel v=${TANDEM_VERSION} redis-compat=${COMPAT_VERSION} bits=64 node=${process.version}\n`,
    );
    process.exit(0);
  }
  if (argv[0] === '-h' || argv[0] === '--help') usage();
  const startCwd = process.cwd();
  let file = '';
  let options = argv;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    file = argv[0];
    options = argv.slice(1);
  }
  log.role = 'X';
  const config = new Config();
  // Sentinel defaults, which the file may still override.
  config.set('port', [String(SENTINEL_PORT)], true);
  config.set('protected-mode', ['no'], true);
  const lines: SentinelLine[] = [];
  try {
    loadServerConfig(config, file, options, {
      sentinel: true,
      sentinelLines: lines,
      commandNames: sentinelModeCommands.map((s) => s.name),
    });
  } catch (err) {
    if (err instanceof FatalConfigError) process.stderr.write(err.render(COMPAT_VERSION));
    else process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const why = SentinelRuntime.checkConfigFile(config.configFile);
  if (why !== null) {
    log.warning(why);
    process.exit(1);
  }
  if (config.bool('daemonize') && !isDaemonChild) {
    await daemonize({ argv, cwd: startCwd, logfile: config.get('logfile'), stdinText: null });
  }

  log.level = config.get('loglevel') as LogLevel;
  log.setFile(config.get('logfile'));
  log.roleSource = () => 'X';
  log.warning(`Tandem ${TANDEM_VERSION} is starting in sentinel mode, speaking the Redis ${COMPAT_VERSION} protocol`);
  log.warning(
    `Redis version=${COMPAT_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`,
  );
  log.warning('Configuration loaded');

  const server = new Server(config, sentinelModeCommands);
  const sentinel = new SentinelRuntime(server);
  try {
    applySentinelLines(sentinel.core, lines);
  } catch (err) {
    if (!(err instanceof SentinelConfigError)) throw err;
    process.stderr.write(new FatalConfigError(err.lineNumber, err.line, err.reason).render(COMPAT_VERSION));
    process.exit(1);
  }
  log.notice(`Running mode=sentinel, port=${config.num('port')}.`);
  installSignalHandlers(server);
  writePidFile(server);
  try {
    await server.start();
  } catch (err) {
    log.warning(err instanceof ListenError ? err.message : `${(err as Error).stack ?? err}`);
    removePidFile(server);
    log.flushSync();
    process.exit(1);
  }
  sentinel.start();
  notifyDaemonParent();
}

/** True when the command line asks for sentinel mode (`--sentinel` anywhere, as redis-server accepts it). */
export function wantsSentinel(argv: readonly string[]): boolean {
  return argv.some((a) => a.toLowerCase() === '--sentinel');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
