// Server side of NTLMSSP as a Windows acceptor does it (MS-NLMP §3.2): read NEGOTIATE, write a
// CHALLENGE with a random server challenge and target info (NetBIOS/DNS names, MsvAvTimestamp),
// read AUTHENTICATE and check its NTLMv2 response (§3.3.2) and MIC (§3.2.5.1.2).
// Independent of src/auth/upstream: two implementations have to agree.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { md4 } from './md4.js';

const MAGIC = 'NTLMSSP\u0000';
export const FLAG = {
  unicode: 0x1,
  oem: 0x2,
  requestTarget: 0x4,
  ntlm: 0x200,
  alwaysSign: 0x8000,
  targetTypeDomain: 0x10000,
  ess: 0x80000,
  targetInfo: 0x800000,
  version: 0x2000000,
  b128: 0x20000000,
  keyExch: 0x40000000,
  b56: 0x80000000,
} as const;
export const AV_ID = { eol: 0, nbComputer: 1, nbDomain: 2, dnsComputer: 3, dnsDomain: 4, dnsTree: 5, flags: 6, timestamp: 7, targetName: 9, channelBindings: 10 } as const;

export class NtlmProtocolError extends Error {}

function hmac(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('md5', key);
  data.forEach((d) => h.update(d));
  return h.digest();
}

/** Message type of a base64 token (1, 2, 3), or an error for anything that is not NTLMSSP. */
export function messageType(msg: Buffer): number {
  if (msg.length < 12 || msg.toString('latin1', 0, 8) !== MAGIC) throw new NtlmProtocolError('not an NTLMSSP token');
  return msg.readUInt32LE(8);
}

export function negotiateFlagsOf(msg: Buffer): number {
  if (msg.length < 16) throw new NtlmProtocolError('NEGOTIATE_MESSAGE too short');
  return msg.readUInt32LE(12);
}

export interface ServerIdentity {
  netbiosDomain: string;
  netbiosComputer: string;
  dnsDomain: string;
  dnsComputer: string;
}

export interface IssuedChallenge {
  message: Buffer;
  serverChallenge: Buffer;
}

