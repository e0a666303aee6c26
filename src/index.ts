// ve-mmio public API (browser-safe: the Node-only loader lives in ./decoder/node.js).
export { VeDecoder, DecodeError, MAX_INSN_LEN } from "./decoder/engine.js";
export type { BatchChunk, BatchMode, BatchOptions, BatchSummary } from "./decoder/engine.js";
export type { DecodedInsn, MemOperand, MmioAccess, LinuxReading } from "./decoder/record.js";
export { readRecord } from "./decoder/record.js";
export { InsnView, KIND } from "./decoder/view.js";
export { COMPACT_SIZE, FULL_SIZE, R as RECORD_OFFSETS } from "./decoder/layout.js";
export {
  registerName, divergencesOf, DIVERGENCES,
  type DivergenceInfo, type MmioKind, type LinuxRejection, type Status, type Encoding, type Segment,
} from "./decoder/names.js";
