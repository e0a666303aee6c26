// ve-mmio internals, exported for the project's own tools, benchmarks and tests. UNSTABLE: any
// name here may change or disappear in any release; build on the package root (index.ts) instead.

// The JS <-> WASM record layout and its readers.
export * as wasmLayout from "./decoder/wasm-layout.js";
export { R as RECORD_OFFSETS, C as COMPACT_OFFSETS, FLAG, LFLAG, PREFIX, KIND, REJECT, REG_RIP, REG_NONE, MODE, COMPACT_SIZE, FULL_SIZE } from "./decoder/layout.js";
export { readRecord } from "./decoder/record.js";
export { PLAN_WORDS, planFromRecord } from "./decoder/plan.js";
export { toHex, GPR64, GPR32, registerNumber, KIND_NAMES, REJECT_NAMES, SEGMENT_NAMES, STATUS_NAMES } from "./decoder/names.js";
export { concatenate } from "./decoder/concat.js";

// The #VE handler's parts.
export { describeVe, kernelAddress } from "./guest/ve-handler.js";
export { CodeFetcher, type CodeMemory } from "./guest/code-fetch.js";
export { DecodeCacheEntry } from "./guest/decode-cache.js";
export { emulateStringMove, stringOperands, type StringMove } from "./guest/string-move.js";
export { handlePortIoVe, decodePortQualification, portMask, type PortIoOptions } from "./guest/port-io.js";
export { linuxWriteBack, archWriteBack, linuxWriteBackWords, archWriteBackWords, registerOperandWords } from "./guest/writeback.js";
export { mapGpa, convertPages, MAX_NO_PROGRESS_RETRIES } from "./guest/map-gpa.js";

// TDVMCALL requests as BigInt registers (one encoder each, on the frame), the frame's checks, the
// bus's value cutting, 64-bit words.
export { mmioReadRequest, mmioWriteRequest, portIoRequest, mapGpaRequest, TDVMCALL_EXPOSE_MASK, type TdvmcallTransport } from "./tdvmcall/abi.js";
export { mmioOperandsValid, isMmioRequest } from "./tdvmcall/exit.js";
export { cutWords } from "./host/bus.js";
export { HostError } from "./host/host.js";
export { joinWords, lowWord, highWord, splitInto } from "./words.js";

// The machine room's parts.
export { runMmioInstruction, type CpuSide } from "./machine/cpu-side.js";
export { traceEvent, portIoTraceEvent, CallRecorder, type RecordedCall } from "./machine/trace.js";
export { Measurement } from "./machine/measurement.js";
export { Sha384 } from "./machine/sha384.js";
