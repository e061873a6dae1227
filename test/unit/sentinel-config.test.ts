/**
 * sentinel.conf handling without a process: the `sentinel` directives (three passes, Redis' error reasons) and the
 * state rewrite (redis-sentinel's line order, slot reuse, appended lines, dropped leftovers), checked against layouts
 * captured from a real redis-sentinel 7.0.15.
 */
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config';
import type { SentinelLine } from '../../src/config/load';
import { applySentinelLines, type SentinelConfigError } from '../../src/sentinel/config';
import { F_SLAVE } from '../../src/sentinel/instance';
import { mergeSentinelLines, renderSentinelConfig, sentinelRewriteEntries } from '../../src/sentinel/state-rewrite';
import { addMaster, addReplica, addSentinel, harness } from '../helpers/sentinel-fakes';

const ID = '38c54b0a32b2443e92b23f803e400fc28a5cf3bb';
const PEER = '0f38257dc0ee53f5f67698f538b54dc502d8a421';

function lines(text: string): SentinelLine[] {
  return text
    .trim()
    .split('\n')
    .map((line, i) => ({ args: line.split(' ').slice(1), lineNumber: i + 1, line }));
}

function loadError(text: string): SentinelConfigError {
  const h = harness('');
  try {
    applySentinelLines(h.s, lines(text));
  } catch (e) {
    return e as SentinelConfigError;
  }
  throw new Error('expected an error');
}

describe('sentinel directives', () => {
  it('loads a rewritten file whose per-master lines precede their monitor line', () => {
    const h = harness('');
    applySentinelLines(
      h.s,
      lines(`sentinel down-after-milliseconds mymaster 2000
sentinel known-replica mymaster 127.0.0.1 27113
sentinel monitor mymaster 127.0.0.1 27112 2
sentinel failover-timeout mymaster 10000
sentinel myid ${ID}
sentinel config-epoch mymaster 3
sentinel leader-epoch mymaster 2
sentinel current-epoch 1
sentinel known-sentinel mymaster 127.0.0.1 27116 ${PEER}
sentinel known-sentinel mymaster 127.0.0.1 27117
sentinel rename-command mymaster CONFIG GUARDED-CONFIG
sentinel announce-ip 10.0.0.1
sentinel parallel-syncs mymaster 4`),
    );
    const s = h.s;
    expect(s.myid).toBe(ID);
    // config-epoch above current-epoch raises it
    expect(s.currentEpoch).toBe(3);
    expect(s.announceIp).toBe('10.0.0.1');
    const m = s.getMaster('mymaster')!;
    expect([m.addr.ip, m.addr.port, m.quorum]).toEqual(['127.0.0.1', 27112, 2]);
    expect([m.downAfterPeriod, m.failoverTimeout, m.parallelSyncs, m.configEpoch, m.leaderEpoch]).toEqual([
      2000, 10000, 4, 3, 2,
    ]);
    expect([...m.slaves.keys()]).toEqual(['127.0.0.1:27113']);
    // the replica inherits down-after, the 4-argument known-sentinel form is ignored
    expect(m.slaves.get('127.0.0.1:27113')!.downAfterPeriod).toBe(2000);
    expect([...m.sentinels.keys()]).toEqual([PEER]);
    expect(m.sentinels.get(PEER)!.runid).toBe(PEER);
    expect(s.mapCommand(m, 'config')).toBe('GUARDED-CONFIG');
    expect(s.mapCommand(m.slaves.get('127.0.0.1:27113')!, 'CONFIG')).toBe('GUARDED-CONFIG');
    expect(s.mapCommand(m, 'PING')).toBe('PING');
  });

  it('reports the first bad line with its number and the reason redis-sentinel gives', () => {
    const cases: [string, number, string][] = [
      ['sentinel monitor m 127.0.0.1 6379 0', 1, 'Quorum must be 1 or greater.'],
      ['sentinel monitor m 127.0.0.1 70000 2', 1, 'Invalid port number.'],
      ['sentinel monitor m localhost 6379 2', 1, "Can't resolve instance hostname."],
      ['sentinel monitor m 127.0.0.1 6379 2\nsentinel monitor m 127.0.0.1 6380 2', 2, 'Duplicate master name.'],
      ['sentinel down-after-milliseconds nope 10', 1, 'No such master with specified name.'],
      [
        'sentinel monitor m 127.0.0.1 6379 2\nsentinel down-after-milliseconds m 0',
        2,
        'negative or zero time parameter.',
      ],
      ['sentinel monitor m 127.0.0.1 6379 2\nsentinel failover-timeout m -1', 2, 'negative or zero time parameter.'],
      ['sentinel myid abc', 1, 'Malformed Sentinel id in myid option.'],
      ['sentinel deny-scripts-reconfig maybe', 1, 'Please specify yes or no for the deny-scripts-reconfig options.'],
      ['sentinel resolve-hostnames 1', 1, 'Please specify yes or no for the resolve-hostnames option.'],
      ['sentinel bogus 1', 1, 'Unrecognized sentinel configuration statement.'],
      ['sentinel monitor m 127.0.0.1 6379', 1, 'Unrecognized sentinel configuration statement.'],
      [
        'sentinel monitor m 127.0.0.1 6379 2\nsentinel notification-script m /nonexistent/script',
        2,
        'Notification script seems non existing or non executable.',
      ],
      [
        'sentinel monitor m 127.0.0.1 6379 2\nsentinel known-replica m 127.0.0.1 1\nsentinel known-replica m 127.0.0.1 1',
        3,
        'Duplicate hostname and port for replica.',
      ],
      [
        'sentinel monitor m 127.0.0.1 6379 2\nsentinel rename-command m CONFIG A\nsentinel rename-command m config B',
        3,
        'Same command renamed multiple times with rename-command.',
      ],
      [
        'sentinel monitor m 127.0.0.1 6379 2\nsentinel master-reboot-down-after-period m -5',
        2,
        'negative time parameter.',
      ],
    ];
    for (const [text, lineNumber, reason] of cases) {
      const e = loadError(text);
      expect([e.lineNumber, e.reason], text).toEqual([lineNumber, reason]);
    }
    // A global option is applied before any master: its error wins even when it comes last.
    expect(loadError('sentinel monitor m 127.0.0.1 6379 0\nsentinel myid x').reason).toBe(
      'Malformed Sentinel id in myid option.',
    );
  });
});

