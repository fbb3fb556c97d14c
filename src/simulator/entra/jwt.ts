// The few JWT operations the fake needs (RFC 7515/7519, compact form, RS256 only): encode and
// sign with the authority's key, decode without trust, check a signature.

import { type KeyObject, createSign, createVerify } from 'node:crypto';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JwtClaims = Record<string, JsonValue>;

export const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function signJwt(header: JwtClaims, payload: JwtClaims, key: KeyObject): string {
  const input = `${b64url(JSON.stringify({ ...header, alg: 'RS256' }))}.${b64url(JSON.stringify(payload))}`;
  const sig = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64url(sig)}`;
}

export interface DecodedJwt {
  header: JwtClaims;
  payload: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

function parseJson(part: string): JwtClaims | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits and parses a compact JWS; undefined when it is not one. Verifies nothing. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  const payload = parseJson(p);
  if (!header || !payload) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

export function verifyRs256(jwt: DecodedJwt, key: KeyObject): boolean {
  return createVerify('RSA-SHA256').update(jwt.signingInput).verify(key, jwt.signature);
}

export const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
