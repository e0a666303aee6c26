// The host's reading of a TDVMCALL frame: which exit the request is (MMIO, port I/O, MapGPA, a KVM
// hypercall, an unsupported sub-function) with KVM's checks of its operands, or the status KVM
// refuses it with before any exit reaches userspace. The MMIO checks also run on the frame's
// words alone (mmioOperandsValid), which is how the host's allocation-free MMIO path reads a frame.
import { FRAME, STATUS, SUBFN, type TdvmcallFrame } from "./abi.js";

/** Bytes of one MMIO access. */
export type AccessSize = 1 | 2 | 4 | 8;

/** Typed exits, one structure per kind instead of raw registers (GPAs without the shared bit). */
export type HostExit =
  | { type: "mmio"; gpa: bigint; size: AccessSize; isWrite: boolean; data: bigint }
  | { type: "pio"; port: number; size: 1 | 2 | 4; isWrite: boolean; data: bigint }
  | { type: "hypercall"; nr: bigint; args: bigint[] }
  /** A MapGPA range (KVM hands it to userspace in chunks of at most 2 MiB, each one such exit). */
  | { type: "mapGpa"; gpa: bigint; pages: number; toShared: boolean }
  | { type: "unsupported"; subfunction: bigint };

/** A request KVM refuses before any exit: the call it was, and R10/R11 of the answer. */
export interface Refusal {
  type: "refused";
  call: "mmio" | "pio" | "mapGpa";
  status: bigint;
  data: bigint;
}

/**
 * KVM's tdx_emulate_mmio checks on the frame's words: size 1/2/4/8, direction 0/1, and both the
 * first and the last byte's GPA shared. `sharedBit` is the shared bit's position (GPAW - 1).
 */
export function mmioOperandsValid(w: Uint32Array, sharedBit: number): boolean {
  const size = w[2 * FRAME.R12], dir = w[2 * FRAME.R13];
  const lo = w[2 * FRAME.R14], hi = w[2 * FRAME.R14 + 1];
  const lastHi = lo + size - 1 > 0xffffffff ? (hi + 1) >>> 0 : hi;
  const bit = sharedBit - 32;
  return w[2 * FRAME.R12 + 1] === 0 && (size === 1 || size === 2 || size === 4 || size === 8)
    && w[2 * FRAME.R13 + 1] === 0 && dir <= 1
    && ((hi >>> bit) & 1) === 1 && ((lastHi >>> bit) & 1) === 1;
}

/** True when the frame is a GHCI EPT-violation (MMIO) request: R10 0, R11 48. */
export function isMmioRequest(w: Uint32Array): boolean {
  return w[2 * FRAME.R10] === 0 && w[2 * FRAME.R10 + 1] === 0 && w[2 * FRAME.R11] === 48 && w[2 * FRAME.R11 + 1] === 0;
}

/** What the request in `frame` asks of a host whose shared bit is bit `gpaw - 1`. */
export function exitOf(frame: TdvmcallFrame, gpaw: 48 | 52): HostExit | Refusal {
  const r = frame.regs;
  const r10 = r[FRAME.R10], r11 = r[FRAME.R11], r12 = r[FRAME.R12], r13 = r[FRAME.R13];
  if (r10 !== 0n) return { type: "hypercall", nr: r10, args: [r11, r12, r13, r[FRAME.R14]] };
  const sharedBit = 1n << BigInt(gpaw - 1);
  if (r11 === SUBFN.EPT_VIOLATION) {
    if (!mmioOperandsValid(frame.words, gpaw - 1)) return { type: "refused", call: "mmio", status: STATUS.INVALID_OPERAND, data: 0n };
    const size = Number(r12) as AccessSize, isWrite = r13 === 1n;
    return { type: "mmio", gpa: r[FRAME.R14] & ~sharedBit, size, isWrite, data: isWrite ? BigInt.asUintN(size * 8, r[FRAME.R15]) : 0n };
  }
  if (r11 === SUBFN.IO_INSTRUCTION) {
    // KVM's tdx_emulate_io: size 1/2/4, direction 0/1.
    if ((r12 !== 1n && r12 !== 2n && r12 !== 4n) || (r13 !== 0n && r13 !== 1n)) {
      return { type: "refused", call: "pio", status: STATUS.INVALID_OPERAND, data: 0n };
    }
    const size = Number(r12) as 1 | 2 | 4, isWrite = r13 === 1n;
    return { type: "pio", port: Number(r[FRAME.R14] & 0xffffn), size, isWrite, data: isWrite ? BigInt.asUintN(size * 8, r[FRAME.R15]) : 0n };
  }
  if (r11 === SUBFN.MAP_GPA) {
    // KVM's tdx_map_gpa: inside the GPA space, one side of the shared bit, whole pages.
    const gpa = r12, size = r13, end = r12 + r13, limit = sharedBit << 1n;
    if (size === 0n || end > (1n << 64n) - 1n || end > limit || gpa >= limit || (gpa & sharedBit) !== ((end - 1n) & sharedBit)) {
      return { type: "refused", call: "mapGpa", status: STATUS.INVALID_OPERAND, data: gpa };
    }
    if ((gpa & 0xfffn) !== 0n || (size & 0xfffn) !== 0n) return { type: "refused", call: "mapGpa", status: STATUS.ALIGN_ERROR, data: gpa };
    return { type: "mapGpa", gpa: gpa & ~sharedBit, pages: Number(size >> 12n), toShared: (gpa & sharedBit) !== 0n };
  }
  return { type: "unsupported", subfunction: r11 };
}
