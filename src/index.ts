// ve-mmio public API (browser-safe: the Node-only loader lives in ./decoder/node.js).
export { VeDecoder, DecodeError, MAX_INSN_LEN } from "./decoder/engine.js";
export type { BatchChunk, BatchMode, BatchOptions, BatchSummary } from "./decoder/engine.js";
export type { DecodedInsn, MemOperand, MmioAccess, LinuxReading } from "./decoder/record.js";
export { readRecord } from "./decoder/record.js";
export { InsnView, KIND } from "./decoder/view.js";
export { VePlan, REJECT, type PlanDecoder } from "./decoder/plan.js";
export { COMPACT_SIZE, FULL_SIZE, R as RECORD_OFFSETS } from "./decoder/layout.js";
export {
  registerName, divergencesOf, DIVERGENCES,
  type DivergenceInfo, type MmioKind, type LinuxRejection, type Status, type Encoding, type Segment,
} from "./decoder/names.js";

// The TD simulation: guest memory and paging, vCPU, #VE handlers, the TDVMCALL ABI, host, devices.
export { Td, TdError, type TdConfig, type TdPhase, type MmioRun } from "./machine/td.js";
export { GuestMemory, MemoryError, PAGE_SIZE, type VeInfo, type Gpaw, type PageKind, type Access } from "./guest/memory.js";
export { DirectMap, PageTableBuilder, PageTableWalker, PF, type Translator, type Translation } from "./guest/paging.js";
export { Vcpu, type VcpuSnapshot } from "./guest/vcpu.js";
export { describeVe, kernelAddress, type VeMode, type VeOutcome, type VeStep, type VeError, type VeHandlerOptions } from "./guest/ve-handler.js";
export { VeEngine, VeResult } from "./guest/ve-engine.js";
export { CodeFetcher, codeMemoryOf, type CodeMemory } from "./guest/code-fetch.js";
export { SLOT, REGISTER_WORDS, type VeCpu, type VeMemory } from "./guest/cpu.js";
export { MappedMemory } from "./guest/mapped-memory.js";
export { emulateStringMove } from "./guest/string-move.js";
export { handlePortIoVe, decodePortQualification, portMask, type PortIoVe, type PortIoOutcome } from "./guest/port-io.js";
export { linuxWriteBack, archWriteBack, linuxWriteBackWords, archWriteBackWords } from "./guest/writeback.js";
export { mapGpa, convertPages, type MapGpaResult } from "./guest/map-gpa.js";
export { DecodeCache, DecodeCacheEntry } from "./guest/decode-cache.js";
export { jsonlWriter, type VeTraceEvent, type VeListener } from "./machine/trace.js";
export { Sha384 } from "./machine/sha384.js";
export * from "./tdvmcall/abi.js";
export { Host, type HostExit, type HostCall, type HostOptions } from "./host/host.js";
export { DeviceBus, type MmioDevice, type AccessSize } from "./host/bus.js";
export { RegisterBlock } from "./devices/register-block.js";
export { IoApic } from "./devices/ioapic.js";
export { MsixTable } from "./devices/msix.js";
export { AhciHba } from "./devices/ahci.js";
export { toHex } from "./decoder/names.js";
