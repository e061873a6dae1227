/**
 * Reading configuration the way redis-server does: a config file (or '-' for stdin) followed by `--directive args`
 * command-line options, all turned into config lines and applied in order. Errors produce Redis' FATAL CONFIG FILE
 * ERROR block.
 */
import fs from 'node:fs';
import { splitArgs } from '../protocol/resp-parser';
import { type Config, ConfigError } from './config';

export class FatalConfigError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The block redis-server prints before exiting with status 1. */
  render(version: string): string {
    return `\n*** FATAL CONFIG FILE ERROR (Redis ${version}) ***\nReading the configuration file, at line ${this.lineNumber}\n>>> '${this.line}'\n${this.reason}\n`;
  }
}

/**
 * Converts redis-server style argv (after the optional config file) into config text: each `--name` starts a line,
 * following words are its arguments (quoted so that empty strings and spaces survive).
 */
export function argsToConfigText(args: readonly string[]): string {
  const lines: string[] = [];
  let cur: string[] | null = null;
  for (const a of args) {
    if (a.startsWith('--') && a.length > 2) {
      if (cur) lines.push(cur.join(' '));
      cur = [a.slice(2)];
    } else if (cur) {
      cur.push(quoteConfigArg(a));
    } else {
      throw new FatalConfigError(0, a, 'Invalid argument: options must start with --');
    }
  }
  if (cur) lines.push(cur.join(' '));
  return lines.join('\n');
}

function quoteConfigArg(a: string): string {
  if (a !== '' && !/[\s"'\\]/.test(a)) return a;
  return `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** Applies config text; line numbers count from `firstLine`. */
export function applyConfigText(config: Config, text: string, firstLine = 1): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (words === null || words.length === 0) {
      throw new FatalConfigError(firstLine + i, line, 'Unbalanced quotes in configuration line');
    }
    try {
      config.set(words[0], words.slice(1), true);
    } catch (err) {
      if (err instanceof ConfigError) throw new FatalConfigError(firstLine + i, line, err.message);
      throw err;
    }
  }
}

/** Loads `file` (may be '' for none, '-' for stdin) and then the command-line options, like redis-server. */
export function loadServerConfig(config: Config, file: string, options: readonly string[]): void {
  let text = '';
  if (file === '-') text = fs.readFileSync(0, 'latin1');
  else if (file !== '') {
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (err) {
      throw new Error(`Fatal error, can't open config file '${file}': ${(err as Error).message}`);
    }
    config.configFile = file;
  }
  const optText = argsToConfigText(options);
  // Like Redis, options are appended to the file's text, so line numbers in errors count through both.
  applyConfigText(config, text === '' ? optText : `${text}\n${optText}`, 1);
}
