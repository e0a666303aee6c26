// The #VE handler's decode (decodePlan: one reading, decoded alone, packed into six words) must
// say exactly what the full decode says about that reading.
import { describe, it, expect } from "vitest";
import { decoder, hex } from "../support/decoder.js";
import { newDecoder } from "../../src/decoder/node.js";
import { structuredWindows, rng } from "../support/random.js";
import { VePlan, REJECT, PLAN_WORDS } from "../../src/decoder/plan.js";
import { KIND } from "../../src/decoder/layout.js";
import { REJECT_NAMES, SEGMENT_NAMES, registerNumber, type AddressRegister } from "../../src/decoder/names.js";
import type { DecodedInsn, MemOperand } from "../../src/decoder/record.js";

const STRIDE = 16;
const regNo = (name: AddressRegister | null): number => (name === null ? 255 : registerNumber(name));

/** Plans fed from the decoder's fetch window, as the #VE engine does it. */
function planOf(window: Uint8Array, kernel: boolean): VePlan {
  decoder.fetchWindow.set(window);
  return decoder.decodePlan(window.length, new VePlan(), kernel);
}

/** The kernel's reading of a full decode, in plan terms (operand fields only where they exist). */
function kernelWant(full: DecodedInsn): Partial<VePlan> {
  const l = full.linux;
  const verdict = l.emulated ? 0 : REJECT_NAMES.indexOf(l.rejected);
  if (!l.emulated) return { verdict, ...(l.rejected === "movs" ? { length: l.length, kind: KIND.movs, size: full.opcode === 0xa4 ? 1 : undefined } : {}) };
  const a = l.access;
  const m = a.mem as MemOperand;
  return {
    verdict, length: l.length, kind: KIND[a.kind], size: a.size, reg: a.regNumber ?? -1, extendTo: a.extendTo ?? 0,
    addressInvalid: l.addressInvalid, registerForm: l.registerForm, base: regNo(m.base), index: regNo(m.index),
    scale: m.scale, dispLo: Number(BigInt.asUintN(32, m.disp)), seg: m.seg ? SEGMENT_NAMES.indexOf(m.seg) : 0,
    ...(a.kind === "write_imm" ? { immLo: Number(BigInt.asUintN(32, a.imm!)), immHi: Number(BigInt.asUintN(64, a.imm!) >> 32n) } : {}),
  };
}

function pick(plan: VePlan, want: Partial<VePlan>): Partial<VePlan> {
  return Object.fromEntries(Object.keys(want).filter((k) => want[k as keyof VePlan] !== undefined).map((k) => [k, plan[k as keyof VePlan]]));
}

const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x40, 0x48, 0x41, 0x4c, 0xd5, 0x0f];
const MOV_FAMILY = [[0x88], [0x89], [0x8a], [0x8b], [0xc6], [0xc7], [0xa4], [0xa5], [0xa0], [0xa3], [0x63],
  [0x0f, 0xb6], [0x0f, 0xb7], [0x0f, 0xbe], [0x0f, 0xbf], [0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x8b]];

/** Random windows, half of them the structured kind, half MOV-family opcodes behind random prefixes. */
function windows(count: number, seed: number): Uint8Array {
  const buf = structuredWindows(count, STRIDE, seed);
  const r = rng(seed ^ 0x77);
  for (let i = 0; i < count; i += 2) {
    let p = i * STRIDE;
    for (let n = (r() * 4) | 0; n > 0; n--) buf[p++] = PREFIXES[(r() * PREFIXES.length) | 0];
    for (const b of MOV_FAMILY[(r() * MOV_FAMILY.length) | 0]) buf[p++] = b;
  }
  return buf;
}

describe("decodePlan", () => {
  it("gives the full decode's kernel and CPU readings on 300,000 random windows", () => {
    const buf = windows(300_000, 1234);
    const bad: string[] = [];
    for (let i = 0; i < 300_000 && bad.length < 5; i++) {
      const w = buf.subarray(i * STRIDE, i * STRIDE + 15);
      const full = decoder.decode(w);
      const kw = kernelWant(full);
      const a = full.arch;
      const cw: Partial<VePlan> = {
        verdict: ["ok", "invalid", "truncated", "too_long"].indexOf(full.status), length: full.length,
        kind: a ? KIND[a.kind] : 0, ...(a ? {
          size: a.size, reg: a.kind === "movs" ? -1 : a.regNumber ?? -1, extendTo: a.extendTo ?? 0, highByte: full.highByteReg && a.size === 1,
        } : {}),
        ...(a?.kind === "write_imm" ? { immLo: Number(BigInt.asUintN(32, a.imm!)), immHi: Number(BigInt.asUintN(64, a.imm!) >> 32n) } : {}),
      };
      try {
        expect(pick(planOf(w, true), kw)).toEqual(kw);
        expect(pick(planOf(w, false), cw)).toEqual(cw);
      } catch { bad.push(Buffer.from(w).toString("hex")); }
    }
    expect(bad).toEqual([]);
  });

  it("packs the SPEC's MOVS, Q1 and Q9 cases", () => {
    expect(planOf(hex("48 A4"), true)).toMatchObject({ verdict: REJECT.movs, kind: KIND.movs, size: 1, base: 0 });
    expect(planOf(hex("41 A5"), true)).toMatchObject({ verdict: REJECT.movs, size: 4, base: 8 });
    expect(planOf(hex("8A 27"), true)).toMatchObject({ kind: KIND.read, size: 1, reg: 4, highByte: false });
    expect(planOf(hex("8A 27"), false)).toMatchObject({ kind: KIND.read, size: 1, reg: 4, highByte: true });
    expect(planOf(hex("2E 3E 8B 07"), true)).toMatchObject({ addressInvalid: true, length: 4 });
    expect(planOf(hex("C6 07 80"), true)).toMatchObject({ kind: KIND.write_imm, immLo: 0xffffff80, immHi: 0xffffffff });
  });
});

