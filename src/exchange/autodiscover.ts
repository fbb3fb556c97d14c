// Finds the EWS URL of an on-prem mailbox with POX Autodiscover (EWS-NOTES §13,
// EWS/autodiscover-for-exchange): POST https://<domain>/autodiscover/autodiscover.xml, then
// https://autodiscover.<domain>/…, then the unauthenticated GET http://autodiscover.<domain>/…
// redirect probe (only an https target is taken), then DNS SRV _autodiscover._tcp.<domain>.
// Follows Action redirectAddr / redirectUrl and HTTP redirects up to 10 hops (WSR/action-pox:
// "stop redirecting after 10"), refuses http targets and loops, and sends credentials only over
// https with the dispatcher's certificate validation. Every step goes into a transcript that
// `ewsdav check` prints: how the URL was found, or why not.

import { resolveSrv as dnsResolveSrv } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';
import { Agent, type Dispatcher, type buildConnector } from 'undici';
import { EwsdavError, type ErrorCode } from '../errors.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { USER_AGENT } from './call.js';
import { networkError, offeredSchemes } from './errors.js';
import { parsePox, poxRequest, type PoxAnswer } from './autodiscover-pox.js';
import { AutodiscoverCache, defaultAutodiscoverCache, type AutodiscoverResult, type AutodiscoverStep } from './autodiscover-cache.js';

export { AutodiscoverCache, defaultAutodiscoverCache, type AutodiscoverResult, type AutodiscoverStep };

export interface AutodiscoverOptions {
  email: string;
  auth: UpstreamAuth;
  /** Where requests go (keep certificate validation on). Default: an Agent with `connect`. */
  dispatcher?: Dispatcher;
  connect?: buildConnector.BuildOptions;
  /** DNS SRV lookup; default node:dns/promises resolveSrv. */
  resolveSrv?: (name: string) => Promise<SrvRecord[]>;
  maxRedirects?: number;
  /** Per request, default 15 s. */
  timeoutMs?: number;
  /** Results per domain; default a process-wide cache (24 h). null: no caching. */
  cache?: AutodiscoverCache | null;
  userAgent?: string;
  signal?: AbortSignal;
}

const MAX_BODY = 1024 * 1024;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

function domainOf(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = at > 0 ? email.slice(at + 1).trim().toLowerCase() : '';
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', `Autodiscover needs a mailbox address like user@contoso.com, got "${email}".`, {
      hint: 'Give the primary SMTP address of the mailbox, or set exchange.url to the EWS URL.',
    });
  }
  return domain;
}

export async function autodiscover(options: AutodiscoverOptions): Promise<AutodiscoverResult> {
  const domain = domainOf(options.email);
  const cache = options.cache === undefined ? defaultAutodiscoverCache : options.cache;
  const hit = cache?.get(domain);
  if (hit) return hit;
  const base = options.dispatcher ?? new Agent({ connect: { timeout: 10_000, ...options.connect } });
  const authed = options.auth.wrapDispatcher?.(base) ?? base;
  try {
    const result = await new Discovery(options, base, authed).run(options.email);
    cache?.set(domain, result);
    return result;
  } finally {
    if (authed !== base) await authed.close().catch(() => undefined);
    if (!options.dispatcher) await base.close().catch(() => undefined);
  }
}

type Found = { kind: 'found'; ewsUrl: string; protocol: string; email: string };
type Hop = Found | { kind: 'address'; address: string } | undefined;

class Discovery {
  readonly steps: AutodiscoverStep[] = [];
  readonly #opts: AutodiscoverOptions;
  readonly #base: Dispatcher;
  readonly #authed: Dispatcher;
  readonly #max: number;
  readonly #timeout: number;
  readonly #visited = new Set<string>();
  #redirects = 0;
  #rejectedCredentials = false;
  #allNetwork = true;

  constructor(opts: AutodiscoverOptions, base: Dispatcher, authed: Dispatcher) {
    this.#opts = opts;
    this.#base = base;
    this.#authed = authed;
    this.#max = opts.maxRedirects ?? 10;
    this.#timeout = opts.timeoutMs ?? 15_000;
  }

  async run(email: string): Promise<AutodiscoverResult> {
    const addresses = new Set<string>([email.toLowerCase()]);
    let current = email;
    for (;;) {
      const hop = await this.#discover(current);
      if (hop?.kind === 'found') return { ewsUrl: hop.ewsUrl, protocol: hop.protocol, email: hop.email, steps: this.steps, cached: false };
      if (!hop) throw this.#notFound(email);
      if (addresses.has(hop.address.toLowerCase())) throw this.#fatal(`Autodiscover for ${email} went in a loop: redirectAddr led back to ${hop.address}.`);
      addresses.add(hop.address.toLowerCase());
      this.#hop(`redirectAddr ${current} → ${hop.address}`);
      current = hop.address;
    }
  }

