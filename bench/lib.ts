/**
 * Shared benchmark plumbing: start Tandem and real Redis side by side, run external load tools, summarise rounds.
 * Figures are always reported as ratios against Redis measured in the same run (these machines are noisy).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}x`;
}

/** Renders a GitHub-flavoured markdown table. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const fs = await import('node:fs/promises');
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
