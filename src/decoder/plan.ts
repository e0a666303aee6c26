// What the #VE handler needs to know about one instruction, as plain numbers: one reading (the
// kernel's or the CPU's, whichever the handler acts on) with its address operand. The
// decoder writes it as a packed plan record (wasm-layout.ts PLAN_*); the decode cache keeps plans;
// the #VE engine reads them.
import {
  PLAN_SIZE, PLAN_KIND, PLAN_VERDICT, PLAN_BASE, PLAN_DISP, PLAN_IMM, PLAN_DISP_HI,
  PF_ADDR_INVALID, PF_REG_FORM, PF_HIGH_BYTE, PF_REP, REG_NONE,
} from "./wasm-layout.js";
import { R, FLAG, LFLAG, PREFIX, KIND } from "./layout.js";
import type { DecodedInsn } from "./record.js";

export { REJECT } from "./layout.js";

import type { KernelProfile } from "./profile.js";

/** u32 words in a plan record. */
export const PLAN_WORDS = PLAN_SIZE / 4;
// Word indexes of the plan record's three packed words, its displacement and immediate.
const W_KIND = PLAN_KIND / 4, W_VERDICT = PLAN_VERDICT / 4, W_BASE = PLAN_BASE / 4, W_DISP = PLAN_DISP / 4, W_IMM = PLAN_IMM / 4;
const W_DISP_HI = PLAN_DISP_HI / 4;
/**
 * Word indexes in a plan record of what VePlan keeps: its three packed words (`kind` holds
 * VePlan.packedKind, `verdict` packedVerdict, `address` packedAddress), the displacement's and the
 * immediate's halves. (unpack and pack use the module's constants: a property of an object costs
 * the #VE decode a load where a constant costs nothing.)
 */
export const PLAN_WORD = {
  kind: W_KIND, verdict: W_VERDICT, address: W_BASE, dispLo: W_DISP, dispHi: W_DISP_HI, immLo: W_IMM, immHi: W_IMM + 1,
} as const;

const BYTE = 0xff;
const FLAGS_SHIFT = 16; // PLAN_FLAGS within the verdict word

/**
 * One reading of an instruction as the #VE handler acts on it, as plain numbers (reused between
 * decodes). The byte fields live packed, as the decoder writes them, in three words
 * (`packedKind`, `packedVerdict`, `packedAddress`: the plan record's PLAN_KIND.., PLAN_VERDICT..,
 * PLAN_BASE.. words) and are read and written through accessors, so a decode copies seven numbers
 * instead of unpacking twenty fields; the 32-bit halves and `kernel` are plain fields. Own
 * properties are exactly that state: `Object.assign(new VePlan(), plan)` copies a plan and
 * `{ ...plan }` compares two. `toJSON()` gives every field by name. A byte field keeps the low
 * 8 bits of what is written to it.
 */
export class VePlan {
  /** The kernel's reading (true) or the CPU's (false). */
  kernel = true;
  /** kind, size, reg (255 none), extendTo: one byte each, lowest first. */
  packedKind = REG_NONE << 16;
  /** verdict, length, PF_* flags, seg. */
  packedVerdict = 0;
  /** base, index, scale, addressSize. */
  packedAddress = REG_NONE | (REG_NONE << 8) | (1 << 16) | (8 << 24);
  immLo = 0;
  immHi = 0;
  /** The displacement as 32-bit halves: a disp8/disp32 sign-extended, or a moffs's absolute address. */
  dispLo = 0;
  dispHi = 0;

  /** KIND.* (0 none); the kernel's MOVS keeps its kind and size. */
  get kind(): number { return this.packedKind & BYTE; }
  set kind(v: number) { this.packedKind = withByte(this.packedKind, 0, v); }
  get size(): number { return (this.packedKind >>> 8) & BYTE; }
  set size(v: number) { this.packedKind = withByte(this.packedKind, 8, v); }
  /** Register number 0-15 (the kernel's saved-register slot), -1 for none. */
  get reg(): number {
    return (((this.packedKind >>> 16) + 1) & BYTE) - 1; // 255 (REG_NONE) -> -1 with no branch
  }
  set reg(v: number) { this.packedKind = withByte(this.packedKind, 16, v < 0 ? REG_NONE : v); }
  /** MOVZX/MOVSX destination width (CPU) or opnd_bytes (kernel), 0 otherwise. */
  get extendTo(): number { return this.packedKind >>> 24; }
  set extendTo(v: number) { this.packedKind = withByte(this.packedKind, 24, v); }

