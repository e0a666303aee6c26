// What the #VE handler needs to know about one instruction, as plain numbers: one reading (the
// kernel's or the CPU's, whichever the handler acts on) with its address operand. The
// decoder writes it as a packed plan record (wasm-layout.ts PLAN_*); the decode cache keeps plans;
// the #VE engine reads them.
import {
  PLAN_SIZE, PLAN_KIND, PLAN_VERDICT, PLAN_BASE, PLAN_DISP, PLAN_IMM, PLAN_DISP_HI,
  PF_ADDR_INVALID, PF_REG_FORM, PF_HIGH_BYTE, PF_REP, REG_NONE,
} from "./wasm-layout.js";
import { R, FLAG, LFLAG, PREFIX } from "./layout.js";
import type { DecodedInsn } from "./record.js";

export { REJECT } from "./layout.js";

import type { KernelProfile } from "./profile.js";

/** u32 words in a plan record. */
export const PLAN_WORDS = PLAN_SIZE / 4;
// Word indexes of the plan record's three packed words, its displacement and immediate.
const W_KIND = PLAN_KIND / 4, W_VERDICT = PLAN_VERDICT / 4, W_BASE = PLAN_BASE / 4, W_DISP = PLAN_DISP / 4, W_IMM = PLAN_IMM / 4;
const W_DISP_HI = PLAN_DISP_HI / 4;

/** One reading of an instruction as the #VE handler acts on it, as plain numbers (reused between decodes). */
export class VePlan {
  /** The kernel's reading (true) or the CPU's (false). */
  kernel = true;
  /** Kernel: REJECT.* (0 emulated). CPU: decode status (0 valid). */
  verdict = 0;
  /** Bytes the reading's instruction takes (what RIP advances by). */
  length = 0;
  /** KIND.* (0 none); the kernel's MOVS keeps its kind and size. */
  kind = 0;
  size = 0;
  /** Register number 0-15 (the kernel's saved-register slot), -1 for none. */
  reg = -1;
  /** MOVZX/MOVSX destination width (CPU) or opnd_bytes (kernel), 0 otherwise. */
  extendTo = 0;
  /** CPU: the register is AH..BH (reg 4-7 = bits 15:8 of RAX..RBX). */
  highByte = false;
  /** CPU: an F3/F2 prefix (a REP string move). */
  rep = false;
  immLo = 0;
  immHi = 0;
  /** Address size in bytes (4 under 67h, else 8). */
  addressSize = 8;
  /** Segment override (SEGMENT_NAMES index: 5 FS and 6 GS add their base), 0 none. */
  seg = 0;
  // The address operand (the kernel's, or the CPU's memory operand): registers 0-15, 16 RIP, 255 none.
  base = REG_NONE;
  index = REG_NONE;
  scale = 1;
  /** The displacement as 32-bit halves: a disp8/disp32 sign-extended, or a moffs's absolute address. */
  dispLo = 0;
  dispHi = 0;
  addressInvalid = false;
  registerForm = false;

  /** Unpacks the plan record at words w[i .. i + PLAN_WORDS). */
  unpack(w: Uint32Array, i: number, kernel: boolean): this {
    // Each packed word holds four byte fields, lowest first (wasm-layout.ts PLAN_*).
    const w0 = w[i + W_KIND], w1 = w[i + W_VERDICT], w2 = w[i + W_BASE];
    this.kernel = kernel;
    this.kind = w0 & 0xff;
    this.size = (w0 >>> 8) & 0xff;
    const reg = (w0 >>> 16) & 0xff;
    this.reg = reg === REG_NONE ? -1 : reg;
    this.extendTo = w0 >>> 24;
    this.verdict = w1 & 0xff;
    this.length = (w1 >>> 8) & 0xff;
    const flags = (w1 >>> 16) & 0xff;
    this.addressInvalid = (flags & PF_ADDR_INVALID) !== 0;
    this.registerForm = (flags & PF_REG_FORM) !== 0;
    this.highByte = (flags & PF_HIGH_BYTE) !== 0;
    this.rep = (flags & PF_REP) !== 0;
    this.seg = w1 >>> 24;
    this.base = w2 & 0xff;
    this.index = (w2 >>> 8) & 0xff;
    this.scale = (w2 >>> 16) & 0xff;
    this.addressSize = w2 >>> 24;
    this.dispLo = w[i + W_DISP];
    this.dispHi = w[i + W_DISP_HI];
    this.immLo = w[i + W_IMM];
    this.immHi = w[i + W_IMM + 1];
    return this;
  }
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
   * Optional: one full decode of the first `len` bytes of fetchWindow (the instruction at `ip`)
   * that also fills `plan`, for #VEs whose description needs the whole instruction (traces).
   */
  decodeWithPlan?(len: number, plan: VePlan, kernel: KernelProfile | boolean, ip: bigint): DecodedInsn;
}
