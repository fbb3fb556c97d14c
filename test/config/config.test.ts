// The config layer: defaults, the messages users see for every kind of mistake, secret references,
// and the published artefacts (schema file, example, docs) staying in step with the schema.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { EwsdavError } from '../../src/errors.js';
import { DOCS_BEGIN, DOCS_END, renderConfigReference } from '../../src/config/docs.js';
import { ConfigError } from '../../src/config/errors.js';
import { findJsonSyntaxError } from '../../src/config/json-syntax.js';
import { loadConfig, parseConfig, validateConfig } from '../../src/config/load.js';
import { closest, levenshtein } from '../../src/config/problems.js';
import { renderConfigJsonSchema, ConfigSchema, type Config } from '../../src/config/schema.js';
import { listSecretRefs, resolveSecret, secretPaths } from '../../src/config/secrets.js';
import { walkSchema } from '../../src/config/walk.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASE = '/srv/ewsdav';

/** The problems of an invalid config, as the user reads them ("path: message"). */
function problemsOf(input: unknown): string[] {
  try {
    validateConfig(input, { baseDir: BASE });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`));
    throw error;
  }
  return [];
}

t.test('a minimal config gets every default', async (t) => {
  const config = validateConfig({}, { baseDir: BASE });
  const expected: Config = {
    server: { host: '127.0.0.1', port: 8080, trustProxy: [], metrics: { enabled: true } },
    exchange: { auth: 'basic', api: 'ews', timeoutSeconds: 30, maxConcurrency: 4, version: 'Exchange2016', maxResponseBytes: 64 * 1024 * 1024 },
    login: { mode: 'passthrough', rateLimit: { maxFailures: 5, windowSeconds: 300 }, verifierTtlSeconds: 86400 },
    accounts: [],
    graph: { url: 'https://graph.microsoft.com', window: { daysBack: 365, daysAhead: 1095 } },
    secrets: {},
    sync: { intervalSeconds: 60, staleAfterSeconds: 300, tombstoneDays: 30, getItemBatchSize: 100, syncPageSize: 512 },
    store: { dataDir: '/srv/ewsdav/data' },
    feeds: [],
    logging: { level: 'info', format: 'json' },
  };
  t.same(config, expected);
  t.strictSame(Object.keys(config).sort(), Object.keys(expected).sort());

  const account = validateConfig({ accounts: [{ id: 'mara', username: 'mara@contoso.com' }] }, { baseDir: BASE }).accounts[0];
  t.same(account?.calendars, { include: ['*'], exclude: [] }, 'nested defaults inside array items');
  const feed = validateConfig({ feeds: [{ name: 'f', user: 'u@x.org', calendar: 'Calendar', token: { env: 'T' } }] }, { baseDir: BASE }).feeds[0];
  t.match(feed, { detail: 'full', privateItems: 'busy' });

  const input = { server: { port: 9000 } };
  validateConfig(input, { baseDir: BASE });
  t.same(input, { server: { port: 9000 } }, 'the caller’s object is not modified');
});

t.test('derived values', async (t) => {
  const modes: [string, string][] = [
    ['basic', 'passthrough'],
    ['ntlm', 'passthrough'],
    ['oauth', 'devicePasswords'],
    ['oauth-app', 'devicePasswords'],
  ];
  const oauth = { tenant: 'contoso.onmicrosoft.com', clientId: 'c', clientSecret: { env: 'S' } };
  for (const [auth, mode] of modes) {
    const config = validateConfig({ exchange: { auth }, oauth, secrets: { key: { env: 'K' } } }, { baseDir: BASE });
    t.equal(config.login.mode, mode, `login.mode defaults to ${mode} for ${auth}`);
  }
  t.equal(validateConfig({ exchange: { auth: 'ntlm' }, login: { mode: 'devicePasswords' } }).login.mode, 'devicePasswords', 'an explicit mode wins');
  t.equal(validateConfig({ store: { dataDir: '../var/lib' } }, { baseDir: BASE }).store.dataDir, '/srv/var/lib', 'dataDir relative to the config dir');
  t.equal(validateConfig({ store: { dataDir: '/var/lib/ewsdav' } }, { baseDir: BASE }).store.dataDir, '/var/lib/ewsdav');
  t.equal(validateConfig({ server: { publicUrl: 'https://cal.example.org/cal' } }).server.publicUrl, 'https://cal.example.org/cal/');
  t.equal(validateConfig({ server: { publicUrl: 'http://cal.example.org' } }).server.publicUrl, 'http://cal.example.org/');
});

t.test('valid values the schema must accept', async (t) => {
  const cases: [string, unknown][] = [
    ['loopback http 127.0.0.1', { exchange: { url: 'http://127.0.0.1:8443/EWS/Exchange.asmx' } }],
    ['loopback http localhost', { exchange: { url: 'http://localhost/EWS/Exchange.asmx' } }],
    ['loopback http ::1', { exchange: { url: 'http://[::1]:1234/EWS/Exchange.asmx' } }],
    ['https with port', { exchange: { url: 'https://mail.example.org:8443/EWS/Exchange.asmx' } }],
    ['DOMAIN\\user', { accounts: [{ id: 'a1', username: 'CONTOSO\\mara' }] }],
    ['proxies', { server: { trustProxy: ['10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.10', 'loopback', 'uniquelocal'] } }],
    ['secret forms', { server: { metrics: { token: 'literal' } }, secrets: { key: { file: 'k' } }, accounts: [{ id: 'a', username: 'a@b.cd', password: { env: 'P_1' } }] }],
    ['$schema at the top', { $schema: './config.schema.json' }],
    ['the longest graph window', { graph: { window: { daysBack: 729, daysAhead: 1095 } } }],
    ['graph on a national cloud', { exchange: { auth: 'oauth-app', api: 'graph' }, oauth: { tenant: 't', clientId: 'c', clientSecret: 's' }, graph: { url: 'https://graph.microsoft.us' } }],
  ];
  for (const [name, input] of cases) t.strictSame(problemsOf(input), [], name);
});

t.test('mistakes: every message names the path, what was expected and what was found', async (t) => {
  const cases: [string, unknown, (string | RegExp)[]][] = [
    ['misspelled top-level key', { exchnge: {} }, ['exchnge: unknown key; did you mean "exchange"?']],
    ['misspelled nested key (swapped letters)', { server: { prot: 8080 } }, ['server.prot: unknown key; did you mean "port"?']],
    ['wrong case', { server: { publicURL: 'https://x.org/' } }, ['server.publicURL: unknown key; did you mean "publicUrl"?']],
    ['key at the wrong level', { port: 8080 }, ['port: unknown key here; "port" belongs at server.port']],
    ['unknown key without a close match', { logging: { colour: true } }, ['logging.colour: unknown key; allowed here: level, format']],
    ['string for an integer', { server: { port: '8080' } }, ['server.port: must be an integer between 0 and 65535, got "8080" (a string)']],
    ['out of range', { server: { port: 70000 } }, ['server.port: must be an integer between 0 and 65535, got 70000']],
    ['fraction', { exchange: { timeoutSeconds: 2.5 } }, ['exchange.timeoutSeconds: must be an integer between 1 and 3600, got 2.5 (not a whole number)']],
    ['minimum only', { sync: { intervalSeconds: 5 } }, ['sync.intervalSeconds: must be an integer of at least 10, got 5']],
    ['maxConcurrency above the Exchange limit', { exchange: { maxConcurrency: 28 } }, ['exchange.maxConcurrency: must be an integer between 1 and 27, got 28']],
    ['boolean', { server: { metrics: { enabled: 'yes' } } }, ['server.metrics.enabled: must be true or false, got "yes" (a string)']],
    ['object expected', { server: 'localhost' }, ['server: must be an object, got "localhost" (a string)']],
    ['array expected', { accounts: {} }, ['accounts: must be an array of objects, got an object']],
    ['enum with a typo', { exchange: { auth: 'ntml' } }, ['exchange.auth: must be one of "basic", "ntlm", "oauth", "oauth-app", got "ntml"; did you mean "ntlm"?']],
    ['enum', { logging: { level: 'verbose' } }, ['logging.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", got "verbose"']],
    ['EWS version', { exchange: { version: 'Exchange2019' } }, [/^exchange\.version: must be one of "Exchange2007_SP1", .*"Exchange2016", got "Exchange2019"/]],
    ['URL without scheme', { exchange: { url: 'outlok.office365.com' } }, ['exchange.url: must be an https URL or a loopback http URL, got "outlok.office365.com"']],
    ['plain http to a remote host', { exchange: { url: 'http://mail.example.org/EWS/Exchange.asmx' } }, ['exchange.url: must be an https URL or a loopback http URL, got "http://mail.example.org/EWS/Exchange.asmx"']],
    ['http to a host that only starts like loopback', { exchange: { url: 'http://127.0.0.1.evil.example/EWS' } }, [/^exchange\.url: must be an https URL or a loopback http URL/]],
    ['other scheme', { exchange: { url: 'ftp://mail.example.org/' } }, [/^exchange\.url: must be an https URL/]],
    ['publicUrl with a query', { server: { publicUrl: 'https://cal.example.org/?x=1' } }, [/^server\.publicUrl: must be an http\(s\) URL without query or fragment/]],
    ['graph url with a path', { graph: { url: 'https://graph.microsoft.com/v1.0' } }, [/^graph\.url: must be an https origin/]],
    ['bad CIDR', { server: { trustProxy: ['10.0.0.0/33', 'proxy.local'] } }, [/^server\.trustProxy\[0\]: must be an IP address, a CIDR range/, /^server\.trustProxy\[1\]: .*got "proxy\.local"$/]],
    ['secret with a misspelled key', { accounts: [{ id: 'mara', username: 'mara@contoso.com', password: { evn: 'EWSDAV_MARA_PASSWORD' } }] }, ['accounts[0].password: must be a string, {"env": NAME} or {"file": PATH}, got an object with key "evn" (did you mean "env"?)']],
    ['secret of the wrong type', { secrets: { key: 12345678 } }, ['secrets.key: must be a string, {"env": NAME} or {"file": PATH}, got a number']],
    ['empty literal secret', { server: { metrics: { token: '' } } }, ['server.metrics.token: must be a string, {"env": NAME} or {"file": PATH}, got an empty string']],
    ['env name', { secrets: { key: { env: 'MY-KEY' } } }, [/^secrets\.key: must be a string, \{"env": NAME\} or \{"file": PATH\}, got an object with key "env"$/]],
    ['missing required key', { accounts: [{ id: 'mara' }] }, ['accounts[0].username: required key is missing; expected an e-mail address or DOMAIN\\user']],
    ['account id not a slug', { accounts: [{ id: 'Mara Smith', username: 'mara@contoso.com' }] }, [/^accounts\[0\]\.id: must be a slug: .*, got "Mara Smith"$/]],
    ['username', { accounts: [{ id: 'mara', username: 'mara' }] }, ['accounts[0].username: must be an e-mail address or DOMAIN\\user, got "mara"']],
    ['thumbprint', { oauth: { tenant: 't', clientId: 'c', certificate: { privateKey: { file: 'k.pem' }, thumbprintSha256: 'abc' } } }, ['oauth.certificate.thumbprintSha256: must be a SHA-256 thumbprint of 64 hex digits, got "abc"']],
    ['top level not an object', [1, 2], ['the top level must be an object, got an array']],
    [
      'several problems at once, all reported',
      { exchnge: {}, server: { port: '8080' }, exchange: { url: 'outlok.office365.com' } },
      ['exchnge: unknown key; did you mean "exchange"?', 'server.port: must be an integer between 0 and 65535, got "8080" (a string)', 'exchange.url: must be an https URL or a loopback http URL, got "outlok.office365.com"'],
    ],
    // Rules across keys, checked in the loader.
    [
      'duplicate account ids',
      { accounts: [{ id: 'mara', username: 'mara@contoso.com' }, { id: 'tom', username: 'tom@contoso.com' }, { id: 'mara', username: 'mara2@contoso.com' }] },
      ['accounts[2].id: must be unique, got "mara" (also accounts[0].id)'],
    ],
    ['duplicate usernames', { accounts: [{ id: 'a', username: 'Mara@contoso.com' }, { id: 'b', username: 'mara@contoso.com' }] }, ['accounts[1].username: must be unique, got "mara@contoso.com" (also accounts[0].username)']],
    ['duplicate feed names', { feeds: [feed('f'), feed('f')] }, ['feeds[1].name: must be unique, got "f" (also feeds[0].name)']],
    ['bad regex', { feeds: [{ ...feed('f'), excludeSubject: '(Private' }] }, [/^feeds\[0\]\.excludeSubject: must be a valid regular expression, got "\(Private" \(.*\)$/]],
    ['oauth without its section', { exchange: { auth: 'oauth' }, secrets: { key: 'k' } }, ['oauth: required when exchange.auth is "oauth"; expected an object with at least tenant and clientId']],
    ['oauth without a store key', { exchange: { auth: 'oauth' }, oauth: { tenant: 't', clientId: 'c' } }, [/^secrets\.key: required when exchange\.auth is "oauth"/]],
    ['oauth-app without credentials', { exchange: { auth: 'oauth-app' }, oauth: { tenant: 't', clientId: 'c' } }, ['oauth: exchange.auth "oauth-app" (client credentials) needs oauth.clientSecret or oauth.certificate']],
    ['graph with basic', { exchange: { api: 'graph' } }, [/^exchange\.api: "graph" needs exchange\.auth "oauth" or "oauth-app", got "basic"/]],
    [
      'graph window longer than Graph takes',
      { graph: { window: { daysBack: 730, daysAhead: 1095 } } },
      ['graph.window: daysBack + daysAhead must be at most 1824, got 1825 (730 + 1095): the window spans that many days plus today, and Microsoft Graph takes a calendarView range of at most 1825 days'],
    ],
    ['graph window far ahead, default daysBack', { graph: { window: { daysAhead: 1500 } } }, [/^graph\.window: daysBack \+ daysAhead must be at most 1824, got 1865 \(365 \+ 1500\)/]],
    ['passthrough with oauth', { exchange: { auth: 'oauth' }, oauth: { tenant: 't', clientId: 'c' }, secrets: { key: 'k' }, login: { mode: 'passthrough' } }, [/^login\.mode: "passthrough" needs exchange\.auth "basic" or "ntlm", got "oauth"/]],
    ['callback without publicUrl', { oauth: { tenant: 't', clientId: 'c', redirect: 'callback' } }, [/^oauth\.redirect: "callback" needs server\.publicUrl/]],
    ['accounts mode without accounts', { login: { mode: 'accounts' } }, ['accounts: login.mode "accounts" needs at least one account, got none']],
    [
      'accounts mode without passwords',
      { login: { mode: 'accounts' }, accounts: [{ id: 'mara', username: 'mara@contoso.com' }] },
      [/^accounts\[0\]\.clientPassword: required when login\.mode is "accounts"/, /^accounts\[0\]\.password: required when login\.mode is "accounts" and exchange\.auth is "basic"/],
    ],
  ];
  for (const [name, input, expected] of cases) {
    const problems = problemsOf(input);
    t.equal(problems.length, expected.length, `${name}: number of problems\n${problems.join('\n')}`);
    expected.forEach((want, i) => (typeof want === 'string' ? t.equal(problems[i], want, name) : t.match(problems[i], want, name)));
  }
});

function feed(name: string) {
  return { name, user: 'mara@contoso.com', calendar: 'Calendar', token: { env: 'FEED_TOKEN' } };
}

t.test('the error: typed, complete message, no secrets', async (t) => {
  const secret = 'hunter2-Sup3rSecret';
  let error: unknown;
  try {
    validateConfig({ exchnge: {}, secrets: { key: 12345678 }, accounts: [{ id: 'm', username: 'm@x.org', password: { env: secret, extra: secret } }] }, { file: '/etc/ewsdav/config.json' });
  } catch (e) {
    error = e;
  }
  t.ok(error instanceof ConfigError && error instanceof EwsdavError);
  const e = error as ConfigError;
  t.equal(e.code, 'EWSDAV_ERR_CONFIG_INVALID');
  t.equal(e.category, 'config');
  t.equal(e.file, '/etc/ewsdav/config.json');
  t.equal(e.problems.length, 3);
  t.match(e.message, /^Invalid configuration in \/etc\/ewsdav\/config\.json \(3 problems\):\n {2}- exchnge: unknown key/);
  for (const p of e.problems) t.match(e.message, `${p.path}: ${p.message}`, 'the message lists every problem');
  t.notMatch(e.message, secret);
  t.notMatch(e.message, '12345678');
  t.match(e.message, 'got an object with keys "env", "extra"');
});

t.test('JSON syntax errors name line and column, never quote the text', async (t) => {
  const cases: [string, string, string][] = [
    ['trailing comma', '{\n  "server": {\n    "port": 8080,\n  }\n}', 'line 4, column 3: trailing comma before "}" (JSON allows none)'],
    ['missing comma', '{\n  "server": {}\n  "exchange": {}\n}', 'line 3, column 3: expected "," or "}" after a value, found """'],
    ['unquoted value', '{"accounts": [{"password": hunter2}]}', 'line 1, column 28: expected a value, found "h"'],
    ['single quotes', "{'server': {}}", 'line 1, column 2: expected a key in double quotes, found a single quote (JSON strings use double quotes)'],
    ['comment', '{\n  // the port\n  "server": {}\n}', 'line 2, column 3: expected a key in double quotes, found "/" (JSON has no comments)'],
    ['unterminated string', '{"secrets": {"key": "abc}}', 'line 1, column 21: string not terminated (missing closing ")'],
    ['windows path', '{"store": {"dataDir": "C:\\data"}}', 'line 1, column 26: invalid escape in a string (a Windows path needs "\\\\" for each backslash)'],
    ['empty file', '', 'line 1, column 1: expected a value, found the end of the file'],
    ['content after the end', '{}\n}', 'line 2, column 1: unexpected "}" after the end of the JSON document'],
  ];
  for (const [name, text, want] of cases) {
    t.throws(() => JSON.parse(text), `${name}: really invalid`);
    const error = t.throws(() => parseConfig(text, { file: 'c.json' })) as ConfigError;
    t.equal(error.message, `Invalid configuration in c.json: not valid JSON at ${want}`, name);
    t.notMatch(error.message, 'hunter2');
  }
  t.equal(findJsonSyntaxError('{"a": [1, 2.5e3, true, null, "\\u00e9"]}'), undefined, 'valid JSON has no error');
  t.same(parseConfig('\ufeff{"server": {"port": 1}}').server.port, 1, 'a byte order mark is accepted');
});

t.test('loadConfig', async (t) => {
  const dir = t.testdir({
    etc: { 'config.json': JSON.stringify({ store: { dataDir: 'state' }, server: { port: 8443 } }), 'broken.json': '{"server": {"port": 80,}}' },
  });
  t.equal(await loadConfig({ env: {} }), undefined, 'no path and no EWSDAV_CONFIG: undefined (demo)');
  t.equal(await loadConfig({ env: { EWSDAV_CONFIG: '' } }), undefined);

  const fromEnv = await loadConfig({ env: { EWSDAV_CONFIG: join(dir, 'etc/config.json') } });
  t.equal(fromEnv?.config.server.port, 8443, 'EWSDAV_CONFIG');
  t.equal(fromEnv?.file, join(dir, 'etc/config.json'));
  t.equal(fromEnv?.baseDir, join(dir, 'etc'));
  t.equal(fromEnv?.config.store.dataDir, join(dir, 'etc/state'), 'dataDir relative to the config file, not the cwd');

  const fromArg = await loadConfig({ path: 'etc/config.json', cwd: dir, env: { EWSDAV_CONFIG: '/nonexistent.json' } });
  t.equal(fromArg?.file, join(dir, 'etc/config.json'), 'the argument wins over EWSDAV_CONFIG, relative to cwd');

  await t.rejects(loadConfig({ path: join(dir, 'nope.json'), env: {} }), { code: 'EWSDAV_ERR_CONFIG_INVALID', message: `Invalid configuration in ${join(dir, 'nope.json')}: file not found (ENOENT)` });
  await t.rejects(loadConfig({ path: join(dir, 'etc'), env: {} }), { message: /is a directory, not a file \(EISDIR\)$/ });
  await t.rejects(loadConfig({ path: join(dir, 'etc/broken.json'), env: {} }), { message: /broken\.json: not valid JSON at line 1, column 24: trailing comma/ });
});

t.test('secrets', async (t) => {
  const dir = t.testdir({ 'pw.txt': 'file-secret\n', 'crlf.txt': 'crlf-secret\r\n', 'empty.txt': '\n', keys: { 'k.pem': '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n' } });
  const env = { EWSDAV_MARA_PASSWORD: 'env-secret', EMPTY: '' };
  const options = { env, baseDir: dir, path: 'accounts[0].password' };

  t.equal(await resolveSecret('literal-secret', options), 'literal-secret');
  t.equal(await resolveSecret({ env: 'EWSDAV_MARA_PASSWORD' }, options), 'env-secret');
  t.equal(await resolveSecret({ file: 'pw.txt' }, options), 'file-secret', 'relative to baseDir, trailing newline trimmed');
  t.equal(await resolveSecret({ file: 'crlf.txt' }, options), 'crlf-secret');
  t.equal(await resolveSecret({ file: join(dir, 'keys/k.pem') }, options), '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----', 'inner newlines kept');

  const failures: [string, Parameters<typeof resolveSecret>[0], string][] = [
    ['unset variable', { env: 'EWSDAV_TOM_PASSWORD' }, 'accounts[0].password: environment variable EWSDAV_TOM_PASSWORD is not set'],
    ['empty variable', { env: 'EMPTY' }, 'accounts[0].password: environment variable EMPTY is empty'],
    ['missing file', { file: 'missing.txt' }, `accounts[0].password: file ${join(dir, 'missing.txt')}: not readable (ENOENT)`],
    ['absolute missing file', { file: '/etc/x' }, 'accounts[0].password: file /etc/x: not readable (ENOENT)'],
    ['directory', { file: 'keys' }, `accounts[0].password: file ${join(dir, 'keys')}: not a regular file`],
    ['empty file', { file: 'empty.txt' }, `accounts[0].password: file ${join(dir, 'empty.txt')}: is empty`],
    ['empty literal', '', 'accounts[0].password: the secret is an empty string'],
  ];
  for (const [name, ref, message] of failures) {
    const error = await resolveSecret(ref, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(error instanceof ConfigError, name);
    t.match(error, { code: 'EWSDAV_ERR_CONFIG_SECRET', message }, name);
    t.equal((error as Error).message, message, name);
  }
  t.equal(await resolveSecret({ env: 'HOME_X' }, { env: { HOME_X: 'x' }, baseDir: dir }), 'x', 'process-independent env');

  t.strictSame(secretPaths().sort(), ['accounts[].clientPassword', 'accounts[].password', 'feeds[].token', 'oauth.certificate.privateKey', 'oauth.clientSecret', 'secrets.key', 'server.metrics.token'].sort());
  const example = validateConfig(JSON.parse(readFileSync(join(root, 'config.example.json'), 'utf8')));
  t.strictSame(
    listSecretRefs(example).map((s) => s.path).sort(),
    ['accounts[0].clientPassword', 'accounts[0].password', 'accounts[1].clientPassword', 'accounts[1].password', 'feeds[0].token', 'oauth.certificate.privateKey', 'oauth.clientSecret', 'secrets.key', 'server.metrics.token'].sort(),
  );
});

t.test('published artefacts match the schema', async (t) => {
  const exampleText = readFileSync(join(root, 'config.example.json'), 'utf8');
  const example: unknown = JSON.parse(exampleText);
  t.doesNotThrow(() => parseConfig(exampleText, { file: 'config.example.json', baseDir: root }), 'config.example.json is valid');
  const paths = walkSchema(ConfigSchema).map((e) => e.path);
  const missing = paths.filter((p) => !present(example, p.split('.')));
  t.strictSame(missing, [], 'config.example.json shows every key');

  const schemaFile = readFileSync(join(root, 'config.schema.json'), 'utf8');
  t.equal(schemaFile, renderConfigJsonSchema(), 'config.schema.json is current (run: npx tsx scripts/write-config-schema.ts)');

  // As an editor would use it: the published file alone, with a stock validator.
  const published = JSON.parse(schemaFile) as Record<string, unknown>;
  t.match(published, { $schema: 'http://json-schema.org/draft-07/schema#', $id: String, title: String, description: String });
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(published);
  t.ok(validate(example), 'the published schema accepts the example');
  t.notOk(validate({ exchnge: {} }), 'and rejects unknown keys');

  const docs = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const undocumented = paths.filter((p) => !docs.includes(`\`${p}\``));
  t.strictSame(undocumented, [], 'docs/configuration.md documents every key');
  const generated = docs.slice(docs.indexOf(DOCS_BEGIN) + DOCS_BEGIN.length, docs.indexOf(DOCS_END)).trim();
  t.equal(generated, renderConfigReference(), 'the reference in docs/configuration.md is current (run: npx tsx scripts/write-config-docs.ts)');
  for (const entry of walkSchema(ConfigSchema)) t.ok(entry.schema.description, `${entry.path} has a description`);
});

/** Whether a schema path ("accounts[].calendars.include") has a value in `data` (some array item suffices). */
function present(data: unknown, segments: string[]): boolean {
  const [head, ...rest] = segments;
  if (head === undefined) return data !== undefined;
  if (typeof data !== 'object' || data === null) return false;
  const isList = head.endsWith('[]');
  const value = (data as Record<string, unknown>)[isList ? head.slice(0, -2) : head];
  if (!isList) return present(value, rest);
  return Array.isArray(value) && value.some((item) => present(item, rest));
}

t.test('did-you-mean distance', async (t) => {
  t.equal(levenshtein('exchnge', 'exchange'), 1);
  t.equal(levenshtein('evn', 'env'), 1, 'a swap is one edit');
  t.equal(levenshtein('', 'abc'), 3);
  t.equal(closest('exchnge', ['server', 'exchange']), 'exchange');
  t.equal(closest('colour', ['level', 'format']), undefined, 'no far-fetched suggestions');
});
