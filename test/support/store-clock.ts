// A manual clock for the sync engine: time moves only when a test says so, timers fire in
// order, and after each one the test's `settle` (usually engine.idle) runs before the next.

import type { Clock, TimerHandle } from '../../src/store/sync/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.t + Math.max(0, Math.round(ms)), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Pending timers' due times (relative to now), soonest first. */
  pending(): number[] {
    return this.live().map((t) => t.at - this.t);
  }

  /** Moves time forward by `ms`, firing due timers one at a time and settling after each. */
  async advance(ms: number, settle: () => Promise<void> = flush): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.live()[0];
      if (!next || next.at > end) break;
      this.t = Math.max(this.t, next.at);
      next.cancelled = true;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  private live(): Timer[] {
    this.timers = this.timers.filter((t) => !t.cancelled);
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

/** Lets every queued promise continuation and I/O callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
