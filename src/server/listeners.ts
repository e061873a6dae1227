/**
 * Listening sockets: TCP on every `bind` address of `port` (port 0 turns TCP off) and the optional `unixsocket`,
 * both at once if configured. Admission of a new connection (maxclients, protected mode, keepalive) happens here;
 * the accepted socket is then handed to the server as a client.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { log } from './log';
import type { Server } from './server';

const PROTECTED_MODE_MSG =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** sun_path holds 108 bytes including the terminating NUL. */
const UNIX_PATH_MAX = 108;

/** strerror() wording for the errors listening can meet, so our log lines read like Redis'. */
const STRERROR: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EINVAL: 'Invalid argument',
  ENAMETOOLONG: 'File name too long',
};

export function strerror(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code && STRERROR[e.code]) || e.message;
}

const UNSUPPORTED_FAMILY = new Set([
  'EAFNOSUPPORT',
  'EPROTONOSUPPORT',
  'ENOPROTOOPT',
  'ESOCKTNOSUPPORT',
  'EPFNOSUPPORT',
]);

/** Thrown when a listener cannot be opened; its message is the line Redis logs before exiting. */
export class ListenError extends Error {}

/**
 * libuv reports every failed unix bind whose directory is missing as EACCES; find the real cause the way bind(2)
 * would have reported it, so the log says what an operator must fix.
 */
function unixBindError(err: unknown, abs: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EACCES') return err;
  try {
    if (!fs.statSync(path.dirname(abs)).isDirectory()) return { code: 'ENOTDIR' };
  } catch (statErr) {
    return statErr;
  }
  return err;
}

/** Redis' protected mode trusts exactly 127.0.0.1 and ::1 (not the rest of 127/8). */
function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true;
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

