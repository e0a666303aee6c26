// ve-mmio's public API: what README teaches. Browser-safe (the Node-only WASM loader is
// ve-mmio/dist/src/decoder/node.js); internals, with no stability promise, are in ./internal.js.

// ---- the decoder ----
export { VeDecoder, DecodeError, MAX_INSN_LEN } from "./decoder/engine.js";
export type { BatchChunk, BatchMode, BatchOptions, BatchSummary } from "./decoder/engine.js";
export type { DecodedInsn, MemOperand, MmioAccess, LinuxReading } from "./decoder/record.js";
export { registerName, divergencesOf, DIVERGENCES } from "./decoder/names.js";
export type { DivergenceInfo, MmioKind, LinuxRejection, Status, Encoding, Segment, Gpr64 } from "./decoder/names.js";

// ---- the TD: lifecycle, guest memory and paging, vCPUs, the CPU side, traces ----
export { Td, TdError, type TdConfig, type TdPhase, type MmioRun } from "./machine/td.js";
export { jsonlWriter, type VeTraceEvent, type VeListener } from "./machine/trace.js";
export { GuestMemory, MemoryError, PAGE_SIZE, type VeInfo, type Gpaw, type PageKind, type Access } from "./guest/memory.js";
export { DirectMap, PageTableBuilder, PageTableWalker, PF, type Translator, type Translation } from "./guest/paging.js";
export { Vcpu, type VcpuSnapshot } from "./guest/vcpu.js";
export type { VeOutcome, VeMode, VeStep, VeError, VeHandlerOptions, TdvmcallRecord } from "./guest/ve-handler.js";
export type { PortIoVe, PortIoOutcome } from "./guest/port-io.js";
export type { MapGpaResult } from "./guest/map-gpa.js";

// ---- the #VE engine and the interfaces an embedder implements ----
export { VeEngine, VeResult, type VeEngineOptions } from "./guest/ve-engine.js";
export { SLOT, REGISTER_WORDS, type VeCpu, type VeMemory } from "./guest/cpu.js";
export { MappedMemory } from "./guest/mapped-memory.js";
export { DecodeCache } from "./guest/decode-cache.js";
export { VePlan, type PlanDecoder } from "./decoder/plan.js";

// ---- the TDVMCALL frame, the host and its devices ----
export { TdvmcallFrame, FRAME, SUBFN, STATUS, type TdvmcallRegs, type TdvmcallResult, type FrameHost } from "./tdvmcall/abi.js";
export { exitOf, type HostExit, type Refusal, type AccessSize } from "./tdvmcall/exit.js";
export { Host, type HostOptions, type HostCall, type HostCallListener } from "./host/host.js";
export { DeviceBus, type MmioDevice } from "./host/bus.js";
export { RegisterBlock } from "./devices/register-block.js";
export { IoApic } from "./devices/ioapic.js";
export { MsixTable } from "./devices/msix.js";
export { AhciHba } from "./devices/ahci.js";
