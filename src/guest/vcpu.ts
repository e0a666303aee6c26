// This project's VeCpu: 16 GPRs (the kernel's pt_regs slots), RIP, RFLAGS, CPL and the FS/GS
// bases. Values are unsigned 64-bit.
//
// One buffer holds every 64-bit slot (layout: cpu.ts SLOT), seen two ways: as BigInts (this
// class's API) and as little-endian 32-bit word pairs (`words`, what the #VE engine reads and
// writes, with no BigInt arithmetic and no allocation). The buffer may be the caller's own.
import { GPR64, type Gpr64 } from "../decoder/names.js";
import { SLOT, REGISTER_WORDS, type VeCpu } from "./cpu.js";

export { SLOT };
const SLOTS = REGISTER_WORDS / 2;

// Typed arrays use the platform's byte order; the word view assumes little-endian, as every
// JavaScript engine in use is.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("ve-mmio needs a little-endian platform");

/** A vCPU's registers as plain values (Vcpu.snapshot, restore, diff). */
export interface VcpuSnapshot {
  gprs: bigint[];
  rip: bigint;
  rflags: bigint;
  cpl: number;
  fsBase: bigint;
  gsBase: bigint;
}

/** A vCPU's registers with a BigInt API over a word view the #VE engine writes in place. */
export class Vcpu implements VeCpu {
  private readonly slots: BigUint64Array;
  /** RAX..R15 in SDM register-number order. */
  readonly gprs: BigUint64Array;
  /** The same state as 32-bit words (layout: SLOT): slot n is words[2n] (bits 31:0) and words[2n+1] (bits 63:32). */
  readonly words: Uint32Array;
  /** Current privilege level: 0 kernel, 3 user. */
  cpl = 0;

  /**
   * A vCPU with its own zeroed registers (RFLAGS 0x2), or a BigInt view over `words`, an existing
   * register file (REGISTER_WORDS words at an 8-byte aligned offset) that is used, not copied.
   */
  constructor(words?: Uint32Array) {
    if (words) {
      if (words.length < REGISTER_WORDS || words.byteOffset % 8 !== 0) throw new RangeError(`a register view needs ${REGISTER_WORDS} words at an 8-byte aligned offset`);
      this.slots = new BigUint64Array(words.buffer, words.byteOffset, SLOTS);
    } else this.slots = new BigUint64Array(SLOTS);
    this.gprs = this.slots.subarray(0, 16);
    this.words = new Uint32Array(this.slots.buffer, this.slots.byteOffset, REGISTER_WORDS);
    if (!words) this.rflags = 0x2n;
  }

  /** The BigInt API over a VeCpu's own registers (no copy). */
  static over(cpu: VeCpu): Vcpu {
    if (cpu instanceof Vcpu) return cpu;
    const v = new Vcpu(cpu.words);
    v.cpl = cpu.cpl;
    return v;
  }

  get rip(): bigint { return this.slots[SLOT.RIP]; }
  set rip(v: bigint) { this.slots[SLOT.RIP] = BigInt.asUintN(64, v); }
  get rflags(): bigint { return this.slots[SLOT.RFLAGS]; }
  set rflags(v: bigint) { this.slots[SLOT.RFLAGS] = BigInt.asUintN(64, v); }
  get fsBase(): bigint { return this.slots[SLOT.FS_BASE]; }
  set fsBase(v: bigint) { this.slots[SLOT.FS_BASE] = BigInt.asUintN(64, v); }
  get gsBase(): bigint { return this.slots[SLOT.GS_BASE]; }
  set gsBase(v: bigint) { this.slots[SLOT.GS_BASE] = BigInt.asUintN(64, v); }

  get(reg: Gpr64 | number): bigint {
    return this.gprs[typeof reg === "number" ? reg : GPR64.indexOf(reg)];
  }

  set(reg: Gpr64 | number, value: bigint): void {
    this.gprs[typeof reg === "number" ? reg : GPR64.indexOf(reg)] = BigInt.asUintN(64, value);
  }

  snapshot(): VcpuSnapshot {
    return { gprs: Array.from(this.gprs), rip: this.rip, rflags: this.rflags, cpl: this.cpl, fsBase: this.fsBase, gsBase: this.gsBase };
  }

  restore(s: VcpuSnapshot): void {
    this.gprs.set(s.gprs);
    this.rip = s.rip;
    this.rflags = s.rflags;
    this.cpl = s.cpl;
    this.fsBase = s.fsBase;
    this.gsBase = s.gsBase;
  }

  /** Registers whose value differs from `before`, by name. */
  diff(before: VcpuSnapshot): Partial<Record<Gpr64 | "rip", bigint>> {
    const out: Partial<Record<Gpr64 | "rip", bigint>> = {};
    for (let i = 0; i < 16; i++) if (this.gprs[i] !== before.gprs[i]) out[GPR64[i]] = this.gprs[i];
    if (this.rip !== before.rip) out.rip = this.rip;
    return out;
  }
}
