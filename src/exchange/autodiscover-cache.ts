// What Autodiscover returns (the EWS URL and the transcript of how it was found) and the
// per-domain cache of it: every mailbox of an on-prem domain shares one EWS URL, so one lookup
// serves all of them until the TTL runs out.

export interface AutodiscoverStep {
  /** POST = an Autodiscover request (with credentials), GET = the http redirect probe, SRV = DNS. */
  method: 'POST' | 'GET' | 'SRV';
  url: string;
  /** The address asked for (it changes after redirectAddr). */
  email?: string;
  status?: number;
  /** What happened, for people: "HTTP 404", "redirectUrl → https://…", "refused: …". */
  result: string;
}

export interface AutodiscoverResult {
  ewsUrl: string;
  /** Protocol Type the URL came from: EXPR (external) or EXCH (internal). */
  protocol: string;
  /** The address the answer was for (after any redirectAddr). */
  email: string;
  steps: AutodiscoverStep[];
  cached: boolean;
}

export class AutodiscoverCache {
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { result: Omit<AutodiscoverResult, 'cached'>; expires: number }>();
  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttl = options.ttlMs ?? 24 * 3_600_000;
    this.#now = options.now ?? Date.now;
  }
  get(domain: string): AutodiscoverResult | undefined {
    const e = this.#entries.get(domain.toLowerCase());
    if (!e) return undefined;
    if (e.expires <= this.#now()) {
      this.#entries.delete(domain.toLowerCase());
      return undefined;
    }
    return { ...e.result, steps: e.result.steps.map((s) => ({ ...s })), cached: true };
  }
  set(domain: string, result: AutodiscoverResult): void {
    const { cached: _cached, ...rest } = result;
    this.#entries.set(domain.toLowerCase(), { result: rest, expires: this.#now() + this.#ttl });
  }
  clear(): void {
    this.#entries.clear();
  }
}

export const defaultAutodiscoverCache = new AutodiscoverCache();
