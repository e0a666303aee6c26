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

/** A register name, value or snapshot the vCPU refuses; nothing was changed. */
export class VcpuError extends Error {
  constructor(readonly code: "bad_register" | "bad_value", message: string) {
    super(message);
    this.name = "VcpuError";
  }
}

/** The slot of a general register: RAX..R15 by 64-bit name or number 0-15. */
function gprSlot(reg: unknown): number {
  if (typeof reg === "number" && Number.isInteger(reg) && reg >= 0 && reg < 16) return reg;
  const n = typeof reg === "string" ? GPR64.indexOf(reg as Gpr64) : -1;
  if (n < 0) {
    const name = typeof reg === "string" || typeof reg === "number" ? String(reg) : typeof reg;
    throw new VcpuError("bad_register", `${name} is not a 64-bit general register (rax..r15 or 0-15; rip, rflags and the bases are properties)`);
  }
  return n;
}

/** A 64-bit register value: a bigint, taken modulo 2^64. */
function u64(v: unknown, what: string): bigint {
  if (typeof v !== "bigint") throw new VcpuError("bad_value", `${what} must be a bigint, not a ${typeof v}`);
  return BigInt.asUintN(64, v);
}

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
  private level = 0;

  /** Current privilege level: 0 kernel, 3 user; anything but 0-3 is a VcpuError. */
  get cpl(): number { return this.level; }
  set cpl(v: number) {
    if (v !== 0 && v !== 1 && v !== 2 && v !== 3) throw new VcpuError("bad_value", `cpl is 0-3, not ${String(v)}`);
    this.level = v;
  }

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

  /** The instruction pointer. */
  get rip(): bigint { return this.slots[SLOT.RIP]; }
  set rip(v: bigint) { this.slots[SLOT.RIP] = u64(v, "rip"); }
  /** RFLAGS (bit 10 DF steers string moves). */
  get rflags(): bigint { return this.slots[SLOT.RFLAGS]; }
  set rflags(v: bigint) { this.slots[SLOT.RFLAGS] = u64(v, "rflags"); }
  /** The FS and GS segment bases (added to FS:/GS: addresses). */
  get fsBase(): bigint { return this.slots[SLOT.FS_BASE]; }
  set fsBase(v: bigint) { this.slots[SLOT.FS_BASE] = u64(v, "fsBase"); }
  get gsBase(): bigint { return this.slots[SLOT.GS_BASE]; }
  set gsBase(v: bigint) { this.slots[SLOT.GS_BASE] = u64(v, "gsBase"); }

  /** RAX..R15 by 64-bit name or number 0-15; anything else is a VcpuError. */
  get(reg: Gpr64 | number): bigint {
    return this.gprs[gprSlot(reg)];
  }

  /** Sets RAX..R15 (by 64-bit name or number 0-15) to a bigint modulo 2^64; anything else is a VcpuError. */
  set(reg: Gpr64 | number, value: bigint): void {
    this.gprs[gprSlot(reg)] = u64(value, String(reg));
  }

  /** The registers as plain values. */
  snapshot(): VcpuSnapshot {
    return { gprs: Array.from(this.gprs), rip: this.rip, rflags: this.rflags, cpl: this.cpl, fsBase: this.fsBase, gsBase: this.gsBase };
  }

  /** Sets every register from `s`, or (a malformed snapshot) none: a VcpuError. */
  restore(s: VcpuSnapshot): void {
    if (typeof s !== "object" || s === null || !Array.isArray(s.gprs) || s.gprs.length !== 16) {
      throw new VcpuError("bad_value", "a snapshot has 16 gprs");
    }
    const gprs = s.gprs.map((v, i) => u64(v, GPR64[i]));
    const rip = u64(s.rip, "rip"), rflags = u64(s.rflags, "rflags"), fsBase = u64(s.fsBase, "fsBase"), gsBase = u64(s.gsBase, "gsBase");
    if (s.cpl !== 0 && s.cpl !== 1 && s.cpl !== 2 && s.cpl !== 3) throw new VcpuError("bad_value", "cpl is 0-3");
    this.gprs.set(gprs);
    this.rip = rip;
    this.rflags = rflags;
    this.cpl = s.cpl;
    this.fsBase = fsBase;
    this.gsBase = gsBase;
  }

  /** Registers whose value differs from `before`, by name. */
  diff(before: VcpuSnapshot): Partial<Record<Gpr64 | "rip", bigint>> {
    const out: Partial<Record<Gpr64 | "rip", bigint>> = {};
    for (let i = 0; i < 16; i++) if (this.gprs[i] !== before.gprs[i]) out[GPR64[i]] = this.gprs[i];
    if (this.rip !== before.rip) out.rip = this.rip;
    return out;
  }
}
