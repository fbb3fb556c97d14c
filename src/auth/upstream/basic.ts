// Preemptive HTTP Basic for on-premises Exchange (EWS-NOTES §2.1): the header goes with every
// request, so each EWS call costs exactly one HTTP request and a wrong password never loops.
// Exchange Online refuses Basic for EWS (§1.1); the transport turns its 401 into
// EWSDAV_ERR_UPSTREAM_BASIC_REFUSED. The password is held in a private field and never printed.

import { inspect } from 'node:util';
import type { UpstreamAuth, UpstreamAuthorization } from './types.js';

export interface BasicAuthOptions {
  /** UPN (user@contoso.com) or DOMAIN\user. */
  username: string;
  password: string;
}

export class BasicAuth implements UpstreamAuth {
  readonly scheme = 'basic' as const;
  readonly #username: string;
  readonly #authorization: UpstreamAuthorization;

  constructor(options: BasicAuthOptions) {
    if (options.username.includes(':')) {
      // RFC 7617 §2: the user-id cannot contain a colon; fail here rather than sending a wrong identity.
      throw new TypeError('Basic auth user names cannot contain ":"');
    }
    this.#username = options.username;
    const token = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.#authorization = Object.freeze({ headers: Object.freeze({ authorization: `Basic ${token}` }) });
  }

  describe(): string {
    return `basic:${this.#username}`;
  }

  authorize(): UpstreamAuthorization {
    return this.#authorization;
  }

  // No onUnauthorized: a rejected password is final.

  toJSON(): { scheme: 'basic'; username: string } {
    return { scheme: 'basic', username: this.#username };
  }

  [inspect.custom](): string {
    return `BasicAuth { username: ${JSON.stringify(this.#username)}, password: [redacted] }`;
  }
}
