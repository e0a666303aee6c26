// What the #VE handler needs to know about one instruction, as plain numbers: one reading (the
// kernel's or the CPU's, whichever the handler acts on) with the kernel's address operand. The
// decoder writes it as a packed plan record (assembly/record.ts, six u32 words); the decode cache
// keeps plans; the #VE engine reads them.

/** u32 words in a plan record. */
export const PLAN_WORDS = 6;

/** The kernel's verdicts (REJECT_NAMES order). */
export const REJECT = { none: 0, decode_failed: 1, not_mmio: 2, movs: 3, bad_register: 4 } as const;

/** Plan flag bits (record word 1, byte 2). */
const PF_ADDR_INVALID = 1, PF_REG_FORM = 2, PF_HIGH_BYTE = 4, PF_REP = 8;

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
  // The kernel's address operand: registers 0-15, 16 RIP, 255 none.
  base = 255;
  index = 255;
  scale = 1;
  dispLo = 0;
  addressInvalid = false;
  registerForm = false;

  /** Unpacks the plan record at words w[i .. i + PLAN_WORDS). */
  unpack(w: Uint32Array, i: number, kernel: boolean): this {
    const w0 = w[i], w1 = w[i + 1], w2 = w[i + 2];
    this.kernel = kernel;
    this.kind = w0 & 0xff;
    this.size = (w0 >>> 8) & 0xff;
    const reg = (w0 >>> 16) & 0xff;
    this.reg = reg === 255 ? -1 : reg;
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
    this.dispLo = w[i + 3];
    this.immLo = w[i + 4];
    this.immHi = w[i + 5];
    return this;
  }
}

/**
 * A decoder as the #VE engine uses it: the caller fetches into `fetchWindow` (15 bytes the decoder
 * owns for its whole life: a captured reference stays valid), then decodePlan() reads them.
 */
export interface PlanDecoder {
  readonly fetchWindow: Uint8Array;
  /** Decodes the first `len` bytes of fetchWindow into `plan`: the kernel's reading or the CPU's. */
  decodePlan(len: number, plan: VePlan, kernel: boolean): VePlan;
}
