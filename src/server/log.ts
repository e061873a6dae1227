/**
 * Redis-format log lines: `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level-char> <message>`, so operators' greps and
 * alerts written for Redis keep working. Output goes through sonic-boom (pino's writer, used in sync mode so lines keep their order even at exit) to stdout or the
 * `logfile`; it handles partial writes to pipes and reopening for log rotation.
 */
import SonicBoom from 'sonic-boom';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const CHAR: Record<Exclude<LogLevel, 'nothing'>, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type Role = 'M' | 'S' | 'X' | 'C';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatTimestamp(d: Date): string {
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export class Logger {
  level: LogLevel = 'notice';
  role: Role = 'M';
  private out: SonicBoom;
  private path = '';

  constructor() {
    this.out = new SonicBoom({ fd: 1, sync: true });
  }

  /** '' means stdout. Reopening also serves log rotation. */
  setFile(path: string): void {
    const old = this.out;
    const oldWasFile = this.path !== '';
    this.path = path;
    this.out = path
      ? new SonicBoom({ dest: path, append: true, sync: true, mkdir: false })
      : new SonicBoom({ fd: 1, sync: true });
    if (oldWasFile) old.end();
    else old.flush();
  }

  get file(): string {
    return this.path;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: Exclude<LogLevel, 'nothing'>, msg: string): void {
    if (RANK[level] < RANK[this.level]) return;
    this.out.write(`${process.pid}:${this.role} ${formatTimestamp(new Date())} ${CHAR[level]} ${msg}\n`);
  }

  /** Raw text (the start-up banner and FATAL CONFIG FILE ERROR blocks). */
  raw(text: string): void {
    this.out.write(text);
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
      this.out.flushSync();
    } catch {
      // nothing pending or fd closed
    }
  }
}

export const log = new Logger();
