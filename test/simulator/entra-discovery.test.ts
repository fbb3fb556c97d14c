// Fake Entra ID: OIDC discovery per tenant form, JWKS (kid/x5t/x5c), key rotation, TLS with the
// generated test CA, plain-http mode, error JSON shape (OAUTH-NOTES §1, §2.2, §10.1–§10.2).
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { fetch } from 'undici';
import { CONTOSO, FABRIKAM, startEntra } from '../../src/simulator/entra/index.js';
import { EntraTestClient, decodeJwtPart } from '../../src/simulator/entra/test-client.js';

const entra = await startEntra();
const http = new EntraTestClient(entra.url, entra.caCertPem);
t.teardown(async () => {
  await http.close();
  await entra.close();
});

t.test('discovery for GUID, domain, organizations, common', async (t) => {
  const tid = CONTOSO.tenantId;
  for (const seg of [tid, CONTOSO.domain, 'contoso.com']) {
    const r = await http.get(`/${seg}/v2.0/.well-known/openid-configuration`);
    t.equal(r.status, 200, seg);
    t.equal(r.json.issuer, `${entra.url}/${tid}/v2.0`, `${seg}: domain resolves to the GUID`);
    t.equal(r.json.token_endpoint, `${entra.url}/${tid}/oauth2/v2.0/token`);
    t.equal(r.json.authorization_endpoint, `${entra.url}/${tid}/oauth2/v2.0/authorize`);
    t.equal(r.json.device_authorization_endpoint, `${entra.url}/${tid}/oauth2/v2.0/devicecode`);
    t.equal(r.json.end_session_endpoint, `${entra.url}/${tid}/oauth2/v2.0/logout`);
    t.equal(r.json.jwks_uri, `${entra.url}/${tid}/discovery/v2.0/keys`);
  }
  for (const seg of ['organizations', 'common']) {
    const r = await http.get(`/${seg}/v2.0/.well-known/openid-configuration`);
    t.equal(r.json.issuer, `${entra.url}/{tenantid}/v2.0`, `${seg}: issuer template`);
    t.equal(r.json.token_endpoint, `${entra.url}/${seg}/oauth2/v2.0/token`);
  }
  const r = await http.get(`/${CONTOSO.tenantId}/v2.0/.well-known/openid-configuration`);
  t.same(r.json.response_modes_supported, ['query', 'fragment', 'form_post']);
  t.same(r.json.subject_types_supported, ['pairwise']);
  t.ok((r.json.token_endpoint_auth_methods_supported as string[]).includes('client_secret_post'));
  t.same(r.json.scopes_supported, ['openid', 'profile', 'email', 'offline_access']);
  const v1 = await http.get(`/${FABRIKAM.tenantId}/.well-known/openid-configuration`);
  t.equal(v1.json.issuer, `https://sts.windows.net/${FABRIKAM.tenantId}/`, 'v1 document');
});

t.test('unknown tenant: HTTP 400 with AADSTS90002 in the §2.2 error shape', async (t) => {
  const r = await http.get('/no-such-tenant.onmicrosoft.com/v2.0/.well-known/openid-configuration', { 'client-request-id': 'corr-1' });
  t.equal(r.status, 400);
  t.equal(r.json.error, 'invalid_tenant');
  t.same(r.json.error_codes, [90002]);
  const desc = String(r.json.error_description).split('\r\n');
  t.match(desc[0], /^AADSTS90002: /);
  t.match(desc[1], /^Trace ID: [0-9a-f-]{36}$/);
  t.equal(desc[2], 'Correlation ID: corr-1', 'client-request-id echoed as correlation id');
  t.match(desc[3], /^Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  t.equal(desc[3], `Timestamp: ${String(r.json.timestamp)}`);
  t.equal(r.json.trace_id, desc[1]?.slice('Trace ID: '.length));
  t.equal(r.json.correlation_id, 'corr-1');
  t.equal(r.json.error_uri, `${entra.url}/error?code=90002`);
  t.equal((await http.get('/consumers/v2.0/.well-known/openid-configuration')).status, 400, 'no personal accounts here');
});

t.test('JWKS: RSA keys with kid = x5t = SHA-1 thumbprint of x5c; rotation and retirement', async (t) => {
  const r = await http.get(`/${CONTOSO.tenantId}/discovery/v2.0/keys`);
  const keys = r.json.keys as Record<string, unknown>[];
  t.equal(keys.length, 1);
  const k = keys[0] ?? {};
  t.match(k, { kty: 'RSA', use: 'sig', e: 'AQAB', issuer: `${entra.url}/${CONTOSO.tenantId}/v2.0` });
  const der = Buffer.from(String((k.x5c as string[])[0]), 'base64');
  t.equal(k.x5t, createHash('sha1').update(der).digest('base64url'));
  t.equal(k.kid, k.x5t);
  const cert = new X509Certificate(der);
  t.equal(cert.publicKey.export({ format: 'jwk' }).n, k.n, 'x5c carries the same key');
  t.equal((await http.get('/common/discovery/keys')).status, 200, 'v1 keys path');

  const before = await http.token(entra.authority, { grant_type: 'client_credentials', client_id: CONTOSO.webApp, client_secret: CONTOSO.webAppSecret, scope: 'https://outlook.office365.com/.default' });
  const { kid: newKid } = entra.control.rotateKeys();
  const both = (await http.get(`/${CONTOSO.tenantId}/discovery/v2.0/keys`)).json.keys as { kid: string }[];
  t.same(both.map((x) => x.kid), [k.kid, newKid], 'old and new key published');
  const after = await http.token(entra.authority, { grant_type: 'client_credentials', client_id: CONTOSO.webApp, client_secret: CONTOSO.webAppSecret, scope: 'https://outlook.office365.com/.default' });
  t.equal(decodeJwtPart(String(after.json.access_token), 0).kid, newKid, 'new tokens use the new key');
  t.equal(decodeJwtPart(String(before.json.access_token), 0).kid, k.kid);
  entra.control.retireOldKeys();
  const last = (await http.get(`/${CONTOSO.tenantId}/discovery/v2.0/keys`)).json.keys as { kid: string }[];
  t.same(last.map((x) => x.kid), [newKid], 'old key removed');
});

t.test('TLS: trusted only with the test CA; CA file for NODE_EXTRA_CA_CERTS', async (t) => {
  t.match(entra.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.equal(entra.knownAuthority, entra.url.slice('https://'.length));
  t.equal(readFileSync(entra.caCertPath, 'utf8'), entra.caCertPem);
  const ca = new X509Certificate(entra.caCertPem);
  t.ok(ca.ca, 'a CA certificate');
  await t.rejects(fetch(`${entra.url}/common/v2.0/.well-known/openid-configuration`), 'default trust store refuses it');
  const meta = JSON.parse(entra.authorityMetadata()) as Record<string, string>;
  t.equal(meta.token_endpoint, `${entra.authority}/oauth2/v2.0/token`);
  t.equal(meta.issuer, `${entra.authority}/v2.0`);
});

t.test('plain http mode', async (t) => {
  const plain = await startEntra({ tls: false });
  t.teardown(() => plain.close());
  t.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(plain.caCertPem, '');
  const r = await fetch(`${plain.url}/common/v2.0/.well-known/openid-configuration`);
  t.equal(r.status, 200);
  const doc = (await r.json()) as Record<string, string>;
  t.equal(doc.issuer, `${plain.url}/{tenantid}/v2.0`);
});
