// The EWS namespace URIs (EWS-NOTES §2.2). Elements are matched by these URIs, never by prefix:
// Exchange Online writes s:/m:/t:, on-prem and proxies may use others.

export const NS_SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_MESSAGES = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const NS_TYPES = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const NS_ERRORS = 'http://schemas.microsoft.com/exchange/services/2006/errors';

/** RequestServerVersion values (types.xsd ExchangeVersionType), oldest first. */
export const EXCHANGE_VERSIONS = [
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2016',
] as const;

export type ExchangeVersion = (typeof EXCHANGE_VERSIONS)[number];

/** True when `version` is `min` or newer: Exchange rejects FieldURIs its requested schema lacks. */
export function versionAtLeast(version: ExchangeVersion, min: ExchangeVersion): boolean {
  return EXCHANGE_VERSIONS.indexOf(version) >= EXCHANGE_VERSIONS.indexOf(min);
}

export function isExchangeVersion(value: string): value is ExchangeVersion {
  return (EXCHANGE_VERSIONS as readonly string[]).includes(value);
}
