// Test controls of the Graph endpoints, in process (`sim.graph`) and over HTTP as JSON under
// /_sim/graph/… for a bridge in a child process. Latency, counters and the request log are the
// simulator's shared ones (/_sim/latency, /_sim/counters, /_sim/log): Graph requests appear
// there under `graph:*` operation names.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphAuthCounters } from './auth.js';
import type { GraphEndpoint } from './endpoint.js';
import type { ActiveThrottle, ThrottleSpec } from './throttle.js';
import { readJson } from '../http-body.js';

export interface GraphState {
  perCalendarDelta: boolean;
  concurrencyLimit: number;
  concurrencyRefusals: number;
  deltaTokensRefused: boolean;
  throttles: ActiveThrottle[];
  auth: GraphAuthCounters;
}

export class GraphControl {
  constructor(private readonly g: GraphEndpoint) {}

  /** 429 / 503 / 504 with Retry-After for the next `count` Graph requests (of one mailbox). */
  throttle(spec: ThrottleSpec = {}): ActiveThrottle {
    return this.g.throttle.add(spec);
  }
  clearThrottles(): void {
    this.g.throttle.clear();
  }
  /** In-flight Graph requests allowed per mailbox before 429 ApplicationThrottled (default 4). */
  setConcurrencyLimit(n: number): void {
    this.g.throttle.limit = Math.max(1, Math.floor(n));
  }
  /** false: …/calendars/{id}/calendarView/delta answers 400 as v1.0 may (OAUTH-NOTES §11 [unverified]). */
  setPerCalendarDelta(enabled: boolean): void {
    this.g.delta.switches.perCalendar = enabled;
  }
  /** Mailboxes app-only tokens may read; undefined = every mailbox. */
  setAppScope(mailboxes: readonly string[] | undefined): void {
    this.g.auth.setAppScope(mailboxes);
  }
  /** Every delta/skip token issued so far answers 410 SyncStateNotFound (cache eviction). */
  expireDeltaTokens(): void {
    this.g.delta.switches.generation++;
  }
  /** The next `count` requests carrying a delta or skip token answer 410. */
  failNextDeltaTokens(count = 1): void {
    this.g.delta.switches.failNext += Math.max(0, Math.floor(count));
  }
  /** true: every request carrying a token answers 410 until switched off. */
  setDeltaTokensRefused(refused: boolean): void {
    this.g.delta.switches.failAll = refused;
  }
  authCounters(): GraphAuthCounters {
    return this.g.auth.counters();
  }
  state(): GraphState {
    const s = this.g.delta.switches;
    return {
      perCalendarDelta: s.perCalendar, concurrencyLimit: this.g.throttle.limit, concurrencyRefusals: this.g.throttle.concurrencyRefusals,
      deltaTokensRefused: s.failAll, throttles: this.g.throttle.list(), auth: this.g.auth.counters(),
    };
  }
  /** Clears throttles, token switches and auth counters (settings stay). */
  reset(): void {
    this.g.throttle.clear();
    this.g.throttle.concurrencyRefusals = 0;
    this.g.delta.switches.failNext = 0;
    this.g.delta.switches.failAll = false;
    this.g.auth.reset();
  }

  /** Serves /_sim/graph… ; returns false for other paths. */
  async handleHttp(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path !== '/_sim/graph' && !path.startsWith('/_sim/graph/')) return false;
    const send = (status: number, value?: unknown): void => {
      const body = value === undefined ? '' : JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    };
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch (err) {
      send(400, { error: err instanceof Error ? err.message : String(err) });
      return true;
    }
    const route = `${req.method ?? 'GET'} ${path}`;
    try {
      switch (route) {
        case 'GET /_sim/graph': send(200, this.state()); break;
        case 'POST /_sim/graph/throttle': send(201, this.throttle(body as ThrottleSpec)); break;
        case 'DELETE /_sim/graph/throttle': this.clearThrottles(); send(204); break;
        case 'POST /_sim/graph/delta-tokens':
          if (body.expire === true) this.expireDeltaTokens();
          if (typeof body.failNext === 'number') this.failNextDeltaTokens(body.failNext);
          if (typeof body.refuseAll === 'boolean') this.setDeltaTokensRefused(body.refuseAll);
          send(204);
          break;
        case 'POST /_sim/graph/settings':
          if (typeof body.perCalendarDelta === 'boolean') this.setPerCalendarDelta(body.perCalendarDelta);
          if (typeof body.concurrencyLimit === 'number') this.setConcurrencyLimit(body.concurrencyLimit);
          if (body.appScope === null) this.setAppScope(undefined);
          else if (Array.isArray(body.appScope)) this.setAppScope(body.appScope.map(String));
          send(200, this.state());
          break;
        case 'POST /_sim/graph/reset': this.reset(); send(204); break;
        default: send(404, { error: `no control route ${route}` });
      }
    } catch (err) {
      if (err instanceof RangeError) send(400, { error: err.message });
      else throw err;
    }
    return true;
  }
}
