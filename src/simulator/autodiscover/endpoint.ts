// POX Autodiscover as an on-prem Exchange CAS serves it (EWS-NOTES §13; MS-OXDSCLI §3.2.5):
// POST /autodiscover/autodiscover.xml, authenticated like EWS, answering settings with
// Protocol EXCH/EXPR EwsUrl, or Action redirectAddr / redirectUrl, or an Error. The simulator
// plays several host names at once (tests route them all to 127.0.0.1): behaviour is chosen per
// Host header, so a test can make `example.com` 404, `autodiscover.example.com` redirect, and so on.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthDecision } from '../auth.js';
import type { MailboxStore } from '../mailbox/store.js';
import type { RequestLogEntry } from '../stats.js';
import { parseXml, type XmlNode } from '../xml/parser.js';
import { escapeText } from '../xml/writer.js';

export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';
const NS_REQUEST = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const NS_RESPONSE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const NS_OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** What one host name does with Autodiscover requests. */
export type HostBehaviour =
  | { kind: 'serve' } // answer settings (the default)
  | { kind: 'status'; status: number } // e.g. 404: no Autodiscover here
  | { kind: 'redirectUrl'; url: string } // Action redirectUrl in a 200 answer
  | { kind: 'http302'; location: string }; // HTTP 302, for POST and for the unauthenticated GET probe

/** The hooks server.ts lends the endpoint: the same authentication and request log as EWS. */
export interface AutodiscoverContext {
  authenticate(req: IncomingMessage): AuthDecision;
  challenge(res: ServerResponse, headers: string[]): void;
  record(entry: Omit<RequestLogEntry, 'seq'>): void;
  store: MailboxStore;
}

export interface AutodiscoverRequestRecord {
  host: string;
  method: string;
  status: number;
  email?: string;
  outcome: string;
}

export class AutodiscoverEndpoint {
  #hosts = new Map<string, HostBehaviour>();
  #addrRedirects = new Map<string, string>();
  #ewsUrl: (host: string) => string;
  readonly #defaultEwsUrl: (host: string) => string;
  #log: AutodiscoverRequestRecord[] = [];

  /** `ewsUrl`: the EWS URL announced in settings; default `https://<Host header>/EWS/Exchange.asmx`. */
  constructor(options: { ewsUrl?: string | ((host: string) => string) } = {}) {
    const u = options.ewsUrl;
    this.#defaultEwsUrl = typeof u === 'function' ? u : u ? () => u : (host) => `https://${host}/EWS/Exchange.asmx`;
    this.#ewsUrl = this.#defaultEwsUrl;
  }

  // --- control -------------------------------------------------------------------------------
  setHost(host: string, behaviour: HostBehaviour): this {
    this.#hosts.set(host.toLowerCase(), behaviour);
    return this;
  }
  setEwsUrl(url: string | ((host: string) => string)): this {
    this.#ewsUrl = typeof url === 'function' ? url : () => url;
    return this;
  }
  /** Answer requests for `from` with Action redirectAddr → `to`. */
  redirectAddr(from: string, to: string): this {
    this.#addrRedirects.set(from.toLowerCase(), to);
    return this;
  }
  reset(): void {
    this.#hosts.clear();
    this.#addrRedirects.clear();
    this.#ewsUrl = this.#defaultEwsUrl;
    this.#log = [];
  }
  requests(): AutodiscoverRequestRecord[] {
    return this.#log.map((r) => ({ ...r }));
  }