  /** The four ways in, for one address (EWS/autodiscover-for-exchange, "Generate a list of endpoints"). */
  async #discover(email: string): Promise<Hop> {
    const domain = domainOf(email);
    for (const host of [domain, `autodiscover.${domain}`]) {
      const hop = await this.#follow(`https://${host}/autodiscover/autodiscover.xml`, email);
      if (hop) return hop;
    }
    const probed = await this.#probe(domain, email);
    if (probed) {
      const hop = await this.#follow(probed, email);
      if (hop) return hop;
    }
    for (const url of await this.#srv(domain)) {
      const hop = await this.#follow(url, email);
      if (hop) return hop;
    }
    return undefined;
  }

  /** POSTs to `url` and follows redirectUrl answers and HTTP redirects from there. */
  async #follow(url: string, email: string): Promise<Hop> {
    let next = url;
    for (;;) {
      const key = `${next.toLowerCase()}|${email.toLowerCase()}`;
      if (this.#visited.has(key)) throw this.#fatal(`Autodiscover for ${email} went in a loop: ${next} was asked twice.`);
      this.#visited.add(key);
      const r = await this.#post(next, email);
      if (r.kind === 'answer') {
        const a = r.answer;
        if (a.kind === 'settings') return { kind: 'found', ewsUrl: a.ewsUrl, protocol: a.protocol, email };
        if (a.kind === 'redirectAddr') return { kind: 'address', address: a.address };
        if (a.kind === 'error') return undefined;
      }
      if (r.kind === 'fail') return undefined;
      const target = r.kind === 'redirect' ? r.location : (r.answer as { url: string }).url;
      if (!this.#acceptRedirect(next, target, email)) return undefined;
      this.#hop(`${next} → ${target}`);
      next = target;
    }
  }

  #acceptRedirect(from: string, target: string, email: string): boolean {
    let url: URL;
    try {
      url = new URL(target, from);
    } catch {
      this.steps.push({ method: 'POST', url: from, email, result: `refused: unusable redirect target "${target}"` });
      return false;
    }
    if (url.protocol !== 'https:') {
      // Credentials never travel over plain http (EWS-NOTES §13: validate HTTPS before sending them).
      this.#allNetwork = false;
      this.steps.push({ method: 'POST', url: from, email, result: `refused: redirect to ${url.href} is not https` });
      return false;
    }
    return true;
  }

  #hop(what: string): void {
    if (++this.#redirects > this.#max) throw this.#fatal(`Autodiscover gave up after ${this.#max} redirects (last: ${what}).`);
  }

  async #post(url: string, email: string): Promise<{ kind: 'answer'; answer: PoxAnswer } | { kind: 'redirect'; location: string } | { kind: 'fail' }> {
    const u = new URL(url);
    const step: AutodiscoverStep = { method: 'POST', url, email, result: '' };
    this.steps.push(step);
    try {
      const authorization = await this.#opts.auth.authorize({ url: u, mailbox: email, attempt: 1, signal: this.#opts.signal });
      const res = await this.#authed.request({
        origin: u.origin, path: u.pathname + u.search, method: 'POST', body: poxRequest(email),
        headers: { 'content-type': 'text/xml; charset=utf-8', 'user-agent': this.#opts.userAgent ?? USER_AGENT, ...authorization.headers },
        signal: this.#signal(), headersTimeout: this.#timeout, bodyTimeout: this.#timeout,
      });
      step.status = res.statusCode;
      this.#allNetwork = false;
      if (REDIRECT_STATUSES.has(res.statusCode)) {
        await res.body.dump().catch(() => undefined);
        const location = String(res.headers.location ?? '');
        step.result = `HTTP ${res.statusCode} → ${location || '(no Location)'}`;
        return location ? { kind: 'redirect', location: new URL(location, url).href } : { kind: 'fail' };
      }
      if (res.statusCode === 401) {
        await res.body.dump().catch(() => undefined);
        this.#rejectedCredentials = true;
        const offered = offeredSchemes(res.headers['www-authenticate']);
        step.result = `HTTP 401: credentials rejected${offered.length ? ` (offers ${offered.join(', ')})` : ''}`;
        return { kind: 'fail' };
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        step.result = `HTTP ${res.statusCode}`;
        return { kind: 'fail' };
      }
      const answer = parsePox(await readLimited(res.body));
      step.result = describe(answer);
      return { kind: 'answer', answer };
    } catch (err) {
      this.#noteFailure(step, err, url, email);
      return { kind: 'fail' };
    }
  }

  /** Unauthenticated GET on http: a 302 to the real https Autodiscover host, nothing else is used. */
  async #probe(domain: string, email: string): Promise<string | undefined> {
    const url = `http://autodiscover.${domain}/autodiscover/autodiscover.xml`;
    const step: AutodiscoverStep = { method: 'GET', url, result: '' };
    this.steps.push(step);
    try {
      const res = await this.#base.request({ origin: new URL(url).origin, path: '/autodiscover/autodiscover.xml', method: 'GET', headers: { 'user-agent': this.#opts.userAgent ?? USER_AGENT }, signal: this.#signal(), headersTimeout: this.#timeout, bodyTimeout: this.#timeout });
      await res.body.dump().catch(() => undefined);
      step.status = res.statusCode;
      this.#allNetwork = false;
      const location = String(res.headers.location ?? '');
      if (!REDIRECT_STATUSES.has(res.statusCode) || !location) {
        step.result = `HTTP ${res.statusCode} (no redirect)`;
        return undefined;
      }
      const target = new URL(location, url).href;
      step.result = `HTTP ${res.statusCode} → ${target}`;
      if (!this.#acceptRedirect(url, target, email)) return undefined;
      this.#hop(`${url} → ${target}`);
      return target;
    } catch (err) {
      this.#noteFailure(step, err, url, email);
      return undefined;
    }
  }

  async #srv(domain: string): Promise<string[]> {
    const name = `_autodiscover._tcp.${domain}`;
    const step: AutodiscoverStep = { method: 'SRV', url: name, result: '' };
    this.steps.push(step);
    let records: SrvRecord[];
    try {
      records = await (this.#opts.resolveSrv ?? dnsResolveSrv)(name);
    } catch (err) {
      step.result = `no SRV record (${(err as { code?: string }).code ?? 'lookup failed'})`;
      return [];
    }
    this.#allNetwork = false;
    // RFC 2782: lowest priority first, then the heaviest weight.
    const sorted = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    const urls = sorted.map((r) => `https://${r.name.replace(/\.$/, '')}${r.port === 443 ? '' : `:${r.port}`}/autodiscover/autodiscover.xml`);
    step.result = urls.length ? `→ ${urls.join(', ')}` : 'no SRV record';
    return urls;
  }

  #noteFailure(step: AutodiscoverStep, err: unknown, url: string, email: string): void {
    if (err instanceof EwsdavError) {
      if (err.category === 'auth') this.#rejectedCredentials = true;
      if (err.category !== 'transient') this.#allNetwork = false;
      step.result = err.message;
      return;
    }
    if (err instanceof Error && !('code' in err) && err.name !== 'AbortError' && err.name !== 'TimeoutError') {
      this.#allNetwork = false;
      step.result = `unreadable answer: ${err.message}`;
      return;
    }
    if (this.#opts.signal?.aborted) throw this.#opts.signal.reason;
    step.result = networkError({ operation: 'Autodiscover', mailbox: email, url: new URL(url) }, err).message;
  }

  #signal(): AbortSignal {
    const t = AbortSignal.timeout(this.#timeout);
    return this.#opts.signal ? AbortSignal.any([this.#opts.signal, t]) : t;
  }

  #transcript(): string {
    return this.steps.map((s) => `${s.method} ${s.url}${s.email ? ` (${s.email})` : ''}: ${s.result}`).join('\n');
  }

  #fatal(message: string): EwsdavError {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', message, {
      steps: this.steps,
      hint: `Steps tried:\n${this.#transcript()}\nFix the Autodiscover setup, or set exchange.url to the EWS URL.`,
    });
  }

  #notFound(email: string): EwsdavError {
    const code: ErrorCode = this.#rejectedCredentials ? 'EWSDAV_ERR_UPSTREAM_AUTH' : this.#allNetwork ? 'EWSDAV_ERR_UPSTREAM_NETWORK' : 'EWSDAV_ERR_UPSTREAM_RESPONSE';
    const tried = this.steps.map((s) => `${s.method === 'SRV' ? 'SRV ' : ''}${s.url}: ${s.result}`).join('; ');
    return new EwsdavError(code, `Autodiscover found no EWS URL for ${email} (tried ${tried}).`, {
      steps: this.steps,
      hint:
        (this.#rejectedCredentials ? 'An Autodiscover server rejected the credentials: check the user name and password. ' : '') +
        'Set exchange.url to the EWS URL (https://<server>/EWS/Exchange.asmx) to skip Autodiscover.',
    });
  }
}

function describe(a: PoxAnswer): string {
  switch (a.kind) {
    case 'settings':
      return `settings: EwsUrl ${a.ewsUrl} (${a.protocol})`;
    case 'redirectAddr':
      return `redirectAddr → ${a.address}`;
    case 'redirectUrl':
      return `redirectUrl → ${a.url}`;
    case 'error':
      return `Autodiscover error ${a.code}${a.message ? `: ${a.message}` : ''}`;
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) {
      body.destroy();
      throw new Error(`answer larger than ${MAX_BODY} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