describe('state rewrite', () => {
  function state() {
    const h = harness(ID);
    const m = addMaster(h, 'mymaster', 27113, 2);
    m.downAfterPeriod = 2000;
    m.failoverTimeout = 10000;
    m.configEpoch = 1;
    m.leaderEpoch = 1;
    h.s.currentEpoch = 1;
    addReplica(h, m, 27112);
    addSentinel(h, m, 27116, PEER);
    return { h, m };
  }

  it('generates the sentinel lines in redis-sentinel order, defaults omitted', () => {
    const { h } = state();
    expect(
      sentinelRewriteEntries(h.s)
        .entries.filter(([, , force]) => force)
        .map(([, l]) => l),
    ).toEqual([
      `sentinel myid ${ID}`,
      'sentinel monitor mymaster 127.0.0.1 27113 2',
      'sentinel down-after-milliseconds mymaster 2000',
      'sentinel failover-timeout mymaster 10000',
      'sentinel config-epoch mymaster 1',
      'sentinel leader-epoch mymaster 1',
      'sentinel known-replica mymaster 127.0.0.1 27112',
      `sentinel known-sentinel mymaster 127.0.0.1 27116 ${PEER}`,
      'sentinel current-epoch 1',
    ]);
  });

  it('rewrites lines in place, appends new ones after the file and drops leftovers (real sentinel layouts)', () => {
    const { h, m } = state();
    const { entries, processed } = sentinelRewriteEntries(h.s);
    // First save of a hand-written file: monitor lines stay put, state is appended after the marker.
    const first = mergeSentinelLines(
      'port 27114\nsentinel monitor mymaster 127.0.0.1 27113 2\nsentinel down-after-milliseconds mymaster 2000\nsentinel failover-timeout mymaster 10000\n\n',
      entries,
      processed,
    );
    expect(first).toBe(
      `port 27114
sentinel monitor mymaster 127.0.0.1 27113 2
sentinel down-after-milliseconds mymaster 2000
sentinel failover-timeout mymaster 10000

# Generated by CONFIG REWRITE
sentinel myid ${ID}
sentinel config-epoch mymaster 1
sentinel leader-epoch mymaster 1
sentinel known-replica mymaster 127.0.0.1 27112
sentinel known-sentinel mymaster 127.0.0.1 27116 ${PEER}
sentinel current-epoch 1
`,
    );
    // Back to the default down-after: its line is blanked. A second replica has no line to take over, so it is
    // appended after the file's trailing blank line, as redis-sentinel does.
    m.downAfterPeriod = h.s.timing.defaultDownAfter;
    h.s.propagateDownAfterPeriod(m);
    addReplica(h, m, 27120);
    const again = sentinelRewriteEntries(h.s);
    expect(mergeSentinelLines(`${first}\n`, again.entries, again.processed)).toBe(
      `port 27114
sentinel monitor mymaster 127.0.0.1 27113 2

sentinel failover-timeout mymaster 10000

# Generated by CONFIG REWRITE
sentinel myid ${ID}
sentinel config-epoch mymaster 1
sentinel leader-epoch mymaster 1
sentinel known-replica mymaster 127.0.0.1 27112
sentinel known-sentinel mymaster 127.0.0.1 27116 ${PEER}
sentinel current-epoch 1

sentinel known-replica mymaster 127.0.0.1 27120
`,
    );
  });

  it('mid-failover the monitor line shows the promoted replica and the old master stands in as a replica', () => {
    const { h, m } = state();
    const promoted = m.slaves.get('127.0.0.1:27112')!;
    m.flags |= 1 << 6; // failover in progress
    m.promotedSlave = promoted;
    m.failoverState = 5; // reconf_slaves
    const ls = sentinelRewriteEntries(h.s).entries.map(([, l]) => l);
    expect(ls).toContain('sentinel monitor mymaster 127.0.0.1 27112 2');
    expect(ls).toContain('sentinel known-replica mymaster 127.0.0.1 27113');
    expect(promoted.flags & F_SLAVE).toBeTruthy();
  });

  it('renders a whole file: server directives first, no save points, announce-ip quoted', () => {
    const { h } = state();
    h.s.announceIp = '10.0.0.9';
    h.s.denyScriptsReconfig = false;
    const config = new Config();
    config.set('port', ['26379'], true);
    config.set('protected-mode', ['no'], true);
    const text = renderSentinelConfig(
      config,
      h.s,
      'save 900 1\nport 26379\nsentinel monitor mymaster 127.0.0.1 27113 2\n',
    );
    expect(text).not.toMatch(/^save /m);
    expect(text).toMatch(/^protected-mode no$/m);
    expect(text).toContain('sentinel deny-scripts-reconfig no\n');
    expect(text).toContain('sentinel announce-ip "10.0.0.9"\n');
    expect(text.indexOf('protected-mode no')).toBeLessThan(text.indexOf(`sentinel myid ${ID}`));
    expect(text.startsWith('\nport 26379\nsentinel monitor mymaster 127.0.0.1 27113 2\n')).toBe(true);
  });
});
