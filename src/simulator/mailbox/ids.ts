// Opaque identifiers in Exchange's look (EWS-NOTES §3): base64 item ids starting `AAMkA`,
// folder ids `AQMkA`, change keys `DwAAABYAAAA…` / `AQAAABYAAAA…`. Inside: the mailbox, the
// stored key and (for occurrences) the original start, sealed with an HMAC so a changed
// byte reads as malformed — clients must treat them as opaque and so must tests.

import { createHash, createHmac, hash } from 'node:crypto';

export type DecodedId =
  | { kind: 'item'; mailbox: string; key: string }
  | { kind: 'occurrence'; mailbox: string; key: string; originalStart: number }
  | { kind: 'folder'; mailbox: string; key: string };

const KIND_CODE = { item: 1, occurrence: 2, folder: 3 } as const;
const MAC_LEN = 10;

export class IdCodec {
  /** Ids are pure functions of their content; memoised because responses repeat them a lot. */
  private readonly memo = new Map<string, string>();
  /** Ids this codec issued, decoded: a GetItem of 100 ids would otherwise verify 100 HMACs. */
  private readonly issued = new Map<string, DecodedId>();

  constructor(private readonly secret: Buffer) {}

  item(mailbox: string, key: string): string {
    return this.cached(`i\n${mailbox}\n${key}`, () => this.encode({ kind: 'item', mailbox, key }));
  }

  occurrence(mailbox: string, key: string, originalStart: number): string {
    return this.cached(`o\n${mailbox}\n${key}\n${originalStart}`, () => this.encode({ kind: 'occurrence', mailbox, key, originalStart }));
  }

  folder(mailbox: string, key: string): string {
    return this.cached(`f\n${mailbox}\n${key}`, () => this.encode({ kind: 'folder', mailbox, key }));
  }

  private cached(k: string, make: () => string): string {
    let v = this.memo.get(k);
    if (v === undefined) {
      if (this.memo.size > 200_000) {
        this.memo.clear();
        this.issued.clear();
      }
      v = make();
      this.memo.set(k, v);
    }
    return v;
  }

  encode(id: DecodedId): string {
    const mb = Buffer.from(id.mailbox, 'utf8');
    const key = Buffer.from(id.key, 'utf8');
    const head = Buffer.from([id.kind === 'folder' ? 1 : 0, 3, 0x24, 0, KIND_CODE[id.kind], mb.length, key.length]);
    const parts = [head, mb, key];
    if (id.kind === 'occurrence') {
      const t = Buffer.alloc(8);
      t.writeDoubleBE(id.originalStart);
      parts.push(t);
    }
    // Filler derived from the content keeps ids near Exchange's ~150 characters.
    parts.push(hash('sha256', Buffer.concat(parts), 'buffer').subarray(0, 24));
    const body = Buffer.concat(parts);
    const encoded = Buffer.concat([body, this.mac(body)]).toString('base64');
    this.issued.set(encoded, Object.freeze({ ...id }));
    return encoded;
  }

  /** undefined = malformed (not base64, truncated, tampered or from another simulator). */
  decode(id: string): DecodedId | undefined {
    const known = this.issued.get(id);
    if (known) return known;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id) || id.length % 4 !== 0) return undefined;
    const buf = Buffer.from(id, 'base64');
    if (buf.length < 7 + 24 + MAC_LEN) return undefined;
    const body = buf.subarray(0, buf.length - MAC_LEN);
    if (!this.mac(body).equals(buf.subarray(buf.length - MAC_LEN))) return undefined;
    const kindCode = body[4];
    const mbLen = body[5] ?? 0;
    const keyLen = body[6] ?? 0;
    const mailbox = body.subarray(7, 7 + mbLen).toString('utf8');
    const key = body.subarray(7 + mbLen, 7 + mbLen + keyLen).toString('utf8');
    if (kindCode === KIND_CODE.item) return { kind: 'item', mailbox, key };
    if (kindCode === KIND_CODE.folder) return { kind: 'folder', mailbox, key };
    if (kindCode === KIND_CODE.occurrence) {
      return { kind: 'occurrence', mailbox, key, originalStart: body.readDoubleBE(7 + mbLen + keyLen) };
    }
    return undefined;
  }

  itemChangeKey(seed: string, counter: number): string {
    return changeKey(0x0f, seed, counter);
  }

  folderChangeKey(seed: string, counter: number): string {
    return changeKey(0x01, seed, counter);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_LEN);
  }
}

function changeKey(lead: number, seed: string, counter: number): string {
  // Exchange's keys start with a 4-byte type and a 4-byte length (0x16 = 22 bytes follow).
  const head = Buffer.from([lead, 0, 0, 0, 0x16, 0, 0, 0, 0]);
  const tail = createHash('sha1').update(`${seed}#${counter}`).digest().subarray(0, 21);
  return Buffer.concat([head, tail]).toString('base64');
}

/** Outlook-style GlobalObjectId in hex (112 characters; EWS-NOTES §3, MS-OXOCAL PidLidGlobalObjectId). */
export function globalObjectIdHex(created: number, seed: string): string {
  const header = '040000008200E00074C5B7101A82E008';
  const instanceDate = '00000000';
  const filetime = Buffer.alloc(8);
  filetime.writeBigUInt64LE(BigInt(Math.floor(created)) * 10_000n + 116_444_736_000_000_000n);
  const reserved = '0000000000000000';
  const size = '10000000';
  const data = createHash('md5').update(seed).digest().toString('hex');
  return (header + instanceDate + filetime.toString('hex') + reserved + size + data).toUpperCase();
}
