// The only code that touches the decoder's WASM memory. It works in Node and in browsers: it takes
// the module's bytes or a compiled WebAssembly.Module and uses no Node API.
import { COMPACT_SIZE, FULL_SIZE, MODE, R } from "./layout.js";
import { readRecord, type DecodedInsn } from "./record.js";
import { planFromRecord, type VePlan, type PlanDecoder } from "./plan.js";
import { DEFAULT_KERNEL, profileNumber, type KernelProfile } from "./profile.js";

interface DecoderExports {
  memory: WebAssembly.Memory;
  arenaAlloc(size: number): number;
  arenaReset(): void;
  decodeOne(ptr: number, len: number, out: number): number;
  decodePlan(ptr: number, len: number, out: number, kernel: number): number;
  decodeSlots(input: number, n: number, stride: number, out: number, mode: number): void;
  batch(input: number, ranges: number, nRanges: number, out: number, cap: number, mode: number,
    full: number, fullCap: number, firstOffset: number): number;
  batchFullCount: WebAssembly.Global;
  batchInvalidCount: WebAssembly.Global;
  batchStopRange: WebAssembly.Global;
  batchStopOffset: WebAssembly.Global;
  setAlwaysDecodeLinux(on: number): void;
  setKernelProfile(profile: number): void;
  setFastTables(on: number): void;
}

