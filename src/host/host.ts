// The host (KVM + userspace) side of TDVMCALL: validates each request as KVM's TDX code does, turns
// it into a typed exit, and lets a device bus or handler answer. The guest sees only registers.
import { SUBFN, STATUS, FRAME, TdvmcallFrame, type FrameHost, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";
import { DeviceBus, cutLo, cutHi, type AccessSize } from "./bus.js";
import { joinWords } from "../words.js";

export type { AccessSize };

/** Typed exits, one structure per kind instead of raw registers. */
export type HostExit =
  | { type: "mmio"; gpa: bigint; size: AccessSize; isWrite: boolean; data: bigint }
  | { type: "pio"; port: number; size: 1 | 2 | 4; isWrite: boolean; data: bigint }
  | { type: "hypercall"; nr: bigint; args: bigint[] }
  /** One chunk (at most 2 MiB) of a MapGPA, as KVM hands it to userspace (KVM_HC_MAP_GPA_RANGE). */
  | { type: "mapGpa"; gpa: bigint; pages: number; toShared: boolean }
  | { type: "unsupported"; subfunction: bigint };

/** One handled call: the request, its exit (if validation passed) and the answer. */
export interface HostCall {
  request: TdvmcallRegs;
  exit: HostExit | null;
  result: TdvmcallResult;
}

export interface HostOptions {
  /** Guest physical address width: the shared bit is bit gpaw - 1. */
  gpaw: 48 | 52;
  bus?: DeviceBus;
  /**
   * Adversarial or scripted host: called first for every request; a returned result is sent to
   * the guest as is (any status, any garbage in R11), skipping validation and devices.
   */
  override?: (request: TdvmcallRegs) => TdvmcallResult | undefined;
  /** Port I/O handler (exit reason 30); unhandled IN reads all-ones. */
  pio?: (exit: Extract<HostExit, { type: "pio" }>) => bigint | void;
  /**
   * Userspace's MapGPA handler (the opt-in to KVM_HC_MAP_GPA_RANGE exits): "ok" moves to the next
   * chunk, "retry" (interrupt pending / -EAGAIN) returns RETRY, "invalid" INVALID_OPERAND, both with
   * R11 = the next unprocessed GPA. Without a handler MapGPA is SUBFUNC_UNSUPPORTED.
   */
  mapGpa?: (exit: Extract<HostExit, { type: "mapGpa" }>) => "ok" | "retry" | "invalid";
  /** KVM hypercall handler for R10 != 0; unhandled ones return -KVM_ENOSYS in R10. */
  hypercall?: (exit: Extract<HostExit, { type: "hypercall" }>) => TdvmcallResult;
}

const KVM_ENOSYS = BigInt.asUintN(64, -1000n);

export class Host implements FrameHost {
  readonly bus: DeviceBus;
  readonly sharedBit: bigint;
  calls = 0;
  /** The shared bit's position inside R14's bits 63:32. */
  private readonly sharedHiBit: number;
  /** For handle(): the BigInt API goes through the frame path like the guest's calls. */
  private readonly scratch = new TdvmcallFrame();
  // The last call, kept as numbers and built into a HostCall only when asked for.
  private readonly lastRequest = new Uint32Array(16);
  private readonly lastAnswer = new Uint32Array(4);
  private lastExitKind: "none" | "mmio" | "object" = "none";
  private lastExitObject: HostExit | null = null;
  private readonly lastMmio = { size: 1 as AccessSize, isWrite: false, gpaLo: 0, gpaHi: 0, data: new Uint32Array(2) };

  private readonly override: HostOptions["override"];

  constructor(private readonly opts: HostOptions) {
    this.override = opts.override;
    this.bus = opts.bus ?? new DeviceBus();
    this.sharedBit = 1n << BigInt(opts.gpaw - 1);
    this.sharedHiBit = opts.gpaw - 1 - 32;
  }

  /** The last call handled (for traces and tests), or null before the first. */
  get last(): HostCall | null {
    if (this.calls === 0) return null;
    const request = new TdvmcallFrame();
    request.words.set(this.lastRequest);
    const answer = new TdvmcallFrame();
    answer.words.set(this.lastAnswer, 2 * FRAME.R10);
    return { request: request.request(), exit: this.lastExit(), result: answer.result() };
  }

  private lastExit(): HostExit | null {
    if (this.lastExitKind === "object") return this.lastExitObject;
    if (this.lastExitKind === "none") return null;
    const m = this.lastMmio;
    return { type: "mmio", gpa: joinWords(m.gpaLo, m.gpaHi), size: m.size, isWrite: m.isWrite, data: joinWords(m.data[0], m.data[1]) };
  }

  /** The TDVMCALL entry point with BigInt registers: registers in, registers out. */
  handle(request: TdvmcallRegs): TdvmcallResult {
    this.scratch.load(request);
    this.handleFrame(this.scratch);
    return this.scratch.result();
  }

  /**
   * The TDVMCALL entry point on a frame: reads the request, writes R10 (status) and R11 (data)
   * into it. MMIO requests are validated and served without BigInt arithmetic.
   */
  handleFrame(f: TdvmcallFrame): void {
    this.calls++;
    const w = f.words, q = this.lastRequest;
    for (let i = 0; i < 16; i++) q[i] = w[i]; // (a plain loop: cheaper than set() for 16 words)
    this.lastExitKind = "none";
    const forced = this.override === undefined ? undefined : this.override(f.request());
    if (forced) this.answer(f, null, forced);
    else if (f.lo(FRAME.R10) === 0 && f.hi(FRAME.R10) === 0 && f.lo(FRAME.R11) === 48 && f.hi(FRAME.R11) === 0) this.mmio(f);
    else {
      const { exit, result } = this.dispatch(f.request());
      this.answer(f, exit, result);
    }
    const a = this.lastAnswer;
    a[0] = w[2 * FRAME.R10]; a[1] = w[2 * FRAME.R10 + 1]; a[2] = w[2 * FRAME.R11]; a[3] = w[2 * FRAME.R11 + 1];
  }

  private answer(f: TdvmcallFrame, exit: HostExit | null, result: TdvmcallResult): void {
    f.regs[FRAME.R10] = BigInt.asUintN(64, result.r10);
    f.regs[FRAME.R11] = BigInt.asUintN(64, result.r11);
    this.lastExitObject = exit;
    this.lastExitKind = exit ? "object" : "none";
  }

  private dispatch(r: TdvmcallRegs): { exit: HostExit | null; result: TdvmcallResult } {
    if (r.r10 !== 0n) {
      const exit: HostExit = { type: "hypercall", nr: r.r10, args: [r.r11, r.r12, r.r13, r.r14] };
      return { exit, result: this.opts.hypercall?.(exit) ?? { r10: KVM_ENOSYS, r11: 0n } };
    }
    if (r.r11 === SUBFN.IO_INSTRUCTION) return this.pio(r);
    if (r.r11 === SUBFN.MAP_GPA && this.opts.mapGpa) return this.mapGpa(r, this.opts.mapGpa);
    // MapGPA and the rest: userspace has not opted in, as KVM answers then.
    return { exit: { type: "unsupported", subfunction: r.r11 }, result: { r10: STATUS.SUBFUNC_UNSUPPORTED, r11: 0n } };
  }

  /**
   * KVM's tdx_emulate_mmio: size, direction, both ends shared; then the shared bit is stripped
   * and the device answers. Works on the frame's 32-bit halves.
   */
  private mmio(f: TdvmcallFrame): void {
    const w = f.words;
    const size = w[2 * FRAME.R12];
    const dir = w[2 * FRAME.R13];
    const lo = w[2 * FRAME.R14], hi = w[2 * FRAME.R14 + 1];
    const lastLo = lo + size - 1;
    const lastHi = lastLo > 0xffffffff ? (hi + 1) >>> 0 : hi;
    const bit = this.sharedHiBit;
    if (w[2 * FRAME.R12 + 1] !== 0 || (size !== 1 && size !== 2 && size !== 4 && size !== 8)
      || w[2 * FRAME.R13 + 1] !== 0 || dir > 1
      || ((hi >>> bit) & 1) === 0 || ((lastHi >>> bit) & 1) === 0) {
      w[2 * FRAME.R10] = 0; w[2 * FRAME.R10 + 1] = 0x80000000; // INVALID_OPERAND
      w[2 * FRAME.R11] = 0; w[2 * FRAME.R11 + 1] = 0;
      return;
    }
    const gpaHi = (hi & ~(1 << bit)) >>> 0;
    const gpa = gpaHi * 0x1_0000_0000 + lo;
    const m = this.lastMmio;
    m.gpaLo = lo; m.gpaHi = gpaHi; m.size = size as AccessSize; m.isWrite = dir === 1;
    this.lastExitKind = "mmio";
    if (dir === 1) {
      m.data[0] = cutLo(size, w[2 * FRAME.R15]);
      m.data[1] = cutHi(size, w[2 * FRAME.R15 + 1]);
      this.bus.writeWords(gpa, size as AccessSize, m.data[0], m.data[1]);
      // R11 keeps the request's value (the guest ignores it on writes), as before.
    } else {
      // KVM completes the read with the data zero-extended from `size` bytes; R10 stays 0.
      this.bus.readWords(gpa, size as AccessSize, w, 2 * FRAME.R11);
      m.data[0] = w[2 * FRAME.R11];
      m.data[1] = w[2 * FRAME.R11 + 1];
    }
    w[2 * FRAME.R10] = 0; w[2 * FRAME.R10 + 1] = 0;
  }

  /** KVM's tdx_map_gpa: validation, then 2 MiB chunks handed to userspace one by one. */
  private mapGpa(r: TdvmcallRegs, handler: NonNullable<HostOptions["mapGpa"]>): { exit: HostExit | null; result: TdvmcallResult } {
    const gpa = r.r12, size = r.r13, end = r.r12 + r.r13;
    const limit = this.sharedBit << 1n;
    if (size === 0n || end > (1n << 64n) - 1n || end > limit || gpa >= limit
      || (gpa & this.sharedBit) !== ((end - 1n) & this.sharedBit)) {
      return { exit: null, result: { r10: STATUS.INVALID_OPERAND, r11: gpa } };
    }
    if ((gpa & 0xfffn) !== 0n || (size & 0xfffn) !== 0n) return { exit: null, result: { r10: STATUS.ALIGN_ERROR, r11: gpa } };
    const toShared = (gpa & this.sharedBit) !== 0n;
    let at = gpa;
    let exit: HostExit | null = null;
    while (at < end) {
      const chunk = end - at < 0x200000n ? end - at : 0x200000n;
      exit = { type: "mapGpa", gpa: at & ~this.sharedBit, pages: Number(chunk >> 12n), toShared };
      const answer = handler(exit);
      if (answer === "retry") return { exit, result: { r10: STATUS.RETRY, r11: at } };
      if (answer === "invalid") return { exit, result: { r10: STATUS.INVALID_OPERAND, r11: at } };
      at += chunk;
    }
    return { exit, result: { r10: STATUS.SUCCESS, r11: 0n } };
  }

  /** KVM's tdx_emulate_io: size 1/2/4, direction 0/1. */
  private pio(r: TdvmcallRegs): { exit: HostExit | null; result: TdvmcallResult } {
    if ((r.r12 !== 1n && r.r12 !== 2n && r.r12 !== 4n) || (r.r13 !== 0n && r.r13 !== 1n)) {
      return { exit: null, result: { r10: STATUS.INVALID_OPERAND, r11: 0n } };
    }
    const size = Number(r.r12) as 1 | 2 | 4;
    const isWrite = r.r13 === 1n;
    const exit = { type: "pio" as const, port: Number(r.r14 & 0xffffn), size, isWrite, data: isWrite ? BigInt.asUintN(size * 8, r.r15) : 0n };
    const value = this.opts.pio?.(exit);
    if (isWrite) return { exit, result: { r10: STATUS.SUCCESS, r11: 0n } };
    exit.data = BigInt.asUintN(size * 8, value ?? -1n);
    return { exit, result: { r10: STATUS.SUCCESS, r11: exit.data } };
  }
}
