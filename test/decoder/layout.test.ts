// The compiled WASM against src/decoder/wasm-layout.ts, the record layout both compilers read: the
// module's exported sizes and modes, and known instructions decoded by the raw entry points with
// every field read at its offset (full, compact and plan records).
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import * as L from "../../src/decoder/wasm-layout.js";

interface Raw {
  memory: WebAssembly.Memory;
  arenaAlloc(size: number): number;
  decodeOne(ptr: number, len: number, out: number): number;
  decodePlan(ptr: number, len: number, out: number, kernel: number): number;
  decodeSlots(input: number, n: number, stride: number, out: number, mode: number): void;
  [name: string]: unknown;
}

const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../../build/release.wasm", import.meta.url))), {
  env: { abort() { throw new Error("abort"); } },
});
const x = wasm.exports as unknown as Raw;
const input = x.arenaAlloc(16), out = x.arenaAlloc(L.FULL_SIZE);

/** Decodes `bytes` with decodeOne and returns a reader of the full record's fields. */
function full(hex: string) {
  const bytes = Uint8Array.from(hex.split(" "), (b) => parseInt(b, 16));
  new Uint8Array(x.memory.buffer).set(bytes, input);
  x.decodeOne(input, bytes.length, out);
  const v = new DataView(x.memory.buffer, out, L.FULL_SIZE);
  return { u8: (o: number) => v.getUint8(o), u16: (o: number) => v.getUint16(o, true), u32: (o: number) => v.getUint32(o, true), i64: (o: number) => v.getBigInt64(o, true) };
}

const global = (name: string) => (x[name] as WebAssembly.Global).value as number;

