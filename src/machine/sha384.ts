// SHA-384 (FIPS 180-4: SHA-512 with its own initial values, truncated to 48 bytes), incremental.
// Written for the TD measurement, which runs at build time: clarity over speed, no Node APIs.

const K: bigint[] = [
  "428a2f98d728ae22", "7137449123ef65cd", "b5c0fbcfec4d3b2f", "e9b5dba58189dbbc", "3956c25bf348b538", "59f111f1b605d019",
  "923f82a4af194f9b", "ab1c5ed5da6d8118", "d807aa98a3030242", "12835b0145706fbe", "243185be4ee4b28c", "550c7dc3d5ffb4e2",
  "72be5d74f27b896f", "80deb1fe3b1696b1", "9bdc06a725c71235", "c19bf174cf692694", "e49b69c19ef14ad2", "efbe4786384f25e3",
  "0fc19dc68b8cd5b5", "240ca1cc77ac9c65", "2de92c6f592b0275", "4a7484aa6ea6e483", "5cb0a9dcbd41fbd4", "76f988da831153b5",
  "983e5152ee66dfab", "a831c66d2db43210", "b00327c898fb213f", "bf597fc7beef0ee4", "c6e00bf33da88fc2", "d5a79147930aa725",
  "06ca6351e003826f", "142929670a0e6e70", "27b70a8546d22ffc", "2e1b21385c26c926", "4d2c6dfc5ac42aed", "53380d139d95b3df",
  "650a73548baf63de", "766a0abb3c77b2a8", "81c2c92e47edaee6", "92722c851482353b", "a2bfe8a14cf10364", "a81a664bbc423001",
  "c24b8b70d0f89791", "c76c51a30654be30", "d192e819d6ef5218", "d69906245565a910", "f40e35855771202a", "106aa07032bbd1b8",
  "19a4c116b8d2d0c8", "1e376c085141ab53", "2748774cdf8eeb99", "34b0bcb5e19b48a8", "391c0cb3c5c95a63", "4ed8aa4ae3418acb",
  "5b9cca4f7763e373", "682e6ff3d6b2b8a3", "748f82ee5defb2fc", "78a5636f43172f60", "84c87814a1f0ab72", "8cc702081a6439ec",
  "90befffa23631e28", "a4506cebde82bde9", "bef9a3f7b2c67915", "c67178f2e372532b", "ca273eceea26619c", "d186b8c721c0c207",
  "eada7dd6cde0eb1e", "f57d4f7fee6ed178", "06f067aa72176fba", "0a637dc5a2c898a6", "113f9804bef90dae", "1b710b35131c471b",
  "28db77f523047d84", "32caab7b40c72493", "3c9ebe0a15c9bebc", "431d67c49c100d4c", "4cc5d4becb3e42b6", "597f299cfc657e2a",
  "5fcb6fab3ad6faec", "6c44198c4a475817",
].map((h) => BigInt("0x" + h));

const IV: bigint[] = [
  "cbbb9d5dc1059ed8", "629a292a367cd507", "9159015a3070dd17", "152fecd8f70e5939",
  "67332667ffc00b31", "8eb44a8768581511", "db0c2e0d64f98fa7", "47b5481dbefa4fa4",
].map((h) => BigInt("0x" + h));

const M64 = (1n << 64n) - 1n;
const rotr = (x: bigint, n: bigint) => ((x >> n) | (x << (64n - n))) & M64;

export class Sha384 {
  private readonly h = [...IV];
  private readonly block = new Uint8Array(128);
  private used = 0;
  private length = 0n;

  update(data: Uint8Array): this {
    for (const byte of data) {
      this.block[this.used++] = byte;
      if (this.used === 128) { this.compress(); this.used = 0; }
    }
    this.length += BigInt(data.length) * 8n;
    return this;
  }

  /** The digest so far (the state is not consumed: updates may continue). */
  digest(): Uint8Array {
    const saved = { h: [...this.h], block: this.block.slice(), used: this.used, length: this.length };
    const bits = this.length;
    this.update(Uint8Array.of(0x80));
    while (this.used !== 112) this.update(Uint8Array.of(0));
    const tail = new Uint8Array(16);
    new DataView(tail.buffer).setBigUint64(8, bits, false);
    this.update(tail);
    const out = new Uint8Array(48);
    const view = new DataView(out.buffer);
    for (let i = 0; i < 6; i++) view.setBigUint64(i * 8, this.h[i], false);
    this.h.splice(0, 8, ...saved.h);
    this.block.set(saved.block);
    this.used = saved.used;
    this.length = saved.length;
    return out;
  }

  private compress(): void {
    const w: bigint[] = new Array(80);
    const view = new DataView(this.block.buffer);
    for (let t = 0; t < 16; t++) w[t] = view.getBigUint64(t * 8, false);
    for (let t = 16; t < 80; t++) {
      const s0 = rotr(w[t - 15], 1n) ^ rotr(w[t - 15], 8n) ^ (w[t - 15] >> 7n);
      const s1 = rotr(w[t - 2], 19n) ^ rotr(w[t - 2], 61n) ^ (w[t - 2] >> 6n);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & M64;
    }
    let [a, b, c, d, e, f, g, h] = this.h;
    for (let t = 0; t < 80; t++) {
      const t1 = (h + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ((e & f) ^ (~e & M64 & g)) + K[t] + w[t]) & M64;
      const t2 = ((rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & M64;
      h = g; g = f; f = e; e = (d + t1) & M64; d = c; c = b; b = a; a = (t1 + t2) & M64;
    }
    const add = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i++) this.h[i] = (this.h[i] + add[i]) & M64;
  }
}
