// What a feed shows of each VEVENT: the filters (subject, categories, private items) and the
// detail levels of Outlook's calendar publishing (full / limited / availability). Limited and
// availability keep properties from an allow-list, never a deny-list, so a property added to
// the renderer later cannot leak through them.

import { createHash } from 'node:crypto';
import { firstProp, param, splitTextList, unescapeText, type Component, type ContentLine } from './feed-parse.js';

export type FeedDetail = 'full' | 'limited' | 'availability';

export interface FeedPolicy {
  detail: FeedDetail;
  /** Days before today (UTC) included; undefined: everything in the store. */
  daysBack?: number;
  /** Days after today included; undefined: everything. */
  daysAhead?: number;
  /** JavaScript regular expression; events whose SUMMARY matches are left out. */
  excludeSubject?: string;
  /**
   * CLASS:PRIVATE / CONFIDENTIAL events: left out, or shown as a busy block without details.
   * 'show' treats them like any other event; only the owner's own authenticated /ics feed uses
   * it — token feeds are limited to hide|busy (config schema, CLI, feedPolicyProblems).
   */
  privateItems: 'hide' | 'busy' | 'show';
  /** Outlook categories, compared case-insensitively. */
  categories?: { include?: string[]; exclude?: string[] };
}

/** X-MICROSOFT-CDO-BUSYSTATUS values, Outlook's "Show as". */
export type BusyStatus = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';

export interface CompiledPolicy {
  detail: FeedDetail;
  privateItems: FeedPolicy['privateItems'];
  excludeSubject?: RegExp;
  include?: ReadonlySet<string>;
  exclude?: ReadonlySet<string>;
}

