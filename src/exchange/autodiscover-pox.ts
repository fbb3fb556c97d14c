// POX Autodiscover documents (EWS-NOTES §13; WSR/pox-autodiscover-request-for-exchange,
// WSR/pox-autodiscover-response-for-exchange): the request body and a reader for the answer —
// settings with Protocol EwsUrl, Action redirectAddr / redirectUrl, or an Error.

import { escapeText } from './xml-writer.js';
import { readXml, type XmlElement } from './xml-reader.js';

const NS_REQUEST = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

export function poxRequest(email: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${NS_REQUEST}"><Request>` +
    `<EMailAddress>${escapeText(email)}</EMailAddress>` +
    `<AcceptableResponseSchema>${RESPONSE_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>`
  );
}

export type PoxAnswer =
  | { kind: 'settings'; ewsUrl: string; protocol: string }
  | { kind: 'redirectAddr'; address: string }
  | { kind: 'redirectUrl'; url: string }
  | { kind: 'error'; code: string; message: string };

// Namespaces differ between the success (outlook/responseschema/2006a) and the error
// (responseschema/2006) forms, so the reader goes by local names below the root.
function kid(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

function text(el: XmlElement | undefined, name: string): string | undefined {
  const v = kid(el, name)?.text.trim();
  return v ? v : undefined;
}

/** Parses a POX answer; throws (XmlSyntaxError or Error) when it is not one. */
export function parsePox(xml: string): PoxAnswer {
  let response: XmlElement | undefined;
  let root = '';
  readXml(xml, {
    open(depth, _ns, name) {
      if (depth === 0) root = name;
      return depth === 1 && name === 'Response';
    },
    element(_depth, el) {
      response ??= el;
    },
  });
  if (root !== 'Autodiscover' || !response) throw new Error('not an Autodiscover response');
  const error = kid(response, 'Error');
  if (error) return { kind: 'error', code: text(error, 'ErrorCode') ?? '?', message: text(error, 'Message') ?? '' };
  const account = kid(response, 'Account');
  const accountError = kid(account, 'Error');
  if (accountError) return { kind: 'error', code: text(accountError, 'ErrorCode') ?? '?', message: text(accountError, 'Message') ?? '' };
  const action = text(account, 'Action');
  if (action === 'redirectAddr') {
    const address = text(account, 'RedirectAddr');
    if (!address) throw new Error('redirectAddr without RedirectAddr');
    return { kind: 'redirectAddr', address };
  }
  if (action === 'redirectUrl') {
    const url = text(account, 'RedirectUrl') ?? text(account, 'RedirectURL');
    if (!url) throw new Error('redirectUrl without RedirectUrl');
    return { kind: 'redirectUrl', url };
  }
  // settings: EXPR (external, Outlook Anywhere) first, then EXCH (internal), as exchangelib does.
  const protocols = (account?.children ?? []).filter((c) => c.name === 'Protocol');
  for (const type of ['EXPR', 'EXCH']) {
    const p = protocols.find((x) => text(x, 'Type') === type);
    const ewsUrl = text(p, 'EwsUrl');
    if (ewsUrl) return { kind: 'settings', ewsUrl, protocol: type };
  }
  return { kind: 'error', code: 'NoEwsUrl', message: 'the answer has no Protocol EXPR/EXCH with an EwsUrl' };
}
