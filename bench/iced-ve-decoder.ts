// Path (d) of the #VE benchmark: iced-x86 as the decoder inside the guest's handler. Each #VE
// creates an iced Decoder for the 15-byte window (as a handler would), and the MOV access is read
// from iced's operands into the engine's plan (decodePlan) or into a full result (decode), in our
// terms: memory operands named at the address width (ebp, eip under 67h), the reg operand as our
// records name it. Registers are looked up by iced's name in a table made once (no widening, no
// string work per #VE), and iced is asked only for what its operand reading (refAccess) does not
// already give: the segment, and for the rare forms (no base or index, MOVS) the address size.
// test/guest/iced-ve-decoder.test.ts holds both against our decoder on the corpus MOV windows.
// Kernel quirks are not modelled here: this measures decode cost only.
import { Code, Decoder, OpKind, Register, type Instruction } from "iced-x86";
import type { VeDecoder } from "../src/decoder/engine.js";
import type { DecodedInsn, MmioAccess, MemOperand } from "../src/decoder/record.js";
import { GPR64, GPR32, registerName, type AddressRegister } from "../src/decoder/names.js";
import { refAccess, type RefAccess } from "../src/verify/iced.js";
import { KIND } from "../src/decoder/layout.js";
import { REJECT, VePlan, PLAN_WORDS, type BoundPlanRecord } from "../src/decoder/plan.js";
import { REG_NONE, REG_RIP, SEG_FS, SEG_GS } from "../src/decoder/wasm-layout.js";

/** A register as iced names it (lower case): our number (0-15, REG_RIP), width, AH..BH, and our name. */
interface Reg { n: number; size: number; high: boolean; name: string }
const REGS = new Map<string, Reg>();
for (let n = 0; n < 16; n++) {
  for (const size of [1, 2, 4, 8]) {
    for (const high of size === 1 && n >= 4 && n < 8 ? [false, true] : [false]) {
      const name = registerName(n, size, high);
      REGS.set(name.replace(/^(r\d+)b$/, "$1l"), { n, size, high, name }); // iced: r8l, ours: r8b
    }
  }
}
REGS.set("rip", { n: REG_RIP, size: 8, high: false, name: "rip" });
REGS.set("eip", { n: REG_RIP, size: 4, high: false, name: "eip" });

/** MOV's moffs forms (A0-A3): the displacement is an absolute address. */
const MOFFS = new Set<number>([Code.Mov_AL_moffs8, Code.Mov_AX_moffs16, Code.Mov_EAX_moffs32, Code.Mov_RAX_moffs64,
  Code.Mov_moffs8_AL, Code.Mov_moffs16_AX, Code.Mov_moffs32_EAX, Code.Mov_moffs64_RAX]);

/** What our records and plans need of iced's reading beyond refAccess. */
interface Operand { addressSize: number; base: Reg | null; index: Reg | null; reg: Reg | null; moffs: boolean; seg: number; disp: bigint }

/** Reads the memory operand of `ins` (whose access is `ref`) in our terms. */
function operandOf(ins: Instruction, ref: RefAccess): Operand {
  const movs = ref.kind === "movs";
  const base = movs || ref.base === null ? null : REGS.get(ref.base)!;
  const index = ref.index === null ? null : REGS.get(ref.index)!;
  let addressSize: number, moffs = false;
  if (movs) addressSize = ins.op0Kind === OpKind.MemoryESEDI ? 4 : 8; // from [EDI] or [RDI]
  else if (base || index) addressSize = (base ?? index)!.size;
  else {
    moffs = MOFFS.has(ins.code);
    addressSize = ins.memoryDisplSize === 4 ? 4 : 8;
  }
  // Our displacement: signed at the address width; RIP-relative the raw disp32 (iced gives the
  // target, ip 0: length + disp); moffs the absolute address.
  const d = ref.dispU64;
  const disp = movs ? 0n : moffs ? BigInt.asUintN(addressSize * 8, d)
    : base?.n === REG_RIP ? BigInt.asIntN(32, d - BigInt(ins.length)) : BigInt.asIntN(addressSize * 8, d);
  const s = ins.segmentPrefix;
  return {
    addressSize, base: movs ? REGS.get(addressSize === 4 ? "esi" : "rsi")! : base, index, moffs, disp,
    reg: ref.reg === null ? null : REGS.get(ref.reg)!, seg: s === Register.FS ? SEG_FS : s === Register.GS ? SEG_GS : 0,
  };
}

