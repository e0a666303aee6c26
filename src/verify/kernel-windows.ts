// Structured random 15-byte windows for differential tests of the `linux` reading against the
// kernel's compiled decoder: prefixes in any order with repeats, REX in odd places, VEX/EVEX/REX2
// escapes, emulate prefixes, the MOV family and random opcodes, random ModRM/SIB/displacement/
// immediate bytes, and windows whose instruction runs past 15 bytes. Deterministic per seed.

/** u64 words in a register file: RAX..R15 (slot order), RIP, FS base, GS base. */
export const REGFILE_WORDS = 19;
/** Bytes per window record: 15 instruction bytes, then the register-file index. */
export const WINDOW_BYTES = 16;

/** A small fast PRNG (xorshift128+ on two u32 halves is overkill here: mulberry32 is enough). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const LEGACY = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];
const SEGMENTS = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];
const MOV_ONE_BYTE = [0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa4, 0xa5];
const MOV_0F = [0xb6, 0xb7, 0xbe, 0xbf];
const EMULATE = [[0x0f, 0x0b, 0x78, 0x65, 0x6e], [0x0f, 0x0b, 0x6b, 0x76, 0x6d]];

/**
 * Register files: values spread over the address space, a quarter of them a few bytes before a
 * page end (so accesses split pages), RIP a kernel text address.
 */
export function registerFiles(count: number, seed: number): BigUint64Array {
  const rnd = prng(seed ^ 0x5eed);
  const files = new BigUint64Array(count * REGFILE_WORDS);
  const u64 = () => (BigInt(rnd()) << 32n) | BigInt(rnd());
  for (let f = 0; f < count; f++) {
    for (let w = 0; w < REGFILE_WORDS; w++) {
      let v = u64();
      const r = rnd() & 3;
      if (r === 0) v = (v & ~0xfffn) | BigInt(0xff8 + (rnd() & 7)); // near a page end
      else if (r === 1) v &= 0xffffffffn; // a 32-bit value
      if (w === 16) v = 0xffffffff81000000n + BigInt(rnd() & 0xffffff);
      files[f * REGFILE_WORDS + w] = v;
    }
  }
  return files;
}

/**
 * `count` windows of WINDOW_BYTES (the 16th byte picks one of `files` register files).
 */
export function structuredWindows(count: number, seed: number, files: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(count * WINDOW_BYTES);
  const pick = <T>(a: readonly T[]): T => a[rnd() % a.length];
  for (let i = 0; i < count; i++) {
    const w = out.subarray(i * WINDOW_BYTES, i * WINDOW_BYTES + 15);
    for (let k = 0; k < 15; k++) w[k] = rnd() & 0xff; // random tail: ModRM, SIB, disp, imm
    let p = 0;
    const put = (b: number) => { if (p < 15) w[p++] = b; };
    const shape = rnd() % 100;
    if (shape < 3) for (const b of pick(EMULATE)) put(b);
    // Legacy prefixes: 0-5 (sometimes many more, to run past 15 bytes), repeats allowed.
    const nPrefix = shape < 8 ? 6 + (rnd() % 10) : rnd() % 6;
    for (let k = 0; k < nPrefix; k++) {
      const r = rnd() % 8;
      put(r < 2 ? pick(SEGMENTS) : r < 3 ? 0x40 | (rnd() & 15) : pick(LEGACY));
    }
    const esc = rnd() % 16;
    if (esc === 0) put(0x40 | (rnd() & 15)); // REX REX
    if (esc <= 4) put(0x40 | (rnd() & 15));
    else if (esc === 5) { put(0xd5); put(rnd() & 0xff); } // REX2, M0 random
    else if (esc === 6) { put(0xc5); put(rnd() & 0xff); }
    else if (esc === 7) { put(0xc4); put(pick([0xe1, 0x61, 0xe2, 0x62, 0xe3, 0x01, 0x02, 0x03]) ^ (rnd() & 0xe0)); put(rnd() & 0xff); }
    else if (esc === 8) {
      put(0x62);
      put((rnd() & 0xf0) | pick([1, 2, 3, 4, 5, 6, 7, 0]));
      put((rnd() & 0xfb) | (rnd() % 8 === 0 ? 0 : 4));
      put(rnd() & 0xff);
    }
    const op = rnd() % 10;
    if (op < 5) put(pick(MOV_ONE_BYTE));
    else if (op < 7) { if (esc < 5 || esc > 8 || rnd() & 1) put(0x0f); put(pick(MOV_0F)); }
    else if (op < 8) put(pick([0xa0, 0xa1, 0xa2, 0xa3, 0x63, 0x86, 0x87, 0x8d]));
    else if (op < 9) { put(0x0f); put(rnd() & 0xff); }
    else put(rnd() & 0xff);
    out[i * WINDOW_BYTES + 15] = rnd() % files;
  }
  return out;
}
