// Graph throttling as Outlook applies it (graph-contract.md "Throttling", OAUTH-NOTES §11):
// injected 429 / 503 / 504 answers with Retry-After for the next N requests (of one mailbox
// or any), and the per-mailbox concurrency limit of 4 in-flight requests — the 5th gets
// 429 ApplicationThrottled with Retry-After 1.

import { GraphError } from './http.js';

export interface ThrottleSpec {
  /** HTTP status to answer (default 429). */
  status?: 429 | 503 | 504;
  /** Applies to the next `count` Graph requests (default 1). */
  count?: number;
  /** Retry-After seconds (default 1; `null` sends no Retry-After). */
  retryAfterSeconds?: number | null;
  /** Only requests acting on this mailbox. */
  mailbox?: string;
  /** Only requests of this operation, e.g. `graph:delta`. */
  operation?: string;
}

export interface ActiveThrottle extends ThrottleSpec {
  id: number;
  remaining: number;
}

const BODY: Record<429 | 503 | 504, [string, string]> = {
  429: ['TooManyRequests', 'Too many requests. Please retry after the time given in Retry-After.'],
  503: ['ServiceNotAvailable', 'The service is temporarily unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The service did not respond in time. Please retry later.'],
};

export class GraphThrottle {
  private injected: ActiveThrottle[] = [];
  private nextId = 1;
  private readonly inFlight = new Map<string, number>();
  limit = 4;
  /** How many requests the concurrency limit refused (tests assert on it). */
  concurrencyRefusals = 0;

  add(spec: ThrottleSpec): ActiveThrottle {
    const status = spec.status ?? 429;
    if (![429, 503, 504].includes(status)) throw new RangeError(`status must be 429, 503 or 504, not ${String(status)}`);
    const t: ActiveThrottle = { ...spec, status, id: this.nextId++, remaining: Math.max(1, spec.count ?? 1) };
    this.injected.push(t);
    return { ...t };
  }

  list(): ActiveThrottle[] {
    return this.injected.map((t) => ({ ...t }));
  }

  clear(): void {
    this.injected = [];
  }

  /** Consumes an injected throttle matching this request and returns its answer. */
  takeInjected(mailbox: string, operation: string): GraphError | undefined {
    const t = this.injected.find((x) => (x.mailbox === undefined || x.mailbox.toLowerCase() === mailbox)
      && (x.operation === undefined || x.operation === operation));
    if (!t) return undefined;
    t.remaining--;
    this.injected = this.injected.filter((x) => x.remaining > 0);
    const status = t.status ?? 429;
    const [code, message] = BODY[status];
    const headers: Record<string, string> = t.retryAfterSeconds === null ? {} : { 'retry-after': String(t.retryAfterSeconds ?? 1) };
    return new GraphError(status, code, message, headers);
  }

  /** Takes a concurrency slot for the mailbox, or returns the 429 to answer. */
  enter(mailbox: string): GraphError | undefined {
    const n = this.inFlight.get(mailbox) ?? 0;
    if (n >= this.limit) return this.refuse();
    this.inFlight.set(mailbox, n + 1);
    return undefined;
  }

  /** Takes a slot if one is free, without counting a refusal ($batch lanes, batch.ts). */
  tryEnter(mailbox: string): boolean {
    const n = this.inFlight.get(mailbox) ?? 0;
    if (n >= this.limit) return false;
    this.inFlight.set(mailbox, n + 1);
    return true;
  }

  /** The answer to a request that found no free slot (counted). */
  refuse(): GraphError {
    this.concurrencyRefusals++;
    return new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': '1' });
  }

  leave(mailbox: string): void {
    const n = (this.inFlight.get(mailbox) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(mailbox);
    else this.inFlight.set(mailbox, n);
  }
}
