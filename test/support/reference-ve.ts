// A second, deliberately plain implementation of the #VE MMIO handler for differential tests: it
// reads the full decode (DecodedInsn, BigInt fields) instead of the engine's numeric plan, and
// does all arithmetic on 64-bit BigInts straight from SPEC §7-8. The engine works on 32-bit
// words and the decoder's view; where the two disagree, one of them is wrong.
import type { DecodedInsn, MemOperand } from "../../src/decoder/record.js";
import { GPR64, GPR32 } from "../../src/decoder/names.js";

export interface RefState {
  regs: bigint[];
  rip: bigint;
  rflags: bigint;
  fsBase: bigint;
  gsBase: bigint;
}

/**
 * The guest as the reference sees it (for MOVS in arch mode): one device page and one page of
 * memory, by linear address; everything else is unmapped.
 */
export interface RefGuest {
  deviceVa: bigint;
  device: Uint8Array;
  memoryVa: bigint;
  memory: Uint8Array;
}

export interface RefResult {
  handled: boolean;
  error: string | null;
  step: string | null;
  regs: bigint[];
  rip: bigint;
  /** The last MMIO request sent to the host (size, direction, R15 value), or null. */
  request: { size: number; isWrite: boolean; value: bigint; deviceOffset?: number } | null;
  /** MOVS into memory: the memory page's offset and the bytes written. */
  memoryWrite?: { offset: number; bytes: number[] };
}

const M64 = (1n << 64n) - 1n;
const mask = (bytes: number): bigint => (1n << BigInt(bytes * 8)) - 1n;
const u64 = (v: bigint): bigint => v & M64;

/** A register as a memory operand names it: a 32-bit name (67h) reads the register's low half. */
function registerValue(name: string, s: RefState): bigint {
  return GPR64.includes(name as never) ? s.regs[GPR64.indexOf(name as never)] : s.regs[GPR32.indexOf(name as never)] & 0xffffffffn;
}

/** The kernel's vaddr from the instruction and saved registers (SPEC §7 step 7). */
function kernelVaddr(mem: MemOperand, insn: DecodedInsn, s: RefState): bigint {
  const l = insn.linux;
  if (!l.emulated) throw new Error("no kernel operand");
  if (l.addressInvalid) return M64;
  if (l.registerForm) return segmented(mem.base && !mem.rip ? registerValue(mem.base, s) : 0n, mem, l.addressSize, s);
  return segmented(offsetOf(mem, l.length, s), mem, l.addressSize, s);
}

/** The CPU's linear address of the memory operand (SDM: base + index * scale + disp, 67h, FS/GS base). */
function archVaddr(mem: MemOperand, insn: DecodedInsn, s: RefState): bigint {
  return segmented(offsetOf(mem, insn.length, s), mem, insn.addressSize, s);
}

/** base + index * scale + disp (RIP-relative: from the next instruction at `length`). */
function offsetOf(mem: MemOperand, length: number, s: RefState): bigint {
  let va = mem.disp;
  if (mem.rip) va += s.rip + BigInt(length);
  else if (mem.base) va += registerValue(mem.base, s);
  if (mem.index) va += registerValue(mem.index, s) * BigInt(mem.scale);
  return va;
}

/** 67h truncates the offset to 32 bits; FS/GS add their base (other overrides do nothing). */
function segmented(va: bigint, mem: MemOperand, addressSize: number, s: RefState): bigint {
  if (addressSize === 4) va &= 0xffffffffn;
  if (mem.seg === "fs") va += s.fsBase;
  if (mem.seg === "gs") va += s.gsBase;
  return u64(va);
}

const LEGACY = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);
const SEGMENTS = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

/**
 * Segment overrides the kernel's segment lookup counts (SPEC section 17.1): the decoder keeps up
 * to 4 distinct legacy prefixes in slots and, with fewer than 4, also puts the last prefix byte in
 * slot 4; the lookup walks the slots up to the first empty one.
 */
