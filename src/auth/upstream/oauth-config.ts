// `exchange.auth: "oauth"` from the configuration: resolves the secrets (secrets.key, the client
// secret or certificate key) and builds the deployment and its linker. Shared by the server and
// the CLI commands (link, device-password, check), so they agree on every default.

import type { buildConnector } from 'undici';
import { resolveSecret, type Config } from '../../config/index.js';
import { EwsdavError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OAuthGrantRows } from '../../store/sqlite/oauth-rows.js';
import { SecretBox } from './crypto-box.js';
import { Linker, type LinkResult } from './link.js';
import { OAuthDeployment, defaultScopes, upstreamTargetOf } from './oauth-deployment.js';

export interface OAuthRuntimeOptions {
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  grants: OAuthGrantRows;
  logger?: Logger;
  /** Connect options for the authority (a private CA, e.g. the tests' fake authority). */
  authorityConnect?: buildConnector.BuildOptions;
  onLinked?: (result: LinkResult) => void | Promise<void>;
}

export interface OAuthRuntime {
  deployment: OAuthDeployment;
  linker: Linker;
  close(): Promise<void>;
}

export async function createOAuthRuntime(config: Config, options: OAuthRuntimeOptions): Promise<OAuthRuntime> {
  const oauth = config.oauth;
  if (!oauth) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'exchange.auth "oauth" needs an "oauth" section (tenant, clientId, …).', { hint: 'See docs/exchange-online.md for an example.' });
  }
  if (!config.secrets.key) {
    throw new EwsdavError('EWSDAV_ERR_CONFIG_INVALID', 'exchange.auth "oauth" needs secrets.key: the linked grants are stored encrypted with it.', {
      hint: 'Create one with `openssl rand -base64 32 > /etc/ewsdav/secret.key` and set "secrets": {"key": {"file": "/etc/ewsdav/secret.key"}}.',
    });
  }
  const secret = (ref: Parameters<typeof resolveSecret>[0], path: string) => resolveSecret(ref, { baseDir: options.baseDir, ...(options.env ? { env: options.env } : {}), path });
  const box = new SecretBox(await secret(config.secrets.key, 'secrets.key'));
  const deployment = new OAuthDeployment({
    clientId: oauth.clientId,
    tenant: oauth.tenant,
    authorityHost: oauth.authorityHost,
    ...(oauth.clientSecret ? { clientSecret: await secret(oauth.clientSecret, 'oauth.clientSecret') } : {}),
    ...(oauth.certificate ? { certificate: { privateKey: await secret(oauth.certificate.privateKey, 'oauth.certificate.privateKey'), thumbprintSha256: oauth.certificate.thumbprintSha256 } } : {}),
    scopes: oauth.scopes ?? defaultScopes(upstreamTargetOf(config)),
    grants: options.grants,
    box,
    ...(options.authorityConnect ? { http: { connect: options.authorityConnect } } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const linker = new Linker({
    deployment,
    allowedDomains: oauth.allowedDomains,
    allowedTenants: oauth.allowedTenants,
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
    ...(options.onLinked ? { onLinked: options.onLinked } : {}),
  });
  return { deployment, linker, close: () => deployment.close() };
}
