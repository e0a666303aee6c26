// The guest's #VE handler for EPT violations (MMIO) as a typed API: it runs the engine
// (ve-engine.ts: SPEC §7 step by step on numbers) and describes what happened as a
// self-contained VeOutcome: the decoded instruction, the TDVMCALLs with their answers, the
// registers that changed. It sees the vCPU, memory and host only through narrow interfaces, and
// a fault changes no register and no memory.
import type { VeDecoder } from "../decoder/engine.js";
import type { DecodedInsn, MemOperand } from "../decoder/record.js";
import { Vcpu } from "./vcpu.js";
import type { VeCpu } from "./cpu.js";
import { GPR64, STATUS_NAMES, registerNumber } from "../decoder/names.js";
import type { TdvmcallRegs, TdvmcallResult } from "../tdvmcall/abi.js";
import { REJECT } from "../decoder/layout.js";
import type { VeEngine, VeResult, VeMode, VeError, VeStep, VeHandlerOptions } from "./ve-engine.js";
import { joinWords } from "../words.js";

export type { VeMode, VeError, VeStep, VeHandlerOptions };

/** One TDVMCALL of a #VE: the request and the host's answer. */
export interface TdvmcallRecord { request: TdvmcallRegs; result: TdvmcallResult }

/**
 * What one #VE came to. `insn` (the full decode of the instruction) is a getter that decodes when
 * first read, so it is not an own property: spreading or JSON-serialising an outcome leaves it out.
 */
export type VeOutcome =
  | {
    outcome: "handled";
    /** Bytes RIP advanced by (0: an arch-mode REP MOVS with elements left). */
    length: number;
    insn: DecodedInsn;
    tdvmcalls: TdvmcallRecord[];
    /** Registers that changed (RIP included), new values. */
    regs: Partial<Record<string, bigint>>;
  }
  | { outcome: "fault"; error: VeError; step: VeStep; insn: DecodedInsn | null; tdvmcalls: TdvmcallRecord[]; detail: string };

/** The kernel's vaddr (step 7): from the instruction and saved registers, not from ve.gla. */
export function kernelAddress(mem: MemOperand, addressInvalid: boolean, registerForm: boolean, addressSize: number, length: number, vcpu: Vcpu): bigint {
  if (addressInvalid) return (1n << 64n) - 1n;
  let va: bigint;
  if (registerForm) va = mem.base && !mem.rip ? vcpu.get(registerNumber(mem.base)) : 0n;
  else {
    va = mem.disp;
    if (mem.rip) va += vcpu.rip + BigInt(length);
    else if (mem.base) va += vcpu.get(registerNumber(mem.base));
    if (mem.index) va += vcpu.get(registerNumber(mem.index)) * BigInt(mem.scale);
  }
  if (addressSize === 4) va = BigInt.asUintN(32, va);
  if (mem.seg === "fs") va += vcpu.fsBase;
  else if (mem.seg === "gs") va += vcpu.gsBase;
  return BigInt.asUintN(64, va);
}

/**
 * The self-contained outcome of the engine's last #VE on `vcpu` (call it right after
 * engine.handle(): it reads the engine's result, frame and fetch window). The decoded instruction
 * (`insn`) is made when first read: the outcome keeps a copy of the instruction's bytes.
 */
export function describeVe(engine: VeEngine, cpu: VeCpu, decoder: VeDecoder): VeOutcome {
  const vcpu = Vcpu.over(cpu);
  const r = engine.result;
  const insn = r.plan === null ? () => null : lazyInsn(engine, r, decoder);
  const tdvmcalls: TdvmcallRecord[] = r.composite ? r.composite.calls : r.calls === 0 ? [] : [{
    request: engine.frame.request(),
    result: engine.frame.result(),
  }];
  if (!r.handled) return new FaultOutcome(r.error!, r.step!, insn, tdvmcalls, faultDetail(r, engine));
  let regs: Partial<Record<string, bigint>>;
  if (r.composite?.before) regs = vcpu.diff(r.composite.before);
  else {
    regs = {};
    if (r.slot >= 0) {
      const old = joinWords(r.oldLo, r.oldHi);
      const now = vcpu.get(r.slot);
      if (now !== old) regs[GPR64[r.slot]] = now;
    }
    regs.rip = vcpu.rip;
  }
  return new HandledOutcome(r.length, insn as () => DecodedInsn, tdvmcalls, regs);
}

// The two outcomes as classes: `insn` is a getter (the decode is made when first read) and the
// objects keep one shape. Both are structurally the VeOutcome union's members.
class HandledOutcome {
  readonly outcome = "handled" as const;
  readonly #insn: () => DecodedInsn;
  constructor(
    readonly length: number, insn: () => DecodedInsn, readonly tdvmcalls: TdvmcallRecord[],
    readonly regs: Partial<Record<string, bigint>>,
  ) {
    this.#insn = insn;
  }

  get insn(): DecodedInsn { return this.#insn(); }
}

class FaultOutcome {
  readonly outcome = "fault" as const;
  readonly #insn: () => DecodedInsn | null;
  constructor(
    readonly error: VeError, readonly step: VeStep, insn: () => DecodedInsn | null,
    readonly tdvmcalls: TdvmcallRecord[], readonly detail: string,
  ) {
    this.#insn = insn;
  }

  get insn(): DecodedInsn | null { return this.#insn(); }
}

/**
 * The full decode of the instruction the engine handled, made once on first use: kept on the
 * decode-cache entry when there is one, else from a copy of the fetched bytes.
 */
function lazyInsn(engine: VeEngine, r: VeResult, decoder: VeDecoder): () => DecodedInsn {
  if (r.insn) { const insn = r.insn; return () => insn; } // decoded with the plan (one decode)
  const rip = r.rip;
  const entry = r.entry;
  if (entry) return () => (entry.insn ??= decoder.decode(entry.bytes, rip, engine.kernel));
  const bytes = engine.window.slice();
  let insn: DecodedInsn | null = null;
  return () => (insn ??= decoder.decode(bytes, rip, engine.kernel));
}

const DETAIL: Record<VeStep, string> = {
  private_gpa: "EPT violation on a private GPA: the kernel panics",
  user_mode: "MMIO #VE from user mode",
  fetch: "the 15 bytes at RIP are not all readable kernel memory",
  decode: "insn_decode() failed",
  classify: "insn_decode_mmio(): INSN_MMIO_DECODE_FAILED",
  register: "ModRM.reg names no GPR slot",
  gla_check: "ve.gla is not a kernel address",
  page_split: "the access crosses a page",
  movs: "MOVS is not emulated",
  movs_operand: "a string-move operand cannot be used",
  tdvmcall: "the host answered with an error",
};

/** A sentence on why the handler refused, with the values that decided it. */
function faultDetail(r: VeResult, engine: VeEngine): string {
  const step = r.step!;
  if (r.composite) return r.composite.detail;
  if (step === "tdvmcall") return `host status 0x${engine.frame.result().r10.toString(16)}`;
  if (r.plan === null) return DETAIL[step];
  const linux = engine.mode === "linux";
  if (step === "decode" && !linux) return `the CPU rejects this encoding (${STATUS_NAMES[r.plan.verdict] ?? "invalid"})`;
  if (step === "classify" && !linux) return "not a MOV-family memory access";
  if (step === "movs" && !linux) return "string moves are not emulated";
  if (step === "page_split") {
    if (r.plan.verdict === REJECT.movs) return "MOVS address crosses a page";
    return `[0x${joinWords(r.address[0], r.address[1]).toString(16)}, +${r.plan.size}) crosses a page`;
  }
  return DETAIL[step];
}
