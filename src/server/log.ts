/**
 * Redis-format log lines: `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level-char> <message>`, so operators' greps and
 * alerts written for Redis keep working. Roles: M master, S replica, X sentinel, C before the server exists (config
 * loading, like Redis' lines printed before its pid is recorded). Level chars: `.` debug, `-` verbose, `*` notice,
 * `#` warning.
 *
 * With `logfile` set, every line is appended by opening the file by name (as Redis does per line), so a rotated
 * (renamed) log is recreated on the next line without any signal. Stdout goes through sonic-boom in sync mode, which
 * copes with non-blocking pipes (EAGAIN) and keeps lines in order even right before exit.
 */
import fs from 'node:fs';
import SonicBoom from 'sonic-boom';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
type Level = Exclude<LogLevel, 'nothing'>;
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const CHAR: Record<Level, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Redis formats a message into a 1024-byte buffer: longer ones are cut to 1023 characters. */
const MAX_MSG = 1023;

export type Role = 'M' | 'S' | 'X' | 'C';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local time as `25 Nov 2026 20:24:00.752`. */
export function formatTimestamp(d: Date): string {
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One complete log line (with its newline). */
export function formatLine(pid: number, role: Role, level: Level, msg: string, now: Date): string {
  if (msg.length > MAX_MSG) msg = msg.slice(0, MAX_MSG);
  return `${pid}:${role} ${formatTimestamp(now)} ${CHAR[level]} ${msg}\n`;
}

export class Logger {
  level: LogLevel = 'notice';
  /** fixed role used until `roleSource` is set (the server sets it once it exists) */
  role: Role = 'C';
  /** current role, asked per line (a master can become a replica at run time) */
  roleSource: (() => Role) | null = null;
  private stdout: SonicBoom | null = null;
  private path = '';

  /** '' means stdout. */
  setFile(path: string): void {
    if (path === '') this.stdout?.flush();
    this.path = path;
  }

  get file(): string {
    return this.path;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: Level, msg: string): void {
    if (RANK[level] < RANK[this.level]) return;
    this.write(formatLine(process.pid, this.currentRole(), level, msg, new Date()));
  }

  currentRole(): Role {
    return this.roleSource ? this.roleSource() : this.role;
  }

  /**
   * A line written on behalf of a signal: Redis writes these from its signal handler in a shorter form without role
   * and date (`<pid>:signal-handler (<unix seconds>) <message>`); scripts look for it, so the shape is kept.
   */
  fromSignal(msg: string): void {
    if (RANK.warning < RANK[this.level]) return;
    this.write(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${msg}\n`);
  }

  /** Raw text (FATAL CONFIG FILE ERROR blocks and the like). */
  raw(text: string): void {
    this.write(text);
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }
  verbose(msg: string): void {
    this.log('verbose', msg);
  }
  notice(msg: string): void {
    this.log('notice', msg);
  }
  warning(msg: string): void {
    this.log('warning', msg);
  }

  /** Writes everything pending synchronously (before exit). */
  flushSync(): void {
    try {
      this.stdout?.flushSync();
    } catch {
      // nothing pending or fd closed
    }
  }

  private write(line: string): void {
    if (this.path !== '') {
      try {
        fs.appendFileSync(this.path, line, 'latin1');
      } catch {
        // As in Redis, a log file that cannot be opened loses the line rather than stopping the server.
      }
      return;
    }
    if (this.stdout === null) this.stdout = new SonicBoom({ fd: 1, sync: true });
    try {
      this.stdout.write(line);
    } catch {
      // stdout closed (EPIPE): nothing useful to do
    }
  }
}

export const log = new Logger();
