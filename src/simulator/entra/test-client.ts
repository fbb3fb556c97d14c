// A tiny HTTPS client for tests that talk to the fake authority the way a browser or an
// OAuth client would: trusts the test CA, never follows redirects, keeps the SSO cookie,
// parses the sign-in forms with a regular expression and posts them back. Not used by the
// fake itself; not the bridge's client (that is msal-node).

import { createHash, randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when it is JSON. */
  json: Record<string, unknown>;
}

export interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const decodeEntities = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');

/** The first <form> of a page: its action and its hidden/pre-filled inputs. */
export function parseForm(html: string): ParsedForm | undefined {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form?.[1]) return undefined;
  const fields: Record<string, string> = {};
  for (const m of (form[2] ?? '').matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*>/gi)) {
    if (m[1]) fields[decodeEntities(m[1])] = decodeEntities(m[2] ?? '');
  }
  return { action: decodeEntities(form[1]), fields };
}

export function decodeJwtPart(token: string, part: 0 | 1 = 1): Record<string, unknown> {
  const seg = token.split('.')[part] ?? '';
  return JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export interface SignInAnswers {
  username: string;
  password: string;
  otp?: string;
  consent?: 'accept' | 'decline';
}

export interface SignInResult {
  /** The Location of the final redirect (query/fragment modes). */
  location?: string;
  /** The auto-submitted form of response_mode=form_post. */
  formPost?: ParsedForm;
  /** Page titles walked through, e.g. ["Sign in", "Enter code", "Permissions requested"]. */
  pages: string[];
  /** The last page when the walk stopped on one (error page, or a missing answer). */
  lastHtml?: string;
}

/** `${authority}/oauth2/v2.0/authorize?…`, dropping undefined parameters. */
export function authorizeUrl(authority: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${authority}/oauth2/v2.0/authorize?${q.toString()}`;
}

export interface CodeRequest extends SignInAnswers {
  authority: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  /** More authorize parameters (state, nonce, prompt, response_mode …). */
  extra?: Record<string, string | undefined>;
}

export class EntraTestClient {
  private readonly agent: Agent;
  private cookie: string | undefined;

  constructor(readonly baseUrl: string, caCertPem: string) {
    this.agent = new Agent({ connect: caCertPem ? { ca: caCertPem } : {} });
  }

  private async send(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<HttpResult> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(url.startsWith('http') ? url : `${this.baseUrl}${url}`, {
      method: init.method, body: init.body, headers, redirect: 'manual', dispatcher: this.agent,
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    let json: Record<string, unknown> = {};
    if (res.headers.get('content-type')?.includes('json') && text) json = JSON.parse(text) as Record<string, unknown>;
    return { status: res.status, headers: res.headers as unknown as Headers, text, json };
  }

  get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.send(url, { method: 'GET', headers });
  }

  postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.send(url, { method: 'POST', body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  postJson(url: string, body: unknown): Promise<HttpResult> {
    return this.send(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  token(authority: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.postForm(`${authority}/oauth2/v2.0/token`, params, headers);
  }

  /** A code through POST /test/authorize (PKCE S256); returns the code, verifier and hook answer. */
  async codeViaHook(r: CodeRequest): Promise<{ code: string; verifier: string; redirectUrl: string; hook: HttpResult }> {
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(r.authority, {
      client_id: r.clientId, response_type: 'code', redirect_uri: r.redirectUri, scope: r.scope,
      code_challenge: challenge, code_challenge_method: 'S256', ...r.extra,
    });
    const hook = await this.postJson('/test/authorize', { authorizeUrl: url, username: r.username, password: r.password, otp: r.otp, consent: r.consent });
    const redirectUrl = typeof hook.json.redirectUrl === 'string' ? hook.json.redirectUrl : '';
    const code = redirectUrl ? new URL(redirectUrl.replace('#', '?')).searchParams.get('code') ?? '' : '';
    return { code, verifier, redirectUrl, hook };
  }

  forgetSession(): void {
    this.cookie = undefined;
  }

  /** Opens an authorize URL and answers the pages like a user in a browser. */
  async browserSignIn(authorizeUrl: string, a: SignInAnswers): Promise<SignInResult> {
    const pages: string[] = [];
    let res = await this.get(authorizeUrl);
    for (let i = 0; i < 6; i++) {
      if (res.status === 302) return { location: res.headers.get('location') ?? '', pages };
      const title = /<title>([^<]*)<\/title>/.exec(res.text)?.[1] ?? '';
      const form = parseForm(res.text);
      if (title === 'Working...' && form) return { formPost: form, pages };
      pages.push(title);
      if (!form) return { pages, lastHtml: res.text };
      if (title === 'Sign in') {
        if (res.text.includes('role="alert"') && pages.filter((p) => p === 'Sign in').length > 1) return { pages, lastHtml: res.text };
        res = await this.postForm(form.action, { ...form.fields, login: a.username, passwd: a.password });
      } else if (title === 'Enter code' && form.action === '/_login/otp') {
        if (a.otp === undefined || pages.filter((p) => p === 'Enter code').length > 1) return { pages, lastHtml: res.text };
        res = await this.postForm(form.action, { ...form.fields, otc: a.otp });
      } else if (title === 'Permissions requested') {
        if (!a.consent) return { pages, lastHtml: res.text };
        res = await this.postForm(form.action, { ...form.fields, consent: a.consent });
      } else {
        return { pages, lastHtml: res.text };
      }
    }
    return { pages, lastHtml: res.text };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
