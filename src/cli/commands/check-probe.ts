// The EWS part every `ewsdav check` variant shares (password, oauth, oauth-app): one cheap
// authenticated call, then the calendar list; an EwsdavError becomes data a report can print.

import { EwsdavError } from '../../errors.js';
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