/** CHALLENGE_MESSAGE (§2.2.1.2): what IIS on Windows Server 2019 sends to an NTLMv2 client. */
export function makeChallenge(clientFlags: number, id: ServerIdentity, nowMs: number, withTimestamp: boolean): IssuedChallenge {
  const wanted = FLAG.unicode | FLAG.requestTarget | FLAG.ntlm | FLAG.alwaysSign | FLAG.ess | FLAG.b128 | FLAG.b56;
  const flags = ((clientFlags & wanted) | FLAG.requestTarget | FLAG.ntlm | FLAG.targetTypeDomain | FLAG.targetInfo | FLAG.version) >>> 0;
  const str = (s: string): Buffer => (flags & FLAG.unicode ? Buffer.from(s, 'utf16le') : Buffer.from(s, 'latin1'));
  const pair = (id: number, value: Buffer): Buffer => Buffer.concat([u16(id), u16(value.length), value]);
  const ft = Buffer.alloc(8);
  ft.writeBigUInt64LE(BigInt(nowMs) * 10_000n + 116_444_736_000_000_000n);
  const info = Buffer.concat([
    pair(AV_ID.nbDomain, Buffer.from(id.netbiosDomain, 'utf16le')),
    pair(AV_ID.nbComputer, Buffer.from(id.netbiosComputer, 'utf16le')),
    pair(AV_ID.dnsDomain, Buffer.from(id.dnsDomain, 'utf16le')),
    pair(AV_ID.dnsComputer, Buffer.from(id.dnsComputer, 'utf16le')),
    pair(AV_ID.dnsTree, Buffer.from(id.dnsDomain, 'utf16le')),
    ...(withTimestamp ? [pair(AV_ID.timestamp, ft)] : []),
    pair(AV_ID.eol, Buffer.alloc(0)),
  ]);
  const target = str(id.netbiosDomain);
  const serverChallenge = randomBytes(8);
  const head = Buffer.alloc(56);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(target.length, 12);
  head.writeUInt16LE(target.length, 14);
  head.writeUInt32LE(56, 16);
  head.writeUInt32LE(flags, 20);
  serverChallenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(56 + target.length, 44);
  Buffer.from([10, 0, 0x63, 0x45, 0, 0, 0, 15]).copy(head, 48); // 10.0.17763, NTLMSSP_REVISION_W2K3
  return { message: Buffer.concat([head, target, info]), serverChallenge };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function field(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const off = msg.readUInt32LE(at + 4);
  if (off + len > msg.length) throw new NtlmProtocolError('AUTHENTICATE_MESSAGE field out of range');
  return msg.subarray(off, off + len);
}

export interface AuthenticateFields {
  flags: number;
  user: string;
  domain: string;
  workstation: string;
  lm: Buffer;
  nt: Buffer;
  raw: Buffer;
}

export function readAuthenticate(msg: Buffer): AuthenticateFields {
  if (msg.length < 64 || messageType(msg) !== 3) throw new NtlmProtocolError('not an AUTHENTICATE_MESSAGE');
  const flags = msg.readUInt32LE(60);
  const text = (b: Buffer): string => b.toString(flags & FLAG.unicode ? 'utf16le' : 'latin1');
  return { flags, lm: field(msg, 12), nt: field(msg, 20), domain: text(field(msg, 28)), user: text(field(msg, 36)), workstation: text(field(msg, 44)), raw: msg };
}

/** AV pairs of an NTLMv2 blob's "ServerName" part, by id (first wins). */
export function blobPairs(blob: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let p = 28; // after RespType, HiRespType, Reserved1(2), Reserved2(4), TimeStamp(8), ChallengeFromClient(8), Reserved3(4)
  while (p + 4 <= blob.length) {
    const id = blob.readUInt16LE(p);
    const len = blob.readUInt16LE(p + 2);
    if (id === AV_ID.eol) return out;
    if (p + 4 + len > blob.length) break;
    if (!out.has(id)) out.set(id, blob.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  throw new NtlmProtocolError('NTLMv2 blob without MsvAvEOL');
}

export type Verdict = { ok: true; pairs: Map<number, Buffer> } | { ok: false; reason: string };

export interface VerifyInput {
  auth: AuthenticateFields;
  password: string;
  serverChallenge: Buffer;
  negotiate: Buffer;
  challenge: Buffer;
}

/** NTLMv2 check (§3.3.2 on the server side) plus the MIC when MsvAvFlags says there is one. */
export function verifyNtlmV2(input: VerifyInput): Verdict {
  const { auth } = input;
  if (auth.nt.length <= 24) return { ok: false, reason: 'NTLMv1 response (only NTLMv2 is accepted)' };
  const ntHash = md4(Buffer.from(input.password, 'utf16le'));
  const key = hmac(ntHash, Buffer.from(auth.user.toUpperCase() + auth.domain, 'utf16le'));
  const proof = auth.nt.subarray(0, 16);
  const blob = auth.nt.subarray(16);
  if (blob[0] !== 1 || blob[1] !== 1) return { ok: false, reason: 'unknown NTLMv2 blob version' };
  const expected = hmac(key, input.serverChallenge, blob);
  if (!timingSafeEqual(expected, proof)) return { ok: false, reason: 'bad user name or password' };
  const pairs = blobPairs(blob);
  const avFlags = pairs.get(AV_ID.flags);
  if (avFlags && avFlags.length >= 4 && avFlags.readUInt32LE(0) & 0x2) {
    if (auth.flags & FLAG.keyExch) return { ok: false, reason: 'KEY_EXCH is not supported by the simulator' };
    if (auth.raw.length < 88) return { ok: false, reason: 'MIC flagged but missing' };
    const sessionKey = hmac(key, proof);
    const zeroed = Buffer.from(auth.raw);
    zeroed.fill(0, 72, 88);
    const mic = hmac(sessionKey, input.negotiate, input.challenge, zeroed);
    if (!timingSafeEqual(mic, auth.raw.subarray(72, 88))) return { ok: false, reason: 'MIC mismatch' };
  }
  return { ok: true, pairs };
}
