// Path (d) of the #VE benchmark: iced-x86 as the decoder inside the guest's handler. Each #VE
// creates an iced Decoder for the 15-byte window (as a handler would), and the MOV access is read
// from iced's operands into the engine's plan (decodePlan) or into a full result (decode), in our
// terms: registers by number from a table indexed by iced's Register value (no string work), memory
// operands named at the address width (ebp, eip under 67h), the reg operand as our records name it.
// test/guest/iced-ve-decoder.test.ts holds both against our decoder on the corpus MOV windows.
// Kernel quirks are not modelled here: this measures decode cost only.
import { Code, Decoder, OpKind, Register, type Instruction } from "iced-x86";
import type { VeDecoder } from "../src/decoder/engine.js";
import type { DecodedInsn, MmioAccess, MemOperand } from "../src/decoder/record.js";
import { GPR64, GPR32, registerName, type AddressRegister } from "../src/decoder/names.js";
import { refAccess } from "../src/verify/iced.js";
import { KIND } from "../src/decoder/layout.js";
import { REJECT, type VePlan } from "../src/decoder/plan.js";
import { REG_NONE, REG_RIP, SEG_FS, SEG_GS } from "../src/decoder/wasm-layout.js";

// Per iced Register value: our register number (0-15, REG_RIP, REG_NONE), its width in bytes,
// whether it is AH..BH, and our name for it.
const REGS = Math.max(...Object.values(Register).filter((v): v is number => typeof v === "number")) + 1;
const regNumber = new Uint8Array(REGS).fill(REG_NONE);
const regSize = new Uint8Array(REGS);
const regHigh = new Uint8Array(REGS);
const regOurName: (string | null)[] = new Array<string | null>(REGS).fill(null);
for (let n = 0; n < 16; n++) {
  for (const size of [1, 2, 4, 8]) {
    for (const high of size === 1 && n >= 4 && n < 8 ? [false, true] : [false]) {
      const ours = registerName(n, size, high);
      const r = (Register as unknown as Record<string, number>)[ours.toUpperCase().replace(/^(R\d+)B$/, "$1L")];
      regNumber[r] = n; regSize[r] = size; regHigh[r] = high ? 1 : 0; regOurName[r] = ours;
    }
  }
}
regNumber[Register.RIP] = REG_RIP; regSize[Register.RIP] = 8;
regNumber[Register.EIP] = REG_RIP; regSize[Register.EIP] = 4;

/**
 * The address size of `ins`'s memory operand: its base or index register's width, else the
 * displacement's (8 or 4); a string move's from its destination operand ([EDI] or [RDI]).
 */
function addressSizeOf(ins: Instruction, movs: boolean): number {
  if (movs) return ins.op0Kind === OpKind.MemoryESEDI ? 4 : 8;
  const base = ins.memoryBase, index = ins.memoryIndex;
  if (base !== Register.None) return regSize[base];
  if (index !== Register.None) return regSize[index];
  return ins.memoryDisplSize === 4 ? 4 : 8;
}

/** MOV's moffs forms (A0-A3): the displacement is an absolute address. */
const MOFFS = new Set<number>([Code.Mov_AL_moffs8, Code.Mov_AX_moffs16, Code.Mov_EAX_moffs32, Code.Mov_RAX_moffs64,
  Code.Mov_moffs8_AL, Code.Mov_moffs16_AX, Code.Mov_moffs32_EAX, Code.Mov_moffs64_RAX]);

/**
 * The displacement as our records give it: signed at the address width; RIP-relative: the raw
 * disp32 (iced gives the target, ip 0); moffs: the absolute address, unsigned.
 */
function displacement(ins: Instruction, addressSize: number): bigint {
  const d = ins.memoryDisplacementU64;
  if (MOFFS.has(ins.code)) return BigInt.asUintN(addressSize * 8, d);
  if (ins.memoryBase === Register.RIP || ins.memoryBase === Register.EIP) return BigInt.asIntN(32, d - BigInt(ins.length));
  return BigInt.asIntN(addressSize * 8, d);
}

const addressName = (r: Register, addressSize: number): AddressRegister | null => {
  const n = regNumber[r];
  if (n === REG_NONE) return null;
  if (n === REG_RIP) return addressSize === 4 ? "eip" : "rip";
  return addressSize === 4 ? GPR32[n] : GPR64[n];
};

/** FS and GS (the only segments that change an address in 64-bit mode), as SEGMENT_NAMES indexes. */
const segmentOf = (ins: Instruction): number => (ins.segmentPrefix === Register.FS ? SEG_FS : ins.segmentPrefix === Register.GS ? SEG_GS : 0);

