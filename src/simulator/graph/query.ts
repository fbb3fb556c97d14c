// OData query options the simulator's Graph endpoints understand ($select, $top, $skip,
// $expand of singleValueExtendedProperties, $orderby=start/dateTime) and the calendarView
// window (startDateTime / endDateTime). What it does not implement is refused with 400, never
// silently ignored: a client relying on an ignored option would break on real Graph.

import { parseDateTime } from '../recurrence/dates.js';
import { type GraphError, badRequest } from './http.js';

export interface ListQuery {
  select?: string[];
  top?: number;
  skip: number;
  /** Extended property ids of `$expand=singleValueExtendedProperties($filter=id eq '…' or …)`. */
  expandProps?: string[];
  orderDesc: boolean;
  window?: { start: number; end: number };
}

const KNOWN = new Set(['$select', '$top', '$skip', '$expand', '$orderby', '$filter', '$count', '$search', '$skiptoken', '$deltatoken', '$format']);

function invalidOption(name: string): GraphError {
  return badRequest(`Query option '${name}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`);
}

/** Query parameters with the names Graph matches case-insensitively. */
export function lowerParams(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) out.set(k.toLowerCase(), v);
  return out;
}

function parseWindowValue(raw: string, name: string): number {
  // A literal `+` of an offset arrives as a space when the client did not percent-encode it.
  const t = parseDateTime(raw.replace(/ /g, '+'));
  if (t === undefined) throw badRequest(`The value '${raw}' of parameter '${name}' is not a valid DateTime.`, 'ErrorInvalidParameter');
  return t;
}

/** startDateTime / endDateTime; Graph reads a value without offset as UTC (OAUTH-NOTES §11). */
export function parseWindow(params: Map<string, string>, required: boolean): { start: number; end: number } | undefined {
  const s = params.get('startdatetime');
  const e = params.get('enddatetime');
  if (s === undefined || e === undefined) {
    if (!required) return undefined;
    throw badRequest('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.', 'ErrorInvalidParameter');
  }
  const start = parseWindowValue(s, 'startDateTime');
  const end = parseWindowValue(e, 'endDateTime');
  if (end < start) throw badRequest('The value of EndDateTime must be greater than StartDateTime.', 'ErrorInvalidParameter');
  return { start, end };
}

function parseInt32(raw: string, name: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw badRequest(`Invalid value '${raw}' for query option '${name}'.`);
  if (n < min || n > max) throw badRequest(`The limit of '${max}' for ${name} query has been exceeded. The value from the incoming request is '${raw}'.`, 'ErrorInvalidParameter');
  return n;
}

/** `singleValueExtendedProperties($filter=id eq 'A' or id eq 'B')` → ['A', 'B']. */
export function parseExpand(raw: string): string[] {
  const m = /^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(.+)\)\s*$/i.exec(raw);
  if (!m) {
    const name = raw.split('(')[0]?.trim() ?? raw;
    throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.event'.`, 'RequestBroker--ParseUri');
  }
  const ids: string[] = [];
  for (const clause of (m[1] ?? '').split(/\s+or\s+/i)) {
    const c = /^\s*\(?\s*id\s+eq\s+'((?:[^']|'')*)'\s*\)?\s*$/i.exec(clause);
    if (!c) throw badRequest(`Invalid filter clause in $expand: '${clause.trim()}'.`, 'ErrorInvalidRequest');
    ids.push((c[1] ?? '').replace(/''/g, "'"));
  }
  return ids;
}

export interface ListRules {
  /** Property names $select may name. */
  properties: ReadonlySet<string>;
  type: string;
  window: 'required' | 'none';
  expand: boolean;
  orderby: boolean;
  maxTop?: number;
}

export function parseListQuery(params: URLSearchParams, rules: ListRules): ListQuery {
  const lower = lowerParams(params);
  for (const key of lower.keys()) {
    if (!key.startsWith('$')) continue;
    if (!KNOWN.has(key)) throw invalidOption(key);
  }
  for (const unsupported of ['$filter', '$search', '$count', '$format', '$skiptoken', '$deltatoken']) {
    if (lower.has(unsupported)) throw badRequest(`The Graph simulator does not implement '${unsupported}' on this resource.`);
  }
  const q: ListQuery = { skip: 0, orderDesc: false };
  const select = lower.get('$select');
  if (select !== undefined) q.select = parseSelect(select, rules);
  const top = lower.get('$top');
  if (top !== undefined) q.top = parseInt32(top, '$top', 1, rules.maxTop ?? 1000);
  const skip = lower.get('$skip');
  if (skip !== undefined) q.skip = parseInt32(skip, '$skip', 0, 1_000_000);
  const expand = lower.get('$expand');
  if (expand !== undefined) {
    if (!rules.expand) throw badRequest(`Could not find a property named '${expand.split('(')[0] ?? expand}' on type '${rules.type}'.`, 'RequestBroker--ParseUri');
    q.expandProps = parseExpand(expand);
  }
  const orderby = lower.get('$orderby');
  if (orderby !== undefined) {
    const m = /^\s*start\/dateTime(?:\s+(asc|desc))?\s*$/i.exec(orderby);
    if (!rules.orderby || !m) throw badRequest(`The Graph simulator does not implement $orderby=${orderby}; only start/dateTime [asc|desc].`);
    q.orderDesc = (m[1] ?? '').toLowerCase() === 'desc';
  }
  if (rules.window === 'required') q.window = parseWindow(lower, true);
  return q;
}

export function parseSelect(raw: string, rules: Pick<ListRules, 'properties' | 'type'>): string[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!rules.properties.has(n)) {
      throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${n}' on type '${rules.type}'.`, 'RequestBroker--ParseUri');
    }
  }
  return names;
}

/** Keeps `id`, `@odata.etag`, `@odata.type` and the selected properties (Graph always returns the id). */
export function applySelect(obj: Record<string, unknown>, select: readonly string[] | undefined): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'id' || k.startsWith('@odata.') || k === 'singleValueExtendedProperties' || select.includes(k)) out[k] = v;
  }
  return out;
}
