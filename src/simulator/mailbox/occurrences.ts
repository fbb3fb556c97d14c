// Instances of stored series: expansion (src/simulator/recurrence) plus the master's deleted
// and modified occurrences (EWS-NOTES §8.3). What CalendarView returns and what occurrence
// ItemIds resolve to.

import { type Instance, expandSeries } from '../recurrence/expand.js';
import type { EventFields, StoredItem } from './types.js';

export interface InstanceView {
  kind: 'Occurrence' | 'Exception';
  master: StoredItem;
  index: number;
  originalStart: number;
  fields: EventFields;
  /** Exceptions have their own change key; plain occurrences follow the master. */
  changeCounter: number;
  changeKey: string;
  lastModified: number;
}

function timing(item: StoredItem) {
  if (!item.recurrence) throw new Error('not a series');
  return { start: item.fields.start, end: item.fields.end, zone: item.startZone, recurrence: item.recurrence };
}

interface CachedInstances { counter: number; list: Instance[] }
const cache = new WeakMap<StoredItem, CachedInstances>();
const MAX_CACHED = 5000;

/**
 * Every instance of a bounded series (Numbered / EndDate), computed once per change of the
 * master: GetItem of 1,000 masters asks for First/Last/Modified occurrences of each.
 * NoEnd series are expanded lazily instead.
 */
function boundedInstances(item: StoredItem): Instance[] | undefined {
  if (!item.recurrence || item.recurrence.range.kind === 'NoEnd') return undefined;
  const hit = cache.get(item);
  if (hit && hit.counter === item.changeCounter) return hit.list;
  const list: Instance[] = [];
  for (const inst of expandSeries(timing(item))) {
    list.push(inst);
    if (list.length > MAX_CACHED) return undefined;
  }
  cache.set(item, { counter: item.changeCounter, list });
  return list;
}

function instances(item: StoredItem): Iterable<Instance> {
  return boundedInstances(item) ?? expandSeries(timing(item));
}

function view(item: StoredItem, inst: Instance): InstanceView {
  const ex = item.exceptions.get(inst.start);
  if (ex) {
    return {
      kind: 'Exception', master: item, index: inst.index, originalStart: inst.start, fields: ex.fields,
      changeCounter: ex.changeCounter, changeKey: ex.changeKey, lastModified: ex.lastModified,
    };
  }
  return {
    kind: 'Occurrence', master: item, index: inst.index, originalStart: inst.start,
    fields: { ...item.fields, start: inst.start, end: inst.end },
    changeCounter: item.changeCounter, changeKey: item.changeKey, lastModified: item.lastModified,
  };
}

/** Instances overlapping [from, to) on instants (End > from && Start < to; EWS-NOTES §5.2), by start. */
export function instancesInRange(item: StoredItem, from: number, to: number): InstanceView[] {
  const out: InstanceView[] = [];
  const duration = item.fields.end - item.fields.start;
  const bounded = boundedInstances(item);
  const candidates = bounded ? bounded.filter((i) => i.start < to) : expandSeries(timing(item), to, from - duration);
  // Plain occurrences: those whose original slot overlaps.
  for (const inst of candidates) {
    if (inst.end <= from && !(inst.start === inst.end && inst.start === from)) continue;
    if (item.deletedOccurrences.has(inst.start) || item.exceptions.has(inst.start)) continue;
    out.push(view(item, inst));
  }
  // Exceptions may have moved anywhere: test their own times.
  if (item.exceptions.size > 0) {
    for (const inst of instances(item)) {
      if (inst.start > lastOriginal(item)) break;
      const ex = item.exceptions.get(inst.start);
      if (!ex) continue;
      if (ex.fields.end > from && ex.fields.start < to) out.push(view(item, inst));
    }
  }
  return out.sort((a, b) => a.fields.start - b.fields.start);
}

function lastOriginal(item: StoredItem): number {
  let max = -Infinity;
  for (const k of item.exceptions.keys()) if (k > max) max = k;
  return max;
}

export type InstanceLookup = InstanceView | 'deleted' | 'out-of-range';

export function instanceByOriginalStart(item: StoredItem, originalStart: number): InstanceLookup {
  const bounded = boundedInstances(item);
  for (const inst of bounded ?? expandSeries(timing(item), originalStart + 1, originalStart)) {
    if (inst.start > originalStart) break;
    if (inst.start !== originalStart) continue;
    return item.deletedOccurrences.has(inst.start) ? 'deleted' : view(item, inst);
  }
  return 'out-of-range';
}

export function instanceByIndex(item: StoredItem, index: number): InstanceLookup {
  const bounded = boundedInstances(item);
  if (bounded) {
    const inst = bounded[index - 1];
    if (!inst) return 'out-of-range';
    return item.deletedOccurrences.has(inst.start) ? 'deleted' : view(item, inst);
  }
  for (const inst of expandSeries(timing(item))) {
    if (inst.index < index) continue;
    if (inst.index > index) break;
    return item.deletedOccurrences.has(inst.start) ? 'deleted' : view(item, inst);
  }
  return 'out-of-range';
}

/** FirstOccurrence / LastOccurrence (no last one on a NoEnd series; EWS-NOTES §8.3). */
export function firstAndLast(item: StoredItem): { first?: InstanceView; last?: InstanceView } {
  let first: Instance | undefined;
  let last: Instance | undefined;
  const bounded = item.recurrence?.range.kind !== 'NoEnd';
  for (const inst of instances(item)) {
    if (item.deletedOccurrences.has(inst.start)) continue;
    first ??= inst;
    if (!bounded) break;
    last = inst;
  }
  return {
    first: first && view(item, first),
    ...(bounded && last ? { last: view(item, last) } : {}),
  };
}

/** Modified occurrences in series order. */
export function modifiedOccurrences(item: StoredItem): InstanceView[] {
  if (item.exceptions.size === 0) return [];
  const out: InstanceView[] = [];
  const max = lastOriginal(item);
  for (const inst of instances(item)) {
    if (inst.start > max) break;
    if (item.exceptions.has(inst.start)) out.push(view(item, inst));
  }
  return out;
}
