// The #VE fast path (decodeView: lean WASM record, getters, no allocation) must say exactly what
// the full decode says.
import { describe, it, expect } from "vitest";
import { decoder, hex } from "../support/decoder.js";
import { structuredWindows } from "../support/random.js";
import { DIVERGENCES } from "../../src/decoder/names.js";

const STRIDE = 16;

describe("decodeView", () => {
  it("matches decode() on 200,000 random windows", () => {
    const buf = structuredWindows(200_000, STRIDE, 99);
    const bad: string[] = [];
    for (let i = 0; i < 200_000 && bad.length < 5; i++) {
      const w = buf.subarray(i * STRIDE, i * STRIDE + 15);
      const full = decoder.decode(w);
      const v = decoder.decodeView(w);
      const linuxAccess = full.linux.emulated ? full.linux.access : null;
      const got = {
        length: v.length, valid: v.valid, arch: v.archKindName, archSize: v.archKindName ? v.archSize : null,
        archReg: v.archReg < 0 ? null : v.archReg, high: v.archHighByte, extend: v.archExtendTo || null,
        linux: v.linuxKindName, linuxSize: v.linuxKindName ? v.linuxSize : null, linuxReg: v.linuxReg < 0 ? null : v.linuxReg,
        linuxLength: v.linuxLength, rejected: v.linuxRejection,
        diverges: DIVERGENCES.filter((_, b) => v.divergence & (1 << b)).map((d) => d.code),
      };
      const want = {
        length: full.length, valid: full.valid, arch: full.arch?.kind ?? null, archSize: full.arch?.size ?? null,
        archReg: full.arch?.regNumber ?? null, high: full.highByteReg && !!full.arch && full.arch.size === 1, extend: full.arch?.extendTo ?? null,
        linux: linuxAccess?.kind ?? null, linuxSize: linuxAccess?.size ?? null, linuxReg: linuxAccess?.regNumber ?? null,
        linuxLength: full.linux.length, rejected: full.linux.emulated ? null : full.linux.rejected,
        diverges: full.divergences.map((d) => d.code),
      };
      try { expect(got).toEqual(want); } catch { bad.push(Buffer.from(w).toString("hex")); }
    }
    expect(bad).toEqual([]);
  });

  it("reads the SPEC's Q1 case without allocating a result", () => {
    const v = decoder.decodeView(hex("8A 27"));
    expect([v.length, v.archKindName, v.archReg, v.archHighByte, v.linuxKindName, v.linuxReg]).toEqual([2, "read", 4, true, "read", 4]);
    expect(decoder.decodeView(hex("90"))).toBe(v); // the same view object, refilled
    expect([v.length, v.archKind, v.linuxKind, v.linuxRejection]).toEqual([1, 0, 0, "not_mmio"]);
    expect(decoder.decodeView(hex("C6 07 80")).linuxImm).toBe(-128n);
  });
});
