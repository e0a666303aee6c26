// The host (KVM + userspace) side of TDVMCALL: validates each request as KVM's TDX code does, turns
// it into a typed exit, and lets a device bus or handler answer. The guest sees only registers.
import { SUBFN, STATUS, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";
import { DeviceBus } from "./bus.js";

export type AccessSize = 1 | 2 | 4 | 8;

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

export class Host {
  readonly bus: DeviceBus;
  readonly sharedBit: bigint;
  /** The last call handled (for traces and tests). */
  last: HostCall | null = null;
  calls = 0;

  constructor(private readonly opts: HostOptions) {
    this.bus = opts.bus ?? new DeviceBus();
    this.sharedBit = 1n << BigInt(opts.gpaw - 1);
  }

  /** The TDVMCALL entry point: registers in, registers out. */
  handle(request: TdvmcallRegs): TdvmcallResult {
    this.calls++;
    const forced = this.opts.override?.(request);
    const { exit, result } = forced ? { exit: null, result: forced } : this.dispatch(request);
    this.last = { request, exit, result };
    return result;
  }

  private dispatch(r: TdvmcallRegs): { exit: HostExit | null; result: TdvmcallResult } {
    if (r.r10 !== 0n) {
      const exit: HostExit = { type: "hypercall", nr: r.r10, args: [r.r11, r.r12, r.r13, r.r14] };
      return { exit, result: this.opts.hypercall?.(exit) ?? { r10: KVM_ENOSYS, r11: 0n } };
    }
    if (r.r11 === SUBFN.EPT_VIOLATION) return this.mmio(r);
    if (r.r11 === SUBFN.IO_INSTRUCTION) return this.pio(r);
    if (r.r11 === SUBFN.MAP_GPA && this.opts.mapGpa) return this.mapGpa(r, this.opts.mapGpa);
    // MapGPA and the rest: userspace has not opted in, as KVM answers then.
    return { exit: { type: "unsupported", subfunction: r.r11 }, result: { r10: STATUS.SUBFUNC_UNSUPPORTED, r11: 0n } };
  }

  /** KVM's tdx_emulate_mmio: size, direction, both ends shared; then the shared bit is stripped. */
  private mmio(r: TdvmcallRegs): { exit: HostExit | null; result: TdvmcallResult } {
    const invalid = { exit: null, result: { r10: STATUS.INVALID_OPERAND, r11: 0n } };
    const size = Number(r.r12);
    if (r.r12 !== 1n && r.r12 !== 2n && r.r12 !== 4n && r.r12 !== 8n) return invalid;
    if (r.r13 !== 0n && r.r13 !== 1n) return invalid;
    const last = r.r14 + BigInt(size - 1);
    if ((r.r14 & this.sharedBit) === 0n || (last & this.sharedBit) === 0n) return invalid;
    const gpa = r.r14 & ~this.sharedBit;
    const isWrite = r.r13 === 1n;
    const sz = size as AccessSize;
    if (isWrite) {
      const data = BigInt.asUintN(size * 8, r.r15);
      this.bus.write(gpa, sz, data);
      return { exit: { type: "mmio", gpa, size: sz, isWrite, data }, result: { r10: STATUS.SUCCESS, r11: r.r11 } };
    }
    const data = this.bus.read(gpa, sz);
    // KVM completes the read with the data zero-extended from `size` bytes; R10 stays 0.
    return { exit: { type: "mmio", gpa, size: sz, isWrite, data }, result: { r10: STATUS.SUCCESS, r11: BigInt.asUintN(size * 8, data) } };
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
