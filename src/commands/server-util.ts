/**
 * Small helpers shared by the server command files: Redis-style HELP replies, the subcommand syntax error, and the
 * enable-protected-configs / enable-debug-command "yes | local" permission check.
 */
import type { Client } from '../server/client';

/** Replies with a HELP text the way Redis does: a header naming the command, the lines, then "HELP". */
export function replyHelp(c: Client, command: string, lines: readonly string[]): void {
  c.out.arrayLen(lines.length + 3);
  c.out.status(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.out.status(l);
  c.out.status('HELP');
  c.out.status('    Prints this help.');
}

/** "unknown subcommand or wrong number of arguments for 'x'. Try FOO HELP." */
export function subcommandSyntaxError(c: Client, command: string): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${c.argv[1].slice(0, 128)}'. Try ${command} HELP.`);
}

/**
 * enable-protected-configs / enable-debug-command semantics: yes, or local for local connections. Local as Redis
 * means it: a unix-socket client, or a TCP peer at exactly 127.0.0.1 or ::1 (internal clients without a socket
 * count as local too).
 */
export function allowProtectedAction(c: Client, setting: string): boolean {
  const v = c.srv.config.get(setting);
  if (v === 'yes') return true;
  if (v !== 'local') return false;
  if (c.socket === null || c.unixSocket) return true;
  const ip = c.socket.remoteAddress;
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}
