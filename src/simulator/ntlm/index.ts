// NTLM/Negotiate for the simulator: `new NtlmServer()` holds handshake state and counters;
// `ntlmAuth(server, offer)` builds the `auth` option of startSimulator for the usual IIS setups.

import { basicAuth, type AuthScheme } from '../auth.js';
import { NtlmServer } from './scheme.js';

export { NtlmServer, type NtlmServerOptions, type NtlmServerStats, type NtlmConnectionStats } from './scheme.js';

/**
 * What the EWS virtual directory accepts: `windows` = Negotiate + NTLM (the on-prem default),
 * `ntlm` / `negotiate` = only that one, `basic` = only Basic, `all` = Negotiate, NTLM and Basic.
 */
export type OfferMode = 'windows' | 'ntlm' | 'negotiate' | 'basic' | 'all';

export function ntlmAuth(server: NtlmServer, offer: OfferMode = 'windows'): { schemes: AuthScheme[]; offer: string[] } {
  switch (offer) {
    case 'windows':
      return { schemes: [server.negotiate, server.ntlm], offer: ['Negotiate', 'NTLM'] };
    case 'ntlm':
      return { schemes: [server.ntlm], offer: ['NTLM'] };
    case 'negotiate':
      return { schemes: [server.negotiate], offer: ['Negotiate'] };
    case 'basic':
      return { schemes: [basicAuth], offer: ['Basic'] };
    case 'all':
      return { schemes: [server.negotiate, server.ntlm, basicAuth], offer: ['Negotiate', 'NTLM', 'Basic'] };
  }
}