  /** Kernel: REJECT.* (0 emulated). CPU: decode status (0 valid). */
  get verdict(): number { return this.packedVerdict & BYTE; }
  set verdict(v: number) { this.packedVerdict = withByte(this.packedVerdict, 0, v); }
  /** Bytes the reading's instruction takes (what RIP advances by). */
  get length(): number { return (this.packedVerdict >>> 8) & BYTE; }
  set length(v: number) { this.packedVerdict = withByte(this.packedVerdict, 8, v); }
  /** Kernel: insn_get_addr_ref refuses the address. */
  get addressInvalid(): boolean { return this.flag(PF_ADDR_INVALID); }
  set addressInvalid(v: boolean) { this.setFlag(PF_ADDR_INVALID, v); }
  /** Kernel: the operand is a register, not memory. */
  get registerForm(): boolean { return this.flag(PF_REG_FORM); }
  set registerForm(v: boolean) { this.setFlag(PF_REG_FORM, v); }
  /** CPU: the register is AH..BH (reg 4-7 = bits 15:8 of RAX..RBX). */
  get highByte(): boolean { return this.flag(PF_HIGH_BYTE); }
  set highByte(v: boolean) { this.setFlag(PF_HIGH_BYTE, v); }
  /** CPU: an F3/F2 prefix (a REP string move). */
  get rep(): boolean { return this.flag(PF_REP); }
  set rep(v: boolean) { this.setFlag(PF_REP, v); }
  /** Segment override (SEGMENT_NAMES index: 5 FS and 6 GS add their base), 0 none. */
  get seg(): number { return this.packedVerdict >>> 24; }
  set seg(v: number) { this.packedVerdict = withByte(this.packedVerdict, 24, v); }

  // The address operand (the kernel's, or the CPU's memory operand): registers 0-15, 16 RIP, 255 none.
  get base(): number { return this.packedAddress & BYTE; }
  set base(v: number) { this.packedAddress = withByte(this.packedAddress, 0, v); }
  get index(): number { return (this.packedAddress >>> 8) & BYTE; }
  set index(v: number) { this.packedAddress = withByte(this.packedAddress, 8, v); }
  get scale(): number { return (this.packedAddress >>> 16) & BYTE; }
  set scale(v: number) { this.packedAddress = withByte(this.packedAddress, 16, v); }
  /** Address size in bytes (4 under 67h, else 8). */
  get addressSize(): number { return this.packedAddress >>> 24; }
  set addressSize(v: number) { this.packedAddress = withByte(this.packedAddress, 24, v); }

  private flag(bit: number): boolean {
    return (this.packedVerdict & (bit << FLAGS_SHIFT)) !== 0;
  }

  private setFlag(bit: number, on: boolean): void {
    this.packedVerdict = on ? this.packedVerdict | (bit << FLAGS_SHIFT) : this.packedVerdict & ~(bit << FLAGS_SHIFT);
  }

  /** Copies the plan record at words w[i .. i + PLAN_WORDS): seven numbers, nothing unpacked. */
  unpack(w: Uint32Array, i: number, kernel: boolean): this {
    this.kernel = kernel;
    this.packedKind = w[i + W_KIND];
    this.packedVerdict = w[i + W_VERDICT];
    this.packedAddress = w[i + W_BASE];
    this.dispLo = w[i + W_DISP];
    this.dispHi = w[i + W_DISP_HI];
    this.immLo = w[i + W_IMM];
    this.immHi = w[i + W_IMM + 1];
    return this;
  }

