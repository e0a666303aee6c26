// WASM entry points: a bump arena for JS-owned buffers, a one-instruction decode (the #VE case) and
// a batch decode over many ranges that never returns to JS per instruction.
import { decodeAt, dStatus, dLen, ST_OK } from "./decoder";
import { lKind, decodeLinux } from "./linux";
import { analyze, analyzeWith, isMmioCandidate, alwaysDecodeLinux, classifyArchOnly } from "./classify";
import { FAST_MAYBE_MMIO } from "./fastlen";
import { setKernelProfile } from "./profile";
import { writeCompact, writeFull, writeKernelPlan, writeArchPlan, COMPACT_SIZE, FULL_SIZE, PLAN_SIZE } from "./record";
import { fastLength } from "./fastlen";

/** Length-only decode: the fast path where it applies, else the full decoder. Returns len | status << 8. */
@inline function lengthAndStatus(at: usize, end: usize): u32 {
  const fast = fastLength(at, end);
  if (fast != 0) return fast & 0xffff;
  decodeAt(at, end);
  return dLen | (dStatus << 8);
}

export { COMPACT_SIZE, FULL_SIZE };
export { setAlwaysDecodeLinux } from "./classify";
export { setKernelProfile } from "./profile";

// ---- arena: JS asks for buffers once and reuses them ----
// The opcode tables are allocated by the runtime while the module starts; the arena begins after
// them (its base is taken from the runtime on first use) and is never handed back to the runtime.
let arenaBase: usize = 0;
let arenaTop: usize = 0;

/**
 * Reserves `size` bytes (16-byte aligned), growing memory as needed; 0 if memory cannot grow or
 * the buffer would end past the 4 GiB address space.
 */
export function arenaAlloc(size: u32): usize {
  if (arenaBase == 0) {
    arenaBase = (heap.alloc(16) + 15) & ~<usize>15;
    arenaTop = arenaBase;
  }
  const ptr = arenaTop;
  const top = (<u64>ptr + <u64>size + 15) & ~<u64>15; // 64-bit: a size near 4 GiB must not wrap
  if (top > <u64>0x1_0000_0000) return 0;
  const needPages = <i32>((top + 0xffff) >> 16) - memory.size();
  if (needPages > 0 && memory.grow(needPages) < 0) return 0;
  arenaTop = <usize>top;
  return ptr;
}

/** Frees every arena buffer at once. */
export function arenaReset(): void {
  arenaTop = arenaBase;
}

/** The arena's current top: buffers reserved after this call are freed by arenaRelease(mark). */
export function arenaMark(): usize {
  return arenaTop;
}

/** Frees the buffers reserved since arenaMark() returned `mark` (calls nest like a stack). */
export function arenaRelease(mark: usize): void {
  if (mark >= arenaBase && mark <= arenaTop) arenaTop = mark;
}

/**
 * Decodes one instruction from [ptr, ptr + len) and writes its full record at `out`.
 * Returns the length (0 if len is 0).
 */
export function decodeOne(ptr: usize, len: u32, out: usize): u32 {
  if (len == 0) return 0;
  const end = ptr + len;
  analyze(ptr, end);
  writeFull(out, 0);
  return dLen;
}

/**
 * The #VE handler's decode: only the reading it acts on (`kernel` 1: the kernel's decode and
 * insn_decode_mmio of the profile numbered `kernel` (assembly/profile.ts); 0: the CPU's), as a
 * plan record (PLAN_SIZE bytes) at `out`. Returns the reading's length.
 */
export function decodePlan(ptr: usize, len: u32, out: usize, kernel: u32): u32 {
  if (len == 0) return 0;
  if (kernel != 0) {
    setKernelProfile(kernel);
    decodeLinux(ptr, ptr + len);
    writeKernelPlan(out);
  } else {
    decodeAt(ptr, ptr + len);
    classifyArchOnly();
    writeArchPlan(out);
  }
  return load<u8>(out, PLAN_LEN);
}

export { PLAN_SIZE };

// ---- batch ----
// Modes (MODE_*): src/decoder/wasm-layout.ts.
import { MODE_LENGTH, MODE_FULL, MODE_MMIO, PLAN_LEN } from "../src/decoder/wasm-layout";
export { MODE_LENGTH, MODE_CLASSIFY, MODE_FULL, MODE_MMIO } from "../src/decoder/wasm-layout";

