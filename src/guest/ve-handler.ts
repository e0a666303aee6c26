// The guest's #VE handler for EPT violations (MMIO), step by step as Linux's handle_mmio does it
// (SPEC §7), or as a correct emulator would ("arch" mode). It sees the vCPU, memory and host only
// through narrow interfaces, and a fault changes no register and no memory.
import type { VeDecoder } from "../decoder/engine.js";
import type { DecodedInsn, MmioAccess, MemOperand } from "../decoder/record.js";
import type { Vcpu } from "./vcpu.js";
import { GPR64 } from "../decoder/names.js";
import type { VeInfo } from "./memory.js";
import type { Translator } from "./paging.js";
import {
  mmioReadRequest, mmioWriteRequest, type TdvmcallRegs, type TdvmcallResult, type TdvmcallTransport,
} from "../tdvmcall/abi.js";
import { linuxWriteBack, archWriteBack, registerOperand } from "./writeback.js";
import type { DecodeCache } from "./decode-cache.js";

export type VeMode = "linux" | "arch";
export type VeError = "EFAULT" | "EINVAL" | "EIO" | "PANIC";

/** The step of the decision procedure that rejected the access (SPEC §7 numbering in comments). */
export type VeStep =
  | "private_gpa"   // 0: the GPA has the shared bit clear: the kernel panics
  | "user_mode"     // 1: MMIO #VE from user mode
  | "fetch"         // 2: the 15 bytes at RIP are not all readable
  | "decode"        // 3: the instruction does not decode
  | "classify"      // 4: not an MMIO instruction the handler knows
  | "register"      // 5: ModRM.reg names no GPR slot
  | "gla_check"     // 6: ve.gla is not a kernel address (v6.12+)
  | "page_split"    // 7: the access the kernel computes crosses a page
  | "movs"          // 8: MOVS is not emulated
  | "tdvmcall";     // 8/9: the host answered with a non-zero status

export interface TdvmcallRecord { request: TdvmcallRegs; result: TdvmcallResult }

export type VeOutcome =
  | {
    outcome: "handled";
    /** Bytes RIP advanced by. */
    length: number;
    insn: DecodedInsn;
    tdvmcalls: TdvmcallRecord[];
    /** Registers that changed (RIP included), new values. */
    regs: Partial<Record<string, bigint>>;
  }
  | { outcome: "fault"; error: VeError; step: VeStep; insn: DecodedInsn | null; tdvmcalls: TdvmcallRecord[]; detail: string };

export interface VeHandlerOptions {
  mode: VeMode;
  /** v6.12+ "in-kernel MMIO" check of ve.gla (step 6). Default true. */
  glaCheck?: boolean;
  /** 5-level paging: TASK_SIZE_MAX is 0x00FF_FFFF_FFFF_F000 instead of 0x0000_7FFF_FFFF_F000. */
  fiveLevelPaging?: boolean;
}

/** What the handler needs from the guest: its vCPU, an MMU and its private memory for the fetch. */
export interface VeContext {
  vcpu: Vcpu;
  translator: Translator;
  /** Reads guest-physical memory (private or backed shared); throws when it cannot. */
  readPhysical(gpa: bigint, len: number): Uint8Array;
  decoder: VeDecoder;
  tdvmcall: TdvmcallTransport;
  /** The TD's shared bit (bit GPAW - 1). */
  sharedBit: bigint;
  /** Decoded instructions by RIP; the owner invalidates entries when code pages change. */
  cache?: DecodeCache;
}

const VSYSCALL_PAGE = 0xffffffffff600000n;

function fault(error: VeError, step: VeStep, detail: string, insn: DecodedInsn | null = null, tdvmcalls: TdvmcallRecord[] = []): VeOutcome {
  return { outcome: "fault", error, step, insn, tdvmcalls, detail };
}

/** Code fetched at an address: the readable prefix (page by page), its pages, the first #PF. */
export interface FetchedCode {
  bytes: Uint8Array;
  gpas: bigint[];
  /** #PF error code where fetching stopped short, or null. */
  pageFault: number | null;
}

/**
 * Fetches up to `max` instruction bytes at `rip`, a page at a time, stopping at the first byte
 * that does not translate for execution or cannot be read.
 */
