// The control API over HTTP: `POST /_entra/<method>` with a JSON object of arguments, `GET` for
// the read-only methods. One table, so the HTTP surface and EntraControl cannot drift apart.

import type { EntraControl } from './control.js';
import type { EntraFaultSpec } from './faults.js';
import type { AppSpec, UserSpec } from './types.js';

type Args = Record<string, unknown>;

function s(a: Args, k: string): string {
  const v = a[k];
  if (typeof v !== 'string') throw new Error(`argument "${k}" must be a string`);
  return v;
}
const optBool = (a: Args, k: string): boolean | undefined => (typeof a[k] === 'boolean' ? a[k] : undefined);
const optStrings = (a: Args, k: string): string[] | undefined => (Array.isArray(a[k]) ? (a[k] as unknown[]).map(String) : undefined);

const READ_ONLY: Record<string, (c: EntraControl) => unknown> = {
  counters: (c) => c.counters(),
  requestLog: (c) => c.requestLog(),
  grants: (c) => c.grants(),
  now: (c) => ({ now: c.now() }),
};

const ACTIONS: Record<string, (c: EntraControl, a: Args) => unknown> = {
  ...Object.fromEntries(Object.entries(READ_ONLY).map(([k, f]) => [k, (c: EntraControl) => f(c)])),
  expireAllAccessTokens: (c) => c.expireAllAccessTokens(),
  revokeUser: (c, a) => c.revokeUser(s(a, 'upn')),
  changePassword: (c, a) => c.changePassword(s(a, 'upn'), s(a, 'password'), { admin: optBool(a, 'admin') }),
  setMfaRequired: (c, a) => c.setMfaRequired(s(a, 'upn'), optBool(a, 'required') ?? true),
  blockByConditionalAccess: (c, a) => c.blockByConditionalAccess(s(a, 'upn'), a.block === 'deviceCode' ? 'deviceCode' : optBool(a, 'block') ?? true),
  removeConsent: (c, a) => c.removeConsent(s(a, 'upn'), s(a, 'clientId'), optStrings(a, 'scopes')),
  grantConsent: (c, a) => c.grantConsent(s(a, 'upn'), s(a, 'clientId'), optStrings(a, 'scopes') ?? []),
  disableUser: (c, a) => c.disableUser(s(a, 'upn'), optBool(a, 'disabled') ?? true),
  advanceClock: (c, a) => ({ now: c.advanceClock(Number(a.ms)) }),
  rotateKeys: (c) => c.rotateKeys(),
  retireOldKeys: (c) => c.retireOldKeys(),
  injectFault: (c, a) => c.injectFault(a as unknown as EntraFaultSpec),
  clearFaults: (c) => c.clearFaults(),
  resetCounters: (c) => c.resetCounters(),
  setRefreshMode: (c, a) => c.setRefreshMode(a.mode === 'strict' ? 'strict' : 'entra'),
  configure: (c, a) => c.configure(a),
  approveDeviceCode: (c, a) => c.approveDeviceCode(s(a, 'userCode'), s(a, 'upn'), { mfa: optBool(a, 'mfa') }),
  declineDeviceCode: (c, a) => c.declineDeviceCode(s(a, 'userCode')),
  registerApp: (c, a) => c.registerApp(a.app as AppSpec, typeof a.tenantId === 'string' ? a.tenantId : undefined),
  addRedirectUri: (c, a) => c.addRedirectUri(s(a, 'clientId'), a.platform === 'web' ? 'web' : 'mobileDesktop', s(a, 'uri')),
  addUser: (c, a) => c.addUser(a.user as UserSpec, typeof a.tenantId === 'string' ? a.tenantId : undefined),
};

export interface ControlReply {
  status: number;
  body: unknown;
}

export function controlHttp(control: EntraControl, method: string, name: string, body: string): ControlReply {
  if (method === 'GET') {
    const read = READ_ONLY[name];
    return read ? { status: 200, body: read(control) } : { status: 405, body: { error: `GET /_entra/${name} is not a read-only method` } };
  }
  const action = ACTIONS[name];
  if (!action || method !== 'POST') return { status: 404, body: { error: `unknown control method ${name}`, methods: Object.keys(ACTIONS) } };
  let args: Args;
  try {
    const parsed: unknown = body ? JSON.parse(body) : {};
    args = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Args) : {};
  } catch {
    return { status: 400, body: { error: 'body must be a JSON object' } };
  }
  try {
    return { status: 200, body: action(control, args) ?? { ok: true } };
  } catch (e) {
    return { status: 400, body: { error: e instanceof Error ? e.message : String(e) } };
  }
}
