// Turns Ajv's errors into problems a user can act on: one per JSON path, each naming what was
// expected and what was found. Ajv must run with `verbose` (errors carry their schema and data).
import type { ErrorObject } from 'ajv';
import type { ConfigProblem } from './errors.js';
import { ConfigSchema, Sensitive } from './schema.js';
import { expectedHint, walkSchema, type Annotated } from './walk.js';

export function problemsFromAjv(errors: readonly ErrorObject[]): ConfigProblem[] {
  // Ajv reports every failed branch of an anyOf (a Secret is a string or {env} or {file}) plus the
  // anyOf itself; keep only the anyOf, which names all the shapes at once.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const relevant = errors.filter((e) => !anyOfPaths.some((p) => e.schemaPath.startsWith(p)));

  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  const add = (problem: ConfigProblem): void => {
    if (seen.has(problem.path)) return; // e.g. format and pattern both failing on one URL
    seen.add(problem.path);
    problems.push(problem);
  };
  for (const error of relevant) {
    const segments = pointerSegments(error.instancePath);
    const parent = error.parentSchema as Annotated | undefined;
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params['additionalProperty']);
      add({ path: formatPath([...segments, key]), message: unknownKey(key, segments, parent) });
    } else if (error.keyword === 'required') {
      const key = String(error.params['missingProperty']);
      const child = (parent?.properties as Record<string, Annotated> | undefined)?.[key];
      add({ path: formatPath([...segments, key]), message: `required key is missing; expected ${child ? describeExpected(child) : 'a value'}` });
    } else if (error.keyword === 'uniqueItems') {
      const i = Number(error.params['i']);
      const j = Number(error.params['j']);
      add({ path: formatPath(segments), message: `must not repeat a value; items ${j} and ${i} are the same` });
    } else if (parent !== undefined) {
      const message = mustBe(parent, error.data);
      add({ path: formatPath(segments), message: segments.length === 0 ? `the top level ${message}` : message });
    } else {
      add({ path: formatPath(segments), message: error.message ?? 'is invalid' });
    }
  }
  return problems;
}

function mustBe(schema: Annotated, found: unknown): string {
  let message = `must be ${describeExpected(schema)}, got ${describeFound(found, schema)}`;
  if (Array.isArray(schema.enum) && typeof found === 'string') {
    const suggestion = closest(found, schema.enum as string[]);
    if (suggestion !== undefined) message += `; did you mean "${suggestion}"?`;
  }
  return message;
}

/** "an integer between 1 and 65535", "one of "basic", "ntlm"", … */
export function describeExpected(schema: Annotated): string {
  const hint = expectedHint(schema);
  if (hint !== undefined) return hint;
  if (Array.isArray(schema.enum)) return `one of ${(schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const noun = schema.type === 'integer' ? 'an integer' : 'a number';
      const min = schema.minimum as number | undefined;
      const max = schema.maximum as number | undefined;
      if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case 'string':
      return schema.minLength !== undefined && Number(schema.minLength) > 0 ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'array': {
      const items = schema.items as Annotated | undefined;
      if (items?.type === 'string' && expectedHint(items) === undefined) return 'an array of strings';
      if (items?.type === 'object') return 'an array of objects';
      return items ? `an array, each item ${describeExpected(items)}` : 'an array';
    }
    case 'object':
      return 'an object';
    default:
      return 'a valid value';
  }
}

/** The found value as a message shows it: quoted and shortened, typed when the type is the problem. */
export function describeFound(value: unknown, schema: Annotated): string {
  const kind = jsonKind(value);
  if (schema[Sensitive]) {
    // Never echo what may be a secret; the type and the key names are enough to fix it.
    if (kind === 'object') {
      const keys = Object.keys(value as object);
      const names = keys.length === 0 ? 'no keys' : `${keys.length === 1 ? 'key' : 'keys'} ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
      const guess = keys.length === 1 && keys[0] !== undefined ? closest(keys[0], ['env', 'file']) : undefined;
      return `an object with ${names}${guess !== undefined && guess !== keys[0] ? ` (did you mean "${guess}"?)` : ''}`;
    }
    return kind === 'string' ? 'an empty string' : article(kind);
  }
  if (kind === 'object') return 'an object';
  if (kind === 'array') return 'an array';
  if (kind === 'null') return 'null';
  const text = shorten(JSON.stringify(value));
  const wanted = schema.type === 'integer' ? 'number' : schema.type;
  if (wanted !== undefined && wanted !== kind) return `${text} (a ${kind})`;
  if (schema.type === 'integer' && !Number.isInteger(value)) return `${text} (not a whole number)`;
  return text;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : kind === 'null' ? 'null' : `a ${kind}`;
}

function shorten(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}…`;
}

function unknownKey(key: string, segments: readonly string[], parent: Annotated | undefined): string {
  const allowed = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
  const suggestion = closest(key, allowed);
  if (suggestion !== undefined) return `unknown key; did you mean "${suggestion}"?`;
  // A right key at the wrong level ("port" at the top instead of under "server").
  const here = segments.filter((s) => !/^\d+$/.test(s)).join('.');
  const elsewhere = walkSchema(ConfigSchema)
    .filter((entry) => entry.key.toLowerCase() === key.toLowerCase() && entry.path !== (here === '' ? key : `${here}.${key}`))
    .map((entry) => entry.path);
  if (elsewhere.length > 0) return `unknown key here; "${key}" belongs at ${elsewhere.slice(0, 3).join(' or ')}`;
  return allowed.length > 0 ? `unknown key; allowed here: ${allowed.join(', ')}` : 'unknown key';
}

/** The closest candidate within a typo's distance, case-insensitively. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Up to a third of the longer word may differ (at least one edit, at most three).
  const limit = Math.min(3, Math.max(1, Math.floor(Math.max(word.length, best?.length ?? 0) / 3)));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/**
 * Levenshtein distance counting a swap of two neighbours as one edit (optimal string alignment):
 * "evn" is one typo away from "env", not two.
 */
export function levenshtein(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** "/accounts/0/password" → ["accounts", "0", "password"] (RFC 6901 unescaping). */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** ["accounts", "0", "password"] → "accounts[0].password"; odd keys are bracketed and quoted. */
export function formatPath(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
