// Search restrictions (WSR/restriction): Contains, IsEqualTo, IsNotEqualTo, the ordering
// comparisons, Exists, And / Or / Not — enough for the folder-class filter of
// EWS-NOTES §4 and simple item filters. Values come from a getter per object kind; a path
// the getter does not know is refused as Exchange does for unsupported paths.

import type { XmlNode } from '../xml/parser.js';
import { EwsError } from './errors.js';
import { NS_T } from './namespaces.js';
import { checkFieldUri } from './shape.js';
import { allowAttrs, enumValue, requiredAttr, schemaError } from './schema.js';

export type FieldValue = string | number | boolean | undefined;
export interface FieldAccess<T> {
  paths: ReadonlySet<string>;
  get(obj: T, fieldUri: string): FieldValue;
}
export type Predicate<T> = (obj: T) => boolean;

const MODES = ['FullString', 'Prefixed', 'Substring', 'PrefixOnWords', 'ExactPhrase'] as const;
const COMPARISONS = [
  'Exact', 'IgnoreCase', 'IgnoreNonSpacingCharacters', 'Loose', 'IgnoreCaseAndNonSpacingCharacters',
  'LooseAndIgnoreCase', 'LooseAndIgnoreNonSpace', 'LooseAndIgnoreCaseAndIgnoreNonSpace',
] as const;
const BINARY = ['IsEqualTo', 'IsNotEqualTo', 'IsGreaterThan', 'IsGreaterThanOrEqualTo', 'IsLessThan', 'IsLessThanOrEqualTo'];

function tChildren(node: XmlNode): XmlNode[] {
  for (const c of node.children) if (c.ns !== NS_T) throw schemaError(c, `The element '${node.local}' has invalid child element '${c.local}'.`);
  return node.children;
}

function fieldOf(node: XmlNode | undefined, parent: XmlNode): string {
  if (!node || node.local !== 'FieldURI') {
    if (node && (node.local === 'IndexedFieldURI' || node.local === 'ExtendedFieldURI')) return `#${node.local}`;
    throw schemaError(node ?? parent, `The element '${parent.local}' has incomplete content. List of possible elements expected: 'Path'.`);
  }
  return checkFieldUri(node, requiredAttr(node, 'FieldURI'));
}

function constantOf(node: XmlNode | undefined, parent: XmlNode): string {
  if (!node || node.local !== 'Constant') throw schemaError(node ?? parent, `The element '${parent.local}' has incomplete content. List of possible elements expected: 'Constant'.`);
  return requiredAttr(node, 'Value');
}

function compare(a: FieldValue, b: string): number {
  if (typeof a === 'number') {
    const n = /^\d{4}-\d{2}-\d{2}T/.test(b) ? Date.parse(b) : Number(b);
    return a - n;
  }
  if (typeof a === 'boolean') return String(a) === b.toLowerCase() ? 0 : 1;
  return (a ?? '').localeCompare(b);
}

export function parseRestriction<T>(node: XmlNode, get: FieldAccess<T>): Predicate<T> {
  const kids = tChildren(node);
  if (kids.length !== 1) throw schemaError(node, `The element '${node.local}' must contain exactly one search expression.`);
  return expr(kids[0] as XmlNode, get);
}

function resolve<T>(field: string, get: FieldAccess<T>): (o: T) => FieldValue {
  return (o: T) => get.get(o, field);
}

function expr<T>(node: XmlNode, get: FieldAccess<T>): Predicate<T> {
  const kids = tChildren(node);
  switch (node.local) {
    case 'And':
    case 'Or': {
      if (kids.length < 1) throw schemaError(node, `The element '${node.local}' has incomplete content.`);
      const parts = kids.map((k) => expr(k, get));
      return node.local === 'And' ? (o) => parts.every((p) => p(o)) : (o) => parts.some((p) => p(o));
    }
    case 'Not': {
      if (kids.length !== 1) throw schemaError(node, "The element 'Not' must contain one search expression.");
      const inner = expr(kids[0] as XmlNode, get);
      return (o) => !inner(o);
    }
    case 'Exists': {
      const field = fieldOf(kids[0], node);
      checkPath(field, get);
      return (o) => get.get(o, field) !== undefined;
    }
    case 'Contains': {
      allowAttrs(node, ['ContainmentMode', 'ContainmentComparison']);
      const mode = enumValue(node, 'ContainmentMode', node.attrs.get('ContainmentMode') ?? 'Substring', MODES, 'ContainmentModeType');
      const cmp = enumValue(node, 'ContainmentComparison', node.attrs.get('ContainmentComparison') ?? 'Exact', COMPARISONS, 'ContainmentComparisonType');
      const field = fieldOf(kids[0], node);
      checkPath(field, get);
      const raw = constantOf(kids[1], node);
      const fold = cmp !== 'Exact' && cmp !== 'IgnoreNonSpacingCharacters';
      const needle = fold ? raw.toLowerCase() : raw;
      return (o) => {
        const v = get.get(o, field);
        if (typeof v !== 'string') return false;
        const hay = fold ? v.toLowerCase() : v;
        if (mode === 'FullString') return hay === needle;
        if (mode === 'Prefixed') return hay.startsWith(needle);
        if (mode === 'PrefixOnWords') return hay.split(/\s+/).some((word) => word.startsWith(needle));
        return hay.includes(needle);
      };
    }
    default: {
      if (!BINARY.includes(node.local)) throw schemaError(node, `The element '${node.local}' in namespace '${NS_T}' is not a search expression.`);
      const field = fieldOf(kids[0], node);
      checkPath(field, get);
      const holder = kids[1];
      if (!holder || holder.local !== 'FieldURIOrConstant') {
        throw schemaError(holder ?? node, `The element '${node.local}' has incomplete content. List of possible elements expected: 'FieldURIOrConstant'.`);
      }
      const value = constantOf(holder.children[0], holder);
      const v = resolve(field, get);
      const op = node.local;
      return (o) => {
        const c = compare(v(o), value);
        switch (op) {
          case 'IsEqualTo': return c === 0;
          case 'IsNotEqualTo': return c !== 0;
          case 'IsGreaterThan': return c > 0;
          case 'IsGreaterThanOrEqualTo': return c >= 0;
          case 'IsLessThan': return c < 0;
          default: return c <= 0;
        }
      };
    }
  }
}

function checkPath<T>(field: string, get: FieldAccess<T>): void {
  if (!get.paths.has(field)) throw new EwsError('ErrorUnsupportedPathForQuery', undefined, 'The property path is not supported for this query.');
}
