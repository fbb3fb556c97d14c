// TLS channel bindings for NTLM (MS-NLMP §2.2.2.1 MsvAvChannelBindings): the MD5 of a
// gss_channel_bindings_struct (RFC 2744 §3.11) whose application data is RFC 5929's
// "tls-server-end-point:" + hash(server certificate). Exchange with Extended Protection for
// Authentication (default since Exchange Server 2019 CU14) refuses NTLM over HTTPS without it.

import { createHash, type X509Certificate } from 'node:crypto';

/** Signature algorithm OIDs (DER content bytes, hex) whose hash is not SHA-256. */
const HASH_BY_SIG_OID: Readonly<Record<string, string>> = {
  '2a864886f70d01010c': 'sha384', // sha384WithRSAEncryption
  '2a864886f70d01010d': 'sha512', // sha512WithRSAEncryption
  '2a8648ce3d040303': 'sha384', // ecdsa-with-SHA384
  '2a8648ce3d040304': 'sha512', // ecdsa-with-SHA512
};

/** Reads one DER TLV header at `at`: [tag, content start, content length]. */
function tlv(der: Buffer, at: number): [number, number, number] {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  return [tag, start, len];
}

/** RFC 5929 §4.1: the certificate's signature hash, except MD5 and SHA-1 become SHA-256. */
export function endPointHashAlgorithm(der: Buffer): string {
  try {
    const [, certStart] = tlv(der, 0); // Certificate SEQUENCE
    const [, tbsStart, tbsLen] = tlv(der, certStart); // tbsCertificate, skipped
    const [, algStart] = tlv(der, tbsStart + tbsLen); // signatureAlgorithm SEQUENCE
    const [tag, oidStart, oidLen] = tlv(der, algStart);
    if (tag !== 0x06) return 'sha256';
    return HASH_BY_SIG_OID[der.subarray(oidStart, oidStart + oidLen).toString('hex')] ?? 'sha256';
  } catch {
    return 'sha256';
  }
}

export function tlsChannelBindings(cert: X509Certificate): Buffer {
  const der = cert.raw;
  const appData = Buffer.concat([Buffer.from('tls-server-end-point:', 'ascii'), createHash(endPointHashAlgorithm(der)).update(der).digest()]);
  // initiator_addrtype, initiator_address.length, acceptor_addrtype, acceptor_address.length: all 0.
  const head = Buffer.alloc(20);
  head.writeUInt32LE(appData.length, 16);
  return createHash('md5').update(head).update(appData).digest();
}
