/**
 * Reading configuration the way redis-server does: the config file (and/or stdin), then the `--directive args`
 * command-line options appended as extra lines, all applied in order. Errors produce Redis' FATAL CONFIG FILE ERROR
 * block, with line numbers counted through the file and the options alike (so `--port x` alone is "line 2").
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../protocol/resp-parser';
import { SEL_ALLCHANNELS, mergeSelectorArgs, validateUserRules } from '../server/acl';
import { globMatch } from '../store/glob';
import { type Config, ConfigError } from './config';
import { DEPRECATED_DIRECTIVES } from './directives';
import { reprQuote, strerror } from './values';

export class FatalConfigError extends Error {
  constructor(
    /** 0 when the error is not tied to a line (e.g. the log file cannot be opened) */
    readonly lineNumber: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The block redis-server prints (to stderr) before exiting with status 1. */
  render(version: string): string {
    const where =
      this.lineNumber > 0 ? `Reading the configuration file, at line ${this.lineNumber}\n>>> '${this.line}'\n` : '';
    return `\n*** FATAL CONFIG FILE ERROR (Redis ${version}) ***\n${where}${this.reason}\n`;
  }
}

/** A config file (or an included one) could not be read: Redis logs this and exits. */
export class ConfigFileOpenError extends Error {}

/** A `sentinel ...` line, queued for the Sentinel layer when loading in sentinel mode. */
export interface SentinelLine {
  args: string[];
  lineNumber: number;
  line: string;
}

export interface LoadOptions {
  /** also read config text from stdin (after the file), like a trailing '-' on redis-server's command line */
  stdin?: boolean;
  /** stdin's text when the caller already read it (a daemonizing parent passes it on to its child) */
  stdinText?: string;
  /** sentinel mode: `sentinel` lines are collected into `sentinelLines` instead of being rejected */
  sentinel?: boolean;
  sentinelLines?: SentinelLine[];
  /** command names known to the server, for rename-command checks (default: Tandem's command table) */
  commandNames?: Iterable<string>;
}

/**
 * Converts redis-server style argv (after the optional config file) into config text: each `--name` starts a line,
 * and following words are appended quoted, so empty strings and spaces survive. A bare `--save` (last, or followed
 * by another option) means `save ""`, as in Redis 7.0.1+.
 */
export function argsToConfigText(args: readonly string[]): string {
  let out = '';
  let lastHadArg = true;
  for (let j = 0; j < args.length; j++) {
    const a = args[j];
    if (lastHadArg && a.startsWith('--')) {
      if (out.length) out += '\n';
      out += `${a.slice(2)} `;
      const words = splitArgs(a);
      if (words !== null && words.length === 1) {
        lastHadArg = false;
        const nextIsOption = j !== args.length - 1 && args[j + 1].startsWith('--');
        const isLast = j === args.length - 1;
        const name = a.toLowerCase();
        if (name === '--save' && (nextIsOption || isLast)) {
          out += '""';
          lastHadArg = !isLast;
        } else if (name === '--sentinel' && nextIsOption) {
          lastHadArg = true;
        }
      } else {
        lastHadArg = true; // "--port 6380" as one argument
      }
    } else {
      out += `${reprQuote(a)} `;
      lastHadArg = true;
    }
  }
  return out;
}

interface LoadState {
  opts: LoadOptions;
  commandNames: Set<string> | null;
  userNames: Set<string>;
}

function fatal(lineNumber: number, line: string, reason: string): never {
  throw new FatalConfigError(lineNumber, line, reason);
}

/** Applies config text; line numbers count from `firstLine`. */
export function applyConfigText(config: Config, text: string, firstLine = 1, opts: LoadOptions = {}): void {
  applyText(config, text, firstLine, { opts, commandNames: null, userNames: new Set() });
}

