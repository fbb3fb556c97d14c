// The fake authority's directory as configured by tests and the demo (docs/simulator-entra.md).
// Plain data: `Directory` turns it into mutable runtime records.

export interface UserSpec {
  /** Sign-in name, also `upn` / `unique_name` / `preferred_username` in tokens. */
  upn: string;
  password: string;
  displayName: string;
  /** Object id; derived from the UPN when omitted. */
  oid?: string;
  /** The fixed one-time code of this user's "authenticator" (default `123456`). */
  otp?: string;
  /** Sign-in needs the OTP step; tokens then carry `amr: ["pwd","mfa"]`. */
  mfaRequired?: boolean;
  disabled?: boolean;
  /** Delegated scopes this user already consented to, per client id (e.g. `https://outlook.office365.com/EWS.AccessAsUser.All`). */
  consents?: Record<string, string[]>;
}

export interface SecretSpec {
  /** The secret's ID (what admins confuse with the value, OAUTH-NOTES §8 7000215). */
  id?: string;
  value: string;
  /** ISO date or epoch ms; past → AADSTS7000222. */
  expiresAt?: string | number;
}

export interface AppSpec {
  clientId: string;
  displayName: string;
  /** Redirect URIs by platform. Web ⇒ the code is redeemed with a secret (confidential);
   *  Mobile and desktop ⇒ without (public) (OAUTH-NOTES §3). */
  redirectUris?: { web?: string[]; mobileDesktop?: string[] };
  /** "Allow public client flows": needed for device code (OAUTH-NOTES §4). */
  allowPublicClientFlows?: boolean;
  secrets?: SecretSpec[];
  /** Usable by users of other tenants and on /common, /organizations (else AADSTS50194 there). */
  multiTenant?: boolean;
  /** Delegated API permissions on the registration (what `<resource>/.default` means). */
  permissions?: string[];
  /** Delegated scopes with tenant-wide admin consent. */
  adminConsentedScopes?: string[];
  /** Granted application permissions by resource, e.g. `{"https://outlook.office365.com": ["full_access_as_app"]}`. */
  appRoles?: Record<string, string[]>;
  /** Object id of the app's service principal (app-only tokens' `oid`/`sub`). */
  servicePrincipalId?: string;
}

export interface TenantSpec {
  id: string;
  /** Verified domains; the first is the initial `*.onmicrosoft.com` domain. */
  domains: string[];
  displayName?: string;
  /** Whether users may consent to apps themselves (else AADSTS90094 on the consent step). */
  userConsentAllowed?: boolean;
  users: UserSpec[];
  apps: AppSpec[];
}

export interface DirectorySpec {
  tenants: TenantSpec[];
}
