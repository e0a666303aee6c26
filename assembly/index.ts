// WASM entry points: a bump arena for JS-owned buffers, a one-instruction decode (the #VE case) and
// a batch decode over many ranges that never returns to JS per instruction.
import { decodeAt, dStatus, dLen, ST_OK } from "./decoder";
import { lKind, decodeLinux } from "./linux";
import { analyze, analyzeWith, isMmioCandidate, alwaysDecodeLinux, classifyArchOnly } from "./classify";
import { setKernelProfile } from "./profile";
import { ONE_BYTE, fastDecode, quickLength, firstWord, mmioTriage, FAST_SLOW_MMIO, Q_BAIL, Q_INVALID, Q_MMIO } from "./fastlen";
import { movRecord, movPlan } from "./fastmov";
import { writeCompact, writeFull, writeKernelPlan, writeArchPlan, COMPACT_SIZE, FULL_SIZE, PLAN_SIZE } from "./record";

/** Length-only decode: the fast tables where they apply, else the full decoder. Returns len | status << 8. */
@inline function lengthAndStatus(at: usize, end: usize): u32 {
  const q = quickLength(firstWord(at, end));
  if ((q & (Q_BAIL | Q_INVALID)) == 0 && <usize>(q & 0xff) <= end - at) return q & 0xff;
  decodeAt(at, end);
  return dLen | (dStatus << 8);
}

export { COMPACT_SIZE, FULL_SIZE };
export { setAlwaysDecodeLinux } from "./classify";
export { setKernelProfile } from "./profile";
export { setFastTables } from "./fastlen";

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
  // The common MOV shapes (fastmov.ts): both readings straight from the bytes.
  if (len >= 14) {
    const n = movPlan(ptr, out, kernel != 0);
    if (n != 0) return n;
  }
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
 * range end; after an invalid instruction it resumes at the next byte. BATCH_INPUT_PAD readable
 * bytes must follow the input (they are loaded, never decoded).
 * Records go to `out` (COMPACT_SIZE or FULL_SIZE each, at most `cap`); MODE_MMIO also writes full
 * records to `full` (at most `fullCap`). Returns the number of records written at `out`; if
 * either buffer fills, batchStopRange/batchStopOffset say where to resume.
 */