export function fetchCode(translator: Translator, readPhysical: VeContext["readPhysical"], rip: bigint, cpl: number, max = 15): FetchedCode {
  const out = new Uint8Array(max);
  const gpas: bigint[] = [];
  let i = 0;
  while (i < max) {
    const va = BigInt.asUintN(64, rip + BigInt(i));
    const t = translator.translate(va, "fetch", cpl);
    if ("pageFault" in t) return { bytes: out.subarray(0, i), gpas, pageFault: t.pageFault };
    const chunk = Math.min(max - i, 4096 - Number(va & 0xfffn));
    try {
      out.set(readPhysical(t.gpa, chunk), i);
    } catch {
      return { bytes: out.subarray(0, i), gpas, pageFault: null };
    }
    gpas.push(t.gpa);
    i += chunk;
  }
  return { bytes: out, gpas, pageFault: null };
}

/** The kernel's vaddr (step 7): from the instruction and saved registers, not from ve.gla. */
export function kernelAddress(mem: MemOperand, addressInvalid: boolean, registerForm: boolean, addressSize: number, length: number, vcpu: Vcpu): bigint {
  if (addressInvalid) return (1n << 64n) - 1n;
  let va: bigint;
  if (registerForm) va = mem.base && mem.base !== "rip" ? vcpu.get(mem.base) : 0n;
  else {
    va = mem.disp;
    if (mem.base === "rip") va += vcpu.rip + BigInt(length);
    else if (mem.base) va += vcpu.get(mem.base);
    if (mem.index) va += vcpu.get(mem.index) * BigInt(mem.scale);
  }
  if (addressSize === 4) va = BigInt.asUintN(32, va);
  if (mem.seg === "fs") va += vcpu.fsBase;
  else if (mem.seg === "gs") va += vcpu.gsBase;
  return BigInt.asUintN(64, va);
}

/** Whether [va, va+size) spans two pages (the end wraps modulo 2^64, as in the kernel). */
function crossesPage(va: bigint, size: number): boolean {
  // Only the page offset matters: it crosses iff offset + size - 1 >= 4096 (wrap included).
  return Number(va & 0xfffn) + size - 1 >= 4096;
}

/** Handles one EPT-violation #VE. On a fault the vCPU is left exactly as it was. */
export function handleMmioVe(ctx: VeContext, ve: VeInfo, options: VeHandlerOptions): VeOutcome {
  const { vcpu } = ctx;
  if ((ve.gpa & ctx.sharedBit) === 0n) return fault("PANIC", "private_gpa", "EPT violation on a private GPA: the kernel panics");
  if (vcpu.cpl === 3) return fault("EFAULT", "user_mode", "MMIO #VE from user mode");

  let insn = ctx.cache?.get(vcpu.rip) ?? null;
  if (!insn) {
    // Step 2: a fault-safe copy of 15 bytes; every byte must be readable.
    const window = fetchCode(ctx.translator, ctx.readPhysical, vcpu.rip, vcpu.cpl);
    if (window.bytes.length < 15) return fault("EFAULT", "fetch", "the 15 bytes at RIP are not all readable kernel memory");
    insn = ctx.decoder.decode(window.bytes, vcpu.rip);
    ctx.cache?.put(vcpu.rip, insn, window.gpas.map((g) => Number(g >> 12n)));
  }
  return options.mode === "linux" ? emulateLinux(ctx, ve, insn, options) : emulateArch(ctx, ve, insn);
}

function glaRejected(ve: VeInfo, options: VeHandlerOptions): boolean {
  if (options.glaCheck === false) return false;
  const taskSizeMax = options.fiveLevelPaging ? 0x00ff_ffff_ffff_f000n : 0x0000_7fff_ffff_f000n;
  return ve.gla < taskSizeMax || (ve.gla & ~0xfffn) === VSYSCALL_PAGE;
}

