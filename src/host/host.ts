// The host (KVM + userspace) side of TDVMCALL: reads each request frame as a typed exit (exitOf,
// with KVM's checks), lets a device bus or handler answer, and writes R10/R11 into the frame. The
// guest sees only registers. MMIO requests take an allocation-free path on the frame's words.
import { FRAME, STATUS, TdvmcallFrame, type FrameHost, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";
import { exitOf, isMmioRequest, mmioOperandsValid, type AccessSize, type HostExit, type Refusal } from "../tdvmcall/exit.js";
import { DeviceBus, DeviceAnswerError, cutWords } from "./bus.js";
import { joinWords } from "../words.js";

export type { AccessSize, HostExit };

/** One handled call: the request, its exit (null when KVM refused it) and the answer. */
export interface HostCall {
  request: TdvmcallRegs;
  exit: HostExit | null;
  result: TdvmcallResult;
}

/** Told of every call as it is answered: the frame (request and answer) and its exit, null when refused. */
export type HostCallListener = (frame: TdvmcallFrame, exit: HostExit | null) => void;

/**
 * A host that cannot answer a TDVMCALL: an override or handler answered something that is not a
 * TDVMCALL answer ("bad_answer": R10 and R11 are bigints in [0, 2^64), a port I/O value a bigint,
 * a MapGPA answer "ok", "retry" or "invalid", a device read a bigint), or an override, handler or
 * device threw ("threw", the error is the `cause`). The call is not answered: the frame's answer
 * slots, `calls` and `last` are as before it. (A Td reports it as a TdError "host_failed".)
 */
export class HostError extends Error {
  constructor(readonly code: "bad_answer" | "threw", message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "HostError";
  }
}

/** How the host behaves: GPA width, devices, adversarial overrides, port I/O, MapGPA and hypercall handlers. */
export interface HostOptions {
  /** Guest physical address width: the shared bit is bit gpaw - 1. */
  gpaw: 48 | 52;
  bus?: DeviceBus;
  /**
   * Adversarial or scripted host: called first for every request; a returned result is sent to
   * the guest as is (any status, any value in R11), skipping validation and devices. It must be
   * two bigints in [0, 2^64) (else a HostError "bad_answer"); undefined lets the host answer.
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
const WORDS = 20; // a frame's 32-bit words

/** The host: KVM's TDX TDVMCALL handling and the userspace behind it. */
export class Host implements FrameHost {
  readonly bus: DeviceBus;
  readonly sharedBit: bigint;
  /** TDVMCALLs handled. */
  calls = 0;
  /** Told of every call as it is answered (the machine's traces); null: nobody listens. */
  onCall: HostCallListener | null = null;
  /** The shared bit's position (GPAW - 1). */
  private readonly sharedBitPosition: number;
  /** For handle(): the BigInt API goes through the frame path like the guest's calls. */
  private readonly scratch = new TdvmcallFrame();
  // The last call: a copy of its frame, and its exit (an MMIO exit is kept as numbers and built
  // into a HostExit only when asked for).
  private readonly lastWords = new Uint32Array(WORDS); // (a plain array: copying into a frame's own is slower)
  private lastExitKind: "none" | "mmio" | "object" = "none";
  private lastExitObject: HostExit | null = null;
  private readonly lastMmio = { size: 1 as AccessSize, isWrite: false, gpaLo: 0, gpaHi: 0, data: new Uint32Array(2) };
  /** A device read lands here first: the frame is answered only once the device returned. */
  private readonly readOut = new Uint32Array(2);
  /** The GPA of the MMIO request being served, shared bit stripped (bits 31:0, 51:32). */
  private readonly gpaOut = new Uint32Array(2);

  private readonly override: HostOptions["override"];

  constructor(private readonly opts: HostOptions) {
    this.override = opts.override;
    this.bus = opts.bus ?? new DeviceBus();
    this.sharedBit = 1n << BigInt(opts.gpaw - 1);
    this.sharedBitPosition = opts.gpaw - 1;
  }

  /** The last call handled (for tests and tools), or null before the first. */
  get last(): HostCall | null {
    if (this.calls === 0) return null;
    const frame = new TdvmcallFrame();
    frame.words.set(this.lastWords);
    return { request: frame.request(), exit: this.lastExit(), result: frame.result() };
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
   * into its answer slots. MMIO requests are checked and served without BigInt arithmetic.
   */
  handleFrame(f: TdvmcallFrame): void {
    const w = f.words;
    try {
      if (this.override === undefined || !this.overridden(f)) {
        if (isMmioRequest(w)) this.mmio(f);
        else this.serve(f, exitOf(f, this.opts.gpaw));
      }
    } catch (e) {
      // Nothing was answered: the frame's answer slots are written only once the answer is whole.
      throw hostFailure(e);
    }
    this.calls++;
    recordFrame(this.lastWords, w);
    if (this.onCall !== null) this.onCall(f, this.lastExit());
  }

  /** Asks the override; true when it answered (the answer is then in the frame). */
  private overridden(f: TdvmcallFrame): boolean {
    const forced: unknown = this.override!(f.request());
    if (forced === undefined) return false;
    const r10 = answerRegister(forced, "r10"), r11 = answerRegister(forced, "r11");
    this.lastExitKind = "none";
    f.answer(r10, r11);
    return true;
  }

  /** Answers a non-MMIO request from its exit. */
  private serve(f: TdvmcallFrame, exit: HostExit | Refusal): void {
    const mapGpa = this.opts.mapGpa;
    if ((exit.type === "mapGpa" || (exit.type === "refused" && exit.call === "mapGpa")) && !mapGpa) {
      // Userspace has not opted in to MapGPA exits: KVM answers as for any unknown sub-function.
      return this.finish(f, { type: "unsupported", subfunction: f.regs[FRAME.R11] }, STATUS.SUBFUNC_UNSUPPORTED, 0n);
    }
    switch (exit.type) {
      case "refused": return this.finish(f, null, exit.status, exit.data);
      case "hypercall": {
        const r: unknown = this.opts.hypercall?.(exit) ?? { r10: KVM_ENOSYS, r11: 0n };
        return this.finish(f, exit, answerRegister(r, "r10", "hypercall handler"), answerRegister(r, "r11", "hypercall handler"));
      }
      case "pio": {
        const value: unknown = this.opts.pio?.(exit);
        if (value !== undefined && typeof value !== "bigint") throw new HostError("bad_answer", `the port I/O handler answered a ${typeof value}, not a bigint or undefined`);
        if (exit.isWrite) return this.finish(f, exit, STATUS.SUCCESS, 0n);
        exit.data = BigInt.asUintN(exit.size * 8, value ?? -1n); // unhandled IN reads all-ones
        return this.finish(f, exit, STATUS.SUCCESS, exit.data);
      }
      case "mapGpa": return this.mapGpa(f, exit, mapGpa!);
      case "mmio": return this.mmio(f);
      case "unsupported": return this.finish(f, exit, STATUS.SUBFUNC_UNSUPPORTED, 0n);
    }
  }

  private finish(f: TdvmcallFrame, exit: HostExit | null, status: bigint, data: bigint): void {
    f.answer(status, data);
    this.lastExitObject = exit;
    this.lastExitKind = exit ? "object" : "none";
  }

  /**
   * KVM's tdx_emulate_mmio: size, direction, both ends shared; then the shared bit is stripped
   * and the device answers. Works on the frame's 32-bit halves.
   */
  private mmio(f: TdvmcallFrame): void {
    const w = f.words;
    const S = 2 * FRAME.STATUS, D = 2 * FRAME.DATA;
    if (!mmioOperandsValid(w, this.sharedBitPosition)) {
      w[S] = 0; w[S + 1] = 0x80000000; // INVALID_OPERAND
      w[D] = 0; w[D + 1] = 0;
      this.lastExitKind = "none";
      return;
    }
    const size = w[2 * FRAME.R12], dir = w[2 * FRAME.R13];
    // The GPA without the shared bit, as the word pair the bus takes. (Kept in locals too: a device
    // that calls the host again reuses gpaOut and readOut before the record below is written.)
    const gpaLo = w[2 * FRAME.R14];
    const gpaHi = (w[2 * FRAME.R14 + 1] & ~(1 << (this.sharedBitPosition - 32))) >>> 0;
    const gpa = this.gpaOut;
    gpa[0] = gpaLo;
    gpa[1] = gpaHi;
    // The device first, the answer and the record of the call after it (a device that throws, or
    // calls the host again, leaves neither half-written). The bus cuts a write's value to `size`.
    if (dir === 1) {
      this.bus.writeWords(gpa, size as AccessSize, w, 2 * FRAME.R15);
      // R11 returns the request's value (the guest ignores it on writes).
      w[D] = w[2 * FRAME.R11]; w[D + 1] = w[2 * FRAME.R11 + 1];
    } else {
      // KVM completes the read with the data zero-extended from `size` bytes; R10 stays 0.
      const out = this.readOut;
      this.bus.readWords(gpa, size as AccessSize, out, 0);
      w[D] = out[0];
      w[D + 1] = out[1];
    }
    w[S] = 0; w[S + 1] = 0;
    const m = this.lastMmio;
    m.gpaLo = gpaLo;
    m.gpaHi = gpaHi;
    m.size = size as AccessSize; m.isWrite = dir === 1;
    cutWords(size, w, dir === 1 ? 2 * FRAME.R15 : D, m.data, 0);
    this.lastExitKind = "mmio";
  }

  /** KVM's tdx_map_gpa after the checks: 2 MiB chunks handed to userspace one by one. */
  private mapGpa(f: TdvmcallFrame, range: Extract<HostExit, { type: "mapGpa" }>, handler: NonNullable<HostOptions["mapGpa"]>): void {
    const shared = range.toShared ? this.sharedBit : 0n;
    const end = range.gpa + BigInt(range.pages) * 0x1000n;
    let at = range.gpa;
    while (at < end) {
      const chunk = end - at < 0x200000n ? end - at : 0x200000n;
      const answer: unknown = handler({ type: "mapGpa", gpa: at, pages: Number(chunk >> 12n), toShared: range.toShared });
      if (answer !== "ok" && answer !== "retry" && answer !== "invalid") throw new HostError("bad_answer", `the MapGPA handler answered ${describe(answer)}, not "ok", "retry" or "invalid"`);
      // R11 = the next unprocessed GPA (with the shared bit, as the guest asked).
      if (answer === "retry") return this.finish(f, range, STATUS.RETRY, at | shared);
      if (answer === "invalid") return this.finish(f, range, STATUS.INVALID_OPERAND, at | shared);
      at += chunk;
    }
    this.finish(f, range, STATUS.SUCCESS, 0n);
  }
}

const U64_END = 1n << 64n;

/**
 * What handleFrame throws when serving a call failed: a HostError as it is, a device's bad answer
 * as "bad_answer", anything else as "threw" with it as the cause. (Out of handleFrame, which
 * stays small enough for V8 to inline into the #VE path.)
 */
function hostFailure(e: unknown): HostError {
  if (e instanceof HostError) return e;
  if (e instanceof DeviceAnswerError) return new HostError("bad_answer", e.message);
  return new HostError("threw", `the host's override, handler or device threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * Copies a frame's 20 words into the host's record of the last call, written out word by word:
 * in a loop V8 re-checks both arrays (map, length, detached buffer) on every iteration, which
 * made this copy a sixth of a cached #VE round trip; straight-line, it checks them once.
 */
function recordFrame(q: Uint32Array, w: Uint32Array): void {
  q[0] = w[0]; q[1] = w[1]; q[2] = w[2]; q[3] = w[3]; q[4] = w[4];
  q[5] = w[5]; q[6] = w[6]; q[7] = w[7]; q[8] = w[8]; q[9] = w[9];
  q[10] = w[10]; q[11] = w[11]; q[12] = w[12]; q[13] = w[13]; q[14] = w[14];
  q[15] = w[15]; q[16] = w[16]; q[17] = w[17]; q[18] = w[18]; q[19] = w[19];
}

/** A value for a message: its type, and the value itself when it is short. */
function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.slice(0, 20));
  if (v === null || v === undefined) return String(v);
  if (typeof v === "number" || typeof v === "boolean") return `${String(v)} (a ${typeof v})`;
  return `a ${typeof v}`;
}

/** R10 or R11 of an override's or handler's answer: a bigint in [0, 2^64), else a HostError. */
function answerRegister(answer: unknown, reg: "r10" | "r11", who = "override"): bigint {
  const v = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>)[reg] : undefined;
  if (typeof v !== "bigint" || v < 0n || v >= U64_END) {
    const what = typeof answer === "object" && answer !== null ? `${reg} = ${describe(v)}` : describe(answer);
    throw new HostError("bad_answer", `the host's ${who} answered ${what}: R10 and R11 are bigints in [0, 2^64)`);
  }
  return v;
}
