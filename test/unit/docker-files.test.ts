/**
 * Dockerfile, .dockerignore and docker/ (compose topology, node and sentinel configs), checked without a Docker
 * engine, which this project's machines do not have: the files are parsed and cross-checked, every config goes
 * through Tandem's own loaders, and the config-copy entrypoint is run for real on a temporary directory. Only the
 * compose CLI validation needs a tool (`docker compose` or `docker-compose`); without one that single test is skipped
 * with the reason printed. Nothing here proves the image builds: see README, "Docker".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import { applyConfigText, type SentinelLine } from '../../src/config/load';
import { applySentinelLines } from '../../src/sentinel/config';
import { harness } from '../helpers/sentinel-fakes';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKER_DIR = path.join(ROOT, 'docker');
const COMPOSE_FILE = path.join(DOCKER_DIR, 'compose.yml');
const read = (p: string): string => fs.readFileSync(p, 'utf8');

// ---- a YAML subset: enough for compose.yml, and loud about anything outside it ----------------------------------

type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };
type YamlMap = { [k: string]: Yaml };

interface YLine {
  indent: number;
  text: string;
  no: number;
}

/** The comment part of a line, when `#` starts the line or follows a space outside quotes. */
function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || line[i - 1] === ' ')) {
      return line.slice(0, i);
    }
  }
  return line;
}

/**
 * Block mappings and sequences, flow sequences of scalars, plain and quoted scalars. Anchors, aliases, tags, block
 * scalars, flow mappings and tabs are refused, so the compose file stays plain enough for this check to mean
 * something (and for a reader to see the whole topology as written).
 */
