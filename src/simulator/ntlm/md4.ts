// MD4 (RFC 1320) for the simulator's NT hashes. Written apart from the client's copy on purpose
// (docs/simulator.md: the simulator shares no code with the client side), in the RFC's own
// FF/GG/HH form. OpenSSL 3 as bundled with Node 20 no longer offers md4.

const F = (x: number, y: number, z: number): number => (x & y) | (~x & z);
const G = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
const H = (x: number, y: number, z: number): number => x ^ y ^ z;
const rol = (v: number, s: number): number => ((v << s) | (v >>> (32 - s))) >>> 0;

export function md4(message: Uint8Array): Buffer {
  const bitLen = BigInt(message.length) * 8n;
  const total = Math.ceil((message.length + 9) / 64) * 64;
  const buf = Buffer.alloc(total);
  buf.set(message, 0);
  buf[message.length] = 0x80;
  buf.writeBigUInt64LE(bitLen, total - 8);

  let [a, b, c, d] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let block = 0; block < total; block += 64) {
    const X = (k: number): number => buf.readUInt32LE(block + 4 * k);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const ff = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rol((p + F(q, r, s) + X(k)) >>> 0, sh);
    const gg = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rol((p + G(q, r, s) + X(k) + 0x5a827999) >>> 0, sh);
    const hh = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rol((p + H(q, r, s) + X(k) + 0x6ed9eba1) >>> 0, sh);
    // Round 1: [abcd k s] with s = 3, 7, 11, 19.
    for (const k of [0, 4, 8, 12]) {
      a = ff(a, b, c, d, k, 3); d = ff(d, a, b, c, k + 1, 7); c = ff(c, d, a, b, k + 2, 11); b = ff(b, c, d, a, k + 3, 19);
    }
    // Round 2: columns, s = 3, 5, 9, 13.
    for (const k of [0, 1, 2, 3]) {
      a = gg(a, b, c, d, k, 3); d = gg(d, a, b, c, k + 4, 5); c = gg(c, d, a, b, k + 8, 9); b = gg(b, c, d, a, k + 12, 13);
    }
    // Round 3: bit-reversed order, s = 3, 9, 11, 15.
    for (const k of [0, 2, 1, 3]) {
      a = hh(a, b, c, d, k, 3); d = hh(d, a, b, c, k + 8, 9); c = hh(c, d, a, b, k + 4, 11); b = hh(b, c, d, a, k + 12, 15);
    }
    a = (a + aa) >>> 0; b = (b + bb) >>> 0; c = (c + cc) >>> 0; d = (d + dd) >>> 0;
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((v, i) => out.writeUInt32LE(v, i * 4));
  return out;
}
