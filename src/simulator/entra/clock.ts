// The authority's notion of "now": real time plus an offset that tests move forward
// (`control.advanceClock`), so 90-day refresh-token inactivity (OAUTH-NOTES §2.4), code and
// device-code expiry and RFC 8628 polling intervals are testable without waiting.

export class VirtualClock {
  private offsetMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  /** Seconds since the epoch, as JWT `iat`/`nbf`/`exp` use. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('the clock only moves forward');
    this.offsetMs += ms;
  }
}
