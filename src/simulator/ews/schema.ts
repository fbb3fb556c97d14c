// Just enough XSD checking for the parts of requests the simulator reads: child order and
// cardinality (xs:sequence), required attributes and enumerations. Exchange rejects such
// requests with ErrorSchemaValidation (EWS-NOTES §2.6); violations read like .NET's.

import type { XmlNode } from '../xml/parser.js';
import { SchemaError } from './errors.js';
import { NS_M, NS_T } from './namespaces.js';

export type NsKey = 'm' | 't';
const NS: Record<NsKey, string> = { m: NS_M, t: NS_T };

export interface ChildSpec {
  /** One name or a choice of names. */
  name: string | readonly string[];
  ns: NsKey;
  min?: number;
  max?: number;
}

export function schemaError(node: XmlNode, violation: string): SchemaError {
  return new SchemaError(violation, node.line, node.column);
}

function names(spec: ChildSpec): readonly string[] {
  return typeof spec.name === 'string' ? [spec.name] : spec.name;
}

function accepts(spec: ChildSpec, child: XmlNode): boolean {
  return child.ns === NS[spec.ns] && names(spec).includes(child.local);
}

/** Validates `node`'s children against a sequence; returns them grouped by local name. */
export function sequence(node: XmlNode, specs: readonly ChildSpec[]): Map<string, XmlNode[]> {
  const out = new Map<string, XmlNode[]>();
  const counts = specs.map(() => 0);
  let i = 0;
  for (const child of node.children) {
    while (i < specs.length && !accepts(specs[i] as ChildSpec, child)) {
      const spec = specs[i] as ChildSpec;
      if ((counts[i] ?? 0) < (spec.min ?? 0)) throw invalidChild(node, child, [spec]);
      i++;
    }
    const spec = specs[i];
    if (!spec) throw invalidChild(node, child, []);
    counts[i] = (counts[i] ?? 0) + 1;
    if ((counts[i] ?? 0) > (spec.max ?? 1)) throw invalidChild(node, child, specs.slice(i + 1));
    const list = out.get(child.local) ?? [];
    list.push(child);
    out.set(child.local, list);
  }
  for (; i < specs.length; i++) {
    const spec = specs[i] as ChildSpec;
    if ((counts[i] ?? 0) < (spec.min ?? 0)) {
      throw schemaError(node, `The element '${node.local}' in namespace '${node.ns}' has incomplete content. List of possible elements expected: ${expected([spec])}.`);
    }
  }
  return out;
}

function expected(specs: readonly ChildSpec[]): string {
  return specs.flatMap((s) => names(s).map((n) => `'${n}' in namespace '${NS[s.ns]}'`)).join(', ') || 'none';
}

function invalidChild(parent: XmlNode, child: XmlNode, specs: readonly ChildSpec[]): SchemaError {
  return schemaError(child,
    `The element '${parent.local}' in namespace '${parent.ns}' has invalid child element '${child.local}' in namespace '${child.ns}'. List of possible elements expected: ${expected(specs)}.`);
}

export function one(groups: Map<string, XmlNode[]>, name: string): XmlNode | undefined {
  return groups.get(name)?.[0];
}

/** Rejects any attribute not listed (Exchange: "The 'X' attribute is not declared."). */
export function allowAttrs(node: XmlNode, allowed: readonly string[]): void {
  for (const k of node.attrs.keys()) {
    if (!allowed.includes(k)) throw schemaError(node, `The '${k}' attribute is not declared.`);
  }
}

export function requiredAttr(node: XmlNode, name: string): string {
  const v = node.attrs.get(name);
  if (v === undefined) throw schemaError(node, `The required attribute '${name}' is missing.`);
  return v;
}

export function enumValue<T extends string>(node: XmlNode, attr: string, value: string, allowed: readonly T[], typeName: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw schemaError(node, `The '${attr}' attribute is invalid - The value '${value}' is invalid according to its datatype '${NS_T}:${typeName}' - The Enumeration constraint failed.`);
  }
  return value as T;
}

export function enumText<T extends string>(node: XmlNode, allowed: readonly T[], typeName: string): T {
  const v = node.text.trim();
  if (!(allowed as readonly string[]).includes(v)) {
    throw schemaError(node, `The '${NS_T}:${node.local}' element is invalid - The value '${v}' is invalid according to its datatype '${NS_T}:${typeName}' - The Enumeration constraint failed.`);
  }
  return v as T;
}

/** xs:int / xs:boolean readers with the facet check .NET performs. */
export function intValue(node: XmlNode, raw: string, what: string, min = -2147483648, max = 2147483647): number {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw schemaError(node, `The '${what}' value '${raw}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string '${raw}' is not a valid Int32 value.`);
  const n = Number(s);
  if (n < min || n > max) {
    throw schemaError(node, `The '${what}' value '${raw}' is invalid - The ${n < min ? 'MinInclusive' : 'MaxInclusive'} constraint failed.`);
  }
  return n;
}

export function boolText(node: XmlNode): boolean {
  const s = node.text.trim();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw schemaError(node, `The '${NS_T}:${node.local}' element is invalid - The value '${s}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:boolean'.`);
}
