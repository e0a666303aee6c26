// What the #VE handler needs to know about one instruction, as plain numbers: both readings
// (the kernel's and the CPU's) with the kernel's address operand. Filled from the decoder's
// zero-allocation view once per decode, kept by the decode cache, read by the engine.
import type { InsnView } from "../decoder/view.js";

/** The kernel's verdicts (REJECT_NAMES order). */
export const REJECT = { none: 0, decode_failed: 1, not_mmio: 2, movs: 3, bad_register: 4 } as const;

/** The decoder fields a plan is made of (the decoder's InsnView has them all). */
export type PlanSource = Pick<InsnView,
  | "status" | "length" | "archKind" | "archSize" | "archReg" | "archExtendTo" | "archHighByte" | "archImmLo" | "archImmHi"
  | "linuxRejectCode" | "linuxKind" | "linuxAccessSize" | "linuxReg" | "linuxExtendTo" | "linuxLength" | "linuxImmLo"
  | "linuxImmHi" | "linuxBase" | "linuxIndex" | "linuxScale" | "linuxDispLo" | "linuxSeg" | "linuxAddressInvalid"
  | "linuxRegisterForm">;

/** A decoder as the #VE engine uses it: one instruction from a 15-byte window, read through a view. */
export interface PlanDecoder {
  decodeView(bytes: Uint8Array): PlanSource;
}

export class VePlan {
  // The CPU's reading.
  status = 0;
  length = 0;
  archKind = 0;
  archSize = 0;
  archReg = -1;
  archExtendTo = 0;
  archHighByte = false;
  archImmLo = 0;
  archImmHi = 0;
  // The kernel's reading (linuxReject: REJECT.*; linuxSize is also set for MOVS).
  linuxReject = 0;
  linuxKind = 0;
  linuxSize = 0;
  linuxReg = -1;
  linuxExtendTo = 0;
  linuxLength = 0;
  linuxImmLo = 0;
  linuxImmHi = 0;
  // The kernel's address operand (register numbers 0-15, 16 RIP, 255 none).
  linuxBase = 255;
  linuxIndex = 255;
  linuxScale = 1;
  linuxDispLo = 0;
  linuxSeg = 0;
  linuxAddressInvalid = false;
  linuxRegisterForm = false;

  /** Copies the numbers out of the decoder's view of the last decode. */
  fill(v: PlanSource): this {
    this.status = v.status;
    this.length = v.length;
    this.archKind = v.archKind;
    this.archSize = v.archSize;
    this.archReg = v.archReg;
    this.archExtendTo = v.archExtendTo;
    this.archHighByte = v.archHighByte;
    this.archImmLo = v.archImmLo;
    this.archImmHi = v.archImmHi;
    this.linuxReject = v.linuxRejectCode;
    this.linuxKind = v.linuxKind;
    this.linuxSize = v.linuxAccessSize;
    this.linuxReg = v.linuxReg;
    this.linuxExtendTo = v.linuxExtendTo;
    this.linuxLength = v.linuxLength;
    this.linuxImmLo = v.linuxImmLo;
    this.linuxImmHi = v.linuxImmHi;
    this.linuxBase = v.linuxBase;
    this.linuxIndex = v.linuxIndex;
    this.linuxScale = v.linuxScale;
    this.linuxDispLo = v.linuxDispLo;
    this.linuxSeg = v.linuxSeg;
    this.linuxAddressInvalid = v.linuxAddressInvalid;
    this.linuxRegisterForm = v.linuxRegisterForm;
    return this;
  }
}
