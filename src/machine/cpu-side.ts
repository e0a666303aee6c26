// The CPU side of an MMIO access: the processor fetches and decodes the instruction at RIP,
// computes its memory access and translates it; an access that reaches an unbacked shared GPA is
// an EPT violation, which the TDX module turns into a #VE for the guest's handler.
import type { VeDecoder } from "../decoder/engine.js";
import type { DecodedInsn } from "../decoder/record.js";
import type { GuestMemory, VeInfo } from "../guest/memory.js";
import type { Translator } from "../guest/paging.js";
import { SLOT, type Vcpu } from "../guest/vcpu.js";
import type { CodeFetcher } from "../guest/code-fetch.js";
import { kernelAddress, type VeOutcome } from "../guest/ve-handler.js";
import { stringOperands } from "../guest/string-move.js";

/** What happened when a vCPU ran the instruction at RIP. */
export type MmioRun =
  | { outcome: "no_ve"; reason: string }
  | { outcome: "page_fault"; va: bigint; errorCode: number }
  | ({ ve: VeInfo } & VeOutcome);

/** What the CPU side works with: the TD's decoder, MMU, memory, and the #VE delivery. */
export interface CpuSide {
  decoder: VeDecoder;
  fetcher: CodeFetcher;
  translator: Translator;
  memory: GuestMemory;
  deliver(vcpu: Vcpu, ve: VeInfo): MmioRun;
}

/** Runs the instruction at RIP as far as MMIO is concerned. */
export function runMmioInstruction(cpu: CpuSide, vcpu: Vcpu): MmioRun {
  const bytes = new Uint8Array(15);
  const n = cpu.fetcher.fetch(vcpu.words[2 * SLOT.RIP], vcpu.words[2 * SLOT.RIP + 1], vcpu.cpl, bytes);
  if (n === 0) return { outcome: "page_fault", va: vcpu.rip, errorCode: Math.max(cpu.fetcher.pageFault, 0) };
  const insn = cpu.decoder.decode(bytes.subarray(0, n), vcpu.rip);
  if (!insn.valid) return { outcome: "no_ve", reason: `the CPU raises #UD or #PF first (${insn.status})` };
  const a = insn.arch;
  if (!a) return { outcome: "no_ve", reason: "not a MOV-family memory access" };
  if (a.kind === "movs") return stringMove(cpu, vcpu, insn);
  const isWrite = a.kind === "write" || a.kind === "write_imm";
  const va = kernelAddress(a.mem!, false, false, insn.addressSize, insn.length, vcpu);
  return access(cpu, vcpu, va, isWrite) ?? { outcome: "no_ve", reason: "the access hits ordinary memory" };
}

/** The CPU's data access at `va`: a #PF, a #VE delivered to the handler, or null (ordinary memory). */
function access(cpu: CpuSide, vcpu: Vcpu, va: bigint, isWrite: boolean): MmioRun | null {
  const t = cpu.translator.translate(va, isWrite ? "write" : "read", vcpu.cpl);
  if ("pageFault" in t) return { outcome: "page_fault", va, errorCode: t.pageFault };
  if (!cpu.memory.isUnbackedShared(t.gpa)) return null;
  const ve: VeInfo = { exitReason: 48, exitQualification: (isWrite ? 2n : 1n) | 0x80n, gla: va, gpa: t.gpa, instrLen: 0 };
  return cpu.deliver(vcpu, ve);
}

/**
 * MOVS's next element: the read of [seg:RSI] comes first, then the write of [RDI]; the first of
 * them that reaches MMIO raises the #VE. A REP with a zero count touches nothing.
 */
function stringMove(cpu: CpuSide, vcpu: Vcpu, insn: DecodedInsn): MmioRun {
  const { src, dst, count } = stringOperands(vcpu, insn.addressSize, insn.prefixes.segment);
  if ((insn.prefixes.rep || insn.prefixes.repne) && count === 0n) return { outcome: "no_ve", reason: "REP with a zero count" };
  return access(cpu, vcpu, src, false) ?? access(cpu, vcpu, dst, true)
    ?? { outcome: "no_ve", reason: "both operands are ordinary memory" };
}
