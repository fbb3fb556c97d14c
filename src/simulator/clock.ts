// The simulator's notion of "now" (creation / modification times, demo dates): real time
// by default, or a fixed instant tests can set and move (control.setClock).

import type { Clock } from './mailbox/store.js';

export class SimClock implements Clock {
  private fixed: number | undefined;

  constructor(initial?: number) {
    this.fixed = initial;
  }

  now(): number {
    return this.fixed ?? Date.now();
  }

  /** A fixed instant, or undefined to follow real time again. */
  set(ms: number | undefined): void {
    this.fixed = ms;
  }

  get frozen(): boolean {
    return this.fixed !== undefined;
  }
}
