// A cached #VE site compiled once into the numbers its emulation needs, so that a cached #VE runs
// as one straight-line function (VeEngine's compiled path) instead of interpreting the plan step
// by step: register word offsets instead of register numbers, the address as its terms (base,
// RIP-relative, scaled index, displacement, 67h truncation, FS/GS base), the page-split limit,
// the request's direction and value source, and the write-back rule. Only the plain case is
// compiled (an emulated MOV-family access of one TDVMCALL); rejections, MOVS and anything that
// needs the general path's checks keep the plan alone.
import { KIND } from "../decoder/layout.js";
import { REG_RIP, SEG_FS, SEG_GS } from "../decoder/wasm-layout.js";
import type { VePlan } from "../decoder/plan.js";
import { SLOT } from "./cpu.js";

const RIP_LO = 2 * SLOT.RIP;

/** How a read lands in its register. */
export const WRITE_BACK = {
  /** A write, or a read with no register: nothing. */
  none: 0,
  /** A 4-byte read: bits 31:0 replaced, bits 63:32 zeroed (both readings). */
  zero32: 1,
  /** An 8-byte read: the whole register replaced. */
  full64: 2,
  /** Anything else (merges, extensions, AH..BH): writeback.ts's rule for the reading. */
  rule: 3,
} as const;

/** One #VE site's emulation, pre-resolved (see the file comment). Immutable once built. */
export class CompiledAccess {
  constructor(
    /** The reading it was compiled for: the kernel's (linux mode) or the CPU's. */
    readonly linux: boolean,
    /** Bytes RIP advances by. */
    readonly length: number,
    /** Access size in bytes (the TDVMCALL's R12). */
    readonly size: number,
    readonly isWrite: boolean,
    /** A write's value is the immediate (immLo, immHi) rather than the register. */
    readonly fromImmediate: boolean,
    readonly immLo: number,
    readonly immHi: number,
    /** Register slot (0-15) read or written, -1 for none. */
    readonly slot: number,
    readonly highByte: boolean,
    /** KIND.* and the extension width the write-back rule takes. */
    readonly kind: number,
    readonly extendTo: number,
    readonly writeBack: number,
    // The address: all-ones (the kernel's invalid address), or the sum of its terms. Word offsets
    // into the register view, -1 for an absent term.
    readonly allOnes: boolean,
    readonly baseAt: number,
    readonly ripRelative: boolean,
    readonly indexAt: number,
    /** log2 of the index's scale (1, 2, 4, 8). */
    readonly scaleShift: number,
    readonly dispLo: number,
    readonly dispHi: number,
    /** 67h: the sum is truncated to 32 bits (before the segment base). */
    readonly truncate32: boolean,
    readonly segmentAt: number,
    /** The access crosses a page when the address's bits 11:0 exceed this (4096 - size). */
    readonly lastOffset: number,
  ) {
    this.baseAndDisp = !allOnes && !ripRelative && indexAt < 0 && !truncate32 && segmentAt < 0;
  }

  /** The address is the displacement plus at most a base register (the common MMIO form). */
  readonly baseAndDisp: boolean;
}


/**
 * Compiles a plan of the given reading, or returns null when it is not the plain case: the plan
 * is rejected or not MMIO, it is a MOVS, or a register write names no register.
 */
export function compileAccess(p: VePlan, linux: boolean): CompiledAccess | null {
  if (p.kernel !== linux || p.verdict !== 0 || p.kind === 0 || p.kind === KIND.movs) return null;
  if (p.size !== 1 && p.size !== 2 && p.size !== 4 && p.size !== 8) return null;
  const isWrite = p.kind === KIND.write || p.kind === KIND.write_imm;
  const fromImmediate = p.kind === KIND.write_imm;
  // The register slot as the engine's general path takes it: the kernel's pt_regs slot, or the
  // CPU's register with AH..BH (4-7) read from RAX..RBX.
  const slot = p.reg < 0 ? -1 : !linux && p.highByte ? p.reg - 4 : p.reg;
  if (isWrite && !fromImmediate && slot < 0) return null;
  const highByte = p.highByte;
  const extendTo = linux ? p.extendTo || 8 : p.extendTo;
  let writeBack: number = WRITE_BACK.none;
  if (!isWrite && slot >= 0) {
    if (p.kind === KIND.read && !highByte && p.size === 4) writeBack = WRITE_BACK.zero32;
    else if (p.kind === KIND.read && p.size === 8) writeBack = WRITE_BACK.full64;
    else writeBack = WRITE_BACK.rule;
  }
  const form = p.registerForm;
  const baseAt = p.base < 16 ? 2 * p.base : -1;
  return new CompiledAccess(
    linux, p.length, p.size, isWrite, fromImmediate, p.immLo, p.immHi, slot, highByte,
    p.kind, extendTo, writeBack,
    p.addressInvalid, baseAt, !form && p.base === REG_RIP, !form && p.index < 16 ? 2 * p.index : -1, 31 - Math.clz32(p.scale),
    form ? 0 : p.dispLo, form ? 0 : p.dispHi, p.addressSize === 4,
    p.seg === SEG_FS ? 2 * SLOT.FS_BASE : p.seg === SEG_GS ? 2 * SLOT.GS_BASE : -1,
    4096 - p.size,
  );
}

/**
 * The address of the access (what kernelAddressWords computes from the plan) from the compiled
 * terms and the registers, into out[0..1] as 32-bit halves. Every step stays a 32-bit word with
 * an explicit carry: no intermediate needs a double (which V8 may box into a heap number).
 * (The #VE engine's compiled path adds the common form, a displacement plus at most a base
 * register, inline, and calls this for the others.)
 */
export function accessAddressWords(c: CompiledAccess, w: Uint32Array, out: Uint32Array): void {
  if (c.allOnes) { out[0] = 0xffffffff; out[1] = 0xffffffff; return; }
  let lo = c.dispLo >>> 0, hi = c.dispHi >>> 0, sum = 0;
  const b = c.baseAt;
  if (b >= 0) { sum = (lo + w[b]) >>> 0; hi = (hi + w[b + 1] + (sum < lo ? 1 : 0)) >>> 0; lo = sum; }
  if (c.ripRelative) {
    sum = (lo + w[RIP_LO]) >>> 0; hi = (hi + w[RIP_LO + 1] + (sum < lo ? 1 : 0)) >>> 0; lo = sum;
    sum = (lo + c.length) >>> 0; hi = (hi + (sum < lo ? 1 : 0)) >>> 0; lo = sum;
  }
  const x = c.indexAt;
  if (x >= 0) {
    // index << shift as halves (scale 1, 2, 4 or 8).
    const k = c.scaleShift, xl = w[x], xh = w[x + 1];
    const il = (xl << k) >>> 0, ih = k === 0 ? xh : ((xh << k) | (xl >>> (32 - k))) >>> 0;
    sum = (lo + il) >>> 0; hi = (hi + ih + (sum < lo ? 1 : 0)) >>> 0; lo = sum;
  }
  if (c.truncate32) hi = 0;
  const s = c.segmentAt;
  if (s >= 0) { sum = (lo + w[s]) >>> 0; hi = (hi + w[s + 1] + (sum < lo ? 1 : 0)) >>> 0; lo = sum; }
  out[0] = lo;
  out[1] = hi;
}