function parseYamlSubset(text: string): Yaml {
  const lines: YLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    if (body.slice(0, indent).includes('\t')) throw new Error(`line ${i + 1}: tab in indentation`);
    lines.push({ indent, text: body.slice(indent), no: i + 1 });
  });
  let pos = 0;
  const fail = (l: YLine, why: string): never => {
    throw new Error(`line ${l.no}: ${why}: ${l.text}`);
  };

  function scalar(s: string, l: YLine): Yaml {
    if (s.startsWith('"')) {
      if (!s.endsWith('"') || s.length < 2) fail(l, 'unterminated string');
      return JSON.parse(s) as string;
    }
    if (s.startsWith("'")) {
      if (!s.endsWith("'") || s.length < 2) fail(l, 'unterminated string');
      return s.slice(1, -1).replace(/''/g, "'");
    }
    if (/^[&*!|>{%@`]/.test(s)) fail(l, 'construct outside the supported subset');
    if (s.includes(': ')) fail(l, 'mapping where a scalar was expected');
    if (s === 'true' || s === 'false') return s === 'true';
    if (s === 'null' || s === '~') return null;
    if (/^-?\d+$/.test(s)) return Number(s);
    return s;
  }

  function value(s: string, l: YLine): Yaml {
    if (!s.startsWith('[')) return scalar(s, l);
    if (!s.endsWith(']')) fail(l, 'flow sequence must end on its line');
    const items: string[] = [];
    let cur = '';
    let quote = '';
    for (const ch of s.slice(1, -1)) {
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === ',') {
        items.push(cur.trim());
        cur = '';
        continue;
      } else if (ch === '[' || ch === '{') {
        fail(l, 'nested flow collection');
      }
      cur += ch;
    }
    if (cur.trim() !== '') items.push(cur.trim());
    return items.map((it) => scalar(it, l));
  }

  function block(indent: number): Yaml {
    const first = lines[pos];
    if (first.text === '-' || first.text.startsWith('- ')) {
      const seq: Yaml[] = [];
      while (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('- ')) {
        const l = lines[pos++];
        seq.push(value(l.text.slice(2).trim(), l));
      }
      return seq;
    }
    const map: YamlMap = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const l = lines[pos++];
      const m = /^([A-Za-z0-9_.-]+):(?: +(.*))?$/.exec(l.text);
      if (!m) return fail(l, 'expected "key:" or "key: value"');
      if (Object.hasOwn(map, m[1])) fail(l, 'duplicate key');
      if (m[2] !== undefined) map[m[1]] = value(m[2], l);
      else if (pos < lines.length && lines[pos].indent > indent) map[m[1]] = block(lines[pos].indent);
      else map[m[1]] = null;
    }
    return map;
  }

  if (lines.length === 0) return null;
  if (lines[0].indent !== 0) fail(lines[0], 'document must start at column 0');
  const doc = block(0);
  if (pos < lines.length) fail(lines[pos], 'bad indentation');
  return doc;
}

const asMap = (v: Yaml | undefined, what: string): YamlMap => {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: not a map`);
  return v;
};
const asList = (v: Yaml | undefined, what: string): Yaml[] => {
  if (!Array.isArray(v)) throw new Error(`${what}: not a list`);
  return v;
};

// ---- configs through Tandem's loaders ---------------------------------------------------------------------------

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-docker-'));
  tmpDirs.push(d);
  return d;
}

/**
 * Applies a container config with the loader redis.conf files go through. `dir /data` exists only in the image, and
 * the loader enters `dir` as Redis does, so that one line is pointed at a temporary directory (and the working
 * directory restored): everything else is loaded as written.
 */
function loadContainerConfig(file: string, sentinel: boolean): { config: Config; sentinelLines: SentinelLine[] } {
  const text = read(file);
  expect(text.match(/^dir .*$/gm), `${file}: one dir line, /data (the compose volume)`).toEqual(['dir /data']);
  const config = new Config();
  const sentinelLines: SentinelLine[] = [];
  const cwd = process.cwd();
  try {
    applyConfigText(config, text.replace(/^dir \/data$/m, `dir ${tmpDir()}`), 1, { sentinel, sentinelLines });
  } finally {
    process.chdir(cwd);
  }
  return { config, sentinelLines };
}

// ---- the compose file -------------------------------------------------------------------------------------------

const NODES = ['master', 'replica1', 'replica2'];
const SENTINELS = ['sentinel1', 'sentinel2', 'sentinel3'];
const compose = asMap(parseYamlSubset(read(COMPOSE_FILE)), 'compose.yml');
const services = asMap(compose.services, 'services');

interface ServiceView {
  name: string;
  /** the config template, as a file in docker/ */
  template: string;
  program: string;
  hostPort: number;
  containerPort: number;
}

/** The parts of a service every check relies on, validated on the way. */
function serviceView(name: string): ServiceView {
  const svc = asMap(services[name], name);
  const entry = asList(svc.entrypoint, `${name}.entrypoint`).map(String);
  expect(entry.length, `${name}: entrypoint is run-from-copy.sh TEMPLATE PROGRAM`).toBe(3);
  expect(entry[0]).toBe('docker/run-from-copy.sh');
  const volumes = asList(svc.volumes, `${name}.volumes`).map(String);
  const mount = volumes.find((v) => v.split(':')[1] === entry[1]);
  expect(mount, `${name}: the template ${entry[1]} is mounted`).toBeDefined();
  const [src, , mode] = (mount as string).split(':');
  expect(mode, `${name}: template mounted read-only`).toBe('ro');
  expect(src.startsWith('./'), `${name}: template comes from docker/`).toBe(true);
  const ports = asList(svc.ports, `${name}.ports`).map(String);
  expect(ports.length).toBe(1);
  const [host, hostPort, containerPort] = ports[0].split(':');
  return {
    name,
    template: path.join(DOCKER_DIR, src),
    program: entry[2],
    hostPort: Number(hostPort),
    containerPort: host === '127.0.0.1' ? Number(containerPort) : Number.NaN,
  };
}

describe('YAML subset reader', () => {
  it('reads maps, lists, flow lists, quoted and plain scalars, and skips comments', () => {
    const doc = parseYamlSubset(
      [
        '# head',
        'a:',
        '  b: [x, "y z", 3]',
        '  c:',
        '    - "127.0.0.1:1:2"   # trailing',
        '    - ./f:/g:ro',
        '  d: true',
        '  e:',
        "f: 'it''s # not a comment'",
      ].join('\n'),
    );
    expect(doc).toEqual({
      a: { b: ['x', 'y z', 3], c: ['127.0.0.1:1:2', './f:/g:ro'], d: true, e: null },
      f: "it's # not a comment",
    });
  });

  it('refuses what it does not understand instead of misreading it', () => {
    expect(() => parseYamlSubset('a: &x 1')).toThrow(/subset/);
    expect(() => parseYamlSubset('a: |\n  text')).toThrow(/subset/);
    expect(() => parseYamlSubset('a: {b: 1}')).toThrow(/subset/);
    expect(() => parseYamlSubset('a: 1\na: 2')).toThrow(/duplicate/);
    expect(() => parseYamlSubset('a:\n    b: 1\n  c: 2')).toThrow(/indentation/);
    expect(() => parseYamlSubset('a:\n\tb: 1')).toThrow(/tab/);
  });
});

describe('docker/compose.yml', () => {
  it('has the topology: a master, two replicas, three sentinels, one volume each', () => {
    expect(Object.keys(compose).sort()).toEqual(['services', 'volumes']);
    expect(Object.keys(services).sort()).toEqual([...NODES, ...SENTINELS].sort());
    const volumes = asMap(compose.volumes, 'volumes');
    expect(Object.keys(volumes).sort()).toEqual([...NODES, ...SENTINELS].map((n) => `${n}-data`).sort());
    for (const name of Object.keys(services)) {
      const svc = asMap(services[name], name);
      expect(svc.image, name).toBe('tandem:local');
      expect(asMap(svc.build, `${name}.build`)).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      expect(svc.init, `${name}: an init as PID 1`).toBe(true);
      expect(asList(svc.volumes, name)).toContain(`${name}-data:/data`);
    }
    for (const n of [...NODES.slice(1), ...SENTINELS]) {
      expect(asList(asMap(services[n], n).depends_on, n)).toContain('master');
    }
  });

  it('references files that exist: build context, Dockerfile, entrypoint script, config templates', () => {
    expect(fs.existsSync(path.join(DOCKER_DIR, '..', 'Dockerfile'))).toBe(true);
    const script = path.join(ROOT, 'docker', 'run-from-copy.sh');
    expect(fs.statSync(script).mode & 0o111, 'run-from-copy.sh is executable').not.toBe(0);
    for (const name of [...NODES, ...SENTINELS]) {
      const v = serviceView(name);
      expect(fs.existsSync(v.template), v.template).toBe(true);
      expect(path.basename(v.template)).toBe(`${name}.conf`);
      const program = path.join(ROOT, v.program);
      expect(fs.existsSync(program), program).toBe(true);
      expect(v.program).toBe(SENTINELS.includes(name) ? 'bin/tandem-sentinel' : 'bin/tandem-server');
    }
  });

  it('publishes each node on 127.0.0.1 only, at its config port, with distinct host ports', () => {
    const views = [...NODES, ...SENTINELS].map(serviceView);
    for (const v of views) {
      expect(v.containerPort, `${v.name}: bound to 127.0.0.1`).not.toBeNaN();
      const { config } = loadContainerConfig(v.template, SENTINELS.includes(v.name));
      expect(config.num('port'), v.name).toBe(v.containerPort);
    }
    const hostPorts = views.map((v) => v.hostPort);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(hostPorts).toEqual([6379, 6380, 6381, 26379, 26380, 26381]);
  });

  const cli = composeCli();
  if (!cli.argv) console.log(`docker-files: compose CLI validation skipped: ${cli.reason}`);
  it.skipIf(!cli.argv)(`is accepted by the compose CLI (${cli.argv?.join(' ') ?? 'absent'} config)`, () => {
    const argv = cli.argv as string[];
    const r = spawnSync(argv[0], [...argv.slice(1), '-f', COMPOSE_FILE, 'config', '-q'], { encoding: 'utf8' });
    expect(r.stderr.trim(), 'no warnings or errors').toBe('');
    expect(r.status).toBe(0);
  });
});

/** `docker compose` (v2 plugin) or `docker-compose`: both validate a file without reaching an engine. */
function composeCli(): { argv: string[] | null; reason: string } {
  const tries: string[][] = [['docker', 'compose'], ['docker-compose']];
  for (const argv of tries) {
    const r = spawnSync(argv[0], [...argv.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return { argv, reason: '' };
  }
  return { argv: null, reason: 'neither `docker compose` nor `docker-compose` is installed' };
}

// ---- the configs ------------------------------------------------------------------------------------------------

describe('container configs load in Tandem', () => {
  it('the nodes: every interface, no protected mode, /data, log to stdout, replicas of the "master" service', () => {
    for (const name of NODES) {
      const { config, sentinelLines } = loadContainerConfig(path.join(DOCKER_DIR, `${name}.conf`), false);
      expect(sentinelLines).toEqual([]);
      expect(config.get('bind'), name).toBe('* -::*');
      expect(config.bool('protected-mode'), name).toBe(false);
      expect(config.get('logfile'), name).toBe('');
      expect(config.bool('daemonize'), name).toBe(false);
      // Each node announces its service name, so sentinels and a promoted master keep an address that survives a
      // container restart.
      expect(config.get('replica-announce-ip'), name).toBe(name);
      expect(config.get('replicaof'), name).toBe(name === 'master' ? '' : 'master 6379');
    }
  });

  it('the image default (docker/tandem.conf) is a standalone master', () => {
    const { config } = loadContainerConfig(path.join(DOCKER_DIR, 'tandem.conf'), false);
    expect(config.num('port')).toBe(6379);
    expect(config.get('replicaof')).toBe('');
    expect(config.get('logfile')).toBe('');
  });

  it('the sentinels: monitor the "master" service by name, announce their own, and can reach a quorum', () => {
    for (const name of SENTINELS) {
      const { config, sentinelLines } = loadContainerConfig(path.join(DOCKER_DIR, `${name}.conf`), true);
      expect(config.num('port')).toBe(26379);
      const h = harness('');
      applySentinelLines(h.s, sentinelLines);
      expect(h.s.resolveHostnames, name).toBe(true);
      expect(h.s.announceHostnames, name).toBe(true);
      expect(h.s.announceIp, name).toBe(name);
      expect([...h.s.masters.keys()]).toEqual(['mymaster']);
      const m = h.s.getMaster('mymaster');
      expect([m?.addr.hostname, m?.addr.port]).toEqual(['master', 6379]);
      // a majority of the three sentinels: a failover needs both the quorum and a majority to authorize it
      expect(m?.quorum).toBe(2);
      expect(m?.downAfterPeriod).toBe(5000);
    }
  });

  it('the sentinel configs differ only in the announced name', () => {
    const norm = (n: string) =>
      read(path.join(DOCKER_DIR, `${n}.conf`))
        .replaceAll(n, 'SENTINEL')
        .replace(/\d of 3/, '');
    expect(norm('sentinel2')).toBe(norm('sentinel1'));
    expect(norm('sentinel3')).toBe(norm('sentinel1'));
  });
});

// ---- run-from-copy.sh -------------------------------------------------------------------------------------------

describe('docker/run-from-copy.sh', () => {
  const script = path.join(DOCKER_DIR, 'run-from-copy.sh');
  const run = (data: string, template: string) =>
    spawnSync('sh', [script, template, 'echo', '--bind', '127.0.0.1'], {
      encoding: 'utf8',
      env: { ...process.env, TANDEM_DATA: data },
    });

  it('copies the template on first start and runs the program on the copy with the remaining arguments', () => {
    const data = tmpDir();
    const template = path.join(tmpDir(), 'node.conf');
    fs.writeFileSync(template, 'port 6379\n');
    const r = run(data, template);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${path.join(data, 'node.conf')} --bind 127.0.0.1\n`);
    expect(read(path.join(data, 'node.conf'))).toBe('port 6379\n');
  });

  it('keeps a copy the program rewrote (sentinel state, replicaof after a failover)', () => {
    const data = tmpDir();
    const template = path.join(tmpDir(), 'node.conf');
    fs.writeFileSync(template, 'port 6379\n');
    fs.writeFileSync(path.join(data, 'node.conf'), 'port 6379\nreplicaof replica2 6379\n');
    expect(run(data, template).status).toBe(0);
    expect(read(path.join(data, 'node.conf'))).toBe('port 6379\nreplicaof replica2 6379\n');
  });

  it('fails instead of starting without a config when the copy cannot be made', () => {
    const r = run(path.join(tmpDir(), 'missing'), path.join(DOCKER_DIR, 'master.conf'));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});

// ---- Dockerfile and .dockerignore -------------------------------------------------------------------------------

/** Instructions with continuation lines joined and comments dropped. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  const out: { op: string; args: string }[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    cur += line;
    const m = /^(\S+)\s+(.*)$/.exec(cur);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    cur = '';
  }
  return out;
}

/** .dockerignore patterns (root-anchored, `*` within one path part, `**` across parts) against a context path. */
function ignoredByDockerignore(patterns: string[], file: string): boolean {
  const toRe = (p: string) =>
    new RegExp(
      `^${p
        .replace(/^\/+|\/+$/g, '')
        .split('**')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*')}$`,
    );
  let ignored = false;
  const parts = file.split('/');
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const re = toRe(negate ? raw.slice(1) : raw);
    // a pattern matching a parent directory excludes everything under it
    for (let i = 1; i <= parts.length; i++) {
      if (re.test(parts.slice(0, i).join('/'))) ignored = !negate;
    }
  }
  return ignored;
}

describe('Dockerfile', () => {
  const ins = dockerInstructions(read(path.join(ROOT, 'Dockerfile')));
  const froms = ins.filter((i) => i.op === 'FROM');
  const finalStart = ins.lastIndexOf(froms[froms.length - 1]);
  const final = ins.slice(finalStart);
  const runs = ins.filter((i) => i.op === 'RUN').map((i) => i.args);

  it('builds on node:20-bookworm-slim in two stages, with npm ci, the build and a production prune', () => {
    expect(froms.map((f) => f.args)).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim']);
    expect(runs.some((r) => r.startsWith('npm ci'))).toBe(true);
    expect(runs.some((r) => r.includes('npm run build') && r.includes('npm prune --omit=dev'))).toBe(true);
  });

  it('runs bin/tandem-server as the node user, exposing the server and sentinel ports', () => {
    const last = (op: string) => final.filter((i) => i.op === op).pop()?.args;
    expect(last('USER')).toBe('node');
    expect(last('EXPOSE')?.split(/\s+/)).toEqual(['6379', '26379']);
    expect(JSON.parse(last('ENTRYPOINT') ?? 'null')).toEqual(['bin/tandem-server']);
    const cmd = JSON.parse(last('CMD') ?? 'null') as string[];
    // the default config is one the image copies in
    const copied = final.find((i) => i.op === 'COPY' && i.args.endsWith(` ${cmd[0]}`));
    expect(copied?.args).toBe('docker/tandem.conf /etc/tandem/tandem.conf');
    expect(last('WORKDIR')).toBe('/app');
  });

  it('copies into the final image what the server needs at run time', () => {
    const copies = final.filter((i) => i.op === 'COPY').map((i) => i.args);
    // dist/commands/version.js reads ../../package.json for the version
    for (const needed of [
      '--from=build /app/package.json ./',
      '--from=build /app/node_modules ./node_modules',
      '--from=build /app/dist ./dist',
      'bin ./bin',
      'docker/run-from-copy.sh ./docker/run-from-copy.sh',
    ]) {
      expect(copies).toContain(needed);
    }
    const finalRuns = final.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(finalRuns.some((r) => /chmod 755 .*bin\/tandem-server.*bin\/tandem-sentinel/.test(r))).toBe(true);
    expect(finalRuns.some((r) => r.includes('chown node:node /data'))).toBe(true);
  });

  it('takes from the build context only files that exist and that .dockerignore lets through', () => {
    const patterns = read(path.join(ROOT, '.dockerignore'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const sources = ins
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
      expect(ignoredByDockerignore(patterns, src), `${src} is not excluded`).toBe(false);
    }
    // and keeps out what would bloat the context or leak local state
    for (const out of ['node_modules', 'dist', 'data', '.git', 'test/fixtures/x.rdb', 'dump.rdb', 'a.log']) {
      expect(ignoredByDockerignore(patterns, out), `${out} is excluded`).toBe(true);
    }
  });

  it('the launchers are executable and the server shebang passes its V8 flag through env -S', () => {
    for (const b of ['tandem-server', 'tandem-sentinel', 'tandem-topology']) {
      expect(fs.statSync(path.join(ROOT, 'bin', b)).mode & 0o111, b).not.toBe(0);
    }
    expect(read(path.join(ROOT, 'bin', 'tandem-server')).split('\n')[0]).toBe(
      '#!/usr/bin/env -S node --max-semi-space-size=2',
    );
  });
});
