// MD4 (RFC 1320), needed only for the NT hash of NTLM (MS-NLMP §3.3.2: NTOWFv2 keys HMAC-MD5
// with MD4(UTF-16LE(password))). Node 20's OpenSSL 3 moved MD4 to the legacy provider, so
// `createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED; this is the fallback. MD4 is broken as a
// general hash — use it for nothing else.

import { createHash } from 'node:crypto';

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

// Round 2 and 3 constants: floor(2^30 * sqrt(2)) and floor(2^30 * sqrt(3)) (RFC 1320 §3.4).
const K2 = 0x5a827999;
const K3 = 0x6ed9eba1;
const R2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15] as const;
const R3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const;
const S1 = [3, 7, 11, 19] as const;
const S2 = [3, 5, 9, 13] as const;
const S3 = [3, 9, 11, 15] as const;

function block(state: Uint32Array, x: Uint32Array): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  // Each round rotates the roles of a, b, c, d: the word just computed becomes the last argument.
  for (let i = 0; i < 16; i++) {
    const f = (b & c) | (~b & d);
    const t = rotl((a + f + x[i]!) | 0, S1[i % 4]!);
    a = d; d = c; c = b; b = t;
  }
  for (let i = 0; i < 16; i++) {
    const g = (b & c) | (b & d) | (c & d);
    const t = rotl((a + g + x[R2_ORDER[i]!]! + K2) | 0, S2[i % 4]!);
    a = d; d = c; c = b; b = t;
  }
  for (let i = 0; i < 16; i++) {
    const h = b ^ c ^ d;
    const t = rotl((a + h + x[R3_ORDER[i]!]! + K3) | 0, S3[i % 4]!);
    a = d; d = c; c = b; b = t;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** MD4 in TypeScript; `md4()` below prefers OpenSSL when it still has it. */
export function md4Portable(input: Uint8Array): Buffer {
  // Padding (RFC 1320 §3.1–3.2): 0x80, zeros to 56 mod 64, then the bit length as 64-bit LE.
  const padded = Buffer.alloc(((input.length + 8) >>> 6) * 64 + 64);
  padded.set(input);
  padded[input.length] = 0x80;
  const bits = input.length * 8;
  padded.writeUInt32LE(bits >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bits / 2 ** 32), padded.length - 4);
  const state = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const x = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(off + i * 4);
    block(state, x);
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(state[i]!, i * 4);
  return out;
}

let native: boolean | undefined;

export function md4(input: Uint8Array): Buffer {
  if (native === undefined) {
    try {
      createHash('md4').update('').digest();
      native = true;
    } catch {
      native = false;
    }
  }
  return native ? createHash('md4').update(input).digest() : md4Portable(input);
}
