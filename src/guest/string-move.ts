// Arch mode's MOVS (A4/A5): what a correct emulator does when a string move touches MMIO. One
// element per #VE, as the CPU itself proceeds: read [seg:RSI] (FS/GS add their base), write
// [ES:RDI], step RSI and RDI by the element size (down when RFLAGS.DF is set), and under REP count
// RCX down, leaving RIP on the instruction until the count reaches zero, so the next element
// faults again. 67h makes ESI, EDI and ECX the registers (32-bit writes zero-extend). Either side
// may be MMIO (a TDVMCALL) or guest memory. The Linux handler never does this (it refuses MOVS).
// A rare path: it works on BigInts.
import { Vcpu, type VcpuSnapshot } from "./vcpu.js";
import type { VeCpu, VeMemory } from "./cpu.js";
import type { VePlan } from "../decoder/plan.js";
import { SEGMENT_NAMES, type Segment } from "../decoder/names.js";
import type { TdvmcallFrame, FrameHost, TdvmcallRegs, TdvmcallResult } from "../tdvmcall/abi.js";
import { lowWord, highWord } from "../words.js";

export type StringMove =
  | { ok: true; length: number; calls: { request: TdvmcallRegs; result: TdvmcallResult }[]; before: VcpuSnapshot }
  | { ok: false; error: "EFAULT" | "EINVAL" | "EIO"; detail: string; calls: { request: TdvmcallRegs; result: TdvmcallResult }[] };

const DF = 1n << 10n;
const M64 = (1n << 64n) - 1n;

type Operand = { gpa: bigint; mmio: boolean } | { error: string };

/** Where a `size`-byte operand at `va` lives: an MMIO GPA, guest memory, or why neither. */
function locate(memory: VeMemory, va: bigint, size: number, access: "read" | "write", cpl: number): Operand {
  if (Number(va & 0xfffn) + size > 4096) return { error: `the ${access} operand at 0x${va.toString(16)} crosses a page` };
  const t = memory.translate(va, access, cpl);
  if ("pageFault" in t) return { error: `#PF (error code 0x${t.pageFault.toString(16)}) on the ${access} operand at 0x${va.toString(16)}` };
  if (memory.isMmio(t.gpa)) return { gpa: t.gpa, mmio: true };
  if (memory.read(t.gpa, size) === null) return { error: `the ${access} operand at 0x${va.toString(16)} is not guest memory` };
  return { gpa: t.gpa, mmio: false };
}

const toBytes = (value: bigint, size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
const fromBytes = (bytes: Uint8Array): bigint => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);

/**
 * The next element's source ([seg:RSI], FS/GS adding their base) and destination ([ES:RDI]), and
 * the REP count; under 67h the registers are ESI, EDI and ECX.
 */
export function stringOperands(vcpu: Vcpu, addressSize: number, seg: Segment | null): { src: bigint; dst: bigint; count: bigint } {
  const narrow = (v: bigint) => (addressSize === 4 ? v & 0xffffffffn : v);
  const segBase = seg === "fs" ? vcpu.fsBase : seg === "gs" ? vcpu.gsBase : 0n;
  return { src: (narrow(vcpu.get("rsi")) + segBase) & M64, dst: narrow(vcpu.get("rdi")), count: narrow(vcpu.get("rcx")) };
}

/**
 * One element of a MOVS whose source or destination is MMIO, its TDVMCALLs made in `frame`.
 * Changes nothing unless it succeeds.
 */
export function emulateStringMove(cpu: VeCpu, p: VePlan, memory: VeMemory, host: FrameHost, frame: TdvmcallFrame): StringMove {
  const vcpu = Vcpu.over(cpu); // a rare path: the BigInt API over the same registers
  const calls: { request: TdvmcallRegs; result: TdvmcallResult }[] = [];
  const size = p.size;
  const narrow = (v: bigint) => (p.addressSize === 4 ? v & 0xffffffffn : v & M64);
  const before = vcpu.snapshot();
  const { src, dst, count } = stringOperands(vcpu, p.addressSize, SEGMENT_NAMES[p.seg] ?? null);
  if (p.rep && count === 0n) {
    vcpu.rip += BigInt(p.length); // nothing to move (an injected #VE: the CPU would not fault)
    return { ok: true, length: p.length, calls, before };
  }
  const from = locate(memory, src, size, "read", vcpu.cpl);
  if ("error" in from) return { ok: false, error: "EFAULT", detail: from.error, calls };
  const to = locate(memory, dst, size, "write", vcpu.cpl);
  if ("error" in to) return { ok: false, error: "EFAULT", detail: to.error, calls };
  if (!from.mmio && !to.mmio) return { ok: false, error: "EINVAL", detail: "neither operand of the string move is MMIO", calls };

  const call = (isWrite: boolean, gpa: bigint, value: bigint): TdvmcallResult => {
    frame.mmio(size, isWrite, lowWord(gpa), highWord(gpa), lowWord(value), highWord(value));
    host.handleFrame(frame);
    const result = frame.result();
    calls.push({ request: frame.request(), result });
    return result;
  };
  let value: bigint;
  if (from.mmio) {
    const r = call(false, from.gpa, 0n);
    if (r.r10 !== 0n) return { ok: false, error: "EIO", detail: `host status 0x${r.r10.toString(16)} on the read`, calls };
    value = r.r11 & ((1n << BigInt(8 * size)) - 1n);
  } else value = fromBytes(memory.read(from.gpa, size)!);
  if (to.mmio) {
    const r = call(true, to.gpa, value);
    if (r.r10 !== 0n) return { ok: false, error: "EIO", detail: `host status 0x${r.r10.toString(16)} on the write`, calls };
  } else memory.write(to.gpa, toBytes(value, size));

  const step = (vcpu.rflags & DF) !== 0n ? -BigInt(size) : BigInt(size);
  vcpu.set("rsi", narrow(vcpu.get("rsi") + step));
  vcpu.set("rdi", narrow(vcpu.get("rdi") + step));
  let length = p.length;
  if (p.rep) {
    const left = narrow(count - 1n);
    vcpu.set("rcx", left);
    if (left !== 0n) length = 0; // the CPU restarts the instruction for the next element
  }
  vcpu.rip += BigInt(length);
  return { ok: true, length, calls, before };
}
