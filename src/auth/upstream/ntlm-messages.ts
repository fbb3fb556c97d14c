// NTLMSSP messages and NTLMv2 responses, client side (MS-NLMP). Pure functions over bytes: no
// HTTP, no sockets, no logging. NTLMv1/LM are not implemented: Windows has refused them by default
// since Vista/2008 (LmCompatibilityLevel 3+), and on-prem Exchange sits on such servers.
// The simulator has its own, independent implementation (src/simulator/ntlm/); the two agreeing
// is part of the test.

import { createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4.js';

/** NegotiateFlags (MS-NLMP §2.2.2.5). */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

/** AV_PAIR ids (MS-NLMP §2.2.2.1). */
export const AV = {
  EOL: 0,
  NB_COMPUTER: 1,
  NB_DOMAIN: 2,
  DNS_COMPUTER: 3,
  DNS_DOMAIN: 4,
  FLAGS: 6,
  TIMESTAMP: 7,
  TARGET_NAME: 9,
  CHANNEL_BINDINGS: 10,
} as const;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const F = NTLM_FLAGS;
/** What this client asks for. No KEY_EXCH/SIGN/SEAL: HTTP authentication needs no session security. */
const CLIENT_FLAGS = F.UNICODE | F.OEM | F.REQUEST_TARGET | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY | F.TARGET_INFO | F.VERSION | F.N128 | F.N56;
/** VERSION structure (§2.2.2.10): 10.0 build 0, NTLMSSP_REVISION_W2K3 (15). Informational only. */
const CLIENT_VERSION = Buffer.from([10, 0, 0, 0, 0, 0, 0, 15]);

export class NtlmMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmMessageError';
  }
}

const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');
const hmacMd5 = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

export function negotiateFlags(): number {
  return CLIENT_FLAGS >>> 0;
}

/** NEGOTIATE_MESSAGE (§2.2.1.1) with no domain or workstation supplied. */
export function buildNegotiate(): Buffer {
  const msg = Buffer.alloc(40);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(negotiateFlags(), 12);
  // DomainNameFields and WorkstationFields stay zero (len 0, offset 0 is allowed when empty).
  CLIENT_VERSION.copy(msg, 32);
  return msg;
}

export interface AvPair {
  id: number;
  value: Buffer;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  targetInfo: AvPair[];
  /** MsvAvTimestamp as the raw 8-byte FILETIME, when the server sent one. */
  timestamp?: Buffer;
  /** The message bytes as received (the MIC covers them, §3.1.5.1.2). */
  raw: Buffer;
}

function securityBuffer(msg: Buffer, at: number, what: string): Buffer {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (len === 0) return Buffer.alloc(0);
  if (offset + len > msg.length) throw new NtlmMessageError(`${what} points outside the message`);
  return msg.subarray(offset, offset + len);
}

export function parseAvPairs(bytes: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const id = bytes.readUInt16LE(at);
    const len = bytes.readUInt16LE(at + 2);
    if (id === AV.EOL) return pairs;
    if (at + 4 + len > bytes.length) throw new NtlmMessageError('truncated AV_PAIR in target info');
    pairs.push({ id, value: Buffer.from(bytes.subarray(at + 4, at + 4 + len)) });
    at += 4 + len;
  }
  throw new NtlmMessageError('target info lacks MsvAvEOL');
}

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  parts.push(Buffer.alloc(4)); // MsvAvEOL
  return Buffer.concat(parts);
}

/** CHALLENGE_MESSAGE (§2.2.1.2). Throws NtlmMessageError on anything malformed. */
export function parseChallenge(raw: Buffer): ChallengeMessage {
  if (raw.length < 32 || !raw.subarray(0, 8).equals(SIGNATURE)) throw new NtlmMessageError('not an NTLMSSP message');
  if (raw.readUInt32LE(8) !== 2) throw new NtlmMessageError(`expected a CHALLENGE_MESSAGE, got type ${raw.readUInt32LE(8)}`);
  const flags = raw.readUInt32LE(20);
  const unicode = (flags & F.UNICODE) !== 0;
  const name = securityBuffer(raw, 12, 'TargetName');
  const info = raw.length >= 48 && flags & F.TARGET_INFO ? securityBuffer(raw, 40, 'TargetInfo') : Buffer.alloc(0);
  const targetInfo = info.length > 0 ? parseAvPairs(info) : [];
  const ts = targetInfo.find((p) => p.id === AV.TIMESTAMP && p.value.length === 8);
  return {
    flags,
    serverChallenge: Buffer.from(raw.subarray(24, 32)),
    targetName: name.toString(unicode ? 'utf16le' : 'latin1'),
    targetInfo,
    ...(ts ? { timestamp: ts.value } : {}),
    raw: Buffer.from(raw),
  };
}

/** NTOWFv2 (§3.3.2): HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

/** Windows FILETIME (100 ns since 1601-01-01) as 8 little-endian bytes. */
export function fileTime(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.round(ms)) + 11_644_473_600_000n) * 10_000n);
  return out;
}

export interface V2Input {
  responseKeyNT: Buffer;
  serverChallenge: Buffer;
  clientChallenge: Buffer;
  /** FILETIME of the blob. */
  time: Buffer;
  /** The AV pairs the client sends back (the "ServerName" of §3.3.2), already encoded with EOL. */
  targetInfo: Buffer;
}

export interface V2Response {
  ntChallengeResponse: Buffer;
  lmv2: Buffer;
  ntProofStr: Buffer;
  sessionBaseKey: Buffer;
}