  /** unpack()'s inverse: writes what this plan keeps (all but `kernel`) as the record's words at w[i..]. */
  pack(w: Uint32Array, i: number): void {
    w[i + W_KIND] = this.packedKind;
    w[i + W_VERDICT] = this.packedVerdict;
    w[i + W_BASE] = this.packedAddress;
    w[i + W_DISP] = this.dispLo;
    w[i + W_DISP_HI] = this.dispHi;
    w[i + W_IMM] = this.immLo;
    w[i + W_IMM + 1] = this.immHi;
  }

  /** Every field by name (what JSON.stringify shows). */
  toJSON(): VePlanFields {
    return {
      kernel: this.kernel, verdict: this.verdict, length: this.length, kind: this.kind, size: this.size, reg: this.reg,
      extendTo: this.extendTo, highByte: this.highByte, rep: this.rep, immLo: this.immLo, immHi: this.immHi,
      addressSize: this.addressSize, seg: this.seg, base: this.base, index: this.index, scale: this.scale,
      dispLo: this.dispLo, dispHi: this.dispHi, addressInvalid: this.addressInvalid, registerForm: this.registerForm,
    };
  }
}

/** A VePlan's fields as a plain object (VePlan.toJSON). */
export type VePlanFields = { [K in Exclude<keyof VePlan, "packedKind" | "packedVerdict" | "packedAddress" | "unpack" | "pack" | "toJSON">]: VePlan[K] };

/** `word` with its byte at bit `shift` replaced by the low 8 bits of `v` (a u32 word as a Number). */
function withByte(word: number, shift: number, v: number): number {
  return ((word & ~(BYTE << shift)) | ((v & BYTE) << shift)) >>> 0;
}

// plainAccess's tests on the packed words: verdict 0, no flag (PF_*), no segment override; no
// index and 64-bit addressing.
const PLAIN_VERDICT_MASK = (0xff | ((PF_ADDR_INVALID | PF_REG_FORM | PF_HIGH_BYTE | PF_REP) << FLAGS_SHIFT) | (0xff << 24)) >>> 0;
const ADDRESS_INDEX_SIZE_MASK = (0xff << 8) | (0xff << 24);
const NO_INDEX_64BIT = ((REG_NONE << 8) | (8 << 24)) >>> 0;
const GPR_COUNT = 16;

/**
 * Whether a plan is the plainest emulated access, which the #VE engine runs straight through as
 * soon as it is decoded: an emulated memory access (no segment override, 64-bit addressing, no
 * AH..BH, no REP) at a displacement plus at most a base register (not RIP), that is a 4- or
 * 8-byte MOV read into a register (both readings then replace the whole register) or a MOV write
 * from a register or an immediate. Either reading: for these the kernel's and the CPU's emulation
 * are the same.
 */
export function plainAccess(p: VePlan): boolean {
  return plainAccessWords(p.packedVerdict, p.packedAddress, p.packedKind);
}

/** plainAccess on a plan's packed words (VePlan.packedVerdict, packedAddress, packedKind), for code that reads the record itself. */
export function plainAccessWords(verdict: number, a: number, k: number): boolean {
  const base = a & BYTE;
  if (((verdict & PLAIN_VERDICT_MASK) | ((a & ADDRESS_INDEX_SIZE_MASK) ^ NO_INDEX_64BIT)) !== 0 || (base >= GPR_COUNT && base !== REG_NONE)) return false;
  const kind = k & BYTE, size = (k >>> 8) & BYTE, reg = (k >>> 16) & BYTE;
  if (kind === KIND.write_imm) return true;
  return reg < GPR_COUNT && (kind === KIND.write || (kind === KIND.read && (size === 4 || size === 8)));
}

/**
 * Fills `plan` from a full record (at byte `at` of `v`) instead of a plan record: the same reading
 * in the same terms, for callers that decoded the full record anyway (one decode per #VE).
 */