/** A decoder error with a stable code (never a WASM trap). */
export class DecodeError extends Error {
  constructor(readonly code: "bad_input" | "out_of_memory" | "bad_range", message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** The #VE fetch window: the architectural maximum instruction length. */
export const MAX_INSN_LEN = 15;

/** What a batch writes per instruction: "length" and "classify" compact records, "full" records, or "mmio" (compact for all, full for MMIO candidates). */
export type BatchMode = keyof typeof MODE;

/** One filled output buffer of a batch run. Views are valid only inside the callback. */
export interface BatchChunk {
  /** Compact records (COMPACT_SIZE bytes each: length, status, arch kind, linux kind), or full records in "full" mode. */
  records: Uint8Array;
  count: number;
  /** Full records of MMIO candidates and divergences ("mmio" mode), else empty. */
  full: Uint8Array;
  fullCount: number;
}

/** Options of VeDecoder.batch(). */
export interface BatchOptions {
  /** Which kernel's #VE handler the `linux` reading follows (default: the decoder's `kernel`). */
  kernel?: KernelProfile;
  /** [start, end) byte ranges of the input, e.g. one per function; default: the whole input. */
  ranges?: ReadonlyArray<readonly [number, number]>;
  mode?: BatchMode;
  /** Records per output buffer (default 65536). */
  chunkRecords?: number;
}

/** Totals of one VeDecoder.batch() run. */
export interface BatchSummary {
  instructions: number;
  invalid: number;
  bytes: number;
  /** Full records seen ("mmio" mode). */
  mmioRecords: number;
}

/** Decoder instance: one WASM instance with its reusable buffers. Not reentrant. */
export class VeDecoder implements PlanDecoder {
  private readonly x: DecoderExports;
  private oneIn = 0;
  private oneOut = 0;
  private u8: Uint8Array;
  /** DataView over the whole WASM memory, refreshed with `u8`. */
  private dv: DataView;
  // Export functions held directly: property lookups on the exports object are slow per call.
  private readonly decodeOneFn: (ptr: number, len: number, out: number) => number;
  private readonly decodePlanFn: (ptr: number, len: number, out: number, kernel: number) => number;
  /** u32 view of WASM memory, refreshed with `u8` (plan records are read through it). */
  private u32: Uint32Array;
  private window: Uint8Array;
  /**
   * The kernel release whose #VE handler the `linux` reading follows when a call does not say
   * (decode, iterate, batch, decodeWindows, decodePlan with `true`, TDs built on this decoder).
   */
  kernel: KernelProfile = DEFAULT_KERNEL;

  private constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as DecoderExports;
    this.decodeOneFn = this.x.decodeOne;
    this.decodePlanFn = this.x.decodePlan;
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.dv = new DataView(this.x.memory.buffer);
    this.window = this.u8;
    this.allocScratch();
  }

  /** Instantiates from the module's bytes or a compiled module. */
  static async create(source: BufferSource | WebAssembly.Module): Promise<VeDecoder> {
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
    return new VeDecoder(await WebAssembly.instantiate(module, importsFor()));
  }

  /** Synchronous variant for an already compiled module. */
  static fromModule(module: WebAssembly.Module): VeDecoder {
    return new VeDecoder(new WebAssembly.Instance(module, importsFor()));
  }

  /** (Re)creates the one-instruction buffers at the arena's start; batch buffers follow them. */
  private allocScratch(): void {
    this.x.arenaReset();
    this.oneIn = this.alloc(16);
    this.oneOut = this.alloc(FULL_SIZE); // also holds plan records (PLAN_WORDS u32, 16-byte aligned)
    this.window = this.u8.subarray(this.oneIn, this.oneIn + MAX_INSN_LEN);
  }

  private alloc(size: number): number {
    const ptr = this.x.arenaAlloc(size) >>> 0;
    if (ptr === 0) throw new DecodeError("out_of_memory", `cannot reserve ${size} bytes of decoder memory`);
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.dv = new DataView(this.x.memory.buffer);
    this.window = this.u8.subarray(this.oneIn, this.oneIn + MAX_INSN_LEN);
    return ptr;
  }

  /**
   * The current view of WASM memory. Memory only grows in arenaAlloc (decoding never allocates),
   * and alloc() refreshes the view then, so no per-call check of memory.buffer is needed.
   */
  private memory(): Uint8Array {
    return this.u8;
  }

  /**
   * Decodes one instruction from the start of `bytes` (at most 15 bytes are looked at: the #VE case).
   * `ip` is the instruction's address (used for RIP-relative operands in the result).
   */
  decode(bytes: Uint8Array, ip = 0n, kernel: KernelProfile = this.kernel): DecodedInsn {
    const len = Math.min(bytes.length, MAX_INSN_LEN);
    this.decodeIntoScratch(bytes, kernel);
    return readRecord(this.dv, len === bytes.length ? bytes : bytes.subarray(0, len), ip, this.oneOut);
  }

  /**
   * The #VE fetch window: 15 bytes of decoder memory that a fetch writes into directly, so the
   * instruction bytes are copied once. decodePlan() reads them; any other decode overwrites them.
   */
  get fetchWindow(): Uint8Array {
    return this.window;
  }

  /**
   * The #VE handler's decode of the first `len` bytes of fetchWindow: only the reading it acts on
   * (the kernel's of release `kernel`, `true` for the default release, or the CPU's: `false`),
   * unpacked into `plan`. Nothing is allocated.
   */
  decodePlan(len: number, plan: VePlan, kernel: KernelProfile | boolean): VePlan {
    if (len <= 0 || len > MAX_INSN_LEN) throw new DecodeError("bad_input", `a plan decodes 1-${MAX_INSN_LEN} bytes`);
    const reading = kernel === false ? 0 : profileNumber(kernel === true ? this.kernel : kernel);
    this.decodePlanFn(this.oneIn, len, this.oneOut, reading);
    return plan.unpack(this.u32, this.oneOut >>> 2, kernel !== false);
  }

  /**
   * The full decode of the first `len` bytes of fetchWindow (the instruction at `ip`), with the
   * #VE handler's reading unpacked into `plan` from the same record: one decode where a #VE needs
   * both (traces). The DecodedInsn keeps a copy of the bytes.
   */
  decodeWithPlan(len: number, plan: VePlan, kernel: KernelProfile | boolean, ip: bigint): DecodedInsn {
    if (len <= 0 || len > MAX_INSN_LEN) throw new DecodeError("bad_input", `a plan decodes 1-${MAX_INSN_LEN} bytes`);
    this.x.setKernelProfile(profileNumber(typeof kernel === "string" ? kernel : this.kernel));
    this.decodeOneFn(this.oneIn, len, this.oneOut);
    planFromRecord(this.dv, this.oneOut, kernel !== false, plan);
    return readRecord(this.dv, this.window.slice(0, len), ip, this.oneOut);
  }

  /** Copies at most 15 bytes into the one-instruction buffer and decodes them into a full record. */
  private decodeIntoScratch(bytes: Uint8Array, kernel: KernelProfile = this.kernel): number {
    const len = bytes.length < MAX_INSN_LEN ? bytes.length : MAX_INSN_LEN;
    if (len === 0) throw new DecodeError("bad_input", "no bytes to decode");
    this.x.setKernelProfile(profileNumber(kernel));
    const mem = this.memory();
    const at = this.oneIn;
    for (let i = 0; i < len; i++) mem[at + i] = bytes[i];
    return this.decodeOneFn(at, len, this.oneOut);
  }

  /**
   * Length and validity of the instruction at the start of `bytes`, with no object allocated:
   * returns the length, negated when the bytes are not a valid instruction.
   */
  lengthOf(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    const n = this.decodeIntoScratch(bytes);
    return this.memory()[this.oneOut + R.STATUS] === 0 ? n : -n;
  }

  /**
   * Decodes instructions in [start, end) of `bytes` one by one, resuming one byte after an
   * invalid one. `ip` is the address of bytes[0].
   */
  *iterate(bytes: Uint8Array, ip = 0n, start = 0, end = bytes.length): Generator<DecodedInsn> {
    checkRange(bytes, start, end);
    let offset = start;
    while (offset < end) {
      const insn = this.decode(bytes.subarray(offset, Math.min(end, offset + MAX_INSN_LEN)), ip + BigInt(offset));
      insn.offset = offset;
      yield insn;
      offset += insn.valid ? insn.length : 1;
    }
  }

  /**
   * Verification switch: when on, the kernel's decode runs on every instruction instead of only
   * where it can reach an MMIO verdict. Results must not change; only speed does.
   */
  setExhaustiveKernelDecode(on: boolean): void {
    this.x.setAlwaysDecodeLinux(on ? 1 : 0);
  }

  /**
   * Verification switch: when off, every instruction takes the general decoder instead of the
   * two-byte fast tables (assembly/fastlen.ts). Results must not change; only speed does.
   */
  setFastTables(on: boolean): void {
    this.x.setFastTables(on ? 1 : 0);
  }

  /**
   * Decodes the first instruction of each `stride`-byte window of `input` (each window is its own
   * range: nothing past it is read) in one call. For fuzzers and differential tests that check many
   * independent encodings. `onRecords` sees a zero-copy view: one record per window, COMPACT_SIZE
   * bytes ("length": length, status) or FULL_SIZE bytes ("full").
   */
  decodeWindows(
    input: Uint8Array, stride: number, mode: "length" | "full", onRecords: (records: Uint8Array) => void,
    kernel: KernelProfile = this.kernel,
  ): void {
    if (!Number.isInteger(stride) || stride < 1 || input.length % stride !== 0) {
      throw new DecodeError("bad_range", `input of ${input.length} bytes is not a whole number of ${stride}-byte windows`);
    }
    const n = input.length / stride;
    const recordSize = mode === "full" ? FULL_SIZE : COMPACT_SIZE;
    this.allocScratch();
    const inPtr = this.alloc(input.length);
    const out = this.alloc(n * recordSize);
    this.memory().set(input, inPtr);
    this.x.setKernelProfile(profileNumber(kernel));
    this.x.decodeSlots(inPtr, n, stride, out, MODE[mode]);
    onRecords(this.memory().subarray(out, out + n * recordSize));
  }

  /**
   * Decodes whole ranges inside WASM without returning per instruction. The input is copied into
   * decoder memory once; `onChunk` sees zero-copy views of each filled output buffer.
   */
  batch(bytes: Uint8Array, options: BatchOptions, onChunk: (chunk: BatchChunk) => void): BatchSummary {
    const mode = options.mode ?? "length";
    this.x.setKernelProfile(profileNumber(options.kernel ?? this.kernel));
    const ranges = options.ranges ?? [[0, bytes.length] as const];
    for (const [s, e] of ranges) checkRange(bytes, s, e);
    const cap = Math.max(1, options.chunkRecords ?? 65536);
    const recordSize = mode === "full" ? FULL_SIZE : COMPACT_SIZE;
    this.allocScratch();
    const input = this.alloc(bytes.length);
    const rangesPtr = this.alloc(ranges.length * 12);
    const out = this.alloc(cap * recordSize);
    const fullCap = mode === "mmio" ? cap : 0;
    const full = this.alloc(Math.max(1, fullCap) * FULL_SIZE);
    let mem = this.memory();
    mem.set(bytes, input);
    const words = new Uint32Array(mem.buffer, rangesPtr, ranges.length * 3);
    ranges.forEach(([s, e], i) => { words[i * 3] = s; words[i * 3 + 1] = e; words[i * 3 + 2] = 0; });

    const summary: BatchSummary = { instructions: 0, invalid: 0, bytes: 0, mmioRecords: 0 };
    let first = 0;
    let firstOffset = 0;
    while (first < ranges.length) {
      const count = this.x.batch(input, rangesPtr + first * 12, ranges.length - first, out, cap,
        MODE[mode], full, fullCap, firstOffset);
      const fullCount = this.x.batchFullCount.value as number;
      mem = this.memory();
      const records = mem.subarray(out, out + count * recordSize);
      summary.invalid += this.x.batchInvalidCount.value as number;
      summary.instructions += count;
      summary.mmioRecords += fullCount;
      onChunk({ records, count, full: mem.subarray(full, full + fullCount * FULL_SIZE), fullCount });
      const stopRange = this.x.batchStopRange.value as number;
      if (stopRange >= ranges.length - first) break;
      first += stopRange;
      firstOffset = this.x.batchStopOffset.value as number;
    }
    summary.bytes = ranges.reduce((n, [s, e]) => n + (e - s), 0);
    return summary;
  }
}

function checkRange(bytes: Uint8Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new DecodeError("bad_range", `range [${start}, ${end}) is outside the ${bytes.length}-byte input`);
  }
}

function importsFor(): WebAssembly.Imports {
  return {
    env: {
      abort(): never {
        throw new DecodeError("bad_input", "decoder aborted");
      },
    },
  };
}
