/**
 * Counters behind INFO stats / errorstats / commandstats. Reset by CONFIG RESETSTAT (except what Redis keeps).
 */
export class Stats {
  totalConnections = 0;
  totalCommands = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  pubsubChannelsMsgs = 0;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  clientQbufLimitDisconnections = 0;
  clientOutbufLimitDisconnections = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  /** error code (first word, e.g. "ERR", "WRONGTYPE") -> count */
  readonly errors = new Map<string, number>();

  /** ops/sec sampling for instantaneous_ops_per_sec (Redis samples every 100ms over 16 samples) */
  private samples: number[] = [];
  private lastSampleOps = 0;
  private lastSampleTime = Date.now();

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp < 0 ? msg : msg.slice(0, sp);
    // Redis caps the table at 128 distinct codes to bound memory against odd scripts.
    if (this.errors.size >= 128 && !this.errors.has(code)) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sample(now: number): void {
    const dt = now - this.lastSampleTime;
    if (dt <= 0) return;
    const ops = ((this.totalCommands - this.lastSampleOps) * 1000) / dt;
    this.samples.push(ops);
    if (this.samples.length > 16) this.samples.shift();
    this.lastSampleOps = this.totalCommands;
    this.lastSampleTime = now;
  }

  get instantaneousOps(): number {
    if (this.samples.length === 0) return 0;
    return Math.round(this.samples.reduce((a, b) => a + b, 0) / this.samples.length);
  }

  reset(): void {
    const fresh = new Stats();
    Object.assign(this, fresh, { errors: this.errors });
    this.errors.clear();
  }
}