function stripV4Mapped(a: string | undefined): string {
  return a === undefined ? '?' : a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class Listeners {
  private tcp: net.Server[] = [];
  private unix: net.Server | null = null;
  /** `unixsocket` as configured (shown in client addresses, like Redis) and resolved (for unlinking it later) */
  private unixName = '';
  private unixAbs = '';

  constructor(private readonly srv: Server) {}

  /** Opens every configured listener, or throws ListenError after closing those already open. */
  async open(): Promise<void> {
    const config = this.srv.config;
    const port = config.num('port');
    const sockPath = config.get('unixsocket');
    if (port === 0 && sockPath === '') throw new ListenError('Configured to not listen anywhere, exiting.');
    try {
      if (port !== 0) await this.openTcp(port);
      if (sockPath !== '') await this.openUnix(sockPath, config.num('unixsocketperm'));
    } catch (err) {
      this.close(false);
      throw err;
    }
  }

  /** The "ready" lines, logged once the dataset is loaded (connections are accepted before, and get -LOADING). */
  announceReady(): void {
    if (this.tcp.length > 0) log.notice('Ready to accept connections');
    if (this.unix) log.notice(`The server is now ready to accept connections at ${this.srv.config.get('unixsocket')}`);
  }

  /** Binds every address of `bind`; addresses prefixed with '-' may be missing on this host. */
  private async openTcp(port: number): Promise<void> {
    const backlog = this.srv.config.num('tcp-backlog');
    for (const spec of this.srv.config.get('bind').split(' ')) {
      if (spec === '') continue;
      const optional = spec.startsWith('-');
      let host = optional ? spec.slice(1) : spec;
      if (host === '*') host = '0.0.0.0';
      else if (host === '::*') host = '::';
      try {
        this.tcp.push(await this.listenOn({ host, port, backlog, ipv6Only: host === '::' }, false));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        const shown = optional ? spec.slice(1) : spec;
        log.warning(`Warning: Could not create server TCP listening socket ${shown}:${port}: bind: ${strerror(err)}`);
        // A '-' address missing on this host, or an address family the host lacks, is skipped (as Redis does).
        if (optional && code === 'EADDRNOTAVAIL') continue;
        if (UNSUPPORTED_FAMILY.has(code)) continue;
        throw new ListenError(`Failed listening on port ${port} (TCP), aborting.`);
      }
    }
  }

  private async openUnix(name: string, perm: number): Promise<void> {
    const len = Buffer.byteLength(name);
    if (len > UNIX_PATH_MAX - 1) {
      throw new ListenError(
        `Failed opening Unix socket: unix socket path too long (${len}), must be under ${UNIX_PATH_MAX}`,
      );
    }
    const abs = path.resolve(name);
    // A file left by a previous run (or anything else at that path) is removed first, as Redis does.
    try {
      fs.unlinkSync(abs);
    } catch {
      // nothing there
    }
    try {
      this.unix = await this.listenOn({ path: abs, backlog: this.srv.config.num('tcp-backlog') }, true);
    } catch (err) {
      throw new ListenError(`Failed opening Unix socket: bind: ${strerror(unixBindError(err, abs))}`);
    }
    this.unixName = name;
    this.unixAbs = abs;
    // 0 leaves the mode the umask gave; the socket is not announced as ready before the chmod.
    if (perm !== 0) {
      try {
        fs.chmodSync(abs, perm);
      } catch (err) {
        throw new ListenError(`Failed opening Unix socket: chmod: ${strerror(err)}`);
      }
    }
  }

  private listenOn(opts: net.ListenOptions, unix: boolean): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const onConn = unix ? (s: net.Socket) => this.acceptUnix(s) : (s: net.Socket) => this.acceptTcp(s);
      const server = net.createServer({ noDelay: !unix }, onConn);
      server.once('error', reject);
      server.listen(opts, () => {
        server.off('error', reject);
        server.on('error', (e) => log.warning(`Accept error: ${e.message}`));
        resolve(server);
      });
    });
  }

  /** Stops listening; at shutdown the socket file is removed so the next start finds a clean path. */
  close(removeSocketFile: boolean): void {
    for (const l of this.tcp) l.close();
    this.tcp = [];
    if (this.unix) {
      this.unix.close();
      this.unix = null;
      if (removeSocketFile) {
        log.notice('Removing the unix socket file.');
        try {
          fs.unlinkSync(this.unixAbs);
        } catch (err) {
          // Node may already have removed it when closing; only a real failure is worth a line.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
            log.warning(`Error removing the unix socket file: ${strerror(err)}`);
          }
        }
      }
    }
  }

  /** First TCP port bound (0 without TCP). */
  get tcpPort(): number {
    const a = this.tcp[0]?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** Path of the unix socket as configured ('' without one). */
  get unixSocket(): string {
    return this.unix ? this.unixName : '';
  }

  private admit(sock: net.Socket): boolean {
    const srv = this.srv;
    srv.stats.totalConnections++;
    if (srv.clients.size >= srv.config.num('maxclients')) {
      srv.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return false;
    }
    return true;
  }

  private acceptTcp(sock: net.Socket): void {
    const srv = this.srv;
    const rip = stripV4Mapped(sock.remoteAddress);
    if (log.enabled('verbose')) log.verbose(`Accepted ${rip}:${sock.remotePort}`);
    if (!this.admit(sock)) return;
    const config = srv.config;
    // Redis 7.0 protects whatever the bind setting (6.x only did with the default bind).
    if (config.bool('protected-mode') && !srv.authRequired() && !isLoopback(sock.remoteAddress)) {
      srv.stats.rejectedConnections++;
      sock.end(PROTECTED_MODE_MSG);
      return;
    }
    const keepalive = config.num('tcp-keepalive');
    if (keepalive > 0) sock.setKeepAlive(true, keepalive * 1000);
    sock.setNoDelay(true);
    const local = `${stripV4Mapped(sock.localAddress)}:${sock.localPort}`;
    this.attach(sock, `${rip}:${sock.remotePort}`, local, false);
  }

  /** Unix clients are local by definition: protected mode does not apply; both addresses are `<path>:0`. */
  private acceptUnix(sock: net.Socket): void {
    if (log.enabled('verbose')) log.verbose(`Accepted connection to ${this.unixName}`);
    if (!this.admit(sock)) return;
    const addr = `${this.unixName}:0`;
    this.attach(sock, addr, addr, true);
  }

  private attach(sock: net.Socket, addr: string, laddr: string, unix: boolean): void {
    const c = this.srv.attachClient(sock, addr, laddr);
    c.unixSocket = unix;
    // The peer hanging up (as opposed to us closing it) is what Redis reports at verbose level.
    sock.once('end', () => {
      if (!c.closed && log.enabled('verbose')) log.verbose(`Client closed connection ${this.srv.clientInfoLine(c)}`);
    });
  }
}
