// Td.deliverFastWords (a #VE given as VeEngine.VE_WORDS words, no BigInt per #VE) against
// Td.deliverFast with the same #VE as a VeInfo: over random MOV-family sites, both modes, both
// kernel profiles, with and without the decode cache, random GLAs (some refused) and failing
// host answers, the same result, registers, device bytes and TDVMCALL; the same trace events;
// a bad word form or a throwing host is a TdError that changes nothing.
import { describe, it, expect } from "vitest";
import { VeEngine, type VeResult } from "../../src/guest/ve-engine.js";
import { TdError } from "../../src/machine/td.js";
import type { VeInfo } from "../../src/guest/memory.js";
import { rng } from "../support/random.js";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";

type Tiny = ReturnType<typeof tinyTd>;
const W = VeEngine.VE_WORDS;

/** The #VE as words. */
function wordsOf(ve: VeInfo): Uint32Array {
  const w = new Uint32Array(W.COUNT);
  const half = (v: bigint, lo: number, hi: number) => { w[lo] = Number(v & 0xffffffffn); w[hi] = Number((v >> 32n) & 0xffffffffn); };
  half(ve.gpa, W.GPA_LO, W.GPA_HI);
  half(ve.gla, W.GLA_LO, W.GLA_HI);
  half(ve.exitQualification, W.QUALIFICATION_LO, W.QUALIFICATION_HI);
  return w;
}

/** What a #VE left behind, comparable across two TDs. */
function state(result: VeResult, t: Tiny) {
  const { handled, error, step, length, calls, slot, ripLo, ripHi } = result;
  return {
    handled, error, step, length, calls, slot, ripLo, ripHi,
    old: slot >= 0 ? [result.oldLo, result.oldHi] : null,
    cached: result.entry !== null,
    address: step === null || step === "tdvmcall" || step === "page_split" ? Array.from(result.address) : null,
    registers: t.vcpu.snapshot(),
    device: Buffer.from(t.device.bytes).toString("hex"),
    last: t.td.host.last,
    delivered: t.td.veDelivered,
  };
}

describe("Td.deliverFastWords", () => {
  it("leaves what deliverFast leaves over 3,000 random sites, cache off and on", () => {
    const r = rng(4242);
    const byte = () => (r() * 256) | 0;
    const pick = <T>(xs: readonly T[]): T => xs[(r() * xs.length) | 0];
    const OPCODES = ["88", "89", "8a", "8b", "c6", "c7", "a1", "a3", "0f b6", "0f b7", "0f be", "0f bf", "a4", "63"];
    const PREFIXES = ["", "", "66", "67", "64", "65", "f3"];
    const bad: string[] = [];
    let handled = 0;
    for (let i = 0; i < 3000 && bad.length < 5; i++) {
      const rex = r() < 0.5 ? (0x40 | (byte() & 0xf)).toString(16) : "";
      const tail = Array.from({ length: 12 }, () => byte().toString(16).padStart(2, "0")).join(" ");
      const modrm = (pick([0x00, 0x40, 0x80, 0xc0, 0x00, 0x40]) | (byte() & 0x3f)).toString(16);
      const code = [pick(PREFIXES), rex, pick(OPCODES), modrm, tail].filter((s) => s !== "").join(" ");
      const answer = r() < 0.1 ? { r10: pick([1n, 0x8000000000000000n]), r11: 0n } : undefined;
      const config = {
        mode: pick(["linux", "arch"] as const), kernel: pick(["6.12", "6.1"] as const), decodeCache: r() < 0.5,
        host: answer ? { override: () => answer } : undefined,
      };
      const regs = Array.from({ length: 16 }, () => (r() < 0.5 ? MMIO_VA + BigInt(byte() * 8) : BigInt(byte()) * BigInt(1 + byte())));
      const gla = r() < 0.05 ? 0x1000n : MMIO_VA + BigInt(byte());
      const shared = r() < 0.03 ? 0n : 1n;
      const cpl = r() < 0.03 ? 3 : 0;
      const a = tinyTd(code, config), b = tinyTd(code, config);
      const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla, gpa: (MMIO_GPA + BigInt(byte() & 0xf8)) | (shared ? a.td.memory.sharedBit : 0n), instrLen: 0 };
      const words = wordsOf(ve);
      const prepare = (t: Tiny) => {
        regs.forEach((v, k) => t.vcpu.set(k, v));
        t.vcpu.fsBase = MMIO_VA;
        t.vcpu.rip = RIP;
        t.vcpu.cpl = cpl;
        for (let k = 0; k < 64; k++) t.device.poke(k * 8, 8, (0x0123456789abcdefn * BigInt(k + 1)) & ((1n << 64n) - 1n));
      };
      for (let round = 0; round < 2; round++) { // the second round takes a cached (compiled) site when the cache is on
        prepare(a); prepare(b);
        const want = state(a.td.deliverFast(a.vcpu, ve), a);
        const got = state(b.td.deliverFastWords(b.vcpu, words), b);
        if (got.handled) handled++;
        try {
          expect(got).toEqual(want);
        } catch {
          const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString(16) : x));
          bad.push(`${code} ${show(config)} round ${round}: ${show(got)} != ${show(want)}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(handled).toBeGreaterThan(1000);
  });

  it("gives trace listeners the event deliverFast gives", () => {
    const events: unknown[][] = [[], []];
    const tds = [tinyTd("8b 47 10", { decodeCache: true }), tinyTd("8b 47 10", { decodeCache: true })];
    tds.forEach((t, k) => t.td.onVe((e) => events[k].push(e)));
    const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (MMIO_GPA + 0x10n) | tds[0].td.memory.sharedBit, instrLen: 0 };
    for (let i = 0; i < 2; i++) {
      tds.forEach((t) => { t.vcpu.rip = RIP; });
      tds[0].td.deliverFast(tds[0].vcpu, ve);
      tds[1].td.deliverFastWords(tds[1].vcpu, wordsOf(ve));
    }
    expect(events[0].length).toBe(2);
    expect(events[1]).toEqual(events[0]);
  });

  it("refuses a #VE that is not six words, and a host failure, changing nothing", () => {
    const t = tinyTd("8b 47 10", { decodeCache: true, host: { override: () => { throw new Error("host down"); } } });
    const before = t.vcpu.snapshot();
    const good = wordsOf({ exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (MMIO_GPA + 0x10n) | t.td.memory.sharedBit, instrLen: 0 });
    for (const bad of [new Uint32Array(5), [0, 0, 0, 0, 0, 0], null, new Int32Array(6)]) {
      const e = (() => { try { t.td.deliverFastWords(t.vcpu, bad as Uint32Array); } catch (x) { return x; } })();
      expect(e).toBeInstanceOf(TdError);
      expect((e as TdError).code).toBe("bad_ve");
    }
    for (let i = 0; i < 2; i++) {
      const e = (() => { try { t.td.deliverFastWords(t.vcpu, good); } catch (x) { return x; } })();
      expect((e as TdError).code).toBe("host_failed");
      expect(t.vcpu.snapshot()).toEqual(before);
    }
    expect(t.td.veDelivered).toBe(0);
  });
});
