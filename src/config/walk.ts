// Walks the config schema key by key: the docs table, the docs coverage test and the loader's
// "this key belongs under …" hint all read the same list of paths.
import type { TSchema } from '@sinclair/typebox';
import { Expected, LoaderDefault, Sensitive, type ConfigAnnotations } from './schema.js';

export type Annotated = TSchema & ConfigAnnotations;

export interface SchemaEntry {
  /** Dotted path; array items are written `accounts[].id`. */
  path: string;
  /** Last key of the path. */
  key: string;
  schema: Annotated;
  /** Whether the key must be present in the file (no default, not optional). */
  required: boolean;
}

export function walkSchema(root: TSchema): SchemaEntry[] {
  const out: SchemaEntry[] = [];
  visitChildren(root as Annotated, '', out);
  return out;
}

function visitChildren(schema: Annotated, prefix: string, out: SchemaEntry[]): void {
  if (schema[Sensitive]) return; // a secret reference is one value, not an object to document
  if (schema.type === 'object' && isRecord(schema.properties)) {
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    for (const [key, child] of Object.entries(schema.properties as Record<string, Annotated>)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push({ path, key, schema: child, required: required.has(key) });
      visitChildren(child, path, out);
    }
  } else if (schema.type === 'array' && isRecord(schema.items)) {
    visitChildren(schema.items as Annotated, `${prefix}[]`, out);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short type for docs, e.g. `integer 1–65535`, `secret`, `"json" | "pretty"`. */
export function describeType(schema: Annotated): string {
  if (schema[Sensitive]) return 'secret';
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum as number | undefined;
      const max = schema.maximum as number | undefined;
      if (min !== undefined && max !== undefined) return `${schema.type} ${min}–${max}`;
      if (min !== undefined) return `${schema.type} ≥ ${min}`;
      return String(schema.type);
    }
    case 'string':
      return schema.format === 'uri' ? 'URL' : 'string';
    case 'array':
      if (!isRecord(schema.items)) return 'array';
      const item = describeType(schema.items as Annotated);
      return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
    default:
      return String(schema.type ?? 'value');
  }
}

/** The default as docs show it, or undefined when the key has none. */
export function describeDefault(schema: Annotated): string | undefined {
  if (schema[LoaderDefault] !== undefined) return schema[LoaderDefault];
  if (schema.default === undefined) return undefined;
  if (isRecord(schema.default) && Object.keys(schema.default).length === 0) return '{} (each key its default)';
  return JSON.stringify(schema.default);
}

/** The custom phrase for "must be …" messages, if the schema carries one. */
export function expectedHint(schema: Annotated): string | undefined {
  return schema[Expected];
}
