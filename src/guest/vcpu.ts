// vCPU state the #VE path reads and writes: 16 GPRs (the kernel's pt_regs slots), RIP, RFLAGS,
// CPL and the FS/GS bases. Values are unsigned 64-bit.
//
// One ArrayBuffer holds every 64-bit slot, seen two ways: as BigInts (the public API) and as
// little-endian 32-bit word pairs (the #VE hot path, which then needs no BigInt arithmetic and
// allocates nothing).
import { GPR64, type Gpr64 } from "../decoder/names.js";

/** 64-bit slots of the state buffer after the 16 GPRs. */
export const SLOT = { RIP: 16, RFLAGS: 17, FS_BASE: 18, GS_BASE: 19 } as const;
const SLOTS = 20;

// Typed arrays use the platform's byte order; the word view assumes little-endian, as every
// JavaScript engine in use is.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("ve-mmio needs a little-endian platform");

export interface VcpuSnapshot {
  gprs: bigint[];
  rip: bigint;
  rflags: bigint;
  cpl: number;
  fsBase: bigint;
  gsBase: bigint;
}

export class Vcpu {
  private readonly slots = new BigUint64Array(SLOTS);
  /** RAX..R15 in SDM register-number order. */
  readonly gprs = this.slots.subarray(0, 16);
  /**
   * The same state as 32-bit words: slot n is words[2n] (bits 31:0) and words[2n+1] (bits 63:32).
   * @internal For the #VE engine.
   */
  readonly words = new Uint32Array(this.slots.buffer);
  /** Current privilege level: 0 kernel, 3 user. */
  cpl = 0;

  constructor() {
    this.rflags = 0x2n;
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