function distinctSegments(bytes: Uint8Array): number {
  const slots: number[] = [];
  let last = 0;
  for (const b of bytes) {
    if (!LEGACY.has(b)) break;
    if (!slots.includes(b)) {
      if (slots.length === 4) break;
      slots.push(b);
    }
    last = b;
  }
  const counted = slots.length === 3 ? [...slots, last] : slots;
  return counted.filter((b) => SEGMENTS.has(b)).length;
}

const crosses = (va: bigint, size: number): boolean => va >> 12n !== u64(va + BigInt(size - 1)) >> 12n;

/** SPEC §8, the kernel's write-back. */
function linuxWriteBack(kind: string, size: number, opnd: number, old: bigint, value: bigint): bigint {
  const v = value & mask(size);
  if (kind === "read") return size >= 4 ? v : (old & ~mask(size) & M64) | v;
  const negative = kind === "read_sign_extend" && ((v >> BigInt(size * 8 - 1)) & 1n) === 1n;
  const prefilled = (old & ~mask(opnd) & M64) | (negative ? mask(opnd) : 0n);
  return (prefilled & ~mask(size) & M64) | v;
}

/** The architecture's write-back (AH..BH, 32-bit zero-extension, MOVZX/MOVSX/MOVSXD). */
function archWriteBack(kind: string, size: number, extendTo: number | null, high: boolean, old: bigint, value: bigint): bigint {
  let v = value & mask(size);
  const width = kind === "read_zero_extend" || kind === "read_sign_extend" ? extendTo ?? size : size;
  if (kind === "read_sign_extend" && ((v >> BigInt(size * 8 - 1)) & 1n) === 1n) v |= mask(width) & ~mask(size);
  if (high) return (old & ~0xff00n) | (v << 8n);
  if (width >= 4) return v & mask(width);
  return (old & ~mask(width) & M64) | v;
}

/**
 * What the handler must do for `insn` at state `s` (RIP = the instruction's address): `device`
 * answers reads with its value (cut to the access size by the host), gla is ve.gla.
 */
export function referenceVe(insn: DecodedInsn, mode: "linux" | "arch", s: RefState, gla: bigint, device: bigint, guest?: RefGuest): RefResult {
  const fault = (error: string, step: string): RefResult => ({ handled: false, error, step, regs: s.regs, rip: s.rip, request: null });
  const regs = [...s.regs];
  let kind: string, size: number, slot: number, imm: bigint | null, length: number;
  let writeBack: (old: bigint, value: bigint) => bigint;
  let high = false;
  if (mode === "linux") {
    const l = insn.linux;
    if (!l.emulated && l.rejected === "decode_failed") return fault("EINVAL", "decode");
    if (!l.emulated && l.rejected === "bad_register") return fault("EINVAL", "register");
    if (!l.emulated && l.rejected === "not_mmio") return fault("EINVAL", "classify");
    if (gla < 0x0000_7fff_ffff_f000n || gla >> 12n === 0xffffffffff600n) return fault("EINVAL", "gla_check");
    if (!l.emulated) {
      // MOVS: the operand as if ModRM were 00: RAX (R8 with REX.B), plus FS/GS; size 1 for A4.
      const rexB = insn.prefixes.rex !== null && (insn.prefixes.rex & 1) === 1;
      const seg = insn.prefixes.segment;
      const va = distinctSegments(insn.bytes) >= 2 ? M64 : u64(s.regs[rexB ? 8 : 0] + (seg === "fs" ? s.fsBase : seg === "gs" ? s.gsBase : 0n));
      const movsSize = insn.opcode === 0xa4 ? 1 : insn.operandSize;
      if (crosses(va, movsSize)) return fault("EFAULT", "page_split");
      return fault("EINVAL", "movs");
    }
    const a = l.access;
    if (crosses(kernelVaddr(a.mem!, insn, s), a.size)) return fault("EFAULT", "page_split");
    ({ kind, size } = a);
    slot = a.regNumber ?? -1;
    imm = a.imm;
    length = l.length;
    writeBack = (old, value) => linuxWriteBack(kind, size, a.extendTo ?? 8, old, value);
  } else {
    if (!insn.valid) return fault("EINVAL", "decode");
    const a = insn.arch;
    if (!a) return fault("EINVAL", "classify");
    if (a.kind === "movs") return guest ? stringMove(insn, a.size, s, guest) : fault("EINVAL", "movs");
    // The CPU splits a page-crossing access; the reference models only the case where a page of it
    // is not mapped (the guest's device and memory pages are never adjacent here).
    const va = archVaddr(a.mem!, insn, s);
    if (crosses(va, a.size)) {
      const mapped = (p: bigint) => !!guest && [guest.deviceVa, guest.memoryVa].includes(p & ~0xfffn);
      if (mapped(va) && mapped(u64(va + BigInt(a.size - 1)))) throw new Error("reference: a split access over two mapped pages is not modelled");
      return fault("EFAULT", "page_split");
    }
    ({ kind, size } = a);
    high = insn.highByteReg;
    slot = a.regNumber === null ? -1 : high ? a.regNumber - 4 : a.regNumber;
    imm = a.imm;
    length = insn.length;
    writeBack = (old, value) => archWriteBack(kind, size, a.extendTo, high, old, value);
  }
  const rip = u64(s.rip + BigInt(length));
  if (kind === "write" || kind === "write_imm") {
    const value = kind === "write_imm" ? u64(imm!) : high ? (regs[slot] >> 8n) & 0xffn : regs[slot] & mask(size);
    return { handled: true, error: null, step: null, regs, rip, request: { size, isWrite: true, value } };
  }
  regs[slot] = writeBack(regs[slot], device & mask(size));
  return { handled: true, error: null, step: null, regs, rip, request: { size, isWrite: false, value: 0n } };
}