export function planFromRecord(v: DataView, at: number, kernel: boolean, plan: VePlan): VePlan {
  const u8 = (o: number) => v.getUint8(at + o);
  plan.kernel = kernel;
  if (kernel) {
    const lflags = u8(R.L_FLAGS);
    plan.kind = u8(R.L_KIND); plan.size = u8(R.L_SIZE); plan.extendTo = u8(R.L_EXTEND);
    plan.verdict = u8(R.L_REJECT); plan.length = u8(R.L_LEN);
    plan.addressInvalid = (lflags & LFLAG.ADDR_INVALID) !== 0; plan.registerForm = (lflags & LFLAG.REG_FORM) !== 0;
    plan.highByte = false; plan.rep = false;
    plan.seg = u8(R.L_SEG); plan.base = u8(R.L_BASE); plan.index = u8(R.L_INDEX); plan.scale = u8(R.L_SCALE);
    plan.addressSize = u8(R.L_ADDRSIZE);
    plan.dispLo = v.getUint32(at + R.L_DISP, true); plan.dispHi = v.getUint32(at + R.L_DISP + 4, true);
    plan.immLo = v.getUint32(at + R.L_IMM, true); plan.immHi = v.getUint32(at + R.L_IMM + 4, true);
    const reg = u8(R.L_REG);
    plan.reg = reg === REG_NONE ? -1 : reg;
  } else {
    plan.kind = u8(R.A_KIND); plan.size = u8(R.A_SIZE); plan.extendTo = u8(R.A_EXTEND);
    plan.verdict = u8(R.STATUS); plan.length = u8(R.LEN);
    plan.addressInvalid = false; plan.registerForm = false;
    plan.highByte = (u8(R.FLAGS) & FLAG.HIGH_BYTE) !== 0;
    plan.rep = (v.getUint16(at + R.PREFIXES, true) & (PREFIX.REP | PREFIX.REPNE)) !== 0;
    plan.seg = u8(R.SEG); plan.base = u8(R.MEM_BASE); plan.index = u8(R.MEM_INDEX); plan.scale = u8(R.MEM_SCALE);
    plan.addressSize = u8(R.ADDRSIZE);
    plan.dispLo = v.getUint32(at + R.DISP, true); plan.dispHi = v.getUint32(at + R.DISP + 4, true);
    plan.immLo = v.getUint32(at + R.IMM, true); plan.immHi = v.getUint32(at + R.IMM + 4, true);
    const reg = u8(R.A_REG);
    plan.reg = reg === REG_NONE ? -1 : reg;
  }
  return plan;
}

/** A decodePlan call bound once (PlanDecoder.bindPlanRecord). */
export interface BoundPlanRecord {
  /**
   * Decodes the first 15 bytes of fetchWindow: the plan record is then in `words` at 0 (PLAN_WORD;
   * VePlan.unpack reads it; another decoder can write one with VePlan.pack).
   */
  readonly decode: () => void;
  readonly words: Uint32Array;
  /** The reading bound: the kernel's (true) or the CPU's (false); what VePlan.kernel says of this record. */
  readonly kernel: boolean;
}

/**
 * A decoder as the #VE engine uses it: the caller fetches into `fetchWindow` (15 bytes the decoder
 * owns for its whole life: a captured reference stays valid), then decodePlan() reads them.
 */
export interface PlanDecoder {
  readonly fetchWindow: Uint8Array;
  /** The kernel release `decodePlan(..., true)` follows. */
  readonly kernel?: KernelProfile;
  /**
   * Decodes the first `len` bytes of fetchWindow into `plan`: the kernel's reading (of release
   * `kernel`; `true`: the default release) or the CPU's (`false`).
   */
  decodePlan(len: number, plan: VePlan, kernel: KernelProfile | boolean): VePlan;
  /**
   * Optional: decodePlan(15, ·, kernel) with its arguments fixed now, for a caller that makes the
   * same call on every #VE (the #VE engine's generated straight path): the checks and lookups
   * decodePlan makes per call are made once here, and each decode leaves the plan record in
   * `words` instead of copying it into a VePlan (the caller reads what it needs, or unpacks).
   */
  bindPlanRecord?(kernel: KernelProfile | boolean): BoundPlanRecord;
  /**
   * Optional: one full decode of the first `len` bytes of fetchWindow (the instruction at `ip`)
   * that also fills `plan`, for #VEs whose description needs the whole instruction (traces).
   */
  decodeWithPlan?(len: number, plan: VePlan, kernel: KernelProfile | boolean, ip: bigint): DecodedInsn;
}
