// Counters and a request log, so tests assert "polled 3 times, slowed down once, refreshed
// once" instead of timing anything. Never records secrets: only names, ids and outcomes.

export interface LogEntry {
  seq: number;
  /** Virtual-clock time of the request. */
  at: number;
  method: string;
  path: string;
  endpoint: string;
  status: number;
  grantType?: string;
  clientId?: string;
  error?: string;
  aadsts?: number;
}

export interface Counters {
  endpoints: Record<string, number>;
  grants: Record<string, number>;
  clients: Record<string, number>;
  /** `error:AADSTSnnnn` → count, plus `status:NNN`. */
  errors: Record<string, number>;
  deviceCodePolls: number;
  slowDowns: number;
  faults: number;
}

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

export class Stats {
  private counters: Counters = Stats.empty();
  private entries: LogEntry[] = [];
  private seq = 0;

  constructor(private readonly maxLog = 2000) {}

  static empty(): Counters {
    return { endpoints: {}, grants: {}, clients: {}, errors: {}, deviceCodePolls: 0, slowDowns: 0, faults: 0 };
  }

  record(e: Omit<LogEntry, 'seq'>): void {
    const c = this.counters;
    bump(c.endpoints, e.endpoint);
    if (e.grantType) bump(c.grants, e.grantType);
    if (e.clientId) bump(c.clients, e.clientId);
    if (e.error) bump(c.errors, e.aadsts !== undefined ? `${e.error}:${e.aadsts}` : e.error);
    if (e.grantType === 'device_code') c.deviceCodePolls++;
    if (e.error === 'slow_down') c.slowDowns++;
    this.entries.push({ seq: ++this.seq, ...e });
    if (this.entries.length > this.maxLog) this.entries.shift();
  }

  fault(): void {
    this.counters.faults++;
  }

  snapshot(): Counters {
    return structuredClone(this.counters);
  }

  log(): LogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  reset(): void {
    this.counters = Stats.empty();
    this.entries = [];
  }
}
