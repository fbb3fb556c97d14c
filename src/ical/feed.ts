// One subscribable VCALENDAR from the stored objects of a calendar (RFC 5545, RFC 7986 calendar
// properties): filtered and reduced by a FeedPolicy, VTIMEZONEs merged by TZID, every line
// folded and terminated as §3.1 requires. Pure and deterministic — the same objects give the
// same bytes in any input order — because the HTTP layer hashes the bytes into the ETag.

import { escapeText, fold, uriValue } from './content-line.js';
import { firstProp, param, parseComponents, type Component, type ContentLine } from './feed-parse.js';
import { compileFeedPolicy, decide, exdateFor, traitsOf, transform, type CompiledPolicy, type FeedPolicy, type Traits } from './feed-policy.js';
import { feedWindow, objectInWindow } from './feed-window.js';

export { feedPolicyProblems, type FeedDetail, type FeedPolicy, type BusyStatus } from './feed-policy.js';
export { feedWindow, type FeedWindow } from './feed-window.js';

export const FEED_PRODID = '-//ewsdav//ICS feed//EN';

export interface FeedMeta {
  calendarName: string;
  /** IANA id of the calendar's zone, for X-WR-TIMEZONE. */
  timezone?: string;
  /** How often clients should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
  refreshIntervalSeconds: number;
  /** Epoch ms; only the time window depends on it, never the bytes otherwise. */
  now: number;
  /** RFC 7986 §5.8 SOURCE: where the feed can be refreshed from. Omit for secret-token URLs. */
  source?: string;
}

/** RFC 5545 §3.3.6 dur-value; hours, minutes and seconds must be contiguous (`PT1H0M30S`). */
export function icalDuration(seconds: number): string {
  const total = Math.max(1, Math.round(seconds));
  if (total % 86_400 === 0) return `P${total / 86_400}D`;
  const days = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  let time = '';
  if (h > 0) time = `${h}H${m > 0 || s > 0 ? `${m}M` : ''}${s > 0 ? `${s}S` : ''}`;
  else if (m > 0) time = `${m}M${s > 0 ? `${s}S` : ''}`;
  else time = `${s}S`;
  return `P${days > 0 ? `${days}D` : ''}T${time}`;
}

interface OutEvent {
  sortKey: string;
  comp: Component;
}

export function buildFeed(objects: readonly { ical: string }[], policy: FeedPolicy, meta: FeedMeta): string {
  const compiled = compileFeedPolicy(policy);
  const window = feedWindow(policy, meta.now);
  // Sorted input: which object's copy of a VTIMEZONE wins must not depend on the store's order.
  const texts = objects.map((o) => o.ical).sort();
  const zones = new Map<string, Component>();
  const events: OutEvent[] = [];
  for (const text of texts) {
    if (!objectInWindow(text, window)) continue;
    for (const root of parseComponents(text)) {
      if (root.name !== 'VCALENDAR') continue;
      for (const child of root.children) {
        const tzid = child.name === 'VTIMEZONE' ? firstProp(child, 'TZID')?.value : undefined;
        if (tzid !== undefined && !zones.has(tzid)) zones.set(tzid, child);
      }
      for (const comp of applyPolicy(root.children.filter((c) => c.name === 'VEVENT'), compiled)) {
        const rid = firstProp(comp, 'RECURRENCE-ID');
        // Master first, then its overrides in instance order (the renderer's own order).
        events.push({ sortKey: `${firstProp(comp, 'UID')?.value ?? ''}\u0000${rid ? `1${rid.value}` : '0'}`, comp });
      }
    }
  }
  events.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));

  // RFC 5545 §3.6.5: a VTIMEZONE for every TZID used, once; unused ones are left out.
  const used = new Set<string>();
  for (const { comp } of events) collectTzids(comp, used);

  let out = 'BEGIN:VCALENDAR\r\n';
  out += fold('VERSION:2.0') + fold(`PRODID:${FEED_PRODID}`) + fold('CALSCALE:GREGORIAN');
  // RFC 5546 §3.2.1: PUBLISH is the method of a one-way feed; subscribers never reply to it.
  out += fold('METHOD:PUBLISH');
  // RFC 7986 §5.1 NAME, plus X-WR-CALNAME which Apple, Google and Outlook read for the title.
  out += fold(`NAME:${escapeText(meta.calendarName)}`) + fold(`X-WR-CALNAME:${escapeText(meta.calendarName)}`);
  if (meta.timezone) out += fold(`X-WR-TIMEZONE:${escapeText(meta.timezone)}`);
  // RFC 7986 §5.7 REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL with the same duration.
  const ttl = icalDuration(meta.refreshIntervalSeconds);
  out += fold(`REFRESH-INTERVAL;VALUE=DURATION:${ttl}`) + fold(`X-PUBLISHED-TTL:${ttl}`);
  if (meta.source) out += fold(`SOURCE;VALUE=URI:${uriValue(meta.source)}`);
  for (const tzid of [...used].sort()) {
    const zone = zones.get(tzid);
    if (zone) out += writeComponent(zone);
  }
  for (const { comp } of events) out += writeComponent(comp);
  return out + 'END:VCALENDAR\r\n';
}

