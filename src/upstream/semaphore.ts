// A counting semaphore keyed by mailbox: at most N upstream calls in flight per mailbox. EWS
// allows 27 per user (EWS-NOTES §14.4), Graph 4 per app and mailbox (OAUTH-NOTES §11); both
// transports default to 4.

export class Semaphore {
  #available: number;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('semaphore size must be at least 1');
    this.#available = size;
  }

  get inUse(): number {
    return this.size - this.#available;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand the slot straight to the next waiter; the count only rises when nobody waits.
      if (next) next();
      else this.#available++;
    };
  }
}

/** One semaphore per key, created on first use. Keys are compared case-insensitively (SMTP addresses). */
export class KeyedSemaphore {
  readonly #map = new Map<string, Semaphore>();
  constructor(readonly size: number) {}

  for(key: string): Semaphore {
    const k = key.toLowerCase();
    let s = this.#map.get(k);
    if (!s) {
      s = new Semaphore(this.size);
      this.#map.set(k, s);
    }
    return s;
  }

  async run<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const sem = this.for(key);
    const release = await sem.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
      // Idle semaphores are dropped so a long-running bridge does not keep one per mailbox ever seen.
      if (sem.inUse === 0 && sem.waiting === 0) this.#map.delete(key.toLowerCase());
    }
  }
}
