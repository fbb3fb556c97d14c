// TLS material for the fake authority: a throwaway test CA and a server certificate for
// 127.0.0.1 / localhost, made at start-up. msal-node refuses http authorities
// (`authority_uri_insecure`, OAUTH-NOTES §9), so clients trust the CA instead: pass `ca` to
// undici, or set NODE_EXTRA_CA_CERTS=<caCertPath> for a child process (read at its start).

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, checkCertificate, toPem } from './x509.js';

export interface TlsMaterial {
  caCertPem: string;
  /** The CA certificate written to a fresh temp directory (removed by `dispose`). */
  caCertPath: string;
  key: string;
  cert: string;
  dispose(): void;
}

const DAY = 86_400_000;

export function createTlsMaterial(now = Date.now()): TlsMaterial {
  // P-256 keys: generated in about a millisecond, unlike RSA.
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(now - DAY);
  const notAfter = new Date(now + 30 * DAY);
  const caDer = buildCertificate({
    subjectCn: 'ewsdav fake Entra test CA', publicKey: ca.publicKey, signingKey: ca.privateKey,
    ca: true, notBefore, notAfter,
  });
  checkCertificate(caDer, ca.publicKey);
  const leafDer = buildCertificate({
    subjectCn: '127.0.0.1', publicKey: leaf.publicKey, signingKey: ca.privateKey,
    issuer: { cn: 'ewsdav fake Entra test CA', publicKey: ca.publicKey },
    ca: false, dns: ['localhost'], ips: ['127.0.0.1'], notBefore, notAfter,
  });
  const leafCert = checkCertificate(leafDer, ca.publicKey);
  if (!leafCert.checkIP('127.0.0.1')) throw new Error('server certificate lacks IP:127.0.0.1');

  const caCertPem = toPem(caDer);
  const dir = mkdtempSync(join(tmpdir(), 'ewsdav-entra-'));
  const caCertPath = join(dir, 'ca.pem');
  writeFileSync(caCertPath, caCertPem);
  return {
    caCertPem,
    caCertPath,
    key: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: toPem(leafDer),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
