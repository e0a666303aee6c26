// One structured event per #VE: what the guest saw, what it asked the host, what came back, and
// what changed. Listeners get the values; jsonlWriter turns them into one JSON line each.
import type { VeInfo } from "../guest/memory.js";
import type { MmioRun } from "./cpu-side.js";
import type { PortIoVe, PortIoOutcome } from "../guest/port-io.js";
import type { HostExit } from "../tdvmcall/exit.js";
import type { TdvmcallFrame, TdvmcallRegs } from "../tdvmcall/abi.js";
import { toHex } from "../decoder/names.js";

/** One #VE as a trace records it: the #VE, the decode, the TDVMCALLs and exit, the outcome and changed registers. */
export interface VeTraceEvent {
  seq: number;
  rip: bigint;
  /** The #VE as the TDX module reported it: an EPT violation (48) or port I/O (30). */
  ve: VeInfo | PortIoVe;
  bytes: Uint8Array | null;
  /** Disassembly-free decode summary: both readings' kinds, and the divergences (null for port I/O: nothing is decoded). */
  decode: { length: number; arch: string | null; linux: string | null; diverges: string[] } | null;
  tdvmcalls: { request: TdvmcallRegs; response: { r10: bigint; r11: bigint } }[];
  exit: HostExit | null;
  outcome: "handled" | "fault";
  error: string | null;
  step: string | null;
  regs: Partial<Record<string, bigint>>;
}

/** Receives each #VE's trace event (Td.onVe). */
export type VeListener = (event: VeTraceEvent) => void;

/** One TDVMCALL as the host answered it: the frame's request and answer, and the exit it was. */
export interface RecordedCall {
  request: TdvmcallRegs;
  response: { r10: bigint; r11: bigint };
  exit: HostExit | null;
}

const NO_CALLS: RecordedCall[] = [];

/** Records the TDVMCALLs of one #VE from the host's frames as they are answered. */
export class CallRecorder {
  calls: RecordedCall[] = [];
  private recording = false;

  /** Starts a new #VE: calls are recorded until end(). */
  begin(): void {
    this.calls = [];
    this.recording = true;
  }

  /** The #VE is over: its calls (none when begin() was not called for it). */
  end(): RecordedCall[] {
    if (!this.recording) return NO_CALLS;
    this.recording = false;
    return this.calls;
  }

  /** The host's call listener. */
  readonly onCall = (frame: TdvmcallFrame, exit: HostExit | null): void => {
    if (!this.recording) return;
    const { r10, r11 } = frame.result();
    this.calls.push({ request: frame.request(), response: { r10, r11 }, exit });
  };
}

const callsOf = (calls: RecordedCall[]) => calls.map(({ request, response }) => ({ request, response }));
const exitOf = (calls: RecordedCall[]) => calls.length ? calls[calls.length - 1].exit : null;

/** Builds the event for a run that delivered a #VE (null when there was none), with its recorded calls. */
export function traceEvent(seq: number, rip: bigint, run: MmioRun, calls: RecordedCall[]): VeTraceEvent | null {
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
    tdvmcalls: callsOf(calls),
    exit: exitOf(calls),
    outcome: run.outcome,
    error: run.outcome === "fault" ? run.error : null,
    step: run.outcome === "fault" ? run.step : null,
    regs: run.outcome === "handled" ? run.regs : {},
  };
}

/** The event for a port I/O #VE (no instruction is fetched or decoded: the exit qualification says it all). */
export function portIoTraceEvent(seq: number, rip: bigint, ve: PortIoVe, run: PortIoOutcome, calls: RecordedCall[]): VeTraceEvent {
  return {
    seq,
    rip,
    ve,
    bytes: null,
    decode: null,
    tdvmcalls: callsOf(calls),
    exit: exitOf(calls),
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
