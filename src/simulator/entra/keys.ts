// The authority's RS256 signing keys and its JWKS (OAUTH-NOTES §1 "JWKS entry", §10.2).
// Each key has a self-signed certificate for `x5c`; `kid` = `x5t` = base64url SHA-1
// thumbprint, as Entra's v1 keys do. Rotation: `rotate()` publishes a new signing key beside
// the old one; `retire()` drops all but the newest — the real sequence is "new key appears
// in JWKS, tokens move to it, old key disappears" (ID/access-tokens "key rollover").

import { type KeyObject, createHash, generateKeyPairSync } from 'node:crypto';
import { b64url } from './jwt.js';
import { buildCertificate } from './x509.js';

export interface SigningKey {
  kid: string;
  x5t: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  certDer: Buffer;
}

export interface Jwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  issuer?: string;
}

const YEAR = 365 * 86_400_000;

function createKey(now: number): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certDer = buildCertificate({
    subjectCn: 'accounts.accesscontrol.windows.net (ewsdav fake)', publicKey, signingKey: privateKey,
    ca: false, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + YEAR),
  });
  const x5t = b64url(createHash('sha1').update(certDer).digest());
  return { kid: x5t, x5t, privateKey, publicKey, certDer };
}

export class KeyRing {
  private keys: SigningKey[];

  constructor(private readonly now: () => number) {
    this.keys = [createKey(now())];
  }

  /** The key new tokens are signed with: the newest. */
  get current(): SigningKey {
    const k = this.keys[this.keys.length - 1];
    if (!k) throw new Error('no signing key');
    return k;
  }

  byKid(kid: string): SigningKey | undefined {
    return this.keys.find((k) => k.kid === kid);
  }

  all(): readonly SigningKey[] {
    return this.keys;
  }

  rotate(): SigningKey {
    const k = createKey(this.now());
    this.keys.push(k);
    return k;
  }

  /** Removes every key but the newest from the JWKS (tokens signed with them stop verifying). */
  retire(): void {
    this.keys = [this.current];
  }

  jwks(issuer?: string): { keys: Jwk[] } {
    return {
      keys: this.keys.map((k) => {
        const jwk = k.publicKey.export({ format: 'jwk' });
        return {
          kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.x5t, n: String(jwk.n), e: String(jwk.e),
          x5c: [k.certDer.toString('base64')], ...(issuer ? { issuer } : {}),
        };
      }),
    };
  }
}
