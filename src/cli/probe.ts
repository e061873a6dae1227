/**
 * A one-shot RESP request for tooling (the topology launcher and its status page): connect, send one command, read
 * one reply as text, close. Not used by the server itself.
 */
import net from 'node:net';

function encode(argv: readonly string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends `argv` to host:port and resolves with the reply's text (bulk/status/integer) or rejects on error/timeout. */
export function request(port: number, argv: readonly string[], host = '127.0.0.1', timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, text?: string) => {
      sock.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(text ?? '');
    };
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    sock.on('connect', () => sock.write(encode(argv)));
    sock.on('error', (e) => done(e));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const type = String.fromCharCode(buf[0]);
      const line = buf.toString('utf8', 1, nl);
      if (type === '-') return done(new Error(line));
      if (type === '+' || type === ':') return done(null, line);
      if (type === '$') {
        const len = Number(line);
        if (len < 0) return done(null, '');
        if (buf.length >= nl + 2 + len) done(null, buf.toString('utf8', nl + 2, nl + 2 + len));
        return;
      }
      done(new Error(`unexpected reply type ${type}`));
    });
  });
}

/** INFO output parsed into field -> value (all sections merged). */
export async function info(port: number, section = 'all'): Promise<Map<string, string>> {
  const text = await request(port, ['INFO', section]);
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
