// The straight-line #VE paths against the general path: a cached site's compiled path
// (compiled-access.ts, VeEngine.runCompiled), a hot site's own generated code (site-code.ts) and,
// without a cache, the plainest accesses run as soon as they are decoded (plainAccess): by the
// engine's own generated straight path (straight-code.ts) and by VeEngine.runDecoded. The same address as kernelAddressWords on
// random plans, and over random MOV-family sites, registers, modes, kernel profiles and host
// answers the same result, the same registers, the same device bytes and the same TDVMCALL as the
// general path (a TD whose #VEs a trace listens to takes it on every #VE).
import { describe, it, expect, vi } from "vitest";
import { kernelAddressWords, VeEngine } from "../../src/guest/ve-engine.js";
import { compileAccess, accessAddressWords } from "../../src/guest/compiled-access.js";
import { VePlan, plainAccess } from "../../src/decoder/plan.js";
import { KIND } from "../../src/decoder/layout.js";
import { rng } from "../support/random.js";
import { randomAddressCase, ADDRESS_WORDS } from "../support/address-case.js";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";
import type { VeResult } from "../../src/guest/ve-engine.js";
import { loadDecoder } from "../../src/decoder/node.js";

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

describe("plainAccess", () => {
  it("takes a 4- or 8-byte MOV read and a register or immediate MOV write at a displacement plus at most a base, in either reading, nothing else", async () => {
    const decoder = await loadDecoder();
    const plainOf = (hex: string, kernel: boolean) => {
      decoder.fetchWindow.fill(0x90).set(hex.split(" ").map((b) => parseInt(b, 16)));
      return plainAccess(decoder.decodePlan(15, new VePlan(), kernel));
    };
    const taken = [
      "8b 47 10", "48 8b 87 00 01 00 00", "89 06", "41 89 5c 24 08", "c7 40 04 01 00 00 00", "c6 00 01", "88 08", "66 89 07", "8b 04 24",
      "89 04 25 b0 d0 5f ff", // no base: the xAPIC EOI write at its absolute address (native_apic_mem_eoi)
    ];
    const refused = [
      "8a 47 10", "66 8b 07", "0f b6 07", "0f bf 07", // 1- and 2-byte reads, MOVZX/MOVSX: write-back rules
      "8b 04 87", "8b 05 00 10 00 00", "8b 04 8d 00 10 00 00", // an index, RIP-relative, an index and no base
      "64 8b 07", "67 8b 07", // a segment base, 32-bit addressing
      "f3 a5", "01 07", "8b c7", // MOVS, not MOV, register form
    ];
    for (const kernel of [true, false]) {
      expect(taken.filter((hex) => !plainOf(hex, kernel)), `kernel ${kernel}`).toEqual([]);
      expect(refused.filter((hex) => plainOf(hex, kernel)), `kernel ${kernel}`).toEqual([]);
    }
    // Where the readings differ: MOV [rax], ah writes AH for the CPU (refused), the kernel's slot 4
    // (RSP) for the kernel; MOVSXD without REX.W is a plain 4-byte read for the CPU only.
    expect([plainOf("88 20", true), plainOf("88 20", false)]).toEqual([true, false]);
    expect([plainOf("63 07", true), plainOf("63 07", false)]).toEqual([false, true]);
    // MOV EAX, moffs64: the CPU's plain read at an absolute address; not among the kernel's MMIO MOVs.
    expect([plainOf("a1 00 10 00 00 00 00 00 00", true), plainOf("a1 00 10 00 00 00 00 00 00", false)]).toEqual([false, true]);
  });
});

/** What a #VE left behind, comparable across two TDs. */
function state(result: VeResult, td: ReturnType<typeof tinyTd>["td"], vcpu: ReturnType<typeof tinyTd>["vcpu"], device: ReturnType<typeof tinyTd>["device"]) {
  const { handled, error, step, length, calls, slot } = result;
  return {
    handled, error, step, length, calls, slot,
    old: slot >= 0 ? [result.oldLo, result.oldHi] : null,
    address: step === null || step === "tdvmcall" || step === "page_split" ? Array.from(result.address) : null,
    plan: result.plan === null ? null : { ...result.plan }, // its own properties: the reading and the packed record
    registers: vcpu.snapshot(),
    device: Buffer.from(device.bytes).toString("hex"),
    last: td.host.last,
  };
}