describe("decodePlan's fast MOV path (assembly/fastmov.ts movPlan)", () => {
  it("gives the general path's plan, every field, on 200,000 random windows in both readings", async () => {
    const general = await newDecoder();
    general.setFastTables(false);
    const buf = windows(200_000, 777);
    const bad: string[] = [];
    const plan = new VePlan(), want = new VePlan();
    for (let i = 0; i < 200_000 && bad.length < 5; i++) {
      const w = buf.subarray(i * STRIDE, i * STRIDE + 15);
      decoder.fetchWindow.set(w);
      general.fetchWindow.set(w);
      for (const kernel of [true, false]) {
        const fast = JSON.stringify({ ...decoder.decodePlan(15, plan, kernel) });
        const slow = JSON.stringify({ ...general.decodePlan(15, want, kernel) });
        if (fast !== slow) bad.push(`${hexOf(w)} kernel=${kernel}: ${fast} != ${slow}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("gives the general path's plan on every prefix, REX, opcode (MOVSXD too) and ModRM it takes, with SIBs of every kind", async () => {
    // movPlan's tables are keyed by REX.X/B, ModRM, SIB and mod 0 (fastmov.ts): each key is met.
    const general = await newDecoder();
    general.setFastTables(false);
    const r = rng(4711);
    const sibs = [0x24, 0x25, 0x65, 0xa5, 0x3b, 0x8c, 0xcd, 0xe0]; // index 4 (none, or 12 under REX.X), base 5, scales
    const plan = new VePlan(), want = new VePlan();
    const bad: string[] = [];
    const w = new Uint8Array(15);
    let checked = 0;
    for (const prefix of [[], [0x64], [0x65], [0x66]]) {
      for (let rex = 0x3f; rex <= 0x4f; rex++) {
        for (const op of [[0x88], [0x89], [0x8a], [0x8b], [0xc6], [0xc7], [0x63], [0x0f, 0xb6], [0x0f, 0xb7], [0x0f, 0xbe], [0x0f, 0xbf]]) {
          for (let modrm = 0; modrm < 256; modrm++) {
            for (const sib of (modrm & 7) === 4 && modrm < 0xc0 ? sibs : [-1]) {
              const head = [...prefix, ...(rex >= 0x40 ? [rex] : []), ...op, modrm, ...(sib >= 0 ? [sib] : [])];
              for (let i = 0; i < 15; i++) w[i] = i < head.length ? head[i] : (r() * 256) | 0;
              decoder.fetchWindow.set(w);
              general.fetchWindow.set(w);
              for (const kernel of [true, false]) {
                const fast = JSON.stringify({ ...decoder.decodePlan(15, plan, kernel) });
                const slow = JSON.stringify({ ...general.decodePlan(15, want, kernel) });
                if (fast !== slow && bad.length < 5) bad.push(`${hexOf(w)} kernel=${kernel}: ${fast} != ${slow}`);
              }
              checked++;
            }
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBe(4 * 17 * 11 * (256 - 24 + 24 * sibs.length));
  });
});

describe("decodeWithPlan (one full decode, the plan taken from its record)", () => {
  it("gives the plan decodePlan gives, on 100,000 random windows in both readings", () => {
    const buf = structuredWindows(100_000, STRIDE, 4242);
    const bad: string[] = [];
    for (let i = 0; i < 100_000 && bad.length < 5; i++) {
      const w = buf.subarray(i * STRIDE, i * STRIDE + 15);
      for (const kernel of [true, false]) {
        const want = planOf(w, kernel);
        decoder.fetchWindow.set(w);
        const got = new VePlan();
        const insn = decoder.decodeWithPlan(15, got, kernel, 0x1000n);
        // Rejected readings: the verdict decides; emulated ones: every field the handler reads.
        const fields: (keyof VePlan)[] = want.verdict !== 0
          ? ["verdict", ...(kernel && want.verdict === REJECT.movs ? ["length", "kind", "size", "seg", "base", "index", "addressSize", "addressInvalid", "registerForm", "dispLo"] as (keyof VePlan)[] : [])]
          : ["kind", "size", "reg", "extendTo", "verdict", "length", "highByte", "rep", "seg", "addressSize", "immLo", "immHi",
            ...(kernel ? ["base", "index", "scale", "dispLo", "addressInvalid", "registerForm"] as (keyof VePlan)[] : [])];
        for (const f of fields) if (got[f] !== want[f]) bad.push(`${hexOf(w)} kernel=${kernel} ${f}: ${String(got[f])} != ${String(want[f])}`);
        if (insn.ip !== 0x1000n || insn.bytes[0] !== w[0]) bad.push(`${hexOf(w)}: insn`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe("bindPlanRecord (decodePlan bound once, its plan record read in place)", () => {
  it("leaves the record decodePlan unpacks, on 100,000 random windows in each reading and kernel release", () => {
    const buf = structuredWindows(100_000, STRIDE, 777);
    const readings = [true, false, "6.1", "6.12"] as const;
    const bound = readings.map((kernel) => decoder.bindPlanRecord(kernel));
    expect(bound.map((b) => b.kernel)).toEqual([true, false, true, true]);
    const bad: string[] = [];
    for (let i = 0; i < 100_000 && bad.length < 5; i++) {
      const w = buf.subarray(i * STRIDE, i * STRIDE + 15);
      readings.forEach((kernel, k) => {
        decoder.fetchWindow.set(w);
        bound[k].decode();
        const got = new VePlan().unpack(bound[k].words, 0, bound[k].kernel);
        decoder.fetchWindow.set(w);
        const want = decoder.decodePlan(15, new VePlan(), kernel);
        if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`${hexOf(w)} kernel=${String(kernel)}`);
      });
    }
    expect(bad).toEqual([]);
    expect(() => decoder.bindPlanRecord("5.4" as never)).toThrow();
  });

  it("VePlan.pack writes the record unpack reads", () => {
    const plan = Object.assign(new VePlan(), { kernel: false, kind: 3, size: 8, reg: 12, verdict: 7, length: 13, seg: 6, base: 16, index: 9, scale: 8, addressSize: 4, immLo: 0x89abcdef, immHi: 0xfedcba98, dispLo: 0x80000000, dispHi: 0xffffffff, rep: true });
    const words = new Uint32Array(PLAN_WORDS + 2).fill(0x5a5a5a5a);
    plan.pack(words, 1);
    expect([words[0], words[PLAN_WORDS + 1]]).toEqual([0x5a5a5a5a, 0x5a5a5a5a]); // nothing outside its record
    expect({ ...new VePlan().unpack(words, 1, false) }).toEqual({ ...plan });
  });
});

function hexOf(w: Uint8Array): string {
  return Array.from(w, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

describe("VePlan's fields over its packed words", () => {
  const FIELDS = {
    kernel: false, verdict: 7, length: 13, kind: 3, size: 2, reg: 12, extendTo: 8, highByte: true, rep: true,
    immLo: 0x89abcdef, immHi: 0xfedcba98, addressSize: 4, seg: 6, base: 16, index: 9, scale: 8,
    dispLo: 0x80000000, dispHi: 0xffffffff, addressInvalid: true, registerForm: true,
  };

  it("reads back every field written, each alone, and toJSON() names them all", () => {
    const fresh = new VePlan().toJSON();
    expect(fresh).toEqual({
      kernel: true, verdict: 0, length: 0, kind: 0, size: 0, reg: -1, extendTo: 0, highByte: false, rep: false,
      immLo: 0, immHi: 0, addressSize: 8, seg: 0, base: 255, index: 255, scale: 1, dispLo: 0, dispHi: 0,
      addressInvalid: false, registerForm: false,
    });
    for (const [name, value] of Object.entries(FIELDS)) {
      const p = Object.assign(new VePlan(), { [name]: value });
      expect(p.toJSON(), name).toEqual({ ...fresh, [name]: value }); // no field spills into another
    }
    const all = Object.assign(new VePlan(), FIELDS);
    expect(all.toJSON()).toEqual(FIELDS);
    expect(JSON.parse(JSON.stringify(all))).toEqual(FIELDS);
    all.reg = -1; all.highByte = false;
    expect(all.toJSON()).toEqual({ ...FIELDS, reg: -1, highByte: false });
  });

  it("a copy (Object.assign, as the decode cache keeps plans) is independent of the decodes after it", () => {
    const plan = planOf(hex("65 48 8B 04 25 28 00 00 00"), true); // mov %gs:0x28,%rax
    const kept = Object.assign(new VePlan(), plan);
    const want = plan.toJSON();
    expect(want).toMatchObject({ kind: KIND.read, size: 8, reg: 0, seg: 6, base: 255, index: 255, dispLo: 0x28, length: 9 });
    planOf(hex("89 07"), false); // a fresh plan object...
    decoder.decodePlan(2, plan, false); // ...and the same one, decoded again
    expect(plan.toJSON()).not.toEqual(want);
    expect(kept.toJSON()).toEqual(want);
    expect({ ...kept }).toEqual({ ...Object.assign(new VePlan(), want) });
  });
});
