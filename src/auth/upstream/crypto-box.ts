// Encryption of upstream secrets at rest (DESIGN.md "Secrets at rest"): the msal token cache of a
// linked user holds a refresh token that stays valid for 90 days of inactivity (OAUTH-NOTES §2.4),
// so the store keeps it only sealed with AES-256-GCM under a key derived from `secrets.key`.
// The row's owner is bound as associated data: a blob copied to another user's row fails to open.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { EwsdavError } from '../../errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;

  /** `secret` is the resolved `secrets.key` (any text of at least 32 characters, e.g. `openssl rand -base64 32`). */
  constructor(secret: string) {
    if (secret.length < 32) {
      throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'secrets.key is too short to encrypt tokens at rest.', {
        hint: 'Use at least 32 random bytes, e.g. the output of `openssl rand -base64 32`, in a file referenced as {"file": "…"}.',
      });
    }
    // HKDF rather than the raw text: the config value may be base64 or a passphrase; the
    // purpose label keeps this key apart from any other use of the same secret.
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('ewsdav'), Buffer.from('ewsdav token cache v1'), 32));
  }

  seal(plaintext: string, owner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string, owner: string): string {
    const [version, data] = sealed.split('.');
    const raw = Buffer.from(data ?? '', 'base64url');
    if (version !== VERSION || raw.length < IV_BYTES + TAG_BYTES) throw this.#unreadable();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw this.#unreadable();
    }
  }

  #unreadable(): EwsdavError {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', 'The stored Microsoft 365 grant cannot be decrypted.', {
      hint: 'secrets.key changed since the account was linked (or the data was altered): restore the old key or re-link the account.',
      relink: true,
    });
  }

  [inspect.custom](): string {
    return 'SecretBox { key: [redacted] }';
  }

  toJSON(): string {
    return 'SecretBox';
  }
}