describe("WASM record layout (src/decoder/wasm-layout.ts)", () => {
  it("the module exports the layout's sizes and modes", () => {
    expect([global("COMPACT_SIZE"), global("FULL_SIZE"), global("PLAN_SIZE")]).toEqual([L.COMPACT_SIZE, L.FULL_SIZE, L.PLAN_SIZE]);
    expect([global("MODE_LENGTH"), global("MODE_CLASSIFY"), global("MODE_FULL"), global("MODE_MMIO")])
      .toEqual([L.MODE_LENGTH, L.MODE_CLASSIFY, L.MODE_FULL, L.MODE_MMIO]);
  });

  it("mov eax, [rdi+0x300]: every operand and both readings at their offsets", () => {
    const r = full("8B 87 00 03 00 00");
    expect([r.u8(L.R_LEN), r.u8(L.R_STATUS), r.u8(L.R_OPCODE), r.u8(L.R_MODRM), r.u8(L.R_REG)]).toEqual([6, L.ST_OK, 0x8b, 0x87, 0]);
    expect(r.u8(L.R_FLAGS)).toBe(L.F_MODRM | L.F_MEM);
    expect([r.u8(L.R_MEM_BASE), r.u8(L.R_MEM_INDEX), r.u8(L.R_MEM_SCALE), r.u8(L.R_DISP_SIZE), r.i64(L.R_DISP)]).toEqual([7, L.REG_NONE, 1, 4, 0x300n]);
    expect([r.u8(L.R_OPSIZE), r.u8(L.R_ADDRSIZE), r.u16(L.R_PREFIXES)]).toEqual([4, 8, 0]);
    expect([r.u8(L.R_A_KIND), r.u8(L.R_A_SIZE), r.u8(L.R_A_REG), r.u8(L.R_A_EXTEND)]).toEqual([L.K_READ, 4, 0, 0]);
    expect([r.u8(L.R_L_KIND), r.u8(L.R_L_SIZE), r.u8(L.R_L_REG), r.u8(L.R_L_LEN), r.u8(L.R_L_REJECT)]).toEqual([L.K_READ, 4, 0, 6, L.LR_NONE]);
    expect([r.u8(L.R_L_BASE), r.u8(L.R_L_INDEX), r.u8(L.R_L_SCALE), r.i64(L.R_L_DISP), r.u8(L.R_L_ADDRSIZE)]).toEqual([7, L.REG_NONE, 1, 0x300n, 8]);
    expect(r.u32(L.R_DIVERGENCE)).toBe(0);
  });

  it("flags, prefixes, immediates and segments at their offsets", () => {
    const ah = full("8A 27"); // mov ah, [rdi]: the high-byte form, Q1
    expect(ah.u8(L.R_FLAGS) & L.F_HIGH_BYTE).toBe(L.F_HIGH_BYTE);
    expect([ah.u8(L.R_A_REG), ah.u8(L.R_L_REG)]).toEqual([4, 4]);
    expect(ah.u32(L.R_DIVERGENCE)).not.toBe(0);
    const imm = full("C6 07 80"); // mov byte [rdi], 0x80
    expect([imm.u8(L.R_A_KIND), imm.u8(L.R_IMM_SIZE), imm.i64(L.R_IMM), imm.i64(L.R_L_IMM)]).toEqual([L.K_WRITE_IMM, 1, -128n, -128n]);
    const rip = full("8B 05 10 00 00 00"); // mov eax, [rip+0x10]
    expect(rip.u8(L.R_FLAGS) & L.F_RIP).toBe(L.F_RIP);
    expect([rip.u8(L.R_MEM_BASE), rip.u8(L.R_L_BASE), rip.u8(L.R_L_FLAGS) & L.LF_RIP]).toEqual([L.REG_RIP, L.REG_RIP, L.LF_RIP]);
    const fs = full("64 67 8B 07"); // mov eax, fs:[edi]
    expect(fs.u16(L.R_PREFIXES) & (L.P_SEG | L.P_ADSIZE)).toBe(L.P_SEG | L.P_ADSIZE);
    expect([fs.u8(L.R_SEG), fs.u8(L.R_L_SEG), fs.u8(L.R_ADDRSIZE), fs.u8(L.R_L_ADDRSIZE)]).toEqual([L.SEG_FS, L.SEG_FS, 4, 4]);
    const rep = full("F3 A4"); // rep movsb
    expect(rep.u16(L.R_PREFIXES) & L.P_REP).toBe(L.P_REP);
    expect([rep.u8(L.R_A_KIND), rep.u8(L.R_L_REJECT)]).toEqual([L.K_MOVS, L.LR_MOVS]);
    const zx = full("0F B6 07"); // movzx eax, byte [rdi]
    expect([zx.u8(L.R_MAP), zx.u8(L.R_OPCODE), zx.u8(L.R_A_KIND), zx.u8(L.R_A_EXTEND), zx.u8(L.R_L_EXTEND)]).toEqual([1, 0xb6, L.K_READ_ZERO_EXTEND, 4, 4]);
    const sx = full("48 63 07"); // movsxd rax, [rdi]: the kernel refuses it
    expect([sx.u8(L.R_REX), sx.u16(L.R_PREFIXES) & L.P_REX, sx.u8(L.R_A_KIND), sx.u8(L.R_L_REJECT)]).toEqual([0x48, L.P_REX, L.K_READ_SIGN_EXTEND, L.LR_NOT_MMIO]);
    const reg = full("8B C7"); // mov eax, edi: a register form
    expect(reg.u8(L.R_FLAGS) & (L.F_MODRM | L.F_MEM)).toBe(L.F_MODRM);
    expect([full("06").u8(L.R_STATUS), full("8B").u8(L.R_STATUS)]).toEqual([L.ST_INVALID, L.ST_TRUNCATED]);
  });

  it("compact records and plan records at their offsets", () => {
    const mem = new Uint8Array(x.memory.buffer);
    mem.set([0x8a, 0x27, 0x90, 0x90], input);
    x.decodeSlots(input, 1, 4, out, L.MODE_CLASSIFY);
    expect([mem[out + L.C_LEN], mem[out + L.C_STATUS], mem[out + L.C_A_KIND], mem[out + L.C_L_KIND]]).toEqual([2, L.ST_OK, L.K_READ, L.K_READ]);

    mem.set([0x67, 0x64, 0x8a, 0x67, 0x10], input); // mov ah, fs:[edi+0x10]
    const plan = (kernel: number) => {
      const length = x.decodePlan(input, 5, out, kernel);
      const v = new DataView(x.memory.buffer, out, L.PLAN_SIZE);
      return {
        length, kind: v.getUint8(L.PLAN_KIND), size: v.getUint8(L.PLAN_SIZE_BYTES), reg: v.getUint8(L.PLAN_REG),
        extend: v.getUint8(L.PLAN_EXTEND), verdict: v.getUint8(L.PLAN_VERDICT), len: v.getUint8(L.PLAN_LEN),
        flags: v.getUint8(L.PLAN_FLAGS), seg: v.getUint8(L.PLAN_SEG), base: v.getUint8(L.PLAN_BASE),
        index: v.getUint8(L.PLAN_INDEX), scale: v.getUint8(L.PLAN_SCALE), addrSize: v.getUint8(L.PLAN_ADDRSIZE),
        disp: v.getUint32(L.PLAN_DISP, true), imm: v.getBigInt64(L.PLAN_IMM, true),
      };
    };
    expect(plan(1)).toEqual({
      length: 5, kind: L.K_READ, size: 1, reg: 4, extend: 0, verdict: L.LR_NONE, len: 5, flags: 0, seg: L.SEG_FS,
      base: 7, index: L.REG_NONE, scale: 1, addrSize: 4, disp: 0x10, imm: 0n,
    });
    expect(plan(0)).toMatchObject({ length: 5, kind: L.K_READ, size: 1, reg: 4, verdict: L.ST_OK, len: 5, flags: L.PF_HIGH_BYTE, seg: L.SEG_FS, addrSize: 4 });
  });
});
