// The TDVMCALL register ABI (GHCI), in one place: what the guest puts in registers and what the
// host returns. The guest and the host meet only here, as on real hardware.
import { lowWord, highWord } from "../words.js";

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
const IO_INSTRUCTION = 30, EPT_VIOLATION = 48, MAP_GPA = 0x10001;

/** RCX: RDX, RBX, RSI, RDI, R8-R15 exposed to the host. */
export const TDVMCALL_EXPOSE_MASK = BigInt(EXPOSE_MASK);
/** RCX's and an MMIO request's R11 (the EPT-violation sub-function) as 32-bit words. */
export const EXPOSE_MASK_WORD = EXPOSE_MASK, EPT_VIOLATION_WORD = EPT_VIOLATION;

/** GHCI TDVMCALL sub-functions (R11). */
export const SUBFN = {
  IO_INSTRUCTION: BigInt(IO_INSTRUCTION),
  EPT_VIOLATION: BigInt(EPT_VIOLATION),
  GET_TD_VM_CALL_INFO: 0x10000n,
  MAP_GPA: BigInt(MAP_GPA),
  GET_QUOTE: 0x10002n,
  REPORT_FATAL_ERROR: 0x10003n,
  SETUP_EVENT_NOTIFY_INTERRUPT: 0x10004n,
} as const;

/** TDVMCALL status codes the host returns in R10. */
export const STATUS = {
  SUCCESS: 0n,
  RETRY: 1n,
  INVALID_OPERAND: 0x8000_0000_0000_0000n,
  ALIGN_ERROR: 0x8000_0000_0000_0002n,
  SUBFUNC_UNSUPPORTED: 0x8000_0000_0000_0003n,
} as const;

/** Register positions in a TdvmcallFrame: the eight request registers, then the host's answer. */
export const FRAME = { RAX: 0, RCX: 1, R10: 2, R11: 3, R12: 4, R13: 5, R14: 6, R15: 7, STATUS: 8, DATA: 9 } as const;

/**
 * One TDVMCALL as a reusable block of registers, the only form a call takes between the guest
 * and the host: the guest writes the request (one encoder per kind below), the host reads it
 * (exitOf) and writes its answer, which is R10 (status) and R11 (data) on return from the call,
 * into the STATUS and DATA slots, so the request stays readable after the call. `regs` is the
 * BigInt view, `words` the same registers as little-endian 32-bit halves; nothing is allocated
 * per call.
 */
export class TdvmcallFrame {
  readonly regs = new BigUint64Array(10);
  readonly words = new Uint32Array(this.regs.buffer);

  /** Register `r` (FRAME.*) bits 31:0 and 63:32. */
  lo(r: number): number { return this.words[2 * r]; }
  hi(r: number): number { return this.words[2 * r + 1]; }

  /**
   * The common registers of a GHCI call: RAX 0 (TDG.VP.VMCALL), RCX the exposed mask, R10 0, R11
   * the sub-function. (The answer slots keep the last answer until the host writes the next.)
   */
  private call(subfunction: number): Uint32Array {
    const w = this.words;
    w[0] = 0; w[1] = 0;
    w[2] = EXPOSE_MASK; w[3] = 0;
    w[4] = 0; w[5] = 0;
    w[6] = subfunction; w[7] = 0;
    return w;
  }

  /**
   * An EPT-violation (MMIO) request; the GPA (shared bit included) and value come as 32-bit
   * halves. R15 carries a write's value and is 0 for reads, as in Linux v6.12+.
   */
  mmio(size: number, isWrite: boolean, gpaLo: number, gpaHi: number, valueLo: number, valueHi: number): void {
    const w = this.words;
    w[0] = 0; w[1] = 0;                                           // RAX: TDG.VP.VMCALL
    w[2] = EXPOSE_MASK; w[3] = 0;                                 // RCX
    w[4] = 0; w[5] = 0;                                           // R10: a GHCI call, not a KVM hypercall
    w[6] = EPT_VIOLATION; w[7] = 0;                               // R11
    w[8] = size; w[9] = 0;                                        // R12
    w[10] = isWrite ? 1 : 0; w[11] = 0;                           // R13
    w[12] = gpaLo; w[13] = gpaHi;                                 // R14
    w[14] = isWrite ? valueLo : 0; w[15] = isWrite ? valueHi : 0; // R15
  }

  /**
   * mmio() with the GPA and the value given as word pairs (gpa[0..1], value[0..1]) rather than
   * as arguments: V8 boxes a number above 2^30 passed to a call it does not inline into a heap
   * number, an allocation per call on the #VE engine's hot path.
   */
  mmioWords(size: number, isWrite: boolean, gpa: Uint32Array, value: Uint32Array): void {
    const w = this.words;
    w[0] = 0; w[1] = 0;
    w[2] = EXPOSE_MASK; w[3] = 0;
    w[4] = 0; w[5] = 0;
    w[6] = EPT_VIOLATION; w[7] = 0;
    w[8] = size; w[9] = 0;
    w[10] = isWrite ? 1 : 0; w[11] = 0;
    w[12] = gpa[0]; w[13] = gpa[1];
    w[14] = isWrite ? value[0] : 0; w[15] = isWrite ? value[1] : 0;
  }