const le = (bytes: Uint8Array | number[], at: number, size: number): bigint => {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
  return v;
};

/** Arch-mode MOVS, one element (SPEC-independent: the SDM's string move, restarted under REP). */
function stringMove(insn: DecodedInsn, size: number, s: RefState, g: RefGuest): RefResult {
  const fault = (error: string, step: string): RefResult => ({ handled: false, error, step, regs: s.regs, rip: s.rip, request: null });
  const a32 = insn.addressSize === 4;
  const narrow = (v: bigint) => (a32 ? v & 0xffffffffn : v & M64);
  const rep = insn.prefixes.rep || insn.prefixes.repne;
  const regs = [...s.regs];
  if (rep && narrow(regs[1]) === 0n) return { handled: true, error: null, step: null, regs, rip: u64(s.rip + BigInt(insn.length)), request: null };
  const seg = insn.prefixes.segment;
  const src = u64(narrow(regs[6]) + (seg === "fs" ? s.fsBase : seg === "gs" ? s.gsBase : 0n));
  const dst = narrow(regs[7]);
  const where = (va: bigint): "device" | "memory" | null => {
    if ((va & 0xfffn) + BigInt(size) > 0x1000n) return null;
    if (va >= g.deviceVa && va < g.deviceVa + 0x1000n) return "device";
    if (va >= g.memoryVa && va < g.memoryVa + 0x1000n) return "memory";
    return null;
  };
  const from = where(src), to = where(dst);
  if (from === null || to === null) return fault("EFAULT", "movs_operand");
  if (from !== "device" && to !== "device") return fault("EINVAL", "movs_operand");
  const value = from === "device" ? le(g.device, Number(src - g.deviceVa), size) : le(g.memory, Number(src - g.memoryVa), size);
  const step = (s.rflags >> 10n) & 1n ? -BigInt(size) : BigInt(size);
  regs[6] = narrow(regs[6] + step);
  regs[7] = narrow(regs[7] + step);
  let length = insn.length;
  if (rep) {
    regs[1] = narrow(regs[1] - 1n);
    if (regs[1] !== 0n) length = 0;
  }
  const bytes = Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
  return {
    handled: true, error: null, step: null, regs, rip: u64(s.rip + BigInt(length)),
    request: to === "device" ? { size, isWrite: true, value, deviceOffset: Number(dst - g.deviceVa) }
      : { size, isWrite: false, value: 0n, deviceOffset: Number(src - g.deviceVa) },
    memoryWrite: to === "memory" ? { offset: Number(dst - g.memoryVa), bytes } : undefined,
  };
}
