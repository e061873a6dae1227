/**
 * notification-script and client-reconfig-script runs: a queue of at most 256 jobs, at most 16 running at once,
 * each killed after script-max-runtime. A script that exits with 1 (or dies from a signal) is retried up to 10 times
 * with a doubling delay starting at script-retry-delay; any other non-zero exit is reported as -script-error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import type { SentinelCore } from './core';

const MAX_QUEUE = 256;
const MAX_RUNNING = 16;
const MAX_RETRY = 10;

interface Job {
  argv: string[];
  running: boolean;
  retryNum: number;
  /** running: when it started; scheduled: not before this time (0 = at once) */
  startTime: number;
  pid: number;
  child: ChildProcess | null;
}

export class ScriptQueue {
  readonly jobs: Job[] = [];
  running = 0;

  constructor(private readonly s: SentinelCore) {}

  schedule(path: string, args: string[]): void {
    this.jobs.push({ argv: [path, ...args], running: false, retryNum: 0, startTime: 0, pid: 0, child: null });
    if (this.jobs.length > MAX_QUEUE) {
      // Drop the oldest job not yet running.
      const i = this.jobs.findIndex((j) => !j.running);
      if (i >= 0) this.jobs.splice(i, 1);
    }
  }

  /** Starts due jobs, then kills those over their time budget (run from the sentinel timer). */
  tick(): void {
    const now = this.s.now();
    for (const job of this.jobs) {
      if (this.running >= MAX_RUNNING) break;
      if (job.running || (job.startTime && job.startTime > now)) continue;
      this.start(job);
    }
    for (const job of this.jobs) {
      if (job.running && now - job.startTime > this.s.timing.scriptMaxRuntime && job.child) {
        this.s.event('warning', '-script-timeout', null, `${job.argv[0]} ${job.pid}`);
        job.child.kill('SIGKILL');
      }
    }
  }

  private start(job: Job): void {
    job.running = true;
    job.startTime = this.s.now();
    job.retryNum++;
    let child: ChildProcess;
    try {
      child = spawn(job.argv[0], job.argv.slice(1), { stdio: 'ignore' });
    } catch {
      this.s.event('warning', '-script-error', null, `${job.argv[0]} 99 0`);
      job.running = false;
      return;
    }
    job.child = child;
    job.pid = child.pid ?? 0;
    this.running++;
    this.s.event('debug', '+script-child', null, String(job.pid));
    let finished = false;
    const finish = (code: number, signal: number) => {
      if (finished) return;
      finished = true;
      this.finished(job, code, signal);
    };
    // A path that cannot be executed behaves like exec failing in the child: exit status 2, no retry.
    child.on('error', () => finish(2, 0));
    child.on('exit', (code, sig) => finish(code ?? 0, sig ? signalNumber(sig) : 0));
  }

  private finished(job: Job, exitcode: number, bysignal: number): void {
    this.s.event('debug', '-script-child', null, `${job.pid} ${exitcode} ${bysignal}`);
    this.running--;
    job.child = null;
    if ((bysignal || exitcode === 1) && job.retryNum !== MAX_RETRY) {
      job.running = false;
      job.pid = 0;
      let delay = this.s.timing.scriptRetryDelay;
      for (let n = job.retryNum; n > 1; n--) delay *= 2;
      job.startTime = this.s.now() + delay;
      return;
    }
    if (bysignal || exitcode !== 0) {
      this.s.event('warning', '-script-error', null, `${job.argv[0]} ${bysignal} ${exitcode}`);
    }
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  const n = os.constants.signals[sig];
  return typeof n === 'number' ? n : 1;
}
