// Reads secret references ({"env"}, {"file"} or a literal) when a component needs the value.
// The loader keeps references unresolved so secrets stay out of the config object that gets
// logged or dumped; no message here ever contains a secret value.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { ConfigSchema, Sensitive, type Config, type SecretRef } from './schema.js';
import { walkSchema } from './walk.js';

export interface ResolveSecretOptions {
  /** Environment to read `{"env"}` references from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory `{"file"}` paths are relative to: the config file's directory. */
  baseDir: string;
  /** JSON path of the reference, for messages, e.g. "accounts[0].password". */
  path?: string;
}

// A secret is a password, token or PEM key: anything larger is a wrong path (a log, a disk image).
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

export async function resolveSecret(ref: SecretRef, options: ResolveSecretOptions): Promise<string> {
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError('EWSDAV_ERR_CONFIG_SECRET', [{ path: options.path ?? '', message }], cause === undefined ? {} : { cause });
  };
  if (typeof ref === 'string') {
    if (ref === '') fail('the secret is an empty string');
    return ref;
  }
  if ('env' in ref) {
    const value = (options.env ?? process.env)[ref.env];
    if (value === undefined) return fail(`environment variable ${ref.env} is not set`);
    if (value === '') return fail(`environment variable ${ref.env} is empty`);
    return value;
  }
  const file = resolve(options.baseDir, ref.file);
  let text: string;
  try {
    // stat first: reading a FIFO or /dev/zero by mistake would block or never end.
    const info = await stat(file);
    if (!info.isFile()) return fail(`file ${file}: not a regular file`);
    if (info.size > MAX_SECRET_FILE_BYTES) return fail(`file ${file}: too large for a secret (${info.size} bytes)`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return fail(`file ${file}: not readable (${code})`, error);
  }
  // Editors and `echo` add a final newline; it is never part of the secret.
  const value = text.replace(/(?:\r?\n)+$/, '');
  if (value === '') fail(`file ${file}: is empty`);
  return value;
}

/** Schema paths of every secret, e.g. "accounts[].password" (for log redaction and start-up checks). */
export function secretPaths(): string[] {
  return walkSchema(ConfigSchema)
    .filter((entry) => entry.schema[Sensitive] === true)
    .map((entry) => entry.path);
}

/** Every secret reference present in a loaded config, with its concrete path ("accounts[0].password"). */
export function listSecretRefs(config: Config): { path: string; ref: SecretRef }[] {
  const found: { path: string; ref: SecretRef }[] = [];
  const visit = (value: unknown, rest: string[], path: string): void => {
    if (value === undefined || value === null) return;
    const [head, ...tail] = rest;
    if (head === undefined) {
      found.push({ path, ref: value as SecretRef }); // validated against the Secret schema already
    } else if (head.endsWith('[]')) {
      const list = (value as Record<string, unknown>)[head.slice(0, -2)];
      if (Array.isArray(list)) list.forEach((item, i) => visit(item, tail, `${join(path, head.slice(0, -2))}[${i}]`));
    } else {
      visit((value as Record<string, unknown>)[head], tail, join(path, head));
    }
  };
  for (const pattern of secretPaths()) visit(config, pattern.split('.'), '');
  return found;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
