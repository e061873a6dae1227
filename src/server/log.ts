/**
 * Redis-format log lines: `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level-char> <message>`, so operators' greps and
 * alerts written for Redis keep working. Roles: M master, S replica, X sentinel, C before the server exists (config
 * loading, like Redis' lines printed before its pid is recorded). Level chars: `.` debug, `-` verbose, `*` notice,
 * `#` warning.
 *
 * With `logfile` set, every line is appended by opening the file by name (as Redis does per line), so a rotated
 * (renamed) log is recreated on the next line without any signal; a relative name follows the working directory
 * (`dir`), as in Redis. Stdout is written synchronously, line by line, so nothing is pending at exit; a pipe that
 * is full (EAGAIN on a non-blocking fd) is waited for briefly, and a closed one (EPIPE) just loses the lines.
 * Lines are written as bytes (latin1), like the binary-safe keys they may quote.
 */
import fs from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
type Level = Exclude<LogLevel, 'nothing'>;
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const CHAR: Record<Level, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Redis formats a message into a 1024-byte buffer: longer ones are cut to 1023 characters. */
const MAX_MSG = 1023;
/** how long one line may wait for a full stdout pipe before it is dropped (ms) */
const STDOUT_PATIENCE = 2000;
const pause = new Int32Array(new SharedArrayBuffer(4));

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
  private path = '';
  private stdoutClosed = false;

  /** '' means stdout. */
  setFile(path: string): void {
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

  /** Lines are written synchronously, so nothing is ever pending; kept for callers that flush before exit. */
  flushSync(): void {}

  private write(line: string): void {
    if (this.path !== '') {
      try {
        fs.appendFileSync(this.path, line, 'latin1');
      } catch {
        // As in Redis, a log file that cannot be opened loses the line rather than stopping the server.
      }
      return;
    }
    if (this.stdoutClosed) return;
    let buf = Buffer.from(line, 'latin1');
    let waited = 0;
    while (buf.length > 0) {
      try {
        buf = buf.subarray(fs.writeSync(1, buf));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && waited < STDOUT_PATIENCE) {
          Atomics.wait(pause, 0, 0, 1);
          waited++;
          continue;
        }
        if (code !== 'EAGAIN') this.stdoutClosed = true;
        return;
      }
    }
  }
}

export const log = new Logger();
