// The one schema of the configuration file: validation (Ajv), defaults, the TypeScript types and
// the published config.schema.json all come from here. Knows nothing about files or the environment.
import { Type, type Static, type TSchema, type TObject, type TProperties, type ObjectOptions, type SchemaOptions, type TUnsafe, type TString } from '@sinclair/typebox';

export const CONFIG_SCHEMA_ID = 'urn:ewsdav:config:1';
export const CONFIG_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

// Annotations for the loader's error messages and the docs generator. Symbols, so they never reach
// the published JSON Schema and Ajv's strict mode does not see them as unknown keywords.
/** How a value of this node is described in "must be …" messages, when the schema alone reads badly. */
export const Expected = Symbol.for('ewsdav.config.expected');
/** The value may be a secret: messages show only its type, never the value. */
export const Sensitive = Symbol.for('ewsdav.config.sensitive');
/** The loader fills this key after validation (its default depends on other keys); text for the docs. */
export const LoaderDefault = Symbol.for('ewsdav.config.loaderDefault');

export interface ConfigAnnotations {
  [Expected]?: string;
  [Sensitive]?: true;
  [LoaderDefault]?: string;
}

/**
 * An object with `additionalProperties: false` whose keys with a default are not `required` in
 * JSON Schema (users may omit them) but stay non-optional in `Static<>`: the static type describes
 * the configuration after defaults are applied, which is what the rest of the bridge reads.
 */
function obj<P extends TProperties>(properties: P, options: ObjectOptions & ConfigAnnotations): TObject<P> {
  const schema = Type.Object(properties, { additionalProperties: false, ...options });
  // TypeBox types `required` as a tuple of key literals; here it is just the JSON Schema array.
  const plain = schema as { required?: string[] };
  const required = (plain.required ?? []).filter((key) => !hasDefault(properties[key]));
  if (required.length > 0) plain.required = required;
  else delete plain.required;
  return schema;
}

function hasDefault(schema: TSchema | undefined): boolean {
  return schema !== undefined && (schema.default !== undefined || (schema as ConfigAnnotations)[LoaderDefault] !== undefined);
}

/** A string enum as `{type, enum}` (TypeBox would emit anyOf of consts: noisier errors and schema). */
function oneOf<const T extends readonly string[]>(values: T, options: SchemaOptions & ConfigAnnotations): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const LOOPBACK_HTTP = 'http://(?:127\\.0\\.0\\.1|localhost|\\[::1\\])(?::[0-9]{1,5})?';

/** A secret reference; the loader keeps it as is and `resolveSecret` reads it when needed. */
function Secret(description: string) {
  return Type.Union(
    [
      Type.String({ minLength: 1, description: 'The secret itself (avoid: it then lives in the config file).' }),
      obj({ env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of an environment variable holding the secret.' }) }, {}),
      obj({ file: Type.String({ minLength: 1, description: 'Path of a file holding the secret, relative to the config file; a trailing newline is removed.' }) }, {}),
    ],
    { description, [Expected]: 'a string, {"env": NAME} or {"file": PATH}', [Sensitive]: true },
  );
}

function int(defaultValue: number | undefined, minimum: number, maximum: number | undefined, description: string) {
  return Type.Integer({
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    minimum,
    ...(maximum !== undefined ? { maximum } : {}),
    description,
  });
}

// Items are always strings (ProxyAddress adds a format); typing them as TString keeps Static<> string[].
function strings(description: string, defaultValue?: string[], items: TString = Type.String({ minLength: 1 })) {
  return Type.Array(items, { description, ...(defaultValue !== undefined ? { default: defaultValue } : {}) });
}

const ProxyAddress = Type.String({
  format: 'ip-or-cidr',
  [Expected]: 'an IP address, a CIDR range such as "10.0.0.0/8", or "loopback", "linklocal", "uniquelocal"',
});

const Server = obj(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address to listen on. Keep the loopback default behind a reverse proxy; "0.0.0.0" or "::" listens on all interfaces.' }),
    port: int(8080, 0, 65535, 'TCP port to listen on; 0 picks a free port (tests, demo).'),
    publicUrl: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://[^/?#\\s]+(?:/[^?#\\s]*)?$',
        [Expected]: 'an http(s) URL without query or fragment, such as "https://cal.example.org/cal/"',
        description: 'The URL clients use to reach the bridge, including a path prefix if a reverse proxy adds one. The loader adds a trailing "/". Without it, URLs are built from the request (Host and, from trusted proxies, X-Forwarded-* headers).',
      }),
    ),
    trustProxy: strings('Reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed: IP addresses, CIDR ranges or the names "loopback", "linklocal", "uniquelocal". Empty: no proxy is trusted.', [], ProxyAddress),
    metrics: obj(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve Prometheus metrics at /metrics.' }),
        token: Type.Optional(Secret('Bearer token a scraper must send (Authorization: Bearer …). Without token and allow, /metrics is open to everyone who can reach the bridge.')),
        allow: Type.Optional(strings('Client addresses (IP or CIDR) allowed to read /metrics; checked in addition to the token.', undefined, ProxyAddress)),
      },
      { default: {}, description: 'The /metrics endpoint.' },
    ),
  },
  { default: {}, description: 'The HTTP listener and how it sits behind a reverse proxy.' },
);

