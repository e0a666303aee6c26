// One structured event per #VE: what the guest saw, what it asked the host, what came back, and
// what changed. Listeners get the values; jsonlWriter turns them into one JSON line each.
import type { VeInfo } from "../guest/memory.js";
import type { MmioRun } from "./cpu-side.js";
import type { PortIoVe, PortIoOutcome } from "../guest/port-io.js";
import type { HostExit } from "../host/host.js";
import { toHex } from "../decoder/names.js";

export interface VeTraceEvent {
  seq: number;
  rip: bigint;
  /** The #VE as the TDX module reported it: an EPT violation (48) or port I/O (30). */
  ve: VeInfo | PortIoVe;
  bytes: Uint8Array | null;
  /** Disassembly-free decode summary: both readings' kinds, and the divergences (null for port I/O: nothing is decoded). */
  decode: { length: number; arch: string | null; linux: string | null; diverges: string[] } | null;
  tdvmcalls: { request: Record<string, bigint>; response: { r10: bigint; r11: bigint } }[];
  exit: HostExit | null;
  outcome: "handled" | "fault";
  error: string | null;
  step: string | null;
  regs: Partial<Record<string, bigint>>;
}

export type VeListener = (event: VeTraceEvent) => void;

/** Builds the event for a run that delivered a #VE (null when there was none). */
export function traceEvent(seq: number, rip: bigint, run: MmioRun, exit: HostExit | null): VeTraceEvent | null {
  if (!("ve" in run)) return null;
  const insn = run.insn;
  return {
    seq,
    rip,
    ve: run.ve,
    bytes: insn ? insn.bytes : null,
    decode: insn ? {
      length: insn.length,
      arch: insn.arch ? `${insn.arch.kind}/${insn.arch.size}` : null,
      linux: insn.linux.emulated ? `${insn.linux.access.kind}/${insn.linux.access.size}` : insn.linux.rejected,
      diverges: insn.divergences.map((d) => d.code),
    } : null,
    tdvmcalls: run.tdvmcalls.map((c) => ({ request: { ...c.request }, response: { r10: c.result.r10, r11: c.result.r11 } })),
    exit,
    outcome: run.outcome,
    error: run.outcome === "fault" ? run.error : null,
    step: run.outcome === "fault" ? run.step : null,
    regs: run.outcome === "handled" ? run.regs : {},
  };
}

/** The event for a port I/O #VE (no instruction is fetched or decoded: the exit qualification says it all). */
export function portIoTraceEvent(seq: number, rip: bigint, ve: PortIoVe, run: PortIoOutcome, exit: HostExit | null): VeTraceEvent {
  const call = run.tdvmcall ?? null;
  return {
    seq,
    rip,
    ve,
    bytes: null,
    decode: null,
    tdvmcalls: call ? [{ request: { ...call.request }, response: { r10: call.result.r10, r11: call.result.r11 } }] : [],
    exit,
    outcome: run.outcome,
    error: run.outcome === "fault" ? run.error : null,
    step: run.outcome === "fault" ? run.step : null,
    regs: run.regs,
  };
}

const replacer = (_: string, v: unknown) =>
  typeof v === "bigint" ? "0x" + v.toString(16) : v instanceof Uint8Array ? toHex(v) : v;

/** A listener that writes each event as one JSON line (bigints as hex, bytes as a hex string). */
export function jsonlWriter(write: (line: string) => void): VeListener {
  return (event) => write(JSON.stringify(event, replacer));
}
