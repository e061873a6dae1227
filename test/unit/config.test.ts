import { describe, expect, it } from 'vitest';
import { Config, ConfigError } from '../../src/config/config';
import { DIRECTIVES } from '../../src/config/directives';
import { applyConfigText, argsToConfigText, FatalConfigError } from '../../src/config/load';
import { keyspaceEventFlags, keyspaceEventString, parseMemoryExact } from '../../src/config/values';

function setErr(c: Config, name: string, ...args: string[]): string {
  try {
    c.set(name, args, false);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'OK';
}

describe('directive table', () => {
  it('has the 192 names CONFIG GET * shows in Redis 7.0 (aliases included, hidden knobs excluded)', () => {
    const c = new Config();
    const names = c.visibleNames();
    expect(names.length).toBe(192);
    expect(new Set(names).size).toBe(192);
    for (const n of ['slaveof', 'slave-read-only', 'hash-max-ziplist-entries', 'min-slaves-to-write', 'masterauth']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('key-load-delay');
  });

  it('keeps each default as CONFIG GET prints it', () => {
    const c = new Config();
    expect(c.get('save')).toBe('3600 1 300 100 60 10000');
    expect(c.get('bind')).toBe('* -::*');
    expect(c.get('client-output-buffer-limit')).toBe(
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    );
    expect(c.get('hash-max-listpack-entries')).toBe('512');
    expect(c.get('hash-max-ziplist-entries')).toBe('512');
    expect(c.get('proto-max-bulk-len')).toBe('536870912');
    expect(c.get('unixsocketperm')).toBe('0');
    expect(c.get('latency-tracking-info-percentiles')).toBe('50 99 99.9');
    expect(c.get('dir')).toBe(process.cwd());
    expect(c.num('databases')).toBe(16);
    expect(c.num('slave-priority')).toBe(100);
    expect(c.bool('replica-read-only')).toBe(true);
  });

  it('marks every directive live or stored and never lists a name twice', () => {
    const seen = new Set<string>();
    for (const d of DIRECTIVES) {
      expect(['live', 'stored']).toContain(d.status);
      for (const n of [d.name, ...(d.aliases ?? [])]) {
        expect(seen.has(n)).toBe(false);
        seen.add(n);
      }
    }
  });
});

describe('value validation (Redis reasons)', () => {
  it('integers follow string2ll and bounds', () => {
    const c = new Config();
    expect(setErr(c, 'port', 'x')).toBe("argument couldn't be parsed into an integer");
    expect(setErr(c, 'port', '01')).toBe("argument couldn't be parsed into an integer");
    expect(setErr(c, 'port', '+1')).toBe("argument couldn't be parsed into an integer");
    expect(setErr(c, 'port', '99999')).toBe('argument must be between 0 and 65535 inclusive');
    expect(setErr(c, 'maxclients', '-1')).toBe('argument must be between 1 and 4294967295 inclusive');
    expect(setErr(c, 'slowlog-log-slower-than', '-2')).toBe(
      'argument must be between -1 and 9223372036854775807 inclusive',
    );
    expect(setErr(c, 'timeout', '5')).toBe('OK');
    expect(c.num('timeout')).toBe(5);
  });

  it('memory values take units, no sign, and wrap like C', () => {
    const c = new Config();
    expect(setErr(c, 'maxmemory', '1gb')).toBe('OK');
    expect(c.get('maxmemory')).toBe('1073741824');
    expect(setErr(c, 'maxmemory', '2K')).toBe('OK');
    expect(c.get('maxmemory')).toBe('2000');
    expect(setErr(c, 'maxmemory', '')).toBe('OK');
    expect(c.get('maxmemory')).toBe('0');
    expect(setErr(c, 'maxmemory', '-1')).toBe('argument must be a memory value');
    expect(setErr(c, 'maxmemory', '1.5')).toBe('argument must be a memory value');
    expect(setErr(c, 'maxmemory', '10%')).toBe('argument must be a memory value');
    expect(setErr(c, 'proto-max-bulk-len', '1000')).toBe(
      'argument must be between 1048576 and 9223372036854775807 inclusive',
    );
    expect(parseMemoryExact('1kb')).toBe(1024n);
    expect(parseMemoryExact('1x')).toBe(null);
  });

  it('maxmemory-clients accepts a percentage', () => {
    const c = new Config();
    expect(setErr(c, 'maxmemory-clients', '10%')).toBe('OK');
    expect(c.get('maxmemory-clients')).toBe('10%');
    expect(c.num('maxmemory-clients')).toBe(-10);
    expect(setErr(c, 'maxmemory-clients', '200%')).toBe('percentage argument must be less or equal to 100');
    expect(setErr(c, 'maxmemory-clients', '-5')).toBe('argument must be a memory or percent value');
  });

  it('octal unixsocketperm and the hz clamp', () => {
    const c = new Config();
    c.set('unixsocketperm', ['700'], true);
    expect(c.get('unixsocketperm')).toBe('700');
    expect(c.num('unixsocketperm')).toBe(0o700);
    expect(() => c.set('unixsocketperm', ['999'], true)).toThrow("argument couldn't be parsed as an octal number");
    expect(() => c.set('unixsocketperm', ['1000'], true)).toThrow('argument must be between 0 and 777 inclusive');
    c.set('hz', ['1000'], false);
    expect(c.get('hz')).toBe('500');
    c.set('hz', ['0'], false);
    expect(c.get('hz')).toBe('1');
  });

  it('bools, enums and strings', () => {
    const c = new Config();
    expect(setErr(c, 'protected-mode', 'maybe')).toBe("argument must be 'yes' or 'no'");
    expect(setErr(c, 'protected-mode', 'NO')).toBe('OK');
    expect(c.get('protected-mode')).toBe('no');
    expect(setErr(c, 'loglevel', 'loud')).toBe(
      'argument(s) must be one of the following: debug, verbose, notice, warning',
    );
    expect(setErr(c, 'oom-score-adj', 'relative')).toBe('OK');
    expect(c.get('oom-score-adj')).toBe('yes');
    expect(setErr(c, 'dbfilename', 'a/b')).toBe("dbfilename can't be a path, just a filename");
    expect(setErr(c, 'daemonize', 'yes')).toBe("can't set immutable config");
    expect(setErr(c, 'port', '1', '2')).toBe('wrong number of arguments');
  });
});

describe('multi-word directives', () => {
  it('save: pairs, empty clears, and config-file lines accumulate after the first', () => {
    const c = new Config();
    expect(setErr(c, 'save', '100')).toBe('Invalid save parameters');
    expect(setErr(c, 'save', '0', '1')).toBe('Invalid save parameters');
    expect(setErr(c, 'save', '')).toBe('OK');
    expect(c.get('save')).toBe('');
    const f = new Config();
    applyConfigText(f, 'save 100 1\nsave 200 2 300 3\n');
    expect(f.get('save')).toBe('100 1 200 2 300 3');
    const g = new Config();
    applyConfigText(g, 'save ""\nsave 10 1\nsave\n');
    expect(g.get('save')).toBe('10 1');
    const k = new Config();
    applyConfigText(k, 'save\n');
    expect(k.get('save')).toBe('');
    // a single quoted argument is split like a config line
    const h = new Config();
    applyConfigText(h, 'save "60 5"\n');
    expect(h.get('save')).toBe('60 5');
  });

  it('client-output-buffer-limit updates only the classes given, in memory units', () => {
    const c = new Config();
    c.set('client-output-buffer-limit', ['replica', '1mb', '512kb', '30'], false);
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1048576 524288 30 pubsub 33554432 8388608 60');
    expect(setErr(c, 'client-output-buffer-limit', 'master', '1', '2', '3')).toBe(
      'Invalid client class specified in buffer limit configuration.',
    );
    expect(setErr(c, 'client-output-buffer-limit', 'normal', '1', '2')).toBe(
      'Wrong number of arguments in buffer limit configuration.',
    );
    expect(setErr(c, 'client-output-buffer-limit', 'normal', 'x', '2', '3')).toBe(
      'Error in hard, soft or soft_seconds setting in buffer limit configuration.',
    );
  });

  it('bind, replicaof, notify-keyspace-events, oom values, percentiles, shutdown flags', () => {
    const c = new Config();
    c.set('bind', ['127.0.0.1', '-::1'], false);
    expect(c.get('bind')).toBe('127.0.0.1 -::1');
    expect(setErr(c, 'bind', ...Array.from({ length: 17 }, () => 'a'))).toBe('Too many bind addresses specified.');
    c.set('slaveof', ['localhost', '6380'], true);
    expect(c.get('replicaof')).toBe('localhost 6380');
    c.set('replicaof', ['NO', 'ONE'], true);
    expect(c.get('replicaof')).toBe('');
    expect(() => c.set('replicaof', ['h', 'p'], true)).toThrow('Invalid master port');
    c.set('notify-keyspace-events', ['KEA'], false);
    expect(c.get('notify-keyspace-events')).toBe('AKE');
    expect(setErr(c, 'notify-keyspace-events', 'Q')).toBe("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect(keyspaceEventString(keyspaceEventFlags('Elg$'))).toBe('g$lE');
    expect(setErr(c, 'oom-score-adj-values', '1', '2')).toBe('wrong number of arguments');
    expect(setErr(c, 'oom-score-adj-values', '1', '2', '3000')).toBe(
      'Invalid oom-score-adj-values, elements must be between -2000 and 2000.',
    );
    c.set('latency-tracking-info-percentiles', ['50.0', '99.90', '100'], false);
    expect(c.get('latency-tracking-info-percentiles')).toBe('50 99.9 100');
    expect(setErr(c, 'latency-tracking-info-percentiles', '101')).toBe(
      'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]',
    );
    c.set('shutdown-on-sigterm', ['force', 'save'], false);
    expect(c.get('shutdown-on-sigterm')).toBe('save force');
    expect(setErr(c, 'shutdown-on-sigint', 'save', 'nosave')).toBe(
      "shutdown options SAVE and NOSAVE can't be used simultaneously",
    );
  });
});

describe('CONFIG SET many (all-or-nothing)', () => {
  it('reports the first problem with Redis texts', () => {
    const c = new Config();
    expect(c.setMany([['nosuch', '1']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    expect(c.setMany([['daemonize', 'yes']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    );
    expect(
      c.setMany([
        ['port', '7000'],
        ['PORT', '7001'],
      ]),
    ).toBe("ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter");
    // an alias is a separate entry, as in Redis: the last one wins
    expect(
      c.setMany([
        ['slave-read-only', 'yes'],
        ['replica-read-only', 'no'],
      ]),
    ).toBe(null);
    expect(c.get('slave-read-only')).toBe('no');
    expect(c.setMany([['dir', '/tmp']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    );
    expect(c.setMany([['appendonly', 'yes']], { loading: true })).toBe(
      'LOADING Redis is loading the dataset in memory',
    );
  });

  it('rolls every value back when one fails', () => {
    const c = new Config();
    const seen: string[] = [];
    c.watch('timeout', (v) => seen.push(v));
    expect(
      c.setMany([
        ['timeout', '30'],
        ['maxmemory', '1mb'],
        ['SLAVE-READ-ONLY', 'maybe'],
      ]),
    ).toBe("ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'");
    expect(c.get('timeout')).toBe('0');
    expect(c.get('maxmemory')).toBe('0');
    expect(seen).toEqual(['0']); // listeners only run after everything validated
    expect(
      c.setMany([
        ['timeout', '30'],
        ['save', '10 1 20 2'],
      ]),
    ).toBe(null);
    expect(seen).toEqual(['0', '30']);
    expect(c.get('save')).toBe('10 1 20 2');
  });

  it('rolls back when a listener refuses the new value', () => {
    const c = new Config();
    c.watch('maxclients', (v) => {
      if (v === '7') throw new ConfigError('nope');
    });
    expect(
      c.setMany([
        ['timeout', '9'],
        ['maxclients', '7'],
      ]),
    ).toBe("ERR CONFIG SET failed (possibly related to argument 'maxclients') - nope");
    expect(c.get('maxclients')).toBe('10000');
    expect(c.get('timeout')).toBe('0');
  });
});

describe('CONFIG GET matching', () => {
  it('unions patterns, echoes exact names as typed, dedups case-insensitively', () => {
    const c = new Config();
    expect(c.matching(['PORT', 'port'])).toEqual([['PORT', '6379']]);
    expect(c.matching(['PORT', 'p*t'])).toEqual([['PORT', '6379']]);
    expect(c.matching(['p*t', 'PORT'])).toEqual([['port', '6379']]);
    expect(c.matching(['nosuch'])).toEqual([]);
    expect(c.matching(['key-load-delay'])).toEqual([['key-load-delay', '0']]);
    expect(c.matching(['key-load*'])).toEqual([]);
    expect(c.matching(['*slave-read*']).map((x) => x[0])).toEqual(['slave-read-only']);
    expect(c.matching(['*'])).toHaveLength(192);
  });
});

describe('config text and command-line options', () => {
  it('turns options into quoted lines like redis-server', () => {
    expect(argsToConfigText(['--port', '7000', '--save', '', '--bind', '1.2.3.4', '::1'])).toBe(
      'port "7000" \nsave "" \nbind "1.2.3.4" "::1" ',
    );
    expect(argsToConfigText(['--save', '--port', '1'])).toBe('save ""\nport "1" ');
    expect(argsToConfigText(['--save'])).toBe('save ""');
    expect(argsToConfigText(['--port 7000'])).toBe('port 7000 ');
    expect(argsToConfigText(['--masterauth', '--secret'])).toBe('masterauth "--secret" ');
  });

  it('fails with the line and the reason', () => {
    const cases: [string, number, string, string][] = [
      ['port 1\nnosuch 1\n', 2, 'nosuch 1', 'Bad directive or wrong number of arguments'],
      ['# c\n\n  port "x  \n', 3, 'port "x', 'Unbalanced quotes in configuration line'],
      [
        'sentinel monitor m 1.2.3.4 6379 2',
        1,
        'sentinel monitor m 1.2.3.4 6379 2',
        'sentinel directive while not in sentinel mode',
      ],
      ['user bob on badrule', 1, 'user bob on badrule', "Error in user declaration 'bob': Syntax error"],
      ['rename-command nosuch x', 1, 'rename-command nosuch x', 'No such command in rename-command'],
      ['maxmemory 1x', 1, 'maxmemory 1x', 'argument must be a memory value'],
    ];
    for (const [text, line, shown, reason] of cases) {
      const c = new Config();
      let err: FatalConfigError | null = null;
      try {
        applyConfigText(c, text, 1, { commandNames: ['get', 'set', 'config'] });
      } catch (e) {
        err = e as FatalConfigError;
      }
      expect(err, text).toBeInstanceOf(FatalConfigError);
      expect(err!.lineNumber).toBe(line);
      expect(err!.line).toBe(shown);
      expect(err!.reason).toBe(reason);
    }
    const e = new FatalConfigError(2, 'port "x"', "argument couldn't be parsed into an integer");
    expect(e.render('7.0.15')).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"x\"'\nargument couldn't be parsed into an integer\n",
    );
  });

  it('accepts deprecated, rename-command, user and lone sentinel lines', () => {
    const c = new Config();
    applyConfigText(
      c,
      'list-max-ziplist-entries 5\nrename-command GET get2\nrename-command config ""\nuser bob on >pw ~* +@all\nsentinel\n',
      1,
      { commandNames: ['get', 'set', 'config'] },
    );
    expect(c.renamedCommands).toEqual([
      ['get', 'get2'],
      ['config', ''],
    ]);
    expect(c.users).toEqual([['bob', 'on', '>pw', '~*', '+@all']]);
    expect(() => applyConfigText(new Config(), 'rename-command get set', 1, { commandNames: ['get', 'set'] })).toThrow(
      'Target command name already exists',
    );
    expect(() => applyConfigText(new Config(), 'user a on\nuser a off')).toThrow('Duplicate user found');
  });

  it('rejects modules clearly', () => {
    expect(() => applyConfigText(new Config(), 'loadmodule /x.so')).toThrow(/Modules are not supported/);
  });
});
