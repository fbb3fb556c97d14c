// How the engine turns a fetched CalendarObject into stored text: src/ical's converter by
// default; tests may inject another. The store hashes exactly these bytes for the ETag.

import type { CalendarObject } from '../../model/index.js';
import { renderCalendarObject, type RenderOptions } from '../../ical/index.js';
import { approximateBounds } from './bounds.js';

export type { RenderOptions };

export interface Renderer {
  /** Deterministic iCalendar text: same object → same bytes (ETags depend on it). */
  render(obj: CalendarObject, options?: RenderOptions): string;
  /** UTC bounds of all instances; lastEnd undefined for an endless series. */
  bounds(obj: CalendarObject): { firstStart: number; lastEnd?: number };
}

export const icalRenderer: Renderer = {
  render: (obj, options) => renderCalendarObject(obj, options),
  // Not src/ical's exact objectBounds: it renders and expands each object (1–4 ms per object,
  // measured, most of an initial sync's CPU); the prefilter only needs a superset.
  bounds: approximateBounds,
};
