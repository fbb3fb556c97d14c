// The request envelope (EWS-NOTES §2.3; WSR/requestserverversion, WSR/exchangeimpersonation,
// WSR/timezonecontext). Header elements must keep this order.

import { NS_MESSAGES, NS_SOAP, NS_TYPES, type ExchangeVersion } from './namespaces.js';
import { el, textEl } from './xml-writer.js';

export interface EnvelopeInput {
  version: ExchangeVersion;
  /** Primary SMTP address to impersonate (app-only OAuth). */
  impersonate?: string;
  /** Windows zone id: response dateTimes then carry that zone's offset (§7.4). */
  timeZoneContext?: string;
  /** The serialised m:<Operation> element. */
  body: string;
}

export function buildEnvelope(input: EnvelopeInput): string {
  const header =
    el('t:RequestServerVersion', { Version: input.version }) +
    (input.impersonate
      ? el('t:ExchangeImpersonation', undefined, el('t:ConnectingSID', undefined, textEl('t:PrimarySmtpAddress', input.impersonate)))
      : '') +
    (input.timeZoneContext ? el('t:TimeZoneContext', undefined, el('t:TimeZoneDefinition', { Id: input.timeZoneContext })) : '');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${NS_SOAP}" xmlns:t="${NS_TYPES}" xmlns:m="${NS_MESSAGES}">` +
    `<soap:Header>${header}</soap:Header><soap:Body>${input.body}</soap:Body></soap:Envelope>`
  );
}
