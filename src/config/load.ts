// Loads the config file: find it (argument, EWSDAV_CONFIG), parse, validate against the schema,
// apply defaults and the cross-key rules the schema cannot express. Secrets stay references
// (see secrets.ts). Every failure is one ConfigError listing all problems.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { ConfigError, type ConfigProblem } from './errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { problemsFromAjv } from './problems.js';
import { ConfigSchema, type Config } from './schema.js';

export interface LoadConfigOptions {
  /** Config file (e.g. from --config); relative to `cwd`. Falls back to EWSDAV_CONFIG. */
  path?: string;
  /** Environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory a relative `path` is resolved against; default process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  file: string;
  /** The file's directory: `{"file"}` secrets are relative to it (pass it to resolveSecret). */
  baseDir: string;
}

/** Loads the config file, or returns undefined when none is named (callers then start the demo). */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig | undefined> {
  const env = options.env ?? process.env;
  const given = options.path ?? env['EWSDAV_CONFIG'];
  if (given === undefined || given === '') return undefined;
  const file = resolve(options.cwd ?? process.cwd(), given);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const what = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : 'file not readable';
    throw new ConfigError('EWSDAV_ERR_CONFIG_INVALID', [{ path: '', message: `${what} (${code})` }], { file, cause: error });
  }
  const baseDir = dirname(file);
  return { config: parseConfig(text, { file, baseDir }), file, baseDir };
}

export interface ValidateOptions {
  /** Directory relative paths in the config are resolved against; default process.cwd(). */
  baseDir?: string;
  /** File name for messages. */
  file?: string;
}

/** Parses and validates config text. */
export function parseConfig(text: string, options: ValidateOptions = {}): Config {
  // Windows editors may save a byte order mark, which JSON.parse rejects.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch (error) {
    const where = findJsonSyntaxError(body);
    const message = where ? `not valid JSON at line ${where.line}, column ${where.column}: ${where.message}` : 'not valid JSON';
    throw new ConfigError('EWSDAV_ERR_CONFIG_INVALID', [{ path: '', message }], { ...(options.file ? { file: options.file } : {}), cause: error });
  }
  return validateConfig(input, options);
}

/** Validates a parsed config (for configs built in code: the demo, tests) and applies all defaults. */
export function validateConfig(input: unknown, options: ValidateOptions = {}): Config {
  const fail = (problems: ConfigProblem[]): never => {
    throw new ConfigError('EWSDAV_ERR_CONFIG_INVALID', problems, options.file ? { file: options.file } : {});
  };
  // Ajv fills defaults in place; never touch the caller's object.
  const data: unknown = structuredClone(input);
  const validate = validator();
  if (!validate(data)) return fail(problemsFromAjv(validate.errors ?? []));
  const config = data as Config;
  applyDerivedDefaults(config, input, options.baseDir ?? process.cwd());
  const problems = crossChecks(config);
  if (problems.length > 0) fail(problems);
  return config;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    // verbose: errors carry their schema node and data, which problems.ts needs for its messages.
    const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
    // ajv-formats is CommonJS; under NodeNext its default import is the module object.
    const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;
    addFormats(ajv, ['uri']);
    ajv.addFormat('ip-or-cidr', isProxyAddress);
    compiled = ajv.compile(ConfigSchema);
  }
  return compiled;
}

