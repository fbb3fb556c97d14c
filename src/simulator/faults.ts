// Injected failures for tests and benchmarks (EWS-NOTES §14): HTTP 401 / 403 / 503 / 500
// HTML pages, ErrorServerBusy as a SOAP fault or as a response message, dropped
// connections and latency — for the next N matching requests or for a duration.

export type FaultKind = 'http401' | 'http403' | 'http503' | 'http500html' | 'serverBusy' | 'drop' | 'latency';

export interface FaultSpec {
  kind: FaultKind;
  /** Applies to the next `count` matching requests (default 1 when no duration is given). */
  count?: number;
  /** …or to every matching request for this many milliseconds. */
  durationMs?: number;
  /** Only requests of this EWS operation, e.g. `SyncFolderItems`. */
  operation?: string;
  /** Only requests acting on this mailbox (SMTP address). */
  mailbox?: string;
  /** serverBusy: `fault` = HTTP 500 SOAP fault, `message` = HTTP 200 ResponseClass="Error" (default fault). */
  form?: 'fault' | 'message';
  /** serverBusy: BackOffMilliseconds in MessageXml (default 5000). */
  backOffMs?: number;
  /** http503: Retry-After seconds (omitted when undefined). */
  retryAfterSeconds?: number;
  /** latency: delay in ms added to matching requests. */
  latencyMs?: number;
  /** http403: send IIS' HTML page instead of Exchange Online's empty body. */
  html?: boolean;
}

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
  until?: number;
}

export interface MatchInfo { operation?: string; mailbox?: string }

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly monotonicNow: () => number = () => performance.now()) {}

  add(spec: FaultSpec): ActiveFault {
    const f: ActiveFault = {
      ...spec, id: this.nextId++,
      remaining: spec.durationMs !== undefined ? Infinity : (spec.count ?? 1),
      until: spec.durationMs !== undefined ? this.monotonicNow() + spec.durationMs : undefined,
    };
    this.faults.push(f);
    return f;
  }

  list(): ActiveFault[] {
    this.prune();
    return this.faults.map((f) => ({ ...f }));
  }

  clear(id?: number): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  /** Consumes and returns the first matching fault of one of `kinds`. */
  take(kinds: readonly FaultKind[], info: MatchInfo): ActiveFault | undefined {
    this.prune();
    for (const f of this.faults) {
      if (!kinds.includes(f.kind)) continue;
      if (f.operation !== undefined && f.operation !== info.operation) continue;
      if (f.mailbox !== undefined && f.mailbox.toLowerCase() !== info.mailbox?.toLowerCase()) continue;
      f.remaining--;
      this.prune();
      return f;
    }
    return undefined;
  }

  private prune(): void {
    const now = this.monotonicNow();
    this.faults = this.faults.filter((f) => f.remaining > 0 && (f.until === undefined || f.until > now));
  }
}
