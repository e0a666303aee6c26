// The guest's #VE handler for port I/O (exit reason 30), SPEC §12: the exit qualification gives
// size, direction and port; RAX is the register; RIP advances by ve.instr_len. Two versions:
// before the 2026 fixes the mask had one bit too many and a 4-byte IN kept bits 63:33 (Q16).
import type { Vcpu } from "./vcpu.js";
import { portIoRequest, type TdvmcallTransport, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";

/** A port I/O #VE (exit reason 30) as the TDX module reports it. */
export interface PortIoVe {
  exitReason: 30;
  /** bits 2:0 size-1, bit 3 IN, bit 4 string, bits 31:16 port. */
  exitQualification: bigint;
  instrLen: number;
}

/** What a port I/O #VE came to. */
export type PortIoOutcome =
  | { outcome: "handled"; length: number; tdvmcall: { request: TdvmcallRegs; result: TdvmcallResult }; regs: Partial<Record<string, bigint>> }
  | {
    outcome: "fault"; error: "EIO" | "EINVAL" | "EFAULT"; step: "user_mode" | "string_io" | "tdvmcall";
    /** The call the host refused (step "tdvmcall"). */
    tdvmcall?: { request: TdvmcallRegs; result: TdvmcallResult };
    regs: Partial<Record<string, bigint>>;
  };

export interface PortIoOptions {
  /** true: the 2026 fixes (exact mask, 4-byte IN zero-extends, failure writes 0). Default true. */
  fixed?: boolean;
}

/** Decodes exit_qual the way the kernel does (the low 32 bits only). */
export function decodePortQualification(q: bigint): { size: number; isIn: boolean; isString: boolean; port: number } {
  const low = Number(q & 0xffffffffn);
  return { size: (low & 7) + 1, isIn: (low & 8) !== 0, isString: (low & 16) !== 0, port: low >>> 16 };
}

/** The kernel's mask for a `size`-byte access: exact after the fixes, one bit wider before (Q16). */
export function portMask(size: number, fixed: boolean): bigint {
  return (1n << BigInt(size * 8 + (fixed ? 0 : 1))) - 1n;
}

export function handlePortIoVe(vcpu: Vcpu, ve: PortIoVe, tdvmcall: TdvmcallTransport, options: PortIoOptions = {}): PortIoOutcome {
  const fixed = options.fixed ?? true;
  const before = vcpu.snapshot();
  if (vcpu.cpl === 3) return { outcome: "fault", error: "EFAULT", step: "user_mode", regs: {} };
  const { size, isIn, isString, port } = decodePortQualification(ve.exitQualification);
  if (isString) return { outcome: "fault", error: "EINVAL", step: "string_io", regs: {} };
  const mask = portMask(size, fixed);
  const rax = vcpu.get("rax");
  const request = portIoRequest(size, !isIn, port, rax & mask);
  const result = tdvmcall(request);
  const ok = result.r10 === 0n;
  if (isIn) {
    if (fixed) {
      // Write back the value read (0 on failure): sizes 1/2 merge, size 4 zero-extends to 64.
      const value = ok ? result.r11 & mask : 0n;
      vcpu.set("rax", size === 4 ? value : (rax & ~mask) | value);
    } else {
      // Clear the mask bits, then OR in the value on success (failure leaves them cleared).
      vcpu.set("rax", (rax & ~mask) | (ok ? result.r11 & mask : 0n));
    }
  }
  if (!ok) return { outcome: "fault", error: "EIO", step: "tdvmcall", tdvmcall: { request, result }, regs: vcpu.diff(before) };
  vcpu.rip = BigInt.asUintN(64, vcpu.rip + BigInt(ve.instrLen));
  return { outcome: "handled", length: ve.instrLen, tdvmcall: { request, result }, regs: vcpu.diff(before) };
}