  /** A port I/O request (exit reason 30): R15 carries the OUT value, 0 for IN. */
  portIo(size: number, isWrite: boolean, port: number, value: bigint): void {
    this.call(IO_INSTRUCTION);
    const r = this.regs;
    r[FRAME.R12] = BigInt(size); r[FRAME.R13] = isWrite ? 1n : 0n; r[FRAME.R14] = BigInt(port);
    r[FRAME.R15] = isWrite ? BigInt.asUintN(64, value) : 0n;
  }

  /** MapGPA: convert [gpa, gpa + size); the shared bit in `gpa` asks for shared, its absence for private. */
  mapGpa(gpa: bigint, size: bigint): void {
    this.call(MAP_GPA);
    const r = this.regs;
    r[FRAME.R12] = BigInt.asUintN(64, gpa); r[FRAME.R13] = BigInt.asUintN(64, size); r[FRAME.R14] = 0n; r[FRAME.R15] = 0n;
  }

  /** Loads BigInt request registers (any values: adversarial guests and tests) into the frame. */
  load(r: Partial<TdvmcallRegs>): void {
    const s = this.regs;
    s[0] = BigInt.asUintN(64, r.rax ?? 0n); s[1] = BigInt.asUintN(64, r.rcx ?? 0n);
    s[2] = BigInt.asUintN(64, r.r10 ?? 0n); s[3] = BigInt.asUintN(64, r.r11 ?? 0n);
    s[4] = BigInt.asUintN(64, r.r12 ?? 0n); s[5] = BigInt.asUintN(64, r.r13 ?? 0n);
    s[6] = BigInt.asUintN(64, r.r14 ?? 0n); s[7] = BigInt.asUintN(64, r.r15 ?? 0n);
    s[8] = 0n; s[9] = 0n;
  }

  /** The host's answer: R10 (status) and R11 (data) as BigInts. */
  answer(status: bigint, data: bigint): void {
    this.regs[FRAME.STATUS] = BigInt.asUintN(64, status);
    this.regs[FRAME.DATA] = BigInt.asUintN(64, data);
  }

  /** The request registers as an object (the BigInt view). */
  request(): TdvmcallRegs {
    const s = this.regs;
    return { rax: s[0], rcx: s[1], r10: s[2], r11: s[3], r12: s[4], r13: s[5], r14: s[6], r15: s[7] };
  }

  /** The host's answer (R10, R11 on return) as an object. */
  result(): TdvmcallResult {
    return { r10: this.regs[FRAME.STATUS], r11: this.regs[FRAME.DATA] };
  }

  /** True when the host answered with status 0 (success). */
  get succeeded(): boolean {
    return this.words[2 * FRAME.STATUS] === 0 && this.words[2 * FRAME.STATUS + 1] === 0;
  }
}

/** The request a frame encoder writes, as BigInt registers (for callers that hold BigInts). */
function encoded(write: (f: TdvmcallFrame) => void): TdvmcallRegs {
  const f = new TdvmcallFrame();
  write(f);
  return f.request();
}

/** MMIO read request: R15 is 0 (as in Linux v6.12+). */
export function mmioReadRequest(size: number, gpa: bigint): TdvmcallRegs {
  return encoded((f) => f.mmio(size, false, lowWord(gpa), highWord(gpa), 0, 0));
}

/** MMIO write request: R15 carries the value (only the low `size` bytes are meaningful). */
export function mmioWriteRequest(size: number, gpa: bigint, value: bigint): TdvmcallRegs {
  return encoded((f) => f.mmio(size, true, lowWord(gpa), highWord(gpa), lowWord(value), highWord(value)));
}

/** Port I/O request (exit reason 30): R15 carries the OUT value. */
export function portIoRequest(size: number, isWrite: boolean, port: number, value: bigint): TdvmcallRegs {
  return encoded((f) => f.portIo(size, isWrite, port, value));
}

/** MapGPA: convert [gpa, gpa+size); the shared bit in `gpa` asks for shared, its absence for private. */
export function mapGpaRequest(gpa: bigint, size: bigint): TdvmcallRegs {
  return encoded((f) => f.mapGpa(gpa, size));
}

/** A TDVMCALL round trip with BigInt registers (custom hosts, tests, the rare guest paths). */
export type TdvmcallTransport = (regs: TdvmcallRegs) => TdvmcallResult;

/** What a TDVMCALL reaches on the frame path: the host reads the request and answers in the frame. */
export interface FrameHost {
  handleFrame(frame: TdvmcallFrame): void;
}
