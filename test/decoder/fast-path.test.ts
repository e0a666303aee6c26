// The two-byte fast tables (assembly/fastlen.ts) against the general decoder they stand in for:
// batch output, byte for byte, with the tables on and off, in length and MMIO modes, on random
// bytes cut into random ranges (range ends land mid-instruction), instruction-shaped windows laid
// end to end, the gcc corpus, and a cached kernel's .text when `npm run kernel:fetch` has run.
import { describe, it, expect } from "vitest";
import { decoder } from "../support/decoder.js";
import { rng, structuredWindows } from "../support/random.js";
import { corpusSet } from "../../bench/code-sets.js";
import { cachedKernels, vmlinuxSet } from "../../src/elf/kernel-cache.js";
import type { BatchMode } from "../../src/decoder/engine.js";

type Ranges = [number, number][];

/** Every record and full record of a batch run, and its summary, as one buffer and a line. */
function run(bytes: Uint8Array, ranges: Ranges, mode: BatchMode, fast: boolean, chunkRecords: number): { out: Buffer; summary: string } {
  const parts: Buffer[] = [];
  decoder.setFastTables(fast);
  try {
    const s = decoder.batch(bytes, { ranges, mode, chunkRecords }, (c) => {
      parts.push(Buffer.from(c.records), Buffer.from(c.full));
    });
    return { out: Buffer.concat(parts), summary: JSON.stringify(s) };
  } finally {
    decoder.setFastTables(true);
  }
}

function expectSame(bytes: Uint8Array, ranges: Ranges, chunkRecords = 1 << 16): void {
  for (const mode of ["length", "mmio", "classify"] as const) {
    const fast = run(bytes, ranges, mode, true, chunkRecords);
    const general = run(bytes, ranges, mode, false, chunkRecords);
    expect(fast.summary, mode).toBe(general.summary);
    let at = -1;
    for (let i = 0; i < fast.out.length && at < 0; i++) if (fast.out[i] !== general.out[i]) at = i;
    expect({ mode, firstDifferingByte: at, lengths: fast.out.length === general.out.length }).toEqual({ mode, firstDifferingByte: -1, lengths: true });
  }
}

/** Random [start, end) cuts covering `length` bytes, 1 to 64 bytes each. */
function randomRanges(length: number, seed: number): Ranges {
  const r = rng(seed);
  const ranges: Ranges = [];
  for (let at = 0; at < length;) {
    const end = Math.min(length, at + 1 + ((r() * 64) | 0));
    ranges.push([at, end]);
    at = end;
  }
  return ranges;
}

describe("fast tables vs the general decoder", () => {
  const seed = Number(process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);

  it(`random bytes in random ranges (seed ${seed})`, () => {
    const r = rng(seed);
    const bytes = Uint8Array.from({ length: 1 << 20 }, () => (r() * 256) | 0);
    expectSame(bytes, randomRanges(bytes.length, seed + 1));
  });

  it(`instruction-shaped windows end to end, one range and random ranges (seed ${seed})`, () => {
    const bytes = structuredWindows(100_000, 16, seed ^ 0x3c3c);
    expectSame(bytes, [[0, bytes.length]]);
    expectSame(bytes, randomRanges(bytes.length, seed + 2));
  });

  it("every first two bytes, each followed by every SIB-relevant tail", () => {
    // b0 b1 b2 b3 for all b0, b1 and a few b2/b3 that make SIB and REX-0F forms matter.
    const tails = [[0x00, 0x00], [0x24, 0x05], [0x04, 0x25], [0x44, 0x24], [0x84, 0x24], [0xc0, 0x00], [0x05, 0x00], [0xb6, 0x04]];
    const bytes = new Uint8Array(65536 * tails.length * 16);
    const ranges: Ranges = [];
    let at = 0;
    for (const [b2, b3] of tails) {
      for (let i = 0; i < 65536; i++) {
        bytes.set([i & 0xff, i >> 8, b2, b3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc], at);
        ranges.push([at, at + 16]);
        at += 16;
      }
    }
    expectSame(bytes, ranges);
  });

  it("the gcc corpus, with a small output buffer (chunks end mid-range)", () => {
    const set = corpusSet();
    expectSame(set.bytes, set.ranges);
    expectSame(set.bytes, set.ranges, 997);
  });

  const kernel = cachedKernels()[0];
  it.runIf(!!kernel)("a cached kernel's .text (first 2 MB of functions)", () => {
    const set = vmlinuxSet(kernel)!;
    const ranges = set.ranges.filter(([, e]) => e <= 2 << 20);
    expectSame(set.bytes, ranges.length > 0 ? ranges : [[0, Math.min(set.bytes.length, 2 << 20)]]);
  });
});
