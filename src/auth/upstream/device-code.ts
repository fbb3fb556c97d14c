// The device authorization grant as two plain HTTP calls (OAUTH-NOTES §4, RFC 8628): msal-node
// fails the whole flow on `slow_down` (§4, verified) and its public-client device-code API may go
// away (§9 "Risk"), so the bridge polls itself: never sooner than `interval`, +5 s for the rest of
// the flow on every `slow_down` (RFC 8628 §3.5), stop at `expires_in` or on a terminal error.

import { setTimeout as delay } from 'node:timers/promises';
import { ServerError } from '@azure/msal-node';
import { EwsdavError } from '../../errors.js';
import type { AuthorityHttp } from './oauth-network.js';
import { oauthError } from './oauth-errors.js';

export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** Entra's own sentence ("To sign in, use a web browser to open …"). */
  message: string;
  expiresInSeconds: number;
  intervalSeconds: number;
}

export interface PollOptions {
  /** Waits between polls; injectable so tests move a virtual clock instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

export interface DeviceCodeFlow {
  prompt: DeviceCodePrompt;
  /** Resolves to the refresh token once the user approved (never logged). */
  tokens: Promise<string>;
}

const OIDC = ['openid', 'profile', 'offline_access'];

export async function pollDeviceCode(
  d: { http: AuthorityHttp; authority: string; clientId: string; scopes: readonly string[] },
  options: PollOptions = {},
): Promise<DeviceCodeFlow> {
  const scope = [...new Set([...d.scopes, ...OIDC])].join(' ');
  let start;
  try {
    start = await d.http.postForm(`${d.authority}/oauth2/v2.0/devicecode`, { client_id: d.clientId, scope });
  } catch (err) {
    throw oauthError(err, 'the device-code request');
  }
  const b = start.body;
  if (start.status !== 200 || typeof b['device_code'] !== 'string' || typeof b['user_code'] !== 'string') throw authorityError(b, 'the device-code request');
  const deviceCode = b['device_code'];
  const prompt: DeviceCodePrompt = {
    userCode: b['user_code'],
    verificationUri: String(b['verification_uri'] ?? ''),
    message: String(b['message'] ?? ''),
    expiresInSeconds: positive(b['expires_in'], 900),
    intervalSeconds: positive(b['interval'], 5),
  };
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));

  const tokens = (async (): Promise<string> => {
    let interval = prompt.intervalSeconds;
    // Waited time, not the wall clock: the flow's lifetime counts from the code's issue.
    let waited = 0;
    for (;;) {
      if (waited + interval > prompt.expiresInSeconds) {
        throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', 'The device code expired before the sign-in was completed. Nothing was linked.', { hint: 'Run the link again and enter the new code.' });
      }
      // Wait first: RFC 8628 §3.5 asks for `interval` between requests, the first included.
      await sleep(interval * 1000, options.signal);
      waited += interval;
      let res;
      try {
        res = await d.http.postForm(`${d.authority}/oauth2/v2.0/token`, {
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: d.clientId, device_code: deviceCode, client_info: '1',
        });
      } catch (err) {
        throw oauthError(err, 'polling for the device-code sign-in');
      }
      const body = res.body;
      if (res.status === 200 && typeof body['refresh_token'] === 'string') return body['refresh_token'];
      if (res.status === 200) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', 'Microsoft granted no refresh token (offline_access missing).', { hint: 'Admin: allow the offline_access permission for the app.' });
      switch (body['error']) {
        case 'authorization_pending':
          continue;
        case 'slow_down':
          interval += 5;
          continue;
        case 'authorization_declined':
          throw new EwsdavError('EWSDAV_ERR_CLIENT_FORBIDDEN', 'The sign-in was declined on Microsoft\'s page. Nothing was linked.');
        case 'expired_token':
          throw new EwsdavError('EWSDAV_ERR_CLIENT_BAD_REQUEST', 'The device code expired before the sign-in was completed. Nothing was linked.', { hint: 'Run the link again and enter the new code.' });
        default:
          throw authorityError(body, 'the device-code sign-in');
      }
    }
  })();
  // The caller may attach its handler late (after showing the code); avoid an unhandled rejection meanwhile.
  tokens.catch(() => undefined);
  return { prompt, tokens };
}

function positive(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function authorityError(body: Record<string, unknown>, action: string): EwsdavError {
  const codes = Array.isArray(body['error_codes']) ? body['error_codes'] : [];
  const errorNo = typeof codes[0] === 'number' ? String(codes[0]) : undefined;
  const error = typeof body['error'] === 'string' ? body['error'] : 'unknown_error';
  // Only the error and its number: the description may name the user (§2.2 "never parse").
  return oauthError(new ServerError(error, String(body['correlation_id'] ?? ''), errorNo ? `AADSTS${errorNo}` : error, undefined, errorNo), action);
}
