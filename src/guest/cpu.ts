// What the #VE engine needs from the machine it runs in, as narrow interfaces an embedder implements
// over its own state (the way OpenVMM's x86emu takes a Cpu trait): the registers as a word view it
// owns and the engine writes in place, and guest memory as translate / fetch code / read and write
// data. The third seam, the TDVMCALL transport, is tdvmcall/'s FrameHost. Vcpu (vcpu.ts) and
// MappedMemory (mapped-memory.ts) are this project's implementations.
import type { Translation } from "./paging.js";

/**
 * Register slots of a VeCpu's `words`. Slot n is words[2n] (bits 31:0) and words[2n + 1]
 * (bits 63:32), little-endian halves of a 64-bit value. Slots 0-15 are the GPRs in SDM register
 * number order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15, the kernel's pt_regs slots as the
 * #VE handler indexes them), then RIP, RFLAGS and the FS and GS bases: 20 slots, 40 words.
 */
export const SLOT = { RIP: 16, RFLAGS: 17, FS_BASE: 18, GS_BASE: 19 } as const;

/** Words a VeCpu's register view holds at least (20 slots of two words). */
export const REGISTER_WORDS = 40;

/**
 * A vCPU as the #VE engine sees it. The engine reads registers from `words` and writes the
 * emulated result (the destination register, RIP, and for string moves RSI/RDI/RCX) into it in
 * place; on a fault it writes nothing. Nothing is copied per #VE.
 */
export interface VeCpu {
  /** The register file (layout: SLOT), at least REGISTER_WORDS words, owned by the embedder. */
  readonly words: Uint32Array;
  /** Current privilege level: 0 kernel, 3 user (an MMIO #VE from user mode is refused). */
  readonly cpl: number;
}

/** Guest memory as the #VE engine sees it: through the vCPU's MMU, with TDX's rules. */
export interface VeMemory {
  /**
   * Instruction fetch: copies up to `max` bytes at RIP (given as 32-bit halves) into `out`,
   * page by page, each page translated for execution at `cpl`; returns how many bytes were
   * readable (the handler needs all 15).
   */
  fetchCode(ripLo: number, ripHi: number, cpl: number, out: Uint8Array, max: number): number;
  /**
   * Optional: fetchCode with RIP read from `words[at]` (bits 31:0) and `words[at + 1]` (bits
   * 63:32), the VeCpu's register view. Same bytes, same count. The engine prefers it when
   * present: RIP's halves are above 2^30 for kernel text, and V8 boxes such a number passed as
   * an argument to a call it does not inline into a heap number, an allocation per #VE.
   */
  fetchCodeAt?(words: Uint32Array, at: number, cpl: number, out: Uint8Array, max: number): number;
  /**
   * GPA page numbers (GPA >> 12, shared bit dropped) of the bytes the last fetchCode read.
   * Needed only with a decode cache, which forgets a decode when one of its pages changes.
   */
  codePages?(): number[];
  /**
   * A number that stays the same only while fetchCode at any RIP would read the same bytes
   * (no change to guest memory, mappings, page tables or CR3); -1 or absent: unknown. A decode
   * cache uses a kept decode as is only under the epoch it was made in, and re-reads the code
   * otherwise.
   */
  codeEpoch?(): number;
  /** Linear to guest-physical for a data access (arch-mode string moves). */
  translate(va: bigint, access: "read" | "write", cpl: number): Translation;
  /** True when a data access at `gpa` is MMIO: an EPT violation, emulated with a TDVMCALL. */
  isMmio(gpa: bigint): boolean;
  /** Reads guest memory at `gpa` (one page at most), or null where a guest read would fail. */
  read(gpa: bigint, len: number): Uint8Array | null;
  /** Writes guest memory at `gpa` (one page at most); false where a guest write would fail. */
  write(gpa: bigint, bytes: Uint8Array): boolean;
}
