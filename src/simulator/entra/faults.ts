// Injected failures (OAUTH-NOTES §10.11): 429 / 503 with Retry-After, and slow answers, for the
// next N requests to an endpoint. msal-node throttles identical requests after a 429/5xx or
// any Retry-After (OAUTH-NOTES §9), which is exactly what tests of the bridge must survive.

export type EntraEndpoint = 'discovery' | 'keys' | 'authorize' | 'token' | 'devicecode' | 'devicelogin';

export interface EntraFaultSpec {
  kind: 'http429' | 'http503' | 'slow';
  /** Only this endpoint (default: every protocol endpoint, never the control API). */
  endpoint?: EntraEndpoint;
  /** Only token requests of this grant type (normalised: `device_code` for both spellings). */
  grantType?: string;
  /** Number of matching requests affected (default 1). */
  count?: number;
  /** Retry-After seconds for 429/503 (default 1; `null` omits the header). */
  retryAfterSeconds?: number | null;
  /** slow: added delay in ms (real time; default 200). */
  delayMs?: number;
}

export interface ActiveEntraFault extends EntraFaultSpec {
  id: number;
  remaining: number;
}

export class EntraFaults {
  private active: ActiveEntraFault[] = [];
  private nextId = 1;

  add(spec: EntraFaultSpec): ActiveEntraFault {
    const f = { ...spec, id: this.nextId++, remaining: spec.count ?? 1 };
    this.active.push(f);
    return { ...f };
  }

  list(): ActiveEntraFault[] {
    return this.active.map((f) => ({ ...f }));
  }

  clear(): void {
    this.active = [];
  }

  /** Consumes the first fault matching this request. */
  take(endpoint: EntraEndpoint, grantType: string | undefined): ActiveEntraFault | undefined {
    const f = this.active.find((x) => (x.endpoint === undefined || x.endpoint === endpoint)
      && (x.grantType === undefined || x.grantType === grantType));
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.active = this.active.filter((x) => x !== f);
    return { ...f };
  }
}