/** What fastify's trustProxy (proxy-addr) accepts, minus netmask notation. */
export function isProxyAddress(value: string): boolean {
  if (value === 'loopback' || value === 'linklocal' || value === 'uniquelocal') return true;
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function applyDerivedDefaults(config: Config, input: unknown, baseDir: string): void {
  const login = (input as { login?: { mode?: unknown } }).login;
  if (login?.mode === undefined) {
    // DESIGN.md: pass-through needs Exchange to check a client's password itself, which only
    // basic/ntlm allow; with OAuth the bridge hands out device passwords instead.
    config.login.mode = config.exchange.auth === 'basic' || config.exchange.auth === 'ntlm' ? 'passthrough' : 'devicePasswords';
  }
  config.store.dataDir = resolve(baseDir, config.store.dataDir);
  // One trailing slash, so URLs are built by appending "dav/…" whatever the prefix.
  if (config.server.publicUrl !== undefined && !config.server.publicUrl.endsWith('/')) config.server.publicUrl += '/';
}

/**
 * The largest graph.window daysBack + daysAhead. A delta round asks for the whole window
 * [today − daysBack, today + daysAhead + 1 day] under one token, so it cannot be cut into spans;
 * Graph refuses calendarView ranges of more than 1,825 days, and whether calendarView/delta has
 * the same limit is not documented: the window is kept within it.
 */
const MAX_GRAPH_WINDOW_DAYS = 1824;

/** Rules across keys, checked once the shape is right. */
function crossChecks(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const { auth, api } = config.exchange;
  const oauthAuth = auth === 'oauth' || auth === 'oauth-app';

  duplicates(config.accounts.map((a) => a.id), (i, first) => add(`accounts[${i}].id`, `must be unique, got "${config.accounts[i]?.id}" (also accounts[${first}].id)`));
  duplicates(config.accounts.map((a) => a.username.toLowerCase()), (i, first) => add(`accounts[${i}].username`, `must be unique, got "${config.accounts[i]?.username}" (also accounts[${first}].username)`));
  duplicates(config.feeds.map((f) => f.name), (i, first) => add(`feeds[${i}].name`, `must be unique, got "${config.feeds[i]?.name}" (also feeds[${first}].name)`));
  config.feeds.forEach((feed, i) => {
    if (feed.excludeSubject === undefined) return;
    try {
      new RegExp(feed.excludeSubject);
    } catch (error) {
      add(`feeds[${i}].excludeSubject`, `must be a valid regular expression, got ${JSON.stringify(feed.excludeSubject)} (${(error as Error).message})`);
    }
  });

  if (oauthAuth && config.oauth === undefined) {
    add('oauth', `required when exchange.auth is "${auth}"; expected an object with at least tenant and clientId`);
  }
  if (auth === 'oauth-app' && config.oauth !== undefined && config.oauth.clientSecret === undefined && config.oauth.certificate === undefined) {
    add('oauth', 'exchange.auth "oauth-app" (client credentials) needs oauth.clientSecret or oauth.certificate');
  }
  if (auth === 'oauth' && config.secrets.key === undefined) {
    add('secrets.key', 'required when exchange.auth is "oauth": the store keeps refresh tokens encrypted with it; expected a string, {"env": NAME} or {"file": PATH}');
  }
  if (config.oauth?.redirect === 'callback' && config.server.publicUrl === undefined) {
    add('oauth.redirect', '"callback" needs server.publicUrl (the redirect URI is <publicUrl>oauth/callback); set server.publicUrl or use "nativeclient"');
  }
  if (api === 'graph' && !oauthAuth) {
    add('exchange.api', `"graph" needs exchange.auth "oauth" or "oauth-app", got "${auth}" (Microsoft Graph accepts only OAuth tokens)`);
  }
  const { daysBack, daysAhead } = config.graph.window;
  if (daysBack + daysAhead > MAX_GRAPH_WINDOW_DAYS) {
    add('graph.window', `daysBack + daysAhead must be at most ${MAX_GRAPH_WINDOW_DAYS}, got ${daysBack + daysAhead} (${daysBack} + ${daysAhead}): the window spans that many days plus today, and Microsoft Graph takes a calendarView range of at most 1825 days`);
  }
  if (config.login.mode === 'passthrough' && oauthAuth) {
    add('login.mode', `"passthrough" needs exchange.auth "basic" or "ntlm", got "${auth}" (with OAuth no client holds Exchange credentials); use "devicePasswords" or "accounts"`);
  }
  if (config.login.mode === 'accounts') {
    if (config.accounts.length === 0) add('accounts', 'login.mode "accounts" needs at least one account, got none');
    config.accounts.forEach((account, i) => {
      if (account.clientPassword === undefined) add(`accounts[${i}].clientPassword`, 'required when login.mode is "accounts": the password calendar apps use for this account');
      if (!oauthAuth && account.password === undefined) add(`accounts[${i}].password`, `required when login.mode is "accounts" and exchange.auth is "${auth}": the mailbox's Exchange password`);
    });
  }
  return problems;
}

/** Calls `report(index, firstIndex)` for each value seen before. */
function duplicates(values: readonly string[], report: (index: number, first: number) => void): void {
  const firstSeen = new Map<string, number>();
  values.forEach((value, i) => {
    const first = firstSeen.get(value);
    if (first === undefined) firstSeen.set(value, i);
    else report(i, first);
  });
}