export const EWS_VERSIONS = ['Exchange2007_SP1', 'Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2', 'Exchange2013', 'Exchange2013_SP1', 'Exchange2016'] as const;
export const UPSTREAM_AUTH = ['basic', 'ntlm', 'oauth', 'oauth-app'] as const;
export const LOGIN_MODES = ['passthrough', 'devicePasswords', 'accounts'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const Exchange = obj(
  {
    url: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: `^(?:https://[^/?#\\s]+|${LOOPBACK_HTTP})(?:[/?#]\\S*)?$`,
        [Expected]: 'an https URL or a loopback http URL',
        description: 'EWS endpoint, e.g. "https://mail.example.org/EWS/Exchange.asmx" (on-prem) or "https://outlook.office365.com/EWS/Exchange.asmx" (Exchange Online). Plain http only for 127.0.0.1, ::1 and localhost. Omit it to find the EWS URL of each mailbox with Autodiscover (on-prem; cached per domain); with oauth/oauth-app it defaults to the Exchange Online endpoint.',
      }),
    ),
    auth: oneOf(UPSTREAM_AUTH, {
      default: 'basic',
      description: 'How the bridge signs in to Exchange: "basic" and "ntlm" (on-premises; Exchange Online turned Basic off for EWS), "oauth" (delegated grant per user, obtained by linking on the account page) or "oauth-app" (client credentials with impersonation, org-wide).',
    }),
    api: oneOf(['ews', 'graph'] as const, {
      default: 'ews',
      description: 'Upstream API: "ews", or "graph" (Microsoft Graph, needs auth "oauth" or "oauth-app"; the way forward for Exchange Online after EWS is retired there).',
    }),
    timeoutSeconds: int(30, 1, 3600, 'Timeout for one request to Exchange, in seconds.'),
    maxConcurrency: int(4, 1, 27, 'Concurrent requests to Exchange per mailbox. Exchange allows at most 27 per user (EWSMaxConcurrency; 10 on Exchange 2010); stay well below to leave room for the user’s other apps.'),
    version: oneOf(EWS_VERSIONS, { default: 'Exchange2016', description: 'RequestServerVersion sent with every EWS request. Lower it only for old servers.' }),
    userAgent: Type.Optional(Type.String({ minLength: 1, description: 'User-Agent header sent to Exchange; default "ewsdav/<version>".' })),
    maxResponseBytes: int(64 * 1024 * 1024, 1024 * 1024, undefined, 'Largest response accepted from Exchange, in bytes (default 64 MiB); larger answers fail instead of exhausting memory.'),
  },
  { default: {}, description: 'The upstream: where Exchange is and how the bridge talks to it.' },
);

const Login = obj(
  {
    mode: oneOf(LOGIN_MODES, {
      [LoaderDefault]: '"passthrough" (auth basic/ntlm), "devicePasswords" (auth oauth/oauth-app)',
      description: 'How calendar apps log in to the bridge. "passthrough": their Basic credentials are the Exchange credentials. "devicePasswords": the bridge issues a password per device (for OAuth). "accounts": bridge credentials and Exchange secrets come from `accounts`. Default: "passthrough" for auth basic/ntlm, "devicePasswords" for oauth/oauth-app.',
    }),
    rateLimit: obj(
      {
        maxFailures: int(5, 1, undefined, 'Failed logins allowed per user and client address within the window.'),
        windowSeconds: int(300, 1, undefined, 'Length of the rate-limit window, in seconds.'),
      },
      { default: {}, description: 'Limit on failed logins (protects Exchange accounts from lockout and guessing).' },
    ),
    verifierTtlSeconds: int(86400, 0, undefined, 'Pass-through mode: how long a cached password verifier lets a returning client in while Exchange cannot be reached, in seconds. 0 disables.'),
  },
  { default: {}, description: 'How calendar apps prove who they are to the bridge.' },
);

