// Path (d) of the #VE benchmark: iced-x86 as the decoder inside the guest's handler. Each #VE
// creates an iced Decoder for the 15-byte window (as a handler would), and the MOV access is read
// from iced's operands into the engine's plan (decodePlan) or into a full result (decode).
// Kernel quirks are not modelled here: this measures decode cost only.
import { Decoder } from "iced-x86";
import type { VeDecoder } from "../src/decoder/engine.js";
import type { DecodedInsn, MmioAccess } from "../src/decoder/record.js";
import { GPR64, type Gpr64 } from "../src/decoder/names.js";
import { refAccess } from "../src/verify/iced.js";
import { KIND } from "../src/decoder/layout.js";
import { REJECT, type VePlan } from "../src/decoder/plan.js";

const to64 = (name: string | null): Gpr64 | null => {
  if (!name) return null;
  const n = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"].indexOf(name);
  if (n >= 0) return GPR64[n];
  const m = /^(r\d+)[dwlb]?$/.exec(name);
  return (m ? m[1] : name) as Gpr64;
};

export function icedVeDecoder(): VeDecoder {
  const decode = (bytes: Uint8Array, ip = 0n): DecodedInsn => {
    const d = new Decoder(64, bytes, 0);
    d.ip = ip;
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    const length = ins.length;
    ins.free();
    d.free();
    const reg = to64(ref?.reg ?? null);
    const access: MmioAccess | null = ref ? {
      kind: ref.kind as MmioAccess["kind"], size: ref.size as 1, reg: ref.reg, regNumber: reg ? GPR64.indexOf(reg) : null,
      imm: ref.imm, extendTo: null,
      mem: { base: ref.base === "rip" ? "rip" : to64(ref.base), index: to64(ref.index), scale: ref.scale as 1, disp: BigInt.asIntN(64, ref.dispU64), seg: null, rip: ref.base === "rip" },
    } : null;
    return {
      offset: 0, ip, length, valid: !!ref || length > 0, status: "ok", bytes: bytes.subarray(0, length), encoding: "legacy", map: 0, opcode: 0,
      prefixes: { lock: false, rep: false, repne: false, operandSize: false, addressSize: false, segment: null, rex: null },
      operandSize: 4, addressSize: 8, modrm: null, sib: null, regOperand: null, highByteReg: false, mem: access?.mem ?? null,
      immSize: 0, imm: access?.imm ?? null, arch: access,
      linux: access ? { emulated: true, access, length, addressInvalid: false, registerForm: false, addressSize: 8 } : { emulated: false, rejected: "not_mmio", length },
      divergences: [],
    };
  };
  const regNo = (name: string | null): number => {
    const r = to64(name);
    return r === null ? 255 : r === ("rip" as Gpr64) ? 16 : GPR64.indexOf(r);
  };
  const fetchWindow = new Uint8Array(15);
  const decodePlan = (len: number, plan: VePlan, kernel: boolean): VePlan => {
    const d = new Decoder(64, fetchWindow.subarray(0, len), 0);
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    plan.kernel = kernel;
    plan.length = ins.length;
    plan.verdict = ins.isInvalid ? (kernel ? REJECT.decode_failed : 1) : ref ? 0 : kernel ? REJECT.not_mmio : 0;
    ins.free();
    d.free();
    plan.kind = ref ? KIND[ref.kind as keyof typeof KIND] : 0;
    if (kernel && plan.kind === KIND.movs) plan.verdict = REJECT.movs;
    plan.size = ref?.size ?? 0;
    plan.reg = ref?.reg ? regNo(ref.reg) : -1;
    plan.extendTo = 0;
    plan.highByte = false;
    const imm = BigInt.asUintN(64, ref?.imm ?? 0n);
    plan.immLo = Number(imm & 0xffffffffn);
    plan.immHi = Number(imm >> 32n);
    plan.base = regNo(ref?.base ?? null);
    plan.index = regNo(ref?.index ?? null);
    plan.scale = ref?.scale ?? 1;
    plan.dispLo = Number((ref?.dispU64 ?? 0n) & 0xffffffffn);
    plan.dispHi = Number((ref?.dispU64 ?? 0n) >> 32n);
    plan.seg = 0;
    plan.rep = false;
    plan.addressSize = 8;
    plan.addressInvalid = false;
    plan.registerForm = false;
    return plan;
  };
  return { decode, fetchWindow, decodePlan } as unknown as VeDecoder;
}
