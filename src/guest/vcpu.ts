// vCPU state the #VE path reads and writes: 16 GPRs (the kernel's pt_regs slots), RIP, RFLAGS,
// CPL and the FS/GS bases. Values are unsigned 64-bit.
import { GPR64, type Gpr64 } from "../decoder/names.js";

export interface VcpuSnapshot {
  gprs: bigint[];
  rip: bigint;
  rflags: bigint;
  cpl: number;
  fsBase: bigint;
  gsBase: bigint;
}

export class Vcpu {
  /** RAX..R15 in SDM register-number order. */
  readonly gprs = new BigUint64Array(16);
  rip = 0n;
  rflags = 0x2n;
  /** Current privilege level: 0 kernel, 3 user. */
  cpl = 0;
  fsBase = 0n;
  gsBase = 0n;

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
