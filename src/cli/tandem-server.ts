/**
 * tandem-server [config-file] [--directive value ...] — behaves like redis-server's command line.
 */
import { COMPAT_VERSION, TANDEM_VERSION } from '../commands/version';
import { Config } from '../config/config';
import { FatalConfigError, loadServerConfig } from '../config/load';
import { log } from '../server/log';
import { Server } from '../server/server';

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

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(
      `Tandem server v=${TANDEM_VERSION} redis-compat=${COMPAT_VERSION} bits=64 node=${process.version}\n`,
    );
    process.exit(0);
  }
  if (argv[0] === '-h' || argv[0] === '--help') usage();
  let file = '';
  let rest = argv;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    file = argv[0];
    rest = argv.slice(1);
  }
  if (rest[rest.length - 1] === '-') {
    // trailing '-' : also read config from stdin (appended after the file)
    rest = rest.slice(0, -1);
    if (file === '') file = '-';
  }
  const config = new Config();
  try {
    loadServerConfig(config, file, rest);
  } catch (err) {
    if (err instanceof FatalConfigError) {
      process.stderr.write(err.render(COMPAT_VERSION));
    } else {
      process.stderr.write(`${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  log.level = config.get('loglevel') as typeof log.level;
  if (config.get('logfile') !== '') log.setFile(config.get('logfile'));
  log.notice('oO0OoO0OoO0Oo Tandem is starting oO0OoO0OoO0Oo');
  log.notice(
    `Tandem version=${TANDEM_VERSION}, redis-compat=${COMPAT_VERSION}, bits=64, pid=${process.pid}, just started`,
  );
  if (file === '') {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use tandem-server /path/to/redis.conf',
    );
  } else {
    log.notice('Configuration loaded');
  }
  const server = new Server(config);
  log.notice(`Running mode=standalone, port=${config.num('port')}.`);
  log.notice('Server initialized');
  try {
    await server.start();
  } catch (err) {
    log.warning((err as Error).message);
    log.flushSync();
    process.exit(1);
  }
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) {
      log.warning(`You insist... exiting now.`);
      log.flushSync();
      process.exit(1);
    }
    stopping = true;
    log.warning(`Received ${sig} scheduling shutdown...`);
    server
      .shutdown()
      .then(() => {
        log.warning('Tandem is now ready to exit, bye bye...');
        log.flushSync();
        process.exit(0);
      })
      .catch((err) => {
        log.warning(`Error during shutdown: ${(err as Error).message}`);
        log.flushSync();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
