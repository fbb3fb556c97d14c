// The opaque sync state of a Graph calendar (SyncPage.state), a small JSON document:
// `{"v":1,"api":"graph","mode":"delta","link":"<nextLink or deltaLink>","window":[start,end]}`.
// Delta mode resumes from the link (Graph keeps the window inside it); list mode (a calendar
// whose calendarView has no delta) has nothing to resume: every pass is a full one. The window is
// the rolling sync range [now − daysBack, now + daysAhead], snapped to UTC days so that passes
// within a day ask for the same range.

const DAY_MS = 86_400_000;
/** How far the window may have slid before a full pass (and with it a new window) is due. */
export const MAX_WINDOW_SLIDE_MS = 7 * DAY_MS;

export interface SyncWindow {
  /** ISO instants, 'YYYY-MM-DDTHH:MM:SSZ'. */
  start: string;
  end: string;
}

export interface GraphSyncState {
  mode: 'delta' | 'list';
  /** Delta mode: the nextLink (mid-round) or deltaLink (round complete). */
  link?: string;
  window: SyncWindow;
}

export interface WindowDays {
  daysBack: number;
  daysAhead: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function syncWindow(now: number, days: WindowDays): SyncWindow {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { start: iso(today - days.daysBack * DAY_MS), end: iso(today + (days.daysAhead + 1) * DAY_MS) };
}

export function encodeState(state: GraphSyncState): string {
  const doc: Record<string, unknown> = { v: 1, api: 'graph', mode: state.mode };
  if (state.link !== undefined) doc.link = state.link;
  doc.window = [state.window.start, state.window.end];
  return JSON.stringify(doc);
}

/** A state this upstream wrote, or undefined (an EWS SyncState, garbage, another version). */
export function decodeState(text: string | undefined): GraphSyncState | undefined {
  if (!text || text[0] !== '{') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as { v?: unknown; api?: unknown; mode?: unknown; link?: unknown; window?: unknown };
  if (d.v !== 1 || d.api !== 'graph' || (d.mode !== 'delta' && d.mode !== 'list')) return undefined;
  if (!Array.isArray(d.window) || d.window.length !== 2 || !d.window.every((w) => typeof w === 'string' && !Number.isNaN(Date.parse(w)))) return undefined;
  const state: GraphSyncState = { mode: d.mode, window: { start: d.window[0] as string, end: d.window[1] as string } };
  if (typeof d.link === 'string') state.link = d.link;
  return state;
}

/**
 * Whether `text` cannot continue incrementally: not a Graph state (an EWS SyncState left from
 * before a switch of exchange.api), list mode, a delta state without a link, or a window whose
 * start lies more than a week behind today's.
 */
export function stateNeedsFullPass(text: string, now: number, days: WindowDays): boolean {
  const state = decodeState(text);
  if (!state || state.mode === 'list' || !state.link) return true;
  return Date.parse(syncWindow(now, days).start) - Date.parse(state.window.start) > MAX_WINDOW_SLIDE_MS;
}