const addressName = (r: Reg | null, addressSize: number): AddressRegister | null =>
  r === null ? null : r.n === REG_RIP ? (addressSize === 4 ? "eip" : "rip") : addressSize === 4 ? GPR32[r.n] : GPR64[r.n];

const extending = (ref: RefAccess) => ref.kind === "read_zero_extend" || ref.kind === "read_sign_extend";

export function icedVeDecoder(): VeDecoder {
  const decode = (bytes: Uint8Array, ip = 0n): DecodedInsn => {
    const d = new Decoder(64, bytes, 0);
    const ins = d.decode();
    const ref = ins.isInvalid ? null : refAccess(ins);
    const length = ins.length;
    const o = ref ? operandOf(ins, ref) : null;
    ins.free();
    d.free();
    let access: MmioAccess | null = null;
    if (ref && o) {
      const mem: MemOperand = {
        base: addressName(o.base, o.addressSize), index: addressName(o.index, o.addressSize) as MemOperand["index"],
        scale: ref.scale as 1, disp: o.disp, seg: o.seg === SEG_FS ? "fs" : o.seg === SEG_GS ? "gs" : null, rip: o.base?.n === REG_RIP,
      };
      access = {
        kind: ref.kind as MmioAccess["kind"], size: ref.size as 1, reg: (o.reg?.name ?? null) as never, regNumber: o.reg?.n ?? null,
        imm: ref.imm === null ? null : BigInt.asIntN(ref.size * 8, ref.imm), extendTo: extending(ref) ? o.reg!.size as 4 : null, mem,
      };
    }
    const addressSize = o?.addressSize ?? 8;
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
    const o = ref ? operandOf(ins, ref) : null;
    plan.length = ins.length;
    plan.verdict = ins.isInvalid ? (isKernel ? REJECT.decode_failed : 1) : ref ? 0 : isKernel ? REJECT.not_mmio : 0;
    plan.rep = ref?.kind === "movs" && (ins.hasRepPrefix || ins.hasRepnePrefix);
    ins.free();
    d.free();
    plan.kernel = isKernel;
    plan.kind = ref ? KIND[ref.kind as keyof typeof KIND] : 0;
    if (isKernel && plan.kind === KIND.movs) plan.verdict = REJECT.movs;
    plan.size = ref?.size ?? 0;
    plan.reg = o?.reg?.n ?? -1;
    plan.highByte = o?.reg?.high ?? false;
    plan.extendTo = ref && extending(ref) ? o!.reg!.size : 0;
    // The immediate sign-extended from the operand size to 64 bits; moffs: the absolute address.
    const imm = ref?.imm ? BigInt.asUintN(64, BigInt.asIntN(ref.size * 8, ref.imm)) : o?.moffs ? o.disp : 0n;
    plan.immLo = Number(imm & 0xffffffffn);
    plan.immHi = Number(imm >> 32n);
    const movs = ref?.kind === "movs";
    plan.addressSize = o?.addressSize ?? 8;
    plan.base = !o || movs ? REG_NONE : o.base?.n ?? REG_NONE;
    plan.index = !o || movs ? REG_NONE : o.index?.n ?? REG_NONE;
    plan.scale = ref?.scale ?? 1;
    const disp = o ? BigInt.asUintN(64, o.disp) : 0n;
    plan.dispLo = Number(disp & 0xffffffffn);
    plan.dispHi = Number(disp >> 32n);
    plan.seg = o?.seg ?? 0;
    plan.addressInvalid = false;
    plan.registerForm = false;
    return plan;
  };
  // The engine's straight path binds its one call and reads the plan record, as with ve-mmio's
  // decoder (whose record the WebAssembly decode writes; here the plan is packed into one).
  const bindPlanRecord = (kernel: unknown): BoundPlanRecord => {
    const plan = new VePlan(), words = new Uint32Array(PLAN_WORDS);
    return { decode: () => decodePlan(15, plan, kernel).pack(words, 0), words, kernel: kernel !== false };
  };
  return { decode, fetchWindow, decodePlan, bindPlanRecord } as unknown as VeDecoder;
}