describe("the straight-line paths: a cached site's compiled path and its own code, an uncached plain access", () => {
  it("leave the same state as the general path over 6,000 random MOV-family sites", () => {
    const r = rng(99);
    const byte = () => (r() * 256) | 0;
    const pick = <T>(xs: readonly T[]): T => xs[(r() * xs.length) | 0];
    const OPCODES = ["88", "89", "8a", "8b", "c6", "c7", "a0", "a1", "a2", "a3", "0f b6", "0f b7", "0f be", "0f bf", "63"];
    const PREFIXES = ["", "", "", "66", "67", "64", "65", "f3", "66 67"];
    let compiled = 0, plain = 0, withCode = 0, plainInterpreted = 0;
    // The general path's calls (a #VE a straight path answered never reaches it).
    const generalPath = vi.spyOn(VeEngine.prototype as unknown as { general: () => VeResult }, "general");
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
      const general = tinyTd(code, config);
      general.td.onVe(() => {}); // a listener: every #VE takes the general path
      const uncached = tinyTd(code, config); // the engine's own straight path (straight-code.ts)
      const interpreted = tinyTd(code, { ...config, generatedCode: false }); // runDecoded
      const cached = tinyTd(code, { ...config, decodeCache: true, siteCode: false as const });
      const sited = tinyTd(code, { ...config, decodeCache: true, siteCode: 0 });
      const deliver = (t: ReturnType<typeof tinyTd>) => {
        regs.forEach((v, k) => t.vcpu.set(k, v));
        t.vcpu.fsBase = fsBase;
        t.vcpu.gsBase = fsBase;
        t.vcpu.rip = RIP;
        for (let k = 0; k < 64; k++) t.device.poke(k * 8, 8, 0x0123456789abcdefn * BigInt(k + 1) & ((1n << 64n) - 1n));
        return t.td.deliverFast(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla, gpa: (MMIO_GPA + gpaOffset) | t.td.memory.sharedBit, instrLen: 0 });
      };
      const want = state(deliver(general), general.td, general.vcpu, general.device);
      // Which path answered: a straight one when the general path did not run.
      const straight = <T>(run: () => T): [T, boolean] => {
        const before = generalPath.mock.calls.length;
        const answer = run();
        return [answer, generalPath.mock.calls.length === before];
      };
      const [decoded, decodedStraight] = straight(() => deliver(uncached));
      if (decodedStraight) plain++;
      const [byRunDecoded, runDecodedStraight] = straight(() => deliver(interpreted));
      if (runDecodedStraight) plainInterpreted++;
      const gotByRunDecoded = state(byRunDecoded, interpreted.td, interpreted.vcpu, interpreted.device);
      const gotDecoded = state(decoded, uncached.td, uncached.vcpu, uncached.device);
      deliver(cached); // decodes and compiles
      deliver(cached); // the cache's front table learns the site
      const [result, compiledStraight] = straight(() => deliver(cached)); // the compiled path
      if (compiledStraight) compiled++;
      const got = state(result, cached.td, cached.vcpu, cached.device);
      deliver(sited);
      deliver(sited);
      const [bySite, bySiteStraight] = straight(() => deliver(sited)); // the site gets code of its own and runs it
      if (bySiteStraight && bySite.entry?.site) withCode++;
      const gotBySite = state(bySite, sited.td, sited.vcpu, sited.device);
      const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === "bigint" ? v.toString(16) : v));
      for (const [path, seen] of [["compiled", got], ["site code", gotBySite], ["uncached", gotDecoded], ["uncached, runDecoded", gotByRunDecoded]] as const) {
        try {
          expect(seen).toEqual(want);
        } catch {
          bad.push(`${code} (${mode}, ${kernel}, ${path}): ${show(seen)} != ${show(want)}`);
        }
      }
    }
    generalPath.mockRestore();
    expect(bad).toEqual([]);
    // Every straight path really answered #VEs itself.
    expect(compiled).toBeGreaterThan(1000);
    expect(withCode).toBeGreaterThan(1000);
    expect(plainInterpreted).toBe(plain);
    expect(plain).toBeGreaterThan(300);
  });
});