function applyText(config: Config, text: string, firstLine: number, st: LoadState): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const lineNo = firstLine + i;
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    if (argv === null) fatal(lineNo, line, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    if (config.directive(name)) {
      try {
        config.set(name, argv.slice(1), true);
      } catch (err) {
        if (err instanceof ConfigError) fatal(lineNo, line, err.message);
        throw err;
      }
      continue;
    }
    if (DEPRECATED_DIRECTIVES.includes(name) && argv.length === 2) continue;
    if (name === 'include' && argv.length === 2) {
      includeFile(config, argv[1], st);
    } else if (name === 'rename-command' && argv.length === 3) {
      renameCommand(config, argv[1], argv[2], lineNo, line, st);
    } else if (name === 'user' && argv.length >= 2) {
      const why = checkUserLine(config, argv, st.userNames);
      if (why) fatal(lineNo, line, why);
      config.users.push(argv.slice(1));
    } else if (name === 'loadmodule' && argv.length >= 2) {
      fatal(lineNo, line, `Modules are not supported by Tandem: cannot load '${argv[1]}'`);
    } else if (name.includes('.')) {
      if (argv.length < 2) fatal(lineNo, line, 'Module config specified without value');
      fatal(lineNo, line, `Modules are not supported by Tandem: unknown module config '${argv[0]}'`);
    } else if (name === 'sentinel') {
      // A lone `sentinel` only selects sentinel mode (handled by the binary); anything more needs that mode.
      if (argv.length !== 1) {
        if (!st.opts.sentinel) fatal(lineNo, line, 'sentinel directive while not in sentinel mode');
        st.opts.sentinelLines?.push({ args: argv.slice(1), lineNumber: lineNo, line });
      }
    } else {
      fatal(lineNo, line, 'Bad directive or wrong number of arguments');
    }
  }
}

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new ConfigFileOpenError(`Fatal error, can't open config file '${file}': ${strerror(err)}`);
  }
}

/** `include` (config files only): relative to the current directory; a glob in the last part may match nothing. */
function includeFile(config: Config, spec: string, st: LoadState): void {
  if (!/[*?[]/.test(spec)) {
    applyText(config, readConfigFile(spec), 1, st);
    return;
  }
  const dir = path.dirname(spec);
  const pattern = path.basename(spec);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => globMatch(pattern, n) && !n.startsWith('.'));
  } catch {
    return; // like glob(3) finding nothing
  }
  for (const n of names.sort()) applyText(config, readConfigFile(path.join(dir, n)), 1, st);
}

function renameCommand(config: Config, from: string, to: string, lineNo: number, line: string, st: LoadState): void {
  if (st.commandNames === null) {
    let names = st.opts.commandNames;
    if (!names) {
      // Loaded lazily so the config layer does not drag the command table in for unit tests and tools.
      const { allSpecs } = require('../commands/table') as typeof import('../commands/table');
      names = allSpecs.map((s) => s.name);
    }
    st.commandNames = new Set([...names].map((n) => n.toLowerCase()));
  }
  const names = st.commandNames;
  if (!names.has(from.toLowerCase())) fatal(lineNo, line, 'No such command in rename-command');
  names.delete(from.toLowerCase());
  if (to !== '') {
    if (names.has(to.toLowerCase())) fatal(lineNo, line, 'Target command name already exists');
    names.add(to.toLowerCase());
  }
  config.renamedCommands.push([from.toLowerCase(), to.toLowerCase()]);
}

function checkUserLine(config: Config, argv: readonly string[], seen: Set<string>): string | null {
  if (seen.has(argv[1])) {
    return `Error in user declaration '${argv[1]}': Duplicate user found. A user can only be defined once in config files`;
  }
  // Selectors may span several words: "(~key* +get)" arrives as "(~key*" "+get)".
  const rules = mergeSelectorArgs(argv.slice(2));
  if (typeof rules === 'number') return `Error in user declaration '${argv[1]}': Syntax error`;
  const pubsub = config.get('acl-pubsub-default') === 'allchannels' ? SEL_ALLCHANNELS : 0;
  const bad = validateUserRules(rules, pubsub);
  // Redis names the offending word by the rule's index into the whole line (an off-by-two it has); kept as is.
  if (bad) return `Error in user declaration '${argv[bad[0]] ?? ''}': ${bad[1]}`;
  seen.add(argv[1]);
  return null;
}

/**
 * Loads `file` ('' for none, '-' for stdin only) and then the command-line options, like redis-server. Throws
 * FatalConfigError (print its render()) or ConfigFileOpenError (print its message).
 */
export function loadServerConfig(
  config: Config,
  file: string,
  options: readonly string[],
  opts: LoadOptions = {},
): void {
  let text = '';
  if (file !== '' && file !== '-') {
    config.configFile = path.resolve(file);
    text = readConfigFile(file);
  }
  if (file === '-' || opts.stdin) text += opts.stdinText ?? fs.readFileSync(0, 'latin1');
  // As in Redis, the options always follow a newline, so with no file they start on line 2.
  text += `\n${argsToConfigText(options)}`;
  const st: LoadState = {
    opts,
    commandNames: opts.commandNames ? new Set([...opts.commandNames].map((n) => n.toLowerCase())) : null,
    userNames: new Set(),
  };
  applyText(config, text, 1, st);
  const logfile = config.get('logfile');
  if (logfile !== '') {
    try {
      fs.closeSync(fs.openSync(logfile, 'a'));
    } catch (err) {
      throw new FatalConfigError(0, '', `Can't open the log file: ${strerror(err)}`);
    }
  }
}
