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

const EXPOSE_MASK = 0xffcc;
const EPT_VIOLATION = 48;

/** RCX: RDX, RBX, RSI, RDI, R8-R15 exposed to the host. */
export const TDVMCALL_EXPOSE_MASK = BigInt(EXPOSE_MASK);

export const SUBFN = {
  IO_INSTRUCTION: 30n,
  EPT_VIOLATION: BigInt(EPT_VIOLATION),
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

/** Register positions in a TdvmcallFrame. */
export const FRAME = { RAX: 0, RCX: 1, R10: 2, R11: 3, R12: 4, R13: 5, R14: 6, R15: 7 } as const;

/**
 * The TDVMCALL registers as one reusable block, the form the #VE hot path uses: the guest fills
 * it, the host answers in it (R10 status, R11 data), and nothing is allocated per call. `regs`
 * gives the BigInt view, `words` the same registers as little-endian 32-bit halves.
 */
export class TdvmcallFrame {
  readonly regs = new BigUint64Array(8);
  readonly words = new Uint32Array(this.regs.buffer);

  /** Register `r` (FRAME.*) bits 31:0 and 63:32. */
  lo(r: number): number { return this.words[2 * r]; }
  hi(r: number): number { return this.words[2 * r + 1]; }

  /** Sets register `r` from 32-bit halves. */
  setWords(r: number, lo: number, hi: number): void {
    this.words[2 * r] = lo;
    this.words[2 * r + 1] = hi;
  }

  /** Writes an EPT-violation request; the GPA (shared bit included) and value come as 32-bit halves. */
  mmio(size: number, isWrite: boolean, gpaLo: number, gpaHi: number, valueLo: number, valueHi: number): void {
    const w = this.words;
    w[0] = 0; w[1] = 0;                              // RAX: TDG.VP.VMCALL
    w[2] = EXPOSE_MASK; w[3] = 0;                    // RCX
    w[4] = 0; w[5] = 0;                              // R10: a GHCI call, not a KVM hypercall
    w[6] = EPT_VIOLATION; w[7] = 0;                  // R11
    w[8] = size; w[9] = 0;                           // R12
    w[10] = isWrite ? 1 : 0; w[11] = 0;              // R13
    w[12] = gpaLo; w[13] = gpaHi;                    // R14
    w[14] = isWrite ? valueLo : 0; w[15] = isWrite ? valueHi : 0; // R15 (0 for reads, as in v6.12+)
  }

  /** Loads BigInt registers (request or answer) into the frame. */
  load(r: Partial<TdvmcallRegs>): void {
    const s = this.regs;
    s[0] = r.rax ?? 0n; s[1] = r.rcx ?? 0n; s[2] = BigInt.asUintN(64, r.r10 ?? 0n); s[3] = BigInt.asUintN(64, r.r11 ?? 0n);
    s[4] = BigInt.asUintN(64, r.r12 ?? 0n); s[5] = BigInt.asUintN(64, r.r13 ?? 0n); s[6] = BigInt.asUintN(64, r.r14 ?? 0n); s[7] = BigInt.asUintN(64, r.r15 ?? 0n);
  }

  /** The frame's registers as a request object. */
  request(): TdvmcallRegs {
    const s = this.regs;
    return { rax: s[0], rcx: s[1], r10: s[2], r11: s[3], r12: s[4], r13: s[5], r14: s[6], r15: s[7] };
  }

  /** The host's answer (R10, R11). */
  result(): TdvmcallResult {
    return { r10: this.regs[FRAME.R10], r11: this.regs[FRAME.R11] };
  }
}

/** What a TDVMCALL reaches on the frame path: the host reads the request and answers in the frame. */
export interface FrameHost {
  handleFrame(frame: TdvmcallFrame): void;
}

/** Adapts a register-object transport (custom hosts, tests) to the frame form. */
export function frameHost(transport: TdvmcallTransport): FrameHost {
  return {
    handleFrame(frame) {
      const result = transport(frame.request());
      frame.regs[FRAME.R10] = BigInt.asUintN(64, result.r10);
      frame.regs[FRAME.R11] = BigInt.asUintN(64, result.r11);
    },
  };
}