export function batch(
  input: usize, ranges: usize, nRanges: u32, out: usize, cap: u32, mode: u32, full: usize, fullCap: u32,
  firstOffset: u32,
): u32 {
  batchFullCount = 0;
  batchInvalidCount = 0;
  if (mode == MODE_LENGTH) return batchLengths(input, ranges, nRanges, out, cap, firstOffset);
  let count: u32 = 0;
  const recordSize = mode == MODE_FULL ? FULL_SIZE : COMPACT_SIZE;
  for (let r: u32 = 0; r < nRanges; r++) {
    const triple = ranges + <usize>r * 12;
    let offset = r == 0 ? max(firstOffset, load<u32>(triple)) : load<u32>(triple);
    const endOffset = load<u32>(triple, 4);
    const end = input + <usize>endOffset;
    let inRange: u32 = 0;
    const stretchOk = mode != MODE_FULL && !alwaysDecodeLinux;
    while (offset < endOffset) {
      // As in batchLengths(): a stretch of instructions that are valid and cannot be MMIO in either
      // reading (or are register-form MOVs, Q3) needs only the compact record, and no check per
      // instruction. A full record is never written in it, so the full buffer cannot fill either.
      if (stretchOk && cap - count >= endOffset - offset) {
        let at = input + <usize>offset;
        const first = out + (<usize>count << 2);
        let rec = first;
        do {
          if (load<u8>(<usize>load<u8>(at), ONE_BYTE) != 0) {
            store<u32>(rec, 1);
            rec += 4;
            at++;
            continue;
          }
          const w = load<u64>(at);
          const q = quickLength(w);
          if ((q & (Q_BAIL | Q_INVALID)) != 0 || <usize>(q & 0xff) > end - at) break;
          let compact = q & 0xff;
          if ((q & Q_MMIO) != 0) {
            const triage = mmioTriage(w);
            if ((triage & FAST_SLOW_MMIO) == 0) {
              compact |= triage; // the kernel's kind in byte 3
            } else {
              // A MOV-family memory access: its full record straight from the bytes, if it is the
              // common shape (fastmov.ts); anything else stops the stretch.
              if (mode != MODE_MMIO || batchFullCount == fullCap) break;
              compact = movRecord(w, at, <u32>(at - input), full + <usize>batchFullCount * FULL_SIZE);
              if (compact == 0) break;
              batchFullCount++;
            }
          }
          store<u32>(rec, compact);
          rec += 4;
          at += q & 0xff;
        } while (at < end);
        const n = <u32>((rec - first) >> 2);
        count += n;
        inRange += n;
        offset = <u32>(at - input);
        if (offset >= endOffset) break;
      }
      if (count == cap || (mode == MODE_MMIO && batchFullCount == fullCap)) {
        store<u32>(triple, inRange, 8);
        batchStopRange = r;
        batchStopOffset = offset;
        return count;
      }
      const at = input + <usize>offset;
      const rec = out + <usize>count * recordSize;
      const fast = alwaysDecodeLinux ? 0 : fastDecode(at, end);
      if (mode != MODE_FULL && fast != 0 && (fast & (FAST_SLOW_MMIO | 0xff00)) == 0) {
        // Valid, and neither reading can be a memory access: length and the kernel's kind of a
        // register-form MOV (Q3), if it is one.
        store<u32>(rec, fast & 0xff0000ff);
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

/** batch() in MODE_LENGTH: one u32 per instruction (length, status), locals only in the loop. */
function batchLengths(input: usize, ranges: usize, nRanges: u32, out: usize, cap: u32, firstOffset: u32): u32 {
  let count: u32 = 0;
  let invalid: u32 = 0;
  for (let r: u32 = 0; r < nRanges; r++) {
    const triple = ranges + <usize>r * 12;
    let at = input + <usize>(r == 0 ? max(firstOffset, load<u32>(triple)) : load<u32>(triple));
    const end = input + <usize>load<u32>(triple, 4);
    const first = count;
    while (at < end) {
      // A stretch with room for a record per byte left: no per-instruction check of the output
      // buffer. 8 bytes are loaded at every start before the range end (BATCH_INPUT_PAD makes them
      // readable); an instruction longer than what is left takes the careful path below.
      if (<usize>(cap - count) >= end - at) {
        let rec = out + (<usize>count << 2);
        do {
          // One-byte instructions (int3/nop padding, push/pop) need no table lookup, so a run of
          // them does not wait on one.
          if (load<u8>(<usize>load<u8>(at), ONE_BYTE) != 0) {
            store<u32>(rec, 1);
            rec += 4;
            at++;
            continue;
          }
          const q = quickLength(load<u64>(at));
          if ((q & (Q_BAIL | Q_INVALID)) != 0 || <usize>(q & 0xff) > end - at) break;
          store<u32>(rec, q & 0xff); // length, status ok, then two zero kind bytes
          rec += 4;
          at += q & 0xff;
        } while (at < end);
        count = <u32>((rec - out) >> 2);
        if (at >= end) break;
      }
      // One instruction the careful way: one that runs past the range end, or that the tables
      // leave to decodeAt().
      if (count == cap) {
        store<u32>(triple, count - first, 8);
        batchStopRange = r;
        batchStopOffset = <u32>(at - input);
        batchInvalidCount = invalid;
        return count;
      }
      const ls = lengthAndStatus(at, end);
      store<u32>(out + (<usize>count << 2), ls);
      count++;
      if ((ls >> 8) == ST_OK) at += ls & 0xff;
      else { at++; invalid++; }
    }
    store<u32>(triple, count - first, 8);
  }
  batchInvalidCount = invalid;
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
