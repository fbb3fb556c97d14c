// Request counters and the request log, which tests assert on (DESIGN "Testing": assert on
// the simulator's request counters, never on time).

export interface RequestLogEntry {
  seq: number;
  /** ISO time of arrival (informational; tests must not assert on it). */
  time: string;
  method: string;
  path: string;
  status: number;
  operation?: string;
  mailbox?: string;
  user?: string;
  authScheme?: string;
  anchorMailbox?: string;
  /** ExchangeImpersonation target of the SOAP header (app-only tokens). */
  impersonated?: string;
  userAgent?: string;
  responseCodes?: string[];
  injected?: string;
}

export interface Counters {
  requests: number;
  byOperation: Record<string, number>;
  byMailbox: Record<string, number>;
  byMailboxOperation: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
}

export class RequestStats {
  private log: RequestLogEntry[] = [];
  private seq = 0;
  private counters: Counters = emptyCounters();

  constructor(private readonly maxLog = 10_000) {}

  record(entry: Omit<RequestLogEntry, 'seq'>): void {
    const e: RequestLogEntry = { seq: ++this.seq, ...entry };
    this.log.push(e);
    if (this.log.length > this.maxLog) this.log.splice(0, this.log.length - this.maxLog);
    const c = this.counters;
    c.requests++;
    c.byStatus[String(e.status)] = (c.byStatus[String(e.status)] ?? 0) + 1;
    if (e.operation) c.byOperation[e.operation] = (c.byOperation[e.operation] ?? 0) + 1;
    if (e.mailbox) {
      c.byMailbox[e.mailbox] = (c.byMailbox[e.mailbox] ?? 0) + 1;
      if (e.operation) {
        const per = (c.byMailboxOperation[e.mailbox] ??= {});
        per[e.operation] = (per[e.operation] ?? 0) + 1;
      }
    }
  }

  snapshot(): Counters {
    return structuredClone(this.counters);
  }

  entries(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  reset(): void {
    this.log = [];
    this.counters = emptyCounters();
  }
}

function emptyCounters(): Counters {
  return { requests: 0, byOperation: {}, byMailbox: {}, byMailboxOperation: {}, byStatus: {} };
}