  // --- HTTP ----------------------------------------------------------------------------------
  handles(path: string): boolean {
    return path.toLowerCase() === AUTODISCOVER_PATH;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: string, ctx: AutodiscoverContext): Promise<void> {
    const host = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '').toLowerCase();
    const method = req.method ?? 'GET';
    const behaviour = this.#hosts.get(host) ?? { kind: 'serve' };
    const done = (status: number, outcome: string, email?: string): void => {
      this.#log.push({ host, method, status, outcome, ...(email ? { email } : {}) });
      ctx.record({ time: new Date().toISOString(), method, path: req.url ?? AUTODISCOVER_PATH, status, operation: 'Autodiscover', ...(email ? { mailbox: email } : {}) });
    };
    // Redirects and "nothing here" come before authentication, as a front-end proxy answers them.
    if (behaviour.kind === 'http302') {
      res.writeHead(302, { location: behaviour.location, 'content-length': '0' }).end();
      return done(302, `302 → ${behaviour.location}`);
    }
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': 'text/html', 'content-length': '0' }).end();
      return done(behaviour.status, `HTTP ${behaviour.status}`);
    }
    if (method !== 'POST') {
      // The GET probe on a real CAS ends in 401 or 403 (MS-OXDSCLI: only POST is served).
      res.writeHead(403, { 'content-length': '0' }).end();
      return done(403, 'GET not served');
    }
    const decision = ctx.authenticate(req);
    if (decision.kind !== 'ok') {
      ctx.challenge(res, decision.headers);
      return done(401, `401 (${decision.reason})`);
    }
    let email: string | undefined;
    try {
      const doc = parseXml(body);
      email = requestedAddress(doc);
    } catch {
      email = undefined;
    }
    if (!email) return this.#send(res, errorXml('600', 'Invalid Request'), () => done(200, 'error 600'));
    if (behaviour.kind === 'redirectUrl') {
      return this.#send(res, accountXml(`<Action>redirectUrl</Action><RedirectUrl>${escapeText(behaviour.url)}</RedirectUrl>`), () => done(200, `redirectUrl → ${behaviour.url}`, email));
    }
    const target = this.#addrRedirects.get(email.toLowerCase());
    if (target) return this.#send(res, accountXml(`<Action>redirectAddr</Action><RedirectAddr>${escapeText(target)}</RedirectAddr>`), () => done(200, `redirectAddr → ${target}`, email));
    const mb = ctx.store.mailbox(email.toLowerCase());
    if (!mb) return this.#send(res, errorXml('500', 'The email address can\'t be found.'), () => done(200, 'error 500', email));
    const ews = this.#ewsUrl(host);
    const server = new URL(ews).hostname;
    const user = `<User><DisplayName>${escapeText(mb.displayName ?? mb.smtp)}</DisplayName><AutoDiscoverSMTPAddress>${escapeText(mb.smtp)}</AutoDiscoverSMTPAddress></User>`;
    // EXCH is the internal, EXPR the external (Outlook Anywhere) endpoint; both carry EwsUrl.
    const protocol = (type: string): string => `<Protocol><Type>${type}</Type><Server>${escapeText(server)}</Server><ASUrl>${escapeText(ews)}</ASUrl><EwsUrl>${escapeText(ews)}</EwsUrl></Protocol>`;
    const xml = accountXml(`<Action>settings</Action><MicrosoftOnline>False</MicrosoftOnline>${protocol('EXCH')}${protocol('EXPR')}`, user);
    return this.#send(res, xml, () => done(200, `settings → ${ews}`, email));
  }

  #send(res: ServerResponse, xml: string, after: () => void): void {
    const payload = Buffer.from(xml, 'utf8');
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(payload.length) }).end(payload);
    after();
  }
}

function requestedAddress(doc: XmlNode): string | undefined {
  if (doc.local !== 'Autodiscover' || doc.ns !== NS_REQUEST) return undefined;
  const request = doc.children.find((c) => c.local === 'Request');
  const addr = request?.children.find((c) => c.local === 'EMailAddress')?.text.trim();
  return addr || undefined;
}

function accountXml(account: string, user = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${NS_RESPONSE}"><Response xmlns="${NS_OUTLOOK}">${user}<Account><AccountType>email</AccountType>${account}</Account></Response></Autodiscover>`;
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${NS_RESPONSE}"><Response><Error Time="00:00:00.0000000" Id="1"><ErrorCode>${code}</ErrorCode><Message>${escapeText(message)}</Message><DebugData /></Error></Response></Autodiscover>`;
}