/** Problems with a policy, as sentences ([] = valid); for the CLI and configured feeds. */
export function feedPolicyProblems(policy: FeedPolicy): string[] {
  const problems: string[] = [];
  if (!['full', 'limited', 'availability'].includes(policy.detail)) problems.push(`detail must be full, limited or availability, not "${policy.detail}"`);
  if (!['hide', 'busy'].includes(policy.privateItems)) problems.push(`privateItems must be hide or busy, not "${policy.privateItems}"`);
  for (const key of ['daysBack', 'daysAhead'] as const) {
    const v = policy[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${key} must be a whole number of days ≥ 0, not ${v}`);
  }
  if (policy.excludeSubject !== undefined) {
    try {
      new RegExp(policy.excludeSubject);
    } catch (error) {
      problems.push(`excludeSubject is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

const categorySet = (list: readonly string[] | undefined): ReadonlySet<string> | undefined =>
  list && list.length > 0 ? new Set(list.map((c) => c.trim().toLowerCase())) : undefined;

export function compileFeedPolicy(policy: FeedPolicy): CompiledPolicy {
  const compiled: CompiledPolicy = { detail: policy.detail, privateItems: policy.privateItems };
  if (policy.excludeSubject !== undefined) compiled.excludeSubject = new RegExp(policy.excludeSubject);
  const include = categorySet(policy.categories?.include);
  const exclude = categorySet(policy.categories?.exclude);
  if (include) compiled.include = include;
  if (exclude) compiled.exclude = exclude;
  return compiled;
}

/** What the filters see of one VEVENT. */
export interface Traits {
  private: boolean;
  excluded: boolean;
  included: boolean;
  busy: BusyStatus;
}

const CDO_BUSY: Readonly<Record<string, BusyStatus>> = {
  FREE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
  OOF: 'oof',
  WORKINGELSEWHERE: 'workingElsewhere',
};

export const BUSY_LABEL: Readonly<Record<Exclude<BusyStatus, 'free'>, string>> = {
  busy: 'Busy',
  tentative: 'Tentative',
  oof: 'Out of office',
  workingElsewhere: 'Working elsewhere',
};

export const BUSY_CDO: Readonly<Record<BusyStatus, string>> = { free: 'FREE', tentative: 'TENTATIVE', busy: 'BUSY', oof: 'OOF', workingElsewhere: 'WORKINGELSEWHERE' };

/** Outlook's "Show as" from X-MICROSOFT-CDO-BUSYSTATUS, else TRANSP (RFC 5545 §3.8.2.7). */
function busyStatus(ev: Component): BusyStatus {
  // A cancelled meeting (§3.8.1.11) blocks no time, whatever it was shown as before.
  if (firstProp(ev, 'STATUS')?.value.trim().toUpperCase() === 'CANCELLED') return 'free';
  const cdo = CDO_BUSY[firstProp(ev, 'X-MICROSOFT-CDO-BUSYSTATUS')?.value.trim().toUpperCase() ?? ''];
  if (cdo) return cdo;
  return firstProp(ev, 'TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT' ? 'free' : 'busy';
}

export function traitsOf(ev: Component, policy: CompiledPolicy): Traits {
  const cls = firstProp(ev, 'CLASS')?.value.trim().toUpperCase();
  const summary = unescapeText(firstProp(ev, 'SUMMARY')?.value ?? '');
  const categories = ev.props.filter((p) => p.name === 'CATEGORIES').flatMap((p) => splitTextList(p.value).map((c) => c.trim().toLowerCase()));
  return {
    // RFC 5545 §3.8.1.3: values an application does not know are treated as PRIVATE, so only
    // PUBLIC (or no CLASS, which defaults to PUBLIC) is public. Exchange writes Personal and
    // Private as PRIVATE, Confidential as CONFIDENTIAL.
    private: cls !== undefined && cls !== 'PUBLIC',
    excluded: (policy.excludeSubject?.test(summary) ?? false) || categories.some((c) => policy.exclude?.has(c) ?? false),
    included: policy.include === undefined || categories.some((c) => policy.include!.has(c)),
    busy: busyStatus(ev),
  };
}

export type Verdict = { keep: false; reason: 'filtered' | 'free' } | { keep: true; as: FeedDetail; busy: BusyStatus };

/**
 * The decision for one VEVENT. An override (RECURRENCE-ID) inherits its master's privacy and
 * exclusions and is included only if its master is: an instance cannot reveal what its series hides.
 */
export function decide(own: Traits, master: Traits | undefined, policy: CompiledPolicy): Verdict {
  const excluded = own.excluded || (master?.excluded ?? false);
  const included = master ? master.included : own.included;
  const isPrivate = own.private || (master?.private ?? false);
  if (excluded || !included) return { keep: false, reason: 'filtered' };
  if (isPrivate && policy.privateItems === 'hide') return { keep: false, reason: 'filtered' };
  const as: FeedDetail = isPrivate && policy.privateItems === 'busy' ? 'availability' : policy.detail;
  if (as === 'availability' && own.busy === 'free') return { keep: false, reason: 'free' };
  return { keep: true, as, busy: own.busy };
}

// Identity, time and recurrence: what every level keeps (RFC 5545 §3.6.1, §3.8.4, §3.8.5).
const TIME_PROPS = new Set(['UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'DURATION', 'RECURRENCE-ID', 'RRULE', 'RDATE', 'EXDATE', 'SEQUENCE']);

// "limited" as in Outlook's publishing: time, subject, location; free/busy so clients colour
// the block right. No DESCRIPTION, X-ALT-DESC, ATTENDEE, ORGANIZER, URL, CONFERENCE,
// CATEGORIES, ATTACH, VALARM.
const LIMITED_PROPS = new Set([
  ...TIME_PROPS,
  'SUMMARY', 'LOCATION', 'GEO', 'CLASS', 'STATUS', 'TRANSP', 'CREATED', 'LAST-MODIFIED',
  'X-MICROSOFT-CDO-BUSYSTATUS', 'X-MICROSOFT-CDO-ALLDAYEVENT',
]);

/** TEXT parameters other than LANGUAGE (ALTREP is a URI, often a join or details link) are dropped. */
function plainText(line: ContentLine): ContentLine {
  const lang = param(line, 'LANGUAGE');
  const head = lang === undefined ? line.name : `${line.name};LANGUAGE=${lang}`;
  return { name: line.name, params: lang === undefined ? [] : [['LANGUAGE', lang]], value: line.value, raw: `${head}:${line.value}` };
}

function hashedUid(uid: string): string {
  return `${createHash('sha256').update(uid, 'utf8').digest('hex').slice(0, 32)}@ewsdav`;
}

function synth(name: string, value: string): ContentLine {
  return { name, params: [], value, raw: `${name}:${value}` };
}

/**
 * One VEVENT as the verdict says; the input is not modified. `opaqueUid`: replace the UID in an
 * availability block — the caller keeps it per series, since an override must carry its
 * master's UID (RFC 5545 §3.8.4.4) and a master shown with details shows the UID anyway.
 */
export function transform(ev: Component, verdict: Extract<Verdict, { keep: true }>, opaqueUid: boolean): Component {
  if (verdict.as === 'full') return { name: ev.name, props: [...ev.props], children: ev.children };
  if (verdict.as === 'limited') {
    const props = ev.props.filter((p) => LIMITED_PROPS.has(p.name)).map((p) => (p.name === 'SUMMARY' || p.name === 'LOCATION' ? plainText(p) : p));
    return { name: ev.name, props, children: [] };
  }
  const busy = verdict.busy === 'free' ? 'busy' : verdict.busy;
  // A UID made by another client can carry words ('dentist-0412@example.org'); a hash keeps
  // master and overrides together without saying anything.
  const props = ev.props.filter((p) => TIME_PROPS.has(p.name)).map((p) => (p.name === 'UID' && opaqueUid ? synth('UID', hashedUid(p.value)) : p));
  props.push(synth('SUMMARY', BUSY_LABEL[busy]), synth('TRANSP', 'OPAQUE'), synth('X-MICROSOFT-CDO-BUSYSTATUS', BUSY_CDO[busy]));
  return { name: ev.name, props, children: [] };
}

/** EXDATE for an override that the feed leaves out (§3.8.5.1), in the RECURRENCE-ID's own type and zone. */
export function exdateFor(recurrenceId: ContentLine): ContentLine {
  const params = recurrenceId.params.filter(([k]) => k === 'TZID' || k === 'VALUE');
  const head = params.map(([k, v]) => `;${k}=${/[:;,]/.test(v) ? `"${v}"` : v}`).join('');
  return { name: 'EXDATE', params, value: recurrenceId.value, raw: `EXDATE${head}:${recurrenceId.value}` };
}
