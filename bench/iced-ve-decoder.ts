// Path (d) of the #VE benchmark: iced-x86 as the decoder inside the guest's handler. Each #VE
// creates an iced Decoder for the 15-byte window (as a handler would), and the MOV access is read
// from iced's operands into the fields the engine's plan is made of (decodeView) or into a full
// result (decode). Kernel quirks are not modelled here: this measures decode cost only.
import { Decoder } from "iced-x86";
import type { VeDecoder } from "../src/decoder/engine.js";
import type { DecodedInsn, MmioAccess } from "../src/decoder/record.js";
import { GPR64, type Gpr64 } from "../src/decoder/names.js";
import { refAccess } from "../src/verify/iced.js";
import { KIND } from "../src/decoder/view.js";
import type { PlanSource } from "../src/guest/ve-plan.js";

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
  const decodeView = (bytes: Uint8Array): PlanSource => {
    const d = new Decoder(64, bytes, 0);
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    const length = ins.length;
    const invalid = ins.isInvalid;
    ins.free();
    d.free();
    const kind = ref ? KIND[ref.kind as keyof typeof KIND] : 0;
    const reg = ref?.reg ? regNo(ref.reg) : -1;
    const imm = BigInt.asUintN(64, ref?.imm ?? 0n);
    const immLo = Number(imm & 0xffffffffn), immHi = Number(imm >> 32n);
    return {
      status: invalid ? 1 : 0, length, archKind: kind, archSize: ref?.size ?? 0, archReg: reg, archExtendTo: 0,
      archHighByte: false, archImmLo: immLo, archImmHi: immHi,
      linuxRejectCode: ref ? 0 : 2, linuxKind: kind, linuxAccessSize: ref?.size ?? 0, linuxReg: reg, linuxExtendTo: 0,
      linuxLength: length, linuxImmLo: immLo, linuxImmHi: immHi, linuxBase: regNo(ref?.base ?? null),
      linuxIndex: regNo(ref?.index ?? null), linuxScale: ref?.scale ?? 1, linuxDispLo: Number((ref?.dispU64 ?? 0n) & 0xffffffffn),
      linuxSeg: 0, linuxAddressInvalid: false, linuxRegisterForm: false,
    };
  };
  return { decode, decodeView } as unknown as VeDecoder;
}