const Account = obj(
  {
    id: Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,62})$', [Expected]: 'a slug: lowercase letters, digits and "-", up to 63 characters', description: 'Stable identifier of the account (a slug); must be unique.' }),
    username: Type.String({
      pattern: '^(?:[^@\\s\\\\]+@[^@\\s\\\\]+\\.[^@\\s\\\\]+|[^@\\s\\\\]+\\\\[^@\\s\\\\]+)$',
      [Expected]: 'an e-mail address or DOMAIN\\user',
      description: 'Mailbox login: an e-mail address (UPN) or DOMAIN\\user.',
    }),
    password: Type.Optional(Secret('Exchange password of the mailbox ("accounts" login mode).')),
    clientPassword: Type.Optional(Secret('Password calendar apps use to log in to the bridge as this account ("accounts" login mode).')),
    calendars: obj(
      {
        include: strings('Calendars to serve, by display name; "*" matches any run of characters.', ['*']),
        exclude: strings('Calendars to hide, by display name (same patterns); wins over include.', []),
      },
      { default: {}, description: 'Which of the mailbox calendars the bridge syncs and serves.' },
    ),
  },
  { description: 'A mailbox the admin configures.' },
);

const OAuth = obj(
  {
    tenant: Type.String({ minLength: 1, description: 'Entra tenant: its GUID (preferred), a domain such as "contoso.onmicrosoft.com", or "organizations".' }),
    clientId: Type.String({ minLength: 1, description: 'Application (client) ID of the app registration (a GUID).' }),
    clientSecret: Type.Optional(Secret('Client secret of a confidential app. Omit for a public client (device code and paste flows).')),
    certificate: Type.Optional(
      obj(
        {
          privateKey: Secret('PEM private key of the certificate.'),
          thumbprintSha256: Type.String({ pattern: '^[0-9A-Fa-f]{64}$', [Expected]: 'a SHA-256 thumbprint of 64 hex digits', description: 'SHA-256 thumbprint of the certificate as registered in Entra (64 hex digits).' }),
        },
        { description: 'Certificate credential instead of a client secret (recommended for "oauth-app").' },
      ),
    ),
    authorityHost: Type.String({
      default: 'https://login.microsoftonline.com',
      format: 'uri',
      pattern: `^(?:https://[^/?#\\s]+|${LOOPBACK_HTTP})/?$`,
      [Expected]: 'an https origin such as "https://login.microsoftonline.com" (http only for loopback)',
      description: 'Entra authority host; national clouds: "https://login.microsoftonline.us", "https://login.partner.microsoftonline.cn".',
    }),
    redirect: oneOf(['callback', 'nativeclient'] as const, {
      default: 'nativeclient',
      description: '"callback": Entra redirects to <publicUrl>oauth/callback (needs server.publicUrl; register that URL in the app). "nativeclient": the user pastes the final URL into the account page.',
    }),
    allowedDomains: strings('E-mail domains allowed to link an account; empty: any in the allowed tenants.', []),
    allowedTenants: strings('Tenant IDs allowed to link (multi-tenant apps); empty: only the configured tenant.', []),
    scopes: Type.Optional(strings('Scopes to request instead of the defaults (EWS.AccessAsUser.All or Calendars.ReadWrite, plus offline_access).')),
  },
  { description: 'The Entra ID app registration, for exchange.auth "oauth" and "oauth-app".' },
);

const Graph = obj(
  {
    url: Type.String({
      default: 'https://graph.microsoft.com',
      format: 'uri',
      pattern: `^(?:https://[^/?#\\s]+|${LOOPBACK_HTTP})/?$`,
      [Expected]: 'an https origin such as "https://graph.microsoft.com" (http only for loopback)',
      description: 'Graph host; the bridge appends /v1.0/…. National clouds only, e.g. "https://graph.microsoft.us".',
    }),
    window: obj(
      {
        daysBack: int(365, 0, undefined, 'Days into the past that are synced.'),
        daysAhead: int(1095, 1, undefined, 'Days into the future that are synced.'),
      },
      {
        default: {},
        description: 'Time range synced over Graph (Graph has no full-folder sync for calendars): daysBack + daysAhead days plus today, asked as one calendarView/delta range, so daysBack + daysAhead must be at most 1824 (Graph refuses calendarView ranges of more than 1825 days).',
      },
    ),
  },
  { default: {}, description: 'Microsoft Graph settings, for exchange.api "graph".' },
);

