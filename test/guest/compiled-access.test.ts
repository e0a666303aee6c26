// The compiled path of a cached #VE site (compiled-access.ts, VeEngine.runCompiled) against the
// general path: the same address as kernelAddressWords on random plans, and over random
// MOV-family sites, registers, modes, kernel profiles and host answers the same result, the same
// registers, the same device bytes and the same TDVMCALL as a TD without a decode cache.
import { describe, it, expect } from "vitest";
import { kernelAddressWords } from "../../src/guest/ve-engine.js";
import { compileAccess, accessAddressWords } from "../../src/guest/compiled-access.js";
import { VePlan } from "../../src/decoder/plan.js";
import { KIND } from "../../src/decoder/layout.js";
import { rng } from "../support/random.js";
import { randomAddressCase, ADDRESS_WORDS } from "../support/address-case.js";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";
import type { VeResult } from "../../src/guest/ve-engine.js";

describe("accessAddressWords", () => {
  it("equals kernelAddressWords on 200,000 random plans and register files", () => {
    const r = rng(1234);
    const pick = <T>(xs: T[]): T => xs[(r() * xs.length) | 0];
    const w = new Uint32Array(ADDRESS_WORDS);
    const want = new Uint32Array(2), got = new Uint32Array(2);
    const bad: string[] = [];
    for (let i = 0; i < 200_000 && bad.length < 5; i++) {
      const p = randomAddressCase(r, w);
      p.kernel = r() < 0.5;
      p.kind = KIND.read; p.size = pick([1, 2, 4, 8]); p.reg = 0;
      const c = compileAccess(p, p.kernel)!;
      kernelAddressWords(p, w, want);
      accessAddressWords(c, w, got);
      if (got[0] !== want[0] || got[1] !== want[1]) bad.push(`${JSON.stringify(p)}: ${got} != ${want}`);
    }
    expect(bad).toEqual([]);
  });

  it("is not made for rejected, non-MMIO or MOVS plans", () => {
    const p = new VePlan();
    p.kind = KIND.read; p.size = 4; p.reg = 0;
    expect(compileAccess(p, true)).not.toBeNull();
    expect(compileAccess(p, false)).toBeNull(); // a plan of the other reading
    expect(compileAccess(Object.assign(new VePlan(), p, { verdict: 1 }), true)).toBeNull();
    expect(compileAccess(Object.assign(new VePlan(), p, { kind: 0 }), true)).toBeNull();
    expect(compileAccess(Object.assign(new VePlan(), p, { kind: KIND.movs }), true)).toBeNull();
    expect(compileAccess(Object.assign(new VePlan(), p, { kind: KIND.write, reg: -1 }), true)).toBeNull();
  });
});

/** What a #VE left behind, comparable across two TDs. */
function state(result: VeResult, td: ReturnType<typeof tinyTd>["td"], vcpu: ReturnType<typeof tinyTd>["vcpu"], device: ReturnType<typeof tinyTd>["device"]) {
  const { handled, error, step, length, calls, slot } = result;
  return {
    handled, error, step, length, calls, slot,
    old: slot >= 0 ? [result.oldLo, result.oldHi] : null,
    address: step === null || step === "tdvmcall" || step === "page_split" ? Array.from(result.address) : null,
    registers: vcpu.snapshot(),
    device: Buffer.from(device.bytes).toString("hex"),
    last: td.host.last,
  };
}

describe("a cached site's compiled path", () => {
  it("leaves the same state as the uncached path over 6,000 random MOV-family sites", () => {
    const r = rng(99);
    const byte = () => (r() * 256) | 0;
    const pick = <T>(xs: readonly T[]): T => xs[(r() * xs.length) | 0];
    const OPCODES = ["88", "89", "8a", "8b", "c6", "c7", "a0", "a1", "a2", "a3", "0f b6", "0f b7", "0f be", "0f bf", "63"];
    const PREFIXES = ["", "", "", "66", "67", "64", "65", "f3", "66 67"];
    let compiled = 0;
    const bad: string[] = [];
    for (let i = 0; i < 6000 && bad.length < 5; i++) {
      const rex = r() < 0.5 ? (0x40 | (byte() & 0xf)).toString(16) : "";
      const tail = Array.from({ length: 12 }, () => byte().toString(16).padStart(2, "0")).join(" ");
      // ModRM mostly with mod != 3 and a low displacement, so the access is often near the device.
      const modrm = (pick([0x00, 0x40, 0x80, 0xc0, 0x00, 0x40]) | (byte() & 0x3f)).toString(16);
      const code = [pick(PREFIXES), rex, pick(OPCODES), modrm, tail].filter((s) => s !== "").join(" ");
      const mode = pick(["linux", "arch"] as const);
      const kernel = pick(["6.12", "6.1"] as const);
      const answer = r() < 0.1 ? { r10: pick([1n, 0x8000000000000000n]), r11: 0n } : undefined;
      const regs = Array.from({ length: 16 }, () => (r() < 0.5 ? MMIO_VA + BigInt(byte() * 8) : BigInt(byte()) * BigInt(1 + byte())));
      const fsBase = r() < 0.5 ? 0n : MMIO_VA;
      const gla = r() < 0.05 ? 0x1000n : MMIO_VA + BigInt(byte());
      const gpaOffset = BigInt(byte() & 0xf8);
      const config = { mode, kernel, host: answer ? { override: () => answer } : undefined };
      const plain = tinyTd(code, config);
      const cached = tinyTd(code, { ...config, decodeCache: true });
      const deliver = (t: ReturnType<typeof tinyTd>) => {
        regs.forEach((v, k) => t.vcpu.set(k, v));
        t.vcpu.fsBase = fsBase;
        t.vcpu.gsBase = fsBase;
        t.vcpu.rip = RIP;
        for (let k = 0; k < 64; k++) t.device.poke(k * 8, 8, 0x0123456789abcdefn * BigInt(k + 1) & ((1n << 64n) - 1n));
        return t.td.deliverFast(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla, gpa: (MMIO_GPA + gpaOffset) | t.td.memory.sharedBit, instrLen: 0 });
      };
      const want = state(deliver(plain), plain.td, plain.vcpu, plain.device);
      deliver(cached); // decodes and compiles
      const result = deliver(cached); // the cached site
      if (result.entry?.access) compiled++;
      const got = state(result, cached.td, cached.vcpu, cached.device);
      try {
        expect(got).toEqual(want);
      } catch {
        bad.push(`${code} (${mode}, ${kernel}): ${JSON.stringify(got, (_, v) => (typeof v === "bigint" ? v.toString(16) : v))} != ${JSON.stringify(want, (_, v) => (typeof v === "bigint" ? v.toString(16) : v))}`);
      }
    }
    expect(bad).toEqual([]);
    expect(compiled).toBeGreaterThan(1000); // the compiled path really ran
  });
});