/** Invalid instructions (undecodable bytes) met by the last batch call. */
export let batchInvalidCount: u32 = 0;
/** Full records written by the last batch call in MODE_MMIO. */
export let batchFullCount: u32 = 0;
/** Where the last batch call stopped: the range index and the byte offset inside it. */
export let batchStopRange: u32 = 0;
export let batchStopOffset: u32 = 0;

/**
 * Decodes ranges of the input at `input`. `ranges` holds nRanges triples of u32:
 * (start offset, end offset, record count written here on return). Decoding never crosses a
 * range end; after an invalid instruction it resumes at the next byte.
 * Records go to `out` (COMPACT_SIZE or FULL_SIZE each, at most `cap`); MODE_MMIO also writes full
 * records to `full` (at most `fullCap`). Returns the number of records written at `out`; if
 * either buffer fills, batchStopRange/batchStopOffset say where to resume.
 */
export function batch(
  input: usize, ranges: usize, nRanges: u32, out: usize, cap: u32, mode: u32, full: usize, fullCap: u32,
  firstOffset: u32,
): u32 {
  let count: u32 = 0;
  batchFullCount = 0;
  batchInvalidCount = 0;
  const recordSize = mode == MODE_FULL ? FULL_SIZE : COMPACT_SIZE;
  for (let r: u32 = 0; r < nRanges; r++) {
    const triple = ranges + <usize>r * 12;
    let offset = r == 0 ? max(firstOffset, load<u32>(triple)) : load<u32>(triple);
    const endOffset = load<u32>(triple, 4);
    const end = input + <usize>endOffset;
    let inRange: u32 = 0;
    while (offset < endOffset) {
      if (count == cap || (mode == MODE_MMIO && batchFullCount == fullCap)) {
        store<u32>(triple, inRange, 8);
        batchStopRange = r;
        batchStopOffset = offset;
        return count;
      }
      const at = input + <usize>offset;
      const rec = out + <usize>count * recordSize;
      if (mode == MODE_LENGTH) {
        const ls = lengthAndStatus(at, end);
        store<u32>(rec, ls); // length, status, then two zero kind bytes
        count++;
        inRange++;
        if ((ls >> 8) == ST_OK) offset += ls & 0xff;
        else { offset++; batchInvalidCount++; }
        continue;
      }
      const fast = alwaysDecodeLinux ? 0 : fastLength(at, end);
      if (mode != MODE_FULL && fast != 0 && (fast & (FAST_MAYBE_MMIO | 0xff00)) == 0) {
        // Neither reading can be MMIO (valid, common shape): the compact record is the length alone.
        store<u32>(rec, fast & 0xff);
        count++;
        inRange++;
        offset += fast & 0xff;
        continue;
      }
      analyzeWith(at, end, fast);
      if (mode == MODE_FULL) writeFull(rec, offset);
      else writeCompact(rec);
      if (mode == MODE_MMIO && isMmioCandidate()) {
        writeFull(full + <usize>batchFullCount * FULL_SIZE, offset);
        batchFullCount++;
      }
      count++;
      inRange++;
      if (dStatus == ST_OK) offset += dLen;
      else { offset++; batchInvalidCount++; }
    }
    store<u32>(triple, inRange, 8);
  }
  batchStopRange = nRanges;
  batchStopOffset = 0;
  return count;
}

/**
 * Decodes the first instruction of each of `n` slots of `stride` bytes at `input` (each slot is its
 * own range) and writes one record per slot: compact (mode 0/1) or full (mode 2).
 * Used by differential tests and fuzzers to check many independent encodings in one call.
 */
export function decodeSlots(input: usize, n: u32, stride: u32, out: usize, mode: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const at = input + <usize>i * stride;
    const end = at + stride;
    if (mode == MODE_LENGTH) {
      store<u32>(out + <usize>i * COMPACT_SIZE, lengthAndStatus(at, end));
      continue;
    }
    analyze(at, end);
    if (mode == MODE_FULL) writeFull(out + <usize>i * FULL_SIZE, i * stride);
    else writeCompact(out + <usize>i * COMPACT_SIZE);
  }
}
