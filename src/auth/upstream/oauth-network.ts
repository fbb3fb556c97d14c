// The HTTP client msal-node and the device-code poller use to reach the authority. msal-node 7
// sends through Node's global fetch (OAUTH-NOTES §9), which cannot be given a CA or a timeout per
// deployment; an own INetworkModule on undici can: `connect.ca` trusts a private CA (the tests'
// fake authority on 127.0.0.1, or a TLS-inspecting proxy's CA) inside the running process, where
// NODE_EXTRA_CA_CERTS would only work if set before the process started. Bodies are never logged.

import { Agent, request, type buildConnector } from 'undici';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export interface AuthorityHttpOptions {
  connect?: buildConnector.BuildOptions;
  /** Per request, default 30 s. */
  timeoutMs?: number;
}

export class AuthorityHttp implements INetworkModule {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: AuthorityHttpOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({ connect: { timeout: 10_000, ...options.connect }, keepAliveTimeout: 30_000 });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  /** A form POST with a JSON answer, for the protocol steps done without msal (device code, §4). */
  async postForm(url: string, form: Record<string, string>): Promise<NetworkResponse<Record<string, unknown>>> {
    return this.#send('POST', url, { headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const res = await request(url, {
      method,
      dispatcher: this.#agent,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      signal: AbortSignal.timeout(timeout ?? this.#timeoutMs),
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    let body: unknown = {};
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        // msal turns a non-JSON error body into its own error from the status; keep the shape.
        body = { error: 'invalid_response', error_description: `HTTP ${res.statusCode} from the authority without a JSON body` };
      }
    }
    return { status: res.statusCode, headers, body: body as T };
  }
}
