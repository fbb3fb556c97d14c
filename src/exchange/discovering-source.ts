// A CalendarSource for a mailbox whose EWS URL is not configured: the first call finds it with
// Autodiscover (EWS-NOTES §13; cached per domain), later calls go straight to the source for that
// URL. A failed lookup is not remembered, so the next sync tries again.

import type { UpstreamCalendar, UpstreamRef } from '../model/index.js';
import type { CalendarSource, FetchResult, SyncOptions, SyncPage } from '../store/types.js';
import type { AutodiscoverResult } from './autodiscover.js';

export class DiscoveringSource implements CalendarSource {
  readonly api = 'ews' as const;
  /** How the URL was found, once it was: shown by `ewsdav check`. */
  discovery: AutodiscoverResult | undefined;
  private pending: Promise<CalendarSource> | undefined;

  constructor(
    readonly mailbox: string,
    private readonly discover: () => Promise<AutodiscoverResult>,
    private readonly sourceFor: (ewsUrl: string) => CalendarSource,
  ) {}

  private resolve(): Promise<CalendarSource> {
    this.pending ??= this.discover().then(
      (result) => {
        this.discovery = result;
        return this.sourceFor(result.ewsUrl);
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  async listCalendars(options?: { signal?: AbortSignal }): Promise<UpstreamCalendar[]> {
    return (await this.resolve()).listCalendars(options);
  }

  async *changes(calendar: UpstreamCalendar, state: string | undefined, options?: SyncOptions): AsyncIterable<SyncPage> {
    yield* (await this.resolve()).changes(calendar, state, options);
  }

  async fetchObjects(calendar: UpstreamCalendar, refs: UpstreamRef[], options?: { signal?: AbortSignal }): Promise<FetchResult[]> {
    return (await this.resolve()).fetchObjects(calendar, refs, options);
  }

  async verify(options?: { signal?: AbortSignal }): Promise<{ serverVersion?: string }> {
    return (await this.resolve()).verify(options);
  }
}