/**
 * The VEVENTs of one object after the policy. Masters decide for their overrides (see `decide`);
 * an override left out while its master stays becomes an EXDATE on the master, so the series
 * does not show the original instance (with the master's details) in its place.
 */
function applyPolicy(vevents: Component[], policy: CompiledPolicy): Component[] {
  const masters = new Map<string, { comp: Component; traits: Traits }>();
  for (const ev of vevents) {
    if (!firstProp(ev, 'RECURRENCE-ID')) masters.set(firstProp(ev, 'UID')?.value ?? '', { comp: ev, traits: traitsOf(ev, policy) });
  }
  const out: Component[] = [];
  const kept = new Map<string, { comp: Component; opaque: boolean }>();
  for (const [uid, { comp, traits }] of masters) {
    const verdict = decide(traits, undefined, policy);
    if (verdict.keep) {
      const opaque = verdict.as === 'availability';
      const t = transform(comp, verdict, opaque);
      kept.set(uid, { comp: t, opaque });
      out.push(t);
    }
  }
  for (const ev of vevents) {
    const rid = firstProp(ev, 'RECURRENCE-ID');
    if (!rid) continue;
    const uid = firstProp(ev, 'UID')?.value ?? '';
    const master = masters.get(uid);
    const verdict = decide(traitsOf(ev, policy), master?.traits, policy);
    const keptMaster = kept.get(uid);
    if (!verdict.keep) {
      keptMaster?.comp.props.push(exdateFor(rid));
      continue;
    }
    if (!master || keptMaster) {
      out.push(transform(ev, verdict, keptMaster ? keptMaster.opaque : verdict.as === 'availability'));
      continue;
    }
    // The master was left out only for being free (availability) while this instance blocks
    // time: publish the instance as a standalone event, since a RECURRENCE-ID without its
    // master is read differently by every client.
    const masterVerdict = decide(master.traits, undefined, policy);
    if (!masterVerdict.keep && masterVerdict.reason === 'free') out.push(detach(transform(ev, verdict, true), rid));
  }
  return out;
}

function detach(ev: Component, rid: ContentLine): Component {
  const uid = firstProp(ev, 'UID')?.value ?? '';
  const props = ev.props.filter((p) => p.name !== 'RECURRENCE-ID' && p.name !== 'UID');
  const value = `${uid}-${rid.value}`;
  return { name: ev.name, props: [{ name: 'UID', params: [], value, raw: `UID:${value}` }, ...props], children: ev.children };
}

function collectTzids(comp: Component, into: Set<string>): void {
  for (const p of comp.props) {
    const tzid = param(p, 'TZID');
    if (tzid !== undefined) into.add(tzid);
  }
  for (const child of comp.children) collectTzids(child, into);
}

function writeComponent(comp: Component): string {
  let out = `BEGIN:${comp.name}\r\n`;
  for (const p of comp.props) out += fold(p.raw);
  for (const child of comp.children) out += writeComponent(child);
  return out + `END:${comp.name}\r\n`;
}