export function icedVeDecoder(): VeDecoder {
  const decode = (bytes: Uint8Array, ip = 0n): DecodedInsn => {
    const d = new Decoder(64, bytes, 0);
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    const length = ins.length;
    let access: MmioAccess | null = null;
    let addressSize = 8;
    if (ref) {
      addressSize = addressSizeOf(ins, ref.kind === "movs");
      const reg = ref.kind === "write" ? ins.op1Register : ref.reg === null ? Register.None : ins.op0Register;
      const extend = ref.kind === "read_zero_extend" || ref.kind === "read_sign_extend";
      const seg = segmentOf(ins);
      const mem: MemOperand = {
        base: ref.kind === "movs" ? (addressSize === 4 ? "esi" : "rsi") : addressName(ins.memoryBase, addressSize), index: addressName(ins.memoryIndex, addressSize) as MemOperand["index"],
        scale: ins.memoryIndexScale as 1, disp: ref.kind === "movs" ? 0n : displacement(ins, addressSize),
        seg: seg === SEG_FS ? "fs" : seg === SEG_GS ? "gs" : null, rip: ins.memoryBase === Register.RIP || ins.memoryBase === Register.EIP,
      };
      access = {
        kind: ref.kind as MmioAccess["kind"], size: ref.size as 1, reg: regOurName[reg] as never,
        regNumber: reg === Register.None ? null : regNumber[reg], imm: ref.imm === null ? null : BigInt.asIntN(ref.size * 8, ref.imm), extendTo: extend ? regSize[reg] as 4 : null, mem,
      };
    }
    ins.free();
    d.free();
    return {
      offset: 0, ip, length, valid: !!ref || length > 0, status: "ok", bytes: bytes.subarray(0, length), encoding: "legacy", map: 0, opcode: 0,
      prefixes: { lock: false, rep: false, repne: false, operandSize: false, addressSize: addressSize === 4, segment: null, rex: null },
      operandSize: 4, addressSize: addressSize as 8, modrm: null, sib: null, regOperand: null, highByteReg: false, mem: access?.mem ?? null,
      immSize: 0, imm: access?.imm ?? null, arch: access,
      linux: access ? { emulated: true, access, length, addressInvalid: false, registerForm: false, addressSize: addressSize as 8 } : { emulated: false, rejected: "not_mmio", length },
      divergences: [],
    };
  };
  const fetchWindow = new Uint8Array(15);
  const decodePlan = (len: number, plan: VePlan, kernel: unknown): VePlan => {
    const isKernel = kernel !== false;
    const d = new Decoder(64, fetchWindow.subarray(0, len), 0);
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    plan.kernel = isKernel;
    plan.length = ins.length;
    plan.verdict = ins.isInvalid ? (isKernel ? REJECT.decode_failed : 1) : ref ? 0 : isKernel ? REJECT.not_mmio : 0;
    plan.kind = ref ? KIND[ref.kind as keyof typeof KIND] : 0;
    if (isKernel && plan.kind === KIND.movs) plan.verdict = REJECT.movs;
    plan.size = ref?.size ?? 0;
    const reg = !ref || ref.reg === null ? Register.None : ref.kind === "write" ? ins.op1Register : ins.op0Register;
    plan.reg = reg === Register.None ? -1 : regNumber[reg];
    plan.highByte = regHigh[reg] === 1;
    plan.extendTo = ref && (ref.kind === "read_zero_extend" || ref.kind === "read_sign_extend") ? regSize[reg] : 0;
    // The immediate sign-extended from its operand size to 64 bits, as our plans carry it.
    // (moffs: the plan's immediate is the absolute address.)
    const imm = ref?.imm ? BigInt.asUintN(64, BigInt.asIntN(ref.size * 8, ref.imm)) : ref && MOFFS.has(ins.code) ? displacement(ins, addressSizeOf(ins, false)) : 0n;
    plan.immLo = Number(imm & 0xffffffffn);
    plan.immHi = Number(imm >> 32n);
    const movs = ref?.kind === "movs";
    plan.addressSize = ref ? addressSizeOf(ins, movs) : 8;
    plan.base = !ref || movs ? REG_NONE : regNumber[ins.memoryBase];
    plan.index = !ref || movs ? REG_NONE : regNumber[ins.memoryIndex];
    plan.scale = ref ? ins.memoryIndexScale : 1;
    // Bits 31:0 of the displacement (RIP-relative: iced gives the target with ip 0, i.e. length + disp).
    const rel = ins.memoryBase === Register.RIP || ins.memoryBase === Register.EIP;
    plan.dispLo = !ref || movs ? 0 : Number(BigInt.asUintN(32, rel ? ins.memoryDisplacementU64 - BigInt(ins.length) : ins.memoryDisplacementU64));
    plan.seg = ref ? segmentOf(ins) : 0;
    plan.rep = ins.hasRepPrefix || ins.hasRepnePrefix;
    plan.addressInvalid = false;
    plan.registerForm = false;
    ins.free();
    d.free();
    return plan;
  };
  return { decode, fetchWindow, decodePlan } as unknown as VeDecoder;
}
