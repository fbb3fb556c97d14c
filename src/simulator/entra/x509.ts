// A minimal X.509 v3 certificate builder on node:crypto (which can sign but not build
// certificates). Used for the fake authority's TLS test CA + server certificate and for the
// `x5c` / `x5t` of its JWKS signing keys (OAUTH-NOTES §1 "JWKS entry", §10.2). Chosen over
// spawning the `openssl` CLI: no external binary (slim container images lack it), no temp
// files, no shell quoting, and the JWKS needs a certificate per signing key anyway.

import { type KeyObject, X509Certificate, createHash, randomBytes, sign } from 'node:crypto';

// --- DER (ITU-T X.690) -------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));

/** BIT STRING with an explicit count of unused trailing bits (DER named-bit rule). */
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));

function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

// --- X.509 ---------------------------------------------------------------------------------

const OID = {
  cn: '2.5.4.3',
  org: '2.5.4.10',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  rsaSha256: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.org), utf8('ewsdav fake Entra ID'))), set(seq(oid(OID.cn), utf8(cn))));
}

function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function algorithm(key: KeyObject): { der: Buffer; hash: 'sha256' } {
  if (key.asymmetricKeyType === 'ec') return { der: seq(oid(OID.ecdsaSha256)), hash: 'sha256' };
  if (key.asymmetricKeyType === 'rsa') return { der: seq(oid(OID.rsaSha256), tlv(0x05, Buffer.alloc(0))), hash: 'sha256' };
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? '?'}`);
}

export interface CertRequest {
  subjectCn: string;
  publicKey: KeyObject;
  /** Signing key and name of the issuer; omit for self-signed (then `signingKey` is the subject's private key). */
  issuer?: { cn: string; publicKey: KeyObject };
  signingKey: KeyObject;
  ca: boolean;
  /** Subject alternative names for a TLS server certificate. */
  dns?: string[];
  ips?: string[];
  notBefore: Date;
  notAfter: Date;
}

function keyId(pub: KeyObject): Buffer {
  return createHash('sha1').update(pub.export({ type: 'spki', format: 'der' })).digest();
}

function ipBytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`IPv4 only: ${ip}`);
  return Buffer.from(parts);
}

/** Builds and signs a certificate; returns its DER bytes. */
export function buildCertificate(req: CertRequest): Buffer {
  const alg = algorithm(req.signingKey);
  const issuerCn = req.issuer?.cn ?? req.subjectCn;
  const issuerPub = req.issuer?.publicKey ?? req.publicKey;
  const extensions: Buffer[] = [
    ext(OID.basicConstraints, true, req.ca ? seq(bool(true)) : seq()),
    // keyCertSign+cRLSign = 0x06 (1 unused bit); digitalSignature = 0x80 (7 unused bits).
    ext(OID.keyUsage, true, req.ca ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7)),
    ext(OID.subjectKeyId, false, octets(keyId(req.publicKey))),
    ext(OID.authorityKeyId, false, seq(tlv(0x80, keyId(issuerPub)))),
  ];
  if (!req.ca) extensions.push(ext(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
  const san = [...(req.dns ?? []).map((d) => tlv(0x82, Buffer.from(d))), ...(req.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip)))];
  if (san.length > 0) extensions.push(ext(OID.subjectAltName, false, seq(...san)));

  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive, RFC 5280 §4.1.2.2
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    alg.der,
    name(issuerCn),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.subjectCn),
    req.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  // node:crypto emits ECDSA signatures DER-encoded by default, as X.509 wants.
  const signature = sign(alg.hash, tbs, req.signingKey);
  return seq(tbs, alg.der, bits(signature));
}

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Parses our own output back, so a malformed builder fails at start-up, not in a handshake. */
export function checkCertificate(der: Buffer, issuerPub: KeyObject): X509Certificate {
  const cert = new X509Certificate(der);
  if (!cert.verify(issuerPub)) throw new Error('generated certificate does not verify');
  return cert;
}
