// SyncState tokens (EWS-NOTES §10): opaque base64 of a gzip stream, like Exchange's `H4sI…`,
// holding a position in a folder's change journal. An HMAC binds it to the mailbox, the
// folder and this simulator's secret, so a tampered or foreign state is rejected with
// ErrorInvalidSyncStateData.

import { createHmac } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

interface Payload { v: 1; m: string; f: string; s: number; k: string }

export class SyncStateCodec {
  constructor(private readonly secret: Buffer) {}

  encode(mailbox: string, folderKey: string, seq: number): string {
    const payload: Payload = { v: 1, m: mailbox, f: folderKey, s: seq, k: this.mac(mailbox, folderKey, seq) };
    return gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64');
  }

  /** The journal position, or undefined if the state is not one we issued for this folder. */
  decode(state: string, mailbox: string, folderKey: string): number | undefined {
    try {
      const json: unknown = JSON.parse(gunzipSync(Buffer.from(state, 'base64')).toString('utf8'));
      if (!json || typeof json !== 'object') return undefined;
      const p = json as Partial<Payload>;
      if (p.v !== 1 || p.m !== mailbox || p.f !== folderKey || typeof p.s !== 'number') return undefined;
      return p.k === this.mac(mailbox, folderKey, p.s) ? p.s : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(mailbox: string, folderKey: string, seq: number): string {
    return createHmac('sha256', this.secret).update(`${mailbox}\n${folderKey}\n${seq}`).digest('base64');
  }
}