function emulateLinux(ctx: VeContext, ve: VeInfo, insn: DecodedInsn, options: VeHandlerOptions): VeOutcome {
  const { vcpu } = ctx;
  const reading = insn.linux;
  if (!reading.emulated) {
    if (reading.rejected === "decode_failed") return fault("EINVAL", "decode", "insn_decode() failed", insn);
    if (reading.rejected === "bad_register") return fault("EINVAL", "register", "ModRM.reg names no GPR slot", insn);
    if (reading.rejected === "not_mmio") return fault("EINVAL", "classify", "insn_decode_mmio(): INSN_MMIO_DECODE_FAILED", insn);
    // MOVS: the page test runs on [RAX, RAX+size-1] first (Q12), then -EINVAL.
    const rax = vcpu.get(insn.prefixes.rex && insn.prefixes.rex & 1 ? "r8" : "rax");
    const size = insn.operandSize === 8 ? 8 : insn.opcode === 0xa4 ? 1 : insn.operandSize;
    if (glaRejected(ve, options)) return fault("EINVAL", "gla_check", "ve.gla is not a kernel address", insn);
    if (crossesPage(rax, size)) return fault("EFAULT", "page_split", "MOVS address crosses a page", insn);
    return fault("EINVAL", "movs", "MOVS is not emulated", insn);
  }
  const a = reading.access;
  if (glaRejected(ve, options)) return fault("EINVAL", "gla_check", "ve.gla is not a kernel address", insn);
  const va = kernelAddress(a.mem!, reading.addressInvalid, reading.registerForm, reading.addressSize, reading.length, vcpu);
  if (crossesPage(va, a.size)) return fault("EFAULT", "page_split", `[0x${va.toString(16)}, +${a.size}) crosses a page`, insn);
  return perform(ctx, ve, insn, a, reading.length, (slotValue, v) => linuxWriteBack(a.kind, a.size, a.extendTo ?? 8, slotValue, v), false);
}

function emulateArch(ctx: VeContext, ve: VeInfo, insn: DecodedInsn): VeOutcome {
  if (!insn.valid) return fault("EINVAL", "decode", `the CPU rejects this encoding (${insn.status})`, insn);
  const a = insn.arch;
  if (!a) return fault("EINVAL", "classify", "not a MOV-family memory access", insn);
  if (a.kind === "movs") return fault("EINVAL", "movs", "string moves are not emulated", insn);
  return perform(ctx, ve, insn, a, insn.length, (reg, v) => archWriteBack(a.kind, a.size, a.extendTo, insn.highByteReg, reg, v), insn.highByteReg);
}

/** Steps 8-10: the TDVMCALL, then (reads) the register write-back and RIP += length. */
function perform(
  ctx: VeContext, ve: VeInfo, insn: DecodedInsn, a: MmioAccess, length: number,
  writeBack: (reg: bigint, value: bigint) => bigint, highByte: boolean,
): VeOutcome {
  const { vcpu } = ctx;
  const calls: TdvmcallRecord[] = [];
  // Registers change only after the host answered successfully: a fault leaves all as they were.
  const regs: Partial<Record<string, bigint>> = {};
  const call = (request: TdvmcallRegs): TdvmcallResult => {
    const result = ctx.tdvmcall(request);
    calls.push({ request, result });
    return result;
  };
  // AH..BH (register numbers 4-7 without REX) live in bits 15:8 of RAX..RBX.
  const slot = a.regNumber === null ? -1 : highByte ? a.regNumber - 4 : a.regNumber;
  if (a.kind === "write" || a.kind === "write_imm") {
    const value = a.kind === "write_imm" ? (a.imm ?? 0n) : registerOperand(vcpu.get(slot), a.size, highByte);
    const result = call(mmioWriteRequest(a.size, ve.gpa, value));
    if (result.r10 !== 0n) return fault("EIO", "tdvmcall", `host status 0x${result.r10.toString(16)}`, insn, calls);
  } else {
    const result = call(mmioReadRequest(a.size, ve.gpa));
    if (result.r10 !== 0n) return fault("EIO", "tdvmcall", `host status 0x${result.r10.toString(16)}`, insn, calls);
    const old = vcpu.get(slot);
    const value = writeBack(old, result.r11);
    vcpu.set(slot, value);
    if (value !== old) regs[GPR64[slot]] = value;
  }
  vcpu.rip = BigInt.asUintN(64, vcpu.rip + BigInt(length));
  regs.rip = vcpu.rip;
  return { outcome: "handled", length, insn, tdvmcalls: calls, regs };
}
