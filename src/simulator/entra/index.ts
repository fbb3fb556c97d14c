// Public surface of the fake Entra ID authority (docs/simulator-entra.md). Shares no code with
// the client side (src/auth, src/exchange, …): tests see the bridge talk to it over HTTPS only.

export { startEntra, type EntraAuthority, type EntraOptions } from './server.js';
export { EntraControl } from './control.js';
export type { EntraConfig, RefreshMode } from './context.js';
export type { EntraFaultSpec, EntraEndpoint } from './faults.js';
export type { Counters, LogEntry } from './stats.js';
export type { AppSpec, DirectorySpec, SecretSpec, TenantSpec, UserSpec } from './types.js';
export { CONTOSO, EWS_SCOPE, FABRIKAM, GRAPH_CALENDARS_READ, NATIVECLIENT, defaultDirectory } from './default-directory.js';
export { EXCHANGE, GRAPH } from './scopes.js';
export { AADSTS } from './errors.js';
export {
  type ChallengeOptions, type DiagnosticCode, type EntraTrust, type VerifyFailure, type VerifyOptions, type VerifyResult,
  type VerifySuccess, ewsUnauthorizedHeaders, trustFromJwks, verifyAccessToken, verifyAuthorizationHeader,
} from './verify.js';
