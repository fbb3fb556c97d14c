// Namespace URIs exactly as Exchange uses them (EWS-NOTES §2.2: `http://`, never `https://`).
export const NS_SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const NS_T = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const NS_E = 'http://schemas.microsoft.com/exchange/services/2006/errors';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const NS_XSD = 'http://www.w3.org/2001/XMLSchema';
