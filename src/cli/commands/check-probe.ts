// The EWS part every `ewsdav check` variant shares (password, oauth, oauth-app): one cheap
// authenticated call, then the calendar list; an EwsdavError becomes data a report can print.

import type { Config } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import { EWS_CLOUD_HOSTS } from '../../auth/upstream/oauth-deployment.js';
import { EXCHANGE_ONLINE_EWS } from '../../server/upstream.js';
import { DiscoveringSource } from '../../exchange/discovering-source.js';
import type { AutodiscoverStep } from '../../exchange/autodiscover.js';
import type { CalendarSource } from '../../store/types.js';

export interface ErrorJson {
  code: string;
  category: string;
  message: string;
  hint?: string;
}

export interface CalendarLine {
  name: string;
  kind: string;
  readOnly: boolean;
  itemCount?: number;
}

export interface ProbeResult {
  ok: boolean;
  serverVersion?: string;
  roundTripMs?: number;
  calendars?: CalendarLine[];
  /** exchange.url omitted: the EWS URL Autodiscover found, and each step it took (or tried). */
  autodiscover?: { ewsUrl?: string; steps: AutodiscoverStep[] };
  error?: ErrorJson;
}

export const errorJson = (e: EwsdavError): ErrorJson => ({ code: e.code, category: e.category, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });

export async function probeSource(source: CalendarSource): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const { serverVersion } = await source.verify();
    const roundTripMs = Math.round(performance.now() - started);
    const calendars = await source.listCalendars();
    const discovery = source instanceof DiscoveringSource ? source.discovery : undefined;
    return {
      ok: true,
      ...(serverVersion ? { serverVersion } : {}),
      roundTripMs,
      ...(discovery ? { autodiscover: { ewsUrl: discovery.ewsUrl, steps: discovery.steps } } : {}),
      calendars: calendars.map((c) => ({ name: c.name, kind: c.kind, readOnly: c.readOnly, ...(c.itemCount !== undefined ? { itemCount: c.itemCount } : {}) })),
    };
  } catch (error) {
    if (!(error instanceof EwsdavError)) throw error;
    const steps = Array.isArray(error.details['steps']) ? (error.details['steps'] as AutodiscoverStep[]) : undefined;
    return { ok: false, ...(steps ? { autodiscover: { steps } } : {}), error: errorJson(error) };
  }
}

/** EWS-NOTES §1, §14: Exchange Online blocks EWS by default from this day and retires it on the next. */
export const EXO_EWS_BLOCKED = Date.UTC(2026, 9, 1);
export const EXO_EWS_RETIRED = Date.UTC(2027, 3, 1);

export interface UpstreamNotice {
  /** "ews" or "graph": which API this deployment reads calendars with. */
  api: Config['exchange']['api'];
  /** Where: the EWS URL (or "autodiscover") or the Graph base URL. */
  endpoint: string;
  warnings: string[];
}

/** What `check` says about the API in use, and the Exchange Online EWS retirement when it applies. */
export function upstreamNotice(config: Config, now = Date.now()): UpstreamNotice {
  const { exchange } = config;
  if (exchange.api === 'graph') return { api: 'graph', endpoint: `${config.graph.url.replace(/\/$/, '')}/v1.0`, warnings: [] };
  const oauth = exchange.auth === 'oauth' || exchange.auth === 'oauth-app';
  const url = exchange.url ?? (oauth ? EXCHANGE_ONLINE_EWS : undefined);
  const online = url !== undefined && EWS_CLOUD_HOSTS.test(new URL(url).hostname);
  const warnings: string[] = [];
  if (online) {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const days = Math.ceil((EXO_EWS_RETIRED - now) / 86_400_000);
    const when = now >= EXO_EWS_RETIRED
      ? `Microsoft switched EWS off in Exchange Online on ${day(EXO_EWS_RETIRED)}`
      : `Exchange Online ${now >= EXO_EWS_BLOCKED ? 'blocks' : 'will block'} EWS by default from ${day(EXO_EWS_BLOCKED)} (allow-listed apps only) and switches it off on ${day(EXO_EWS_RETIRED)}, in ${days} day${days === 1 ? '' : 's'}`;
    warnings.push(
      `${when}. Switch this deployment to Microsoft Graph: set "exchange": {"api": "graph"} (exchange.auth "oauth" or "oauth-app", with the Calendars.Read permission).` +
        ' Calendar apps keep their accounts, URLs and data; see docs/graph.md.',
    );
  }
  return { api: 'ews', endpoint: url ?? '(autodiscover)', warnings };
}

/** The header lines every text report starts with. */
export function formatNotice(notice: UpstreamNotice, auth: string): string[] {
  const api = notice.api === 'graph' ? 'Microsoft Graph' : 'EWS';
  return [`Exchange  ${notice.endpoint}  (${auth}, ${api})`, ...notice.warnings.map((w) => `! ${w}`), ''];
}