/** ComputeResponse for NTLMv2 (§3.3.2). */
export function computeV2(input: V2Input): V2Response {
  // temp = Responserversion(1) HiResponserversion(1) Z(6) Time ClientChallenge Z(4) ServerName Z(4)
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), input.time, input.clientChallenge, Buffer.alloc(4), input.targetInfo, Buffer.alloc(4)]);
  const ntProofStr = hmacMd5(input.responseKeyNT, input.serverChallenge, temp);
  // LMOWFv2 = NTOWFv2, so the LMv2 key is the same.
  const lmv2 = Buffer.concat([hmacMd5(input.responseKeyNT, input.serverChallenge, input.clientChallenge), input.clientChallenge]);
  return { ntChallengeResponse: Buffer.concat([ntProofStr, temp]), lmv2, ntProofStr, sessionBaseKey: hmacMd5(input.responseKeyNT, ntProofStr) };
}

export interface AuthenticateInput {
  user: string;
  domain: string;
  /** NTOWFv2 of the credentials, computed once per provider so the password need not be kept. */
  responseKeyNT: Buffer;
  negotiate: Buffer;
  challenge: ChallengeMessage;
  /** Service principal name for MsvAvTargetName, e.g. `HTTP/mail.contoso.com`. */
  spn?: string;
  /** MD5 of gss_channel_bindings_struct (§2.2.2.1 MsvAvChannelBindings), when the channel is TLS. */
  channelBindings?: Buffer;
  /** Injectable for known-answer tests. */
  clientChallenge?: Buffer;
  now?: number;
}

/** AUTHENTICATE_MESSAGE (§2.2.1.3) with an NTLMv2 response and a MIC. */
export function buildAuthenticate(input: AuthenticateInput): Buffer {
  const { challenge } = input;
  const flags = (challenge.flags & negotiateFlags() & ~F.KEY_EXCH) >>> 0;
  const unicode = (flags & F.UNICODE) !== 0;
  const enc = (s: string): Buffer => (unicode ? utf16(s) : Buffer.from(s, 'latin1'));
  // §3.1.5.1.2: echo the server's pairs, then add MsvAvFlags (MIC present), the SPN and the
  // channel binding hash (Z(16) when none: "the client did not have one", as Windows sends).
  const pairs = challenge.targetInfo.filter((p) => p.id !== AV.FLAGS && p.id !== AV.TARGET_NAME && p.id !== AV.CHANNEL_BINDINGS);
  const hasTimestamp = challenge.timestamp !== undefined;
  const avFlags = challenge.targetInfo.find((p) => p.id === AV.FLAGS)?.value.readUInt32LE(0) ?? 0;
  const flagsValue = Buffer.alloc(4);
  flagsValue.writeUInt32LE((avFlags | (hasTimestamp ? 0x2 : 0)) >>> 0);
  if (hasTimestamp || avFlags) pairs.push({ id: AV.FLAGS, value: flagsValue });
  if (input.spn) pairs.push({ id: AV.TARGET_NAME, value: utf16(input.spn) });
  pairs.push({ id: AV.CHANNEL_BINDINGS, value: input.channelBindings ?? Buffer.alloc(16) });

  const clientChallenge = input.clientChallenge ?? randomBytes(8);
  const time = challenge.timestamp ?? fileTime(input.now ?? Date.now());
  const v2 = computeV2({ responseKeyNT: input.responseKeyNT, serverChallenge: challenge.serverChallenge, clientChallenge, time, targetInfo: encodeAvPairs(pairs) });
  // §3.1.5.1.2: with MsvAvTimestamp the client sends Z(24) as LmChallengeResponse and must add a MIC.
  const lm = hasTimestamp ? Buffer.alloc(24) : v2.lmv2;
  const payload: Buffer[] = [lm, v2.ntChallengeResponse, enc(input.domain), enc(input.user), Buffer.alloc(0), Buffer.alloc(0)];

  const HEADER = 88; // fixed fields + Version(8) + MIC(16)
  const msg = Buffer.alloc(HEADER + payload.reduce((n, p) => n + p.length, 0));
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(3, 8);
  let offset = HEADER;
  payload.forEach((p, i) => {
    const at = 12 + i * 8; // Lm, Nt, Domain, User, Workstation, EncryptedRandomSessionKey
    msg.writeUInt16LE(p.length, at);
    msg.writeUInt16LE(p.length, at + 2);
    msg.writeUInt32LE(offset, at + 4);
    p.copy(msg, offset);
    offset += p.length;
  });
  msg.writeUInt32LE(flags, 60);
  CLIENT_VERSION.copy(msg, 64);
  if (hasTimestamp) {
    // Without KEY_EXCH the ExportedSessionKey is the KeyExchangeKey, which for NTLMv2 is the
    // SessionBaseKey (§3.4.5.1). MIC = HMAC-MD5(key, NEGOTIATE ‖ CHALLENGE ‖ AUTHENTICATE[MIC=0]).
    hmacMd5(v2.sessionBaseKey, input.negotiate, challenge.raw, msg).copy(msg, 72);
  }
  return msg;
}

/** `DOMAIN\user` → { domain, user }; a UPN `user@domain` keeps the whole UPN as user (§3.3.2 note on UserDom). */
export function splitUserName(name: string): { user: string; domain: string } {
  const slash = name.indexOf('\\');
  if (slash > 0) return { domain: name.slice(0, slash), user: name.slice(slash + 1) };
  return { domain: '', user: name };
}
