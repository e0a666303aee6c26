// A zero-allocation reading of the last one-instruction decode: getters over the WASM record.
// For the #VE hot path, where a caller needs a handful of numbers per fault, not a full object.
import { R, FLAG, LFLAG, REG_NONE } from "./layout.js";
import { KIND_NAMES, REJECT_NAMES, type MmioKind, type LinuxRejection } from "./names.js";

/** Kind numbers as stored in records (0 = not an MMIO access). */
export const KIND = { none: 0, read: 1, write: 2, write_imm: 3, read_zero_extend: 4, read_sign_extend: 5, movs: 6 } as const;

/**
 * Valid until the next decode on the same decoder. Numbers only; `*Name` getters give strings from
 * constant tables (no allocation either).
 */
export class InsnView {
  /** @internal The decoder keeps this pointed at its current WASM memory. */
  bytes: Uint8Array;

  /** @internal */
  constructor(bytes: Uint8Array, private readonly at: number) {
    this.bytes = bytes;
  }

  private u8(offset: number): number { return this.bytes[this.at + offset]; }

  /** Instruction length as the CPU decodes it. */
  get length(): number { return this.u8(R.LEN); }
  get valid(): boolean { return this.u8(R.STATUS) === 0; }
  /** 0 ok, 1 invalid, 2 truncated, 3 longer than 15 bytes. */
  get status(): number { return this.u8(R.STATUS); }
  /** The CPU's MMIO access kind (KIND.*), 0 when none. */
  get archKind(): number { return this.u8(R.A_KIND); }
  get archKindName(): MmioKind | null { return KIND_NAMES[this.u8(R.A_KIND)] ?? null; }
  get archSize(): number { return this.u8(R.A_SIZE); }
  /** Register number 0-15 read or written by the CPU, -1 if none. */
  get archReg(): number { const r = this.u8(R.A_REG); return r === REG_NONE ? -1 : r; }
  /** The CPU's register is AH/CH/DH/BH (archReg 4-7 = bits 15:8 of RAX..RBX). */
  get archHighByte(): boolean { return (this.u8(R.FLAGS) & FLAG.HIGH_BYTE) !== 0; }
  /** Destination width in bytes of MOVZX/MOVSX/MOVSXD, 0 otherwise. */
  get archExtendTo(): number { return this.u8(R.A_EXTEND); }
  /** The kernel's MMIO kind (KIND.*), 0 when it refuses. */
  get linuxKind(): number { return this.u8(R.L_REJECT) === 0 ? this.u8(R.L_KIND) : 0; }
  get linuxKindName(): MmioKind | null { return KIND_NAMES[this.linuxKind] ?? null; }
  get linuxRejection(): LinuxRejection | null { return REJECT_NAMES[this.u8(R.L_REJECT)] ?? null; }
  /** Access size of the kernel's emulation, 0 when it refuses. */
  get linuxSize(): number { return this.u8(R.L_REJECT) === 0 ? this.u8(R.L_SIZE) : 0; }
  /** Saved-register slot 0-15 the kernel reads or writes (Q1: no high-byte case), -1 if none. */
  get linuxReg(): number { const r = this.u8(R.L_REG); return r === REG_NONE ? -1 : r; }
  /** Bytes the kernel advances RIP by when it emulates the instruction. */
  get linuxLength(): number { return this.u8(R.L_LEN); }
  /** opnd_bytes for the kernel's ZX/SX write-back, 0 otherwise. */
  get linuxExtendTo(): number { return this.u8(R.L_EXTEND); }
  /** The kernel's address computation fails (all-ones address, Q9). */
  get linuxAddressInvalid(): boolean { return (this.u8(R.L_FLAGS) & LFLAG.ADDR_INVALID) !== 0; }
  /** Divergence bit set (names.ts DIVERGENCES order); 0 when both readings agree. */
  get divergence(): number {
    const m = this.bytes;
    const o = this.at + R.DIVERGENCE;
    return (m[o] | (m[o + 1] << 8) | (m[o + 2] << 16) | (m[o + 3] << 24)) >>> 0;
  }
  /** WRITE_IMM value the kernel sends (R15), sign-extended to 64 bits. Allocates a BigInt. */
  get linuxImm(): bigint { return new DataView(this.bytes.buffer, this.at + R.L_IMM, 8).getBigInt64(0, true); }
}
