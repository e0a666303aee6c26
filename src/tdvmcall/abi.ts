// The TDVMCALL register ABI (GHCI), in one place: what the guest puts in registers and what the
// host returns. The guest and the host meet only here, as on real hardware.

/** Registers of a TDG.VP.VMCALL as issued (RAX = 0 = TDG.VP.VMCALL leaf; RCX = exposed mask). */
export interface TdvmcallRegs {
  rax: bigint; rcx: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
}

/** Host's answer: R10 = status, R11 = data (reads; MapGPA retry address). */
export interface TdvmcallResult {
  r10: bigint;
  r11: bigint;
}

/** RCX: RDX, RBX, RSI, RDI, R8-R15 exposed to the host. */
export const TDVMCALL_EXPOSE_MASK = 0xffccn;

export const SUBFN = {
  IO_INSTRUCTION: 30n,
  EPT_VIOLATION: 48n,
  GET_TD_VM_CALL_INFO: 0x10000n,
  MAP_GPA: 0x10001n,
  GET_QUOTE: 0x10002n,
  REPORT_FATAL_ERROR: 0x10003n,
  SETUP_EVENT_NOTIFY_INTERRUPT: 0x10004n,
} as const;

export const STATUS = {
  SUCCESS: 0n,
  RETRY: 1n,
  INVALID_OPERAND: 0x8000_0000_0000_0000n,
  ALIGN_ERROR: 0x8000_0000_0000_0002n,
  SUBFUNC_UNSUPPORTED: 0x8000_0000_0000_0003n,
} as const;

export const EPT_READ = 0n;
export const EPT_WRITE = 1n;

function call(r11: bigint, r12: bigint, r13: bigint, r14: bigint, r15: bigint): TdvmcallRegs {
  return { rax: 0n, rcx: TDVMCALL_EXPOSE_MASK, r10: 0n, r11, r12, r13, r14, r15 };
}

/** MMIO read request: R15 is 0 (as in Linux v6.12+). */
export function mmioReadRequest(size: number, gpa: bigint): TdvmcallRegs {
  return call(SUBFN.EPT_VIOLATION, BigInt(size), EPT_READ, gpa, 0n);
}

/** MMIO write request: R15 carries the value (only the low `size` bytes are meaningful). */
export function mmioWriteRequest(size: number, gpa: bigint, value: bigint): TdvmcallRegs {
  return call(SUBFN.EPT_VIOLATION, BigInt(size), EPT_WRITE, gpa, BigInt.asUintN(64, value));
}

/** The transport: one TDVMCALL round trip to whatever host is attached. */
export type TdvmcallTransport = (regs: TdvmcallRegs) => TdvmcallResult;

/** Port I/O request (exit reason 30): R15 carries the OUT value. */
export function portIoRequest(size: number, isWrite: boolean, port: number, value: bigint): TdvmcallRegs {
  return call(SUBFN.IO_INSTRUCTION, BigInt(size), isWrite ? 1n : 0n, BigInt(port), isWrite ? BigInt.asUintN(64, value) : 0n);
}

/** MapGPA: convert [gpa, gpa+size); the shared bit in `gpa` asks for shared, its absence for private. */
export function mapGpaRequest(gpa: bigint, size: bigint): TdvmcallRegs {
  return call(SUBFN.MAP_GPA, gpa, size, 0n, 0n);
}