const Sync = obj(
  {
    intervalSeconds: int(60, 10, undefined, 'How often each calendar is synced from Exchange, in seconds.'),
    staleAfterSeconds: int(300, 0, undefined, 'A client reading data older than this triggers an immediate sync, in seconds.'),
    tombstoneDays: int(30, 1, undefined, 'How long deletions are remembered for sync-collection clients, in days.'),
    getItemBatchSize: int(100, 1, 100, 'Items fetched per EWS GetItem request.'),
    syncPageSize: int(512, 1, 512, 'Changes requested per EWS SyncFolderItems page (Exchange allows up to 512).'),
  },
  { default: {}, description: 'The background sync from Exchange into the store.' },
);

const Feed = obj(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', [Expected]: 'a name of letters, digits, ".", "_" and "-"', description: 'Name of the feed, unique.' }),
    user: Type.String({ minLength: 1, description: 'Login name (e-mail address) of the mailbox the calendar belongs to.' }),
    calendar: Type.String({ minLength: 1, description: 'Calendar id (as in the CalDAV URL) or display name.' }),
    token: Secret('Secret part of the feed URL /feeds/{token}.ics; use at least 32 random characters.'),
    detail: oneOf(['full', 'limited', 'availability'] as const, {
      default: 'full',
      description: '"full": all details; "limited": time, subject and location; "availability": busy times only.',
    }),
    daysBack: Type.Optional(int(undefined, 0, undefined, 'Days into the past included; default: everything in the store.')),
    daysAhead: Type.Optional(int(undefined, 0, undefined, 'Days into the future included; default: everything in the store.')),
    excludeSubject: Type.Optional(Type.String({ minLength: 1, [Expected]: 'a regular expression', description: 'Regular expression (JavaScript syntax); events whose subject matches are left out.' })),
    privateItems: oneOf(['hide', 'busy'] as const, { default: 'busy', description: 'Private events: "busy" shows them as busy without details, "hide" leaves them out.' }),
    categories: Type.Optional(
      obj(
        {
          include: Type.Optional(strings('Only events with one of these categories.')),
          exclude: Type.Optional(strings('Leave out events with one of these categories.')),
        },
        { description: 'Filter by Outlook category.' },
      ),
    ),
  },
  { description: 'A read-only ICS subscription URL with a secret token.' },
);

/** The whole configuration file. */
export const ConfigSchema = obj(
  {
    $schema: Type.Optional(Type.String({ description: 'Path or URL of config.schema.json, for editors; ignored by the bridge.' })),
    server: Server,
    exchange: Exchange,
    login: Login,
    accounts: Type.Array(Account, { default: [], description: 'Mailboxes configured by the admin (needed for the "accounts" login mode; optional otherwise).' }),
    oauth: Type.Optional(OAuth),
    graph: Graph,
    secrets: obj(
      { key: Type.Optional(Secret('Key that encrypts upstream secrets (refresh tokens) in the store; at least 32 random bytes, e.g. `openssl rand -base64 32`. Required for OAuth.')) },
      { default: {}, description: 'Encryption of secrets at rest.' },
    ),
    sync: Sync,
    store: obj(
      { dataDir: Type.String({ default: './data', minLength: 1, description: 'Folder for the SQLite store, relative to the config file; the loader makes it absolute.' }) },
      { default: {}, description: 'Where the bridge keeps its data.' },
    ),
    feeds: Type.Array(Feed, { default: [], description: 'ICS subscription feeds with secret URLs.' }),
    logging: obj(
      {
        level: oneOf(LOG_LEVELS, { default: 'info', description: 'Lowest level written.' }),
        format: oneOf(['json', 'pretty'] as const, { default: 'json', description: '"json" (one object per line) or "pretty" (for terminals).' }),
      },
      { default: {}, description: 'Logs (pino) on standard output.' },
    ),
  },
  { $id: CONFIG_SCHEMA_ID, title: 'ewsdav configuration', description: 'Configuration file of ewsdav, the Exchange → CalDAV/ICS bridge.' },
);

/** The configuration after loading: defaults applied, `login.mode` filled, `store.dataDir` absolute, secrets still references. */
export type Config = Static<typeof ConfigSchema>;
export type SecretRef = string | { env: string } | { file: string };
export type UpstreamAuth = Config['exchange']['auth'];
export type LoginMode = Config['login']['mode'];
export type AccountConfig = Config['accounts'][number];
export type FeedConfig = Config['feeds'][number];
export type OAuthConfig = NonNullable<Config['oauth']>;

/** config.schema.json as published: plain JSON, with the dialect first. */
export function configJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  // Identity first, for people reading the file.
  return { $schema: CONFIG_SCHEMA_DIALECT, $id: plain['$id'], title: plain['title'], description: plain['description'], ...plain };
}

/** The exact text of config.schema.json (two-space indent, final newline). */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
