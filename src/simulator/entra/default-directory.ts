// The directory the fake starts with when none is given: tenant "contoso" with three users
// and the app registrations a bridge deployment has, and tenant "fabrikam" for "user of
// another tenant" cases. Ids are fixed so tests, docs and the demo can name them.

import { EXCHANGE, GRAPH } from './scopes.js';
import type { DirectorySpec } from './types.js';

export const NATIVECLIENT = 'https://login.microsoftonline.com/common/oauth2/nativeclient';
export const EWS_SCOPE = `${EXCHANGE}/EWS.AccessAsUser.All`;
export const GRAPH_CALENDARS_READ = `${GRAPH}/Calendars.Read`;

export const CONTOSO = {
  tenantId: '8eaef023-2b34-4da1-9baa-8bc8c9d6a490',
  domain: 'contoso.onmicrosoft.com',
  /** Public client (Mobile and desktop): nativeclient paste-back, loopback, device code. */
  publicApp: '5f1c8a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b',
  /** Confidential client (Web): bridge callback + nativeclient under Web, a secret, full_access_as_app. */
  webApp: '7a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  webAppSecret: 'web-secret-value-1',
  webAppSecretId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
  webAppExpiredSecret: 'web-secret-expired',
  webCallback: 'https://bridge.contoso.test/oauth/callback',
  /** Confidential client without any granted application permission. */
  noRoleApp: '9c8b7a6f-5e4d-4c3b-8a29-1807f6e5d4c3',
  noRoleAppSecret: 'no-role-secret-1',
  /** Single-tenant public client: refused on /common (AADSTS50194). */
  singleTenantApp: '3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70819',
  users: {
    mara: { upn: 'mara@contoso.com', password: 'Mara-pass-1', otp: '111111' },
    /** MFA required at sign-in. */
    alex: { upn: 'alex@contoso.com', password: 'Alex-pass-1', otp: '222222' },
    /** Has already consented to the public app's EWS + Graph scopes. */
    pat: { upn: 'pat@contoso.com', password: 'Pat-pass-1', otp: '333333' },
  },
} as const;

export const FABRIKAM = {
  tenantId: '3c9b5e1a-7d2f-4b8e-a6c4-9f0e1d2c3b4a',
  domain: 'fabrikam.onmicrosoft.com',
  users: { lee: { upn: 'lee@fabrikam.com', password: 'Lee-pass-1', otp: '444444' } },
} as const;

const BRIDGE_PERMISSIONS = [EWS_SCOPE, GRAPH_CALENDARS_READ, `${GRAPH}/User.Read`];

export function defaultDirectory(): DirectorySpec {
  const u = CONTOSO.users;
  return {
    tenants: [
      {
        id: CONTOSO.tenantId, domains: [CONTOSO.domain, 'contoso.com'], displayName: 'Contoso',
        users: [
          { upn: u.mara.upn, password: u.mara.password, otp: u.mara.otp, displayName: 'Mara Example', oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474' },
          { upn: u.alex.upn, password: u.alex.password, otp: u.alex.otp, displayName: 'Alex Wilber', mfaRequired: true },
          {
            upn: u.pat.upn, password: u.pat.password, otp: u.pat.otp, displayName: 'Pat Doe',
            consents: { [CONTOSO.publicApp]: [EWS_SCOPE, GRAPH_CALENDARS_READ] },
          },
        ],
        apps: [
          {
            clientId: CONTOSO.publicApp, displayName: 'ewsdav (public client)', multiTenant: true,
            redirectUris: { mobileDesktop: [NATIVECLIENT, 'http://localhost'] }, allowPublicClientFlows: true,
            permissions: BRIDGE_PERMISSIONS,
          },
          {
            clientId: CONTOSO.webApp, displayName: 'ewsdav (web)',
            redirectUris: { web: [CONTOSO.webCallback, NATIVECLIENT] },
            secrets: [
              { id: CONTOSO.webAppSecretId, value: CONTOSO.webAppSecret, expiresAt: '2099-01-01T00:00:00Z' },
              { value: CONTOSO.webAppExpiredSecret, expiresAt: '2020-01-01T00:00:00Z' },
            ],
            permissions: BRIDGE_PERMISSIONS,
            appRoles: { [EXCHANGE]: ['full_access_as_app'], [GRAPH]: ['Calendars.Read'] },
          },
          {
            clientId: CONTOSO.noRoleApp, displayName: 'ewsdav (no roles)',
            redirectUris: { web: [CONTOSO.webCallback] }, secrets: [{ value: CONTOSO.noRoleAppSecret }],
          },
          {
            clientId: CONTOSO.singleTenantApp, displayName: 'single-tenant tool',
            redirectUris: { mobileDesktop: [NATIVECLIENT] }, permissions: BRIDGE_PERMISSIONS,
          },
        ],
      },
      {
        id: FABRIKAM.tenantId, domains: [FABRIKAM.domain, 'fabrikam.com'], displayName: 'Fabrikam',
        users: [{ upn: FABRIKAM.users.lee.upn, password: FABRIKAM.users.lee.password, otp: FABRIKAM.users.lee.otp, displayName: 'Lee Gu' }],
        apps: [],
      },
    ],
  };
}
