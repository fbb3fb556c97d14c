// Repeated runs of tags for the EWS XML tokenizer (./xml-tokenizer.ts). Exchange writes every
// item's properties in schema order, so the markup between two character data — `</t:Subject>
// <t:Sensitivity>`, `</t:Name></t:Mailbox></t:Organizer><t:RequiredAttendees><t:Attendee>…` —
// repeats item after item. A run read once (consecutive start and end tags without attributes)
// is kept with the events it gave; where the same text comes again in the same state (the same
// innermost element, the same elements it closes, the same namespace bindings), one comparison of
// the text stands in for scanning and resolving each tag, and the events are reported again.
// The tokenizer's checks still hold: a run is only ever text it read and accepted in that state.

import type { QName } from './xml-names.js';

/** What one tag of a run did. */
export const enum RunTag {
  End,
  Start,
  /** `<x/>`: a start and an end. */
  Empty,
}

export interface TagRun {
  /** The run's text: consecutive tags, nothing between them. */
  readonly text: string;
  /**
   * Two of its characters, at `probeAt` and the next-to-last (the last of a name): runs that
   * differ nearly always differ in one of them, and two reads cost less than a failed comparison.
   */
  readonly probeAt: number;
  readonly probe: number;
  readonly probeEnd: number;
  /** Bindings generation it was read in (equal generations resolve every name alike). */
  readonly generation: number;
  /**
   * Where it was read besides its key: the parent of the innermost element and the tag read just
   * before it. In schema-ordered XML these say what comes next, so they tell apart runs with the
   * same key, and the text is compared for one of them at most.
   */
  readonly parent: QName;
  readonly previous: QName | undefined;
  readonly kinds: readonly RunTag[];
  readonly names: readonly QName[];
  /** Offset just after each tag, from the run's start. */
  readonly ends: readonly number[];
  /** Elements open before the run that it closes, innermost first (the first is its key). */
  readonly closes: readonly QName[];
  /** Deepest it nests below where it started. */
  readonly rise: number;
}

/** Longest runs kept: a limit on what a lookup compares and what a table holds. */
const MAX_RUN_TAGS = 48;
const MAX_RUN_CHARS = 2048;
/** Runs kept per innermost element (one element name occurs in several places, with optional properties). */
const PER_KEY = 16;
/** Keys kept per table (one table per tokenizer); beyond that it starts again empty. */
const MAX_KEYS = 256;

/**
 * Runs by the innermost open element where they began, kept on its QName (a field load to find
 * them). The table knows which names hold runs, so it can bound them.
 */
export class RunTable {
  readonly #keys: QName[] = [];

  add(key: QName, run: TagRun): void {
    let list = key.runs;
    if (!list) {
      if (this.#keys.length >= MAX_KEYS) {
        for (const k of this.#keys) k.runs = undefined;
        this.#keys.length = 0;
      }
      list = key.runs = [];
      this.#keys.push(key);
    }
    // Most recently used first (see moveToFront): a new run goes first, and when full the run used
    // longest ago goes.
    if (list.length >= PER_KEY) list.pop();
    list.unshift(run);
  }
}

/** Moves `runs[r]` first: what just matched is the likeliest to match next (one check, not a scan). */
export function moveToFront(runs: TagRun[], r: number): void {
  const run = runs[r]!;
  for (let i = r; i > 0; i--) runs[i] = runs[i - 1]!;
  runs[0] = run;
}

/** The run being read: tags parsed the ordinary way, noted until something else comes. */
export class RunRecorder {
  /** The innermost open element where the run began; undefined while not recording. */
  key: QName | undefined = undefined;
  parent: QName | undefined = undefined;
  previous: QName | undefined = undefined;
  start = 0;
  generation = 0;
  /** Depth relative to where the run began. */
  depth = 0;
  rise = 0;
  // Scratch arrays, reused: `count` and `closed` say how much of them is this run's.
  count = 0;
  closed = 0;
  readonly kinds: RunTag[] = [];
  readonly names: QName[] = [];
  readonly ends: number[] = [];
  readonly closes: QName[] = [];

  begin(key: QName, parent: QName, previous: QName | undefined, start: number, generation: number): void {
    this.key = key;
    this.parent = parent;
    this.previous = previous;
    this.start = start;
    this.generation = generation;
    this.depth = 0;
    this.rise = 0;
    this.count = 0;
    this.closed = 0;
  }

  /** Notes a tag ending at `end` (an index in the same input); false when the run is full. */
  tag(kind: RunTag, name: QName, end: number): boolean {
    if (kind === RunTag.End) {
      if (this.depth === 0) this.closes[this.closed++] = name;
      else this.depth--;
    } else if (kind === RunTag.Start && ++this.depth > this.rise) this.rise = this.depth;
    else if (kind === RunTag.Empty && this.depth + 1 > this.rise) this.rise = this.depth + 1;
    const k = this.count++;
    this.kinds[k] = kind;
    this.names[k] = name;
    this.ends[k] = end - this.start;
    return this.count < MAX_RUN_TAGS && end - this.start < MAX_RUN_CHARS;
  }

  /** Ends the run at `end` (exclusive) and keeps it in `table` when it holds any tag. */
  finish(input: string, end: number, table: RunTable): void {
    const key = this.key!;
    this.key = undefined;
    const count = this.count;
    if (count === 0) return;
    // (Tags noted after `end` cannot exist: a run ends before anything that is not one of them.)
    const text = detach(input.slice(this.start, end));
    table.add(key, {
      text,
      probeAt: text.length >> 1,
      probe: text.charCodeAt(text.length >> 1),
      probeEnd: text.charCodeAt(text.length - 2),
      generation: this.generation,
      parent: this.parent!,
      previous: this.previous,
      kinds: this.kinds.slice(0, count),
      names: this.names.slice(0, count),
      ends: this.ends.slice(0, count),
      closes: this.closes.slice(0, this.closed),
      rise: this.rise,
    });
  }
}

/** A copy that does not keep the (possibly huge) input string it was sliced from alive. */
function detach(text: string): string {
  return (' ' + text).slice(1);
}
