/**
 * Persistence commands: SAVE, BGSAVE [SCHEDULE] and the DEBUG subcommands persistence owns — RELOAD, DIGEST,
 * DIGEST-VALUE, and SNAPSHOT-STATS (Tandem's own: figures of the forkless snapshot, for tests and benchmarks).
 * LASTSAVE lives with the server commands and reads persistence through serverExtras(srv).lastSave.
 */
import { datasetDigest, keyValueDigest } from '../persistence/digest';
import { persistence } from '../persistence/persistence';
import type { Client } from '../server/client';
import { type CommandSpec, cmd } from './command';
import { registerDebugSubcommand } from './debug';

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });

function save(c: Client): void {
  const p = persistence(c.srv);
  if (p.inProgress) return c.error('ERR Background save already in progress');
  if (p.saveCommand()) c.ok();
  else c.error('ERR');
}

function bgsave(c: Client): void {
  if (c.argv.length > 1 && (c.argv.length > 2 || c.argv[1].toLowerCase() !== 'schedule')) return c.syntaxError();
  const p = persistence(c.srv);
  if (p.inProgress) return c.error('ERR Background save already in progress');
  // Inside EXEC a save cannot start mid-transaction: it is scheduled for the cron, SCHEDULE or not.
  if (c.inExec) {
    p.scheduleBgsave();
    return c.out.status('Background saving scheduled');
  }
  if (p.bgsave()) c.out.status('Background saving started');
  else c.error('ERR');
}

registerDebugSubcommand('reload', {
  minArgs: 2,
  maxArgs: Number.POSITIVE_INFINITY,
  help: [
    'RELOAD [MERGE] [NOFLUSH] [NOSAVE]',
    'Save the dump, empty the dataset and load the dump back. NOSAVE loads the dump as it is, NOFLUSH adds it to the dataset, MERGE lets its keys win conflicts.',
  ],
  handler: (c) => {
    let save = true;
    let flush = true;
    let merge = false;
    for (let j = 2; j < c.argv.length; j++) {
      const opt = c.argv[j].toLowerCase();
      if (opt === 'merge') merge = true;
      else if (opt === 'noflush') flush = false;
      else if (opt === 'nosave') save = false;
      else return c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
    }
    const err = persistence(c.srv).reload(save, flush, merge);
    if (err !== null) c.error(err);
    else c.ok();
  },
});

registerDebugSubcommand('digest', {
  minArgs: 2,
  maxArgs: 2,
  help: ['DIGEST', "Reply with a hex fingerprint of the whole dataset (the same as Redis' for the same data)."],
  handler: (c) => c.out.status(datasetDigest(c.srv.dbs)),
});

registerDebugSubcommand('digest-value', {
  minArgs: 2,
  maxArgs: Number.POSITIVE_INFINITY,
  help: ['DIGEST-VALUE <key> [<key> ...]', 'Reply with a hex fingerprint of the value of each key.'],
  handler: (c) => {
    c.out.arrayLen(c.argv.length - 2);
    for (let j = 2; j < c.argv.length; j++) c.out.status(keyValueDigest(c.db, c.argv[j]));
  },
});

registerDebugSubcommand('snapshot-stats', {
  minArgs: 2,
  maxArgs: 2,
  help: [
    'SNAPSHOT-STATS',
    'Figures of the running (or else the last) snapshot: keys, keys written early, slices, longest stall.',
  ],
  handler: (c) => {
    const r = persistence(c.srv).snapshotReport();
    const st = r?.stats;
    const o = c.out;
    const end = st === undefined ? 0 : st.endedAt === 0 ? Date.now() : st.endedAt;
    const fields: [string, number | string][] = [
      ['in_progress', r !== null && r.ok === null ? 1 : 0],
      ['kind', r?.kind ?? 'none'],
      ['status', r === null || r.ok === null ? '' : r.ok ? 'ok' : 'err'],
      ['keys_total', st?.keysTotal ?? 0],
      ['keys', st?.keys ?? 0],
      ['preserved_keys', st?.preserved ?? 0],
      ['preserved_bytes', st?.preservedBytes ?? 0],
      ['bytes', st?.bytes ?? 0],
      ['slices', st?.slices ?? 0],
      ['duration_ms', st === undefined ? 0 : end - st.startedAt],
    ];
    const doubles: [string, number][] = [
      ['max_slice_ms', st?.maxSliceMs ?? 0],
      ['max_event_loop_delay_ms', r?.maxLoopDelayMs ?? 0],
    ];
    o.mapLen(fields.length + doubles.length);
    for (const [k, v] of fields) {
      o.bulk(k);
      if (typeof v === 'number') o.int(v);
      else o.bulk(v);
    }
    for (const [k, v] of doubles) {
      o.bulk(k);
      o.double(Math.round(v * 1000) / 1000);
    }
  },
});

export const persistenceCommands: CommandSpec[] = [
  cmd(
    'save',
    1,
    ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    [0, 0, 0],
    meta('Writes the dataset to the dump file, blocking the server until done', '1.0.0', undefined),
    save,
  ),
  cmd(
    'bgsave',
    -1,
    ['admin', 'noscript', 'no_async_loading'],
    [0, 0, 0],
    meta('Writes the dataset to the dump file in the background', '1.0.0', '[SCHEDULE]'),
    bgsave,
  ),
];
