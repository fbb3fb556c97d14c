// OIDC discovery and JWKS (OAUTH-NOTES §1, §10.1–§10.2, ID/v2-protocols-oidc). A tenant domain
// resolves to the GUID in the document; /common and /organizations keep their segment and use
// the `{tenantid}` issuer template. msal reads authorization_endpoint, token_endpoint, issuer,
// jwks_uri and end_session_endpoint; the rest mirrors the live document.

import type { EntraContext } from './context.js';
import type { TenantRef } from './directory.js';
import { EXCHANGE, GRAPH } from './scopes.js';

export function openIdConfiguration(ctx: EntraContext, ref: TenantRef, segment: string): Record<string, unknown> {
  const seg = ref.kind === 'tenant' ? ref.tenant.id : segment.toLowerCase();
  const base = `${ctx.baseUrl}/${seg}`;
  const issuer = ref.kind === 'tenant' ? `${base}/v2.0` : `${ctx.baseUrl}/{tenantid}/v2.0`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${GRAPH}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
      'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
    // Not in Entra's document: tells a reader which resource the fake EWS simulator expects.
    'x-ewsdav-fake': { ews_resource: EXCHANGE },
  };
}

/** The v1 document (without /v2.0): v1 issuer and /discovery/keys. */
export function openIdConfigurationV1(ctx: EntraContext, ref: TenantRef, segment: string): Record<string, unknown> {
  const seg = ref.kind === 'tenant' ? ref.tenant.id : segment.toLowerCase();
  const base = `${ctx.baseUrl}/${seg}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${ctx.baseUrl}/common/discovery/keys`,
    issuer: ref.kind === 'tenant' ? `https://sts.windows.net/${ref.tenant.id}/` : 'https://sts.windows.net/{tenantid}/',
    authorization_endpoint: `${base}/oauth2/authorize`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

export function jwks(ctx: EntraContext, ref: TenantRef): unknown {
  return ctx.keys.jwks(ref.kind === 'tenant' ? `${ctx.baseUrl}/${ref.tenant.id}/v2.0` : `${ctx.baseUrl}/{tenantid}/v2.0`);
}
