/**
 * LATENCY. Per-command histograms (HISTOGRAM, and INFO latencystats) are kept by dispatch while latency-tracking is
 * on; the latency *monitor* (events over latency-monitor-threshold: LATEST, HISTORY, GRAPH, DOCTOR) is not
 * implemented, so those report no samples, as Redis does with the monitor disabled (its default).
 */
import type { Client } from '../server/client';
import type { CommandEntry } from './command';
import { type CommandSpec, cmd } from './command';
import { replyHelp } from './server-util';

function latencyDoctor(c: Client): void {
  c.out.verbatim(
    'Tandem latency report: no latency events are recorded (latency-monitor-threshold is not acted on yet). ' +
      'Per-command latency percentiles are in INFO latencystats and LATENCY HISTOGRAM.\n',
  );
}

/** One command's map: calls, then the cumulative distribution in microseconds. */
function writeHistogram(c: Client, e: CommandEntry): void {
  const h = e.latency!;
  const steps = h.cumulative();
  c.out.bulk(e.fullName);
  c.out.mapLen(2);
  c.out.bulk('calls');
  c.out.int(h.total);
  c.out.bulk('histogram_usec');
  c.out.mapLen(steps.length);
  for (const [usec, count] of steps) {
    c.out.int(usec);
    c.out.int(count);
  }
}

/**
 * LATENCY HISTOGRAM [command ...]: every command with samples, or the named ones (a container also brings its
 * subcommands; unknown names and commands without samples are skipped).
 */
function latencyHistogram(c: Client): void {
  const picked: CommandEntry[] = [];
  if (c.argv.length === 2) {
    for (const e of c.srv.commands.all()) if (e.latency !== null) picked.push(e);
  } else {
    for (let j = 2; j < c.argv.length; j++) {
      const e = lookupByFullName(c, c.argv[j]);
      if (e === undefined) continue;
      if (e.latency !== null) picked.push(e);
      if (e.subcommands) for (const s of e.subcommands.values()) if (s.latency !== null) picked.push(s);
    }
  }
  c.out.mapLen(picked.length);
  for (const e of picked) writeHistogram(c, e);
}

/** "get" or "config|get", case-insensitively. */
function lookupByFullName(c: Client, name: string): CommandEntry | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return c.srv.commands.get(name) ?? undefined;
  const parent = c.srv.commands.get(name.slice(0, bar));
  return parent?.subcommands?.get(name.slice(bar + 1).toLowerCase());
}

const latencyHelpLines = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const latencyCommands: CommandSpec[] = [
  cmd('latency', -2, [], [0, 0, 0], meta('Reports latency events', '2.8.13'), () => {}, {
    subcommands: [
      cmd('doctor', 2, ADMIN, [0, 0, 0], meta('Describes latency problems', '2.8.13'), latencyDoctor),
      cmd('graph', 3, ADMIN, [0, 0, 0], meta('Draws the latency of an event', '2.8.13', 'event'), (c) =>
        c.error(`ERR No samples available for event '${c.argv[2]}'`),
      ),
      cmd('history', 3, ADMIN, [0, 0, 0], meta('Returns the latency samples of an event', '2.8.13', 'event'), (c) =>
        c.out.arrayLen(0),
      ),
      cmd('latest', 2, ADMIN, [0, 0, 0], meta('Returns the latest sample of every event', '2.8.13'), (c) =>
        c.out.arrayLen(0),
      ),
      cmd('reset', -2, ADMIN, [0, 0, 0], meta('Forgets latency samples', '2.8.13', '[event [event ...]]'), (c) =>
        c.out.int(0),
      ),
      cmd(
        'histogram',
        -2,
        ADMIN,
        [0, 0, 0],
        meta('Returns per-command latency histograms', '7.0.0', '[command [command ...]]'),
        latencyHistogram,
      ),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], meta('Lists LATENCY subcommands', '2.8.13'), (c) =>
        replyHelp(c, 'LATENCY', latencyHelpLines),
      ),
    ],
  }),
];
