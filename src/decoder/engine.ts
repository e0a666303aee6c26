// The only code that touches the decoder's WASM memory. It works in Node and in browsers: it takes
// the module's bytes or a compiled WebAssembly.Module and uses no Node API.
import { COMPACT_SIZE, FULL_SIZE, MODE, R } from "./layout.js";
import { BATCH_INPUT_PAD } from "./wasm-layout.js";
import { readRecord, type DecodedInsn } from "./record.js";
import { VePlan, PLAN_WORDS, planFromRecord, type PlanDecoder, type BoundPlanRecord } from "./plan.js";
import { DEFAULT_KERNEL, KERNEL_PROFILES, profileNumber, type KernelProfile } from "./profile.js";

interface DecoderExports {
  memory: WebAssembly.Memory;
  arenaAlloc(size: number): number;
  arenaReset(): void;
  arenaMark(): number;
  arenaRelease(mark: number): void;
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

/**
 * Why a call was refused. `bad_input`: the bytes, address or plan argument; `bad_option`: a mode,
 * option or callback; `bad_range`: a range or window outside the input; `too_large`: the input
 * cannot fit the decoder's 4 GiB address space; `out_of_memory`: decoder memory cannot grow.
 */
export type DecodeErrorCode = "bad_input" | "bad_option" | "bad_range" | "too_large" | "out_of_memory";

/** A decoder error with a stable code (never a WASM trap). A refused call changes nothing. */
export class DecodeError extends Error {
  constructor(readonly code: DecodeErrorCode, message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** The #VE fetch window: the architectural maximum instruction length. */
export const MAX_INSN_LEN = 15;

/** batch(): larger `chunkRecords` are clamped to this (a full-record buffer stays at 96 MiB). */
export const MAX_CHUNK_RECORDS = 1 << 20;

/**
 * No kernel profile validated yet (decodePlan's memo): no profile's name. A string, not a Symbol,
 * so the memo's compare only ever sees strings and V8 keeps it a pointer compare (a Symbol there
 * first made it the generic strict-equality call on every kernel-reading #VE).
 */
const NO_PROFILE = "";

/** Largest buffer the decoder reserves at once: its memory is a 32-bit address space. */
const MAX_BUFFER = 0xffff_0000;

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
  /**
   * Records per output buffer: an integer >= 1 (default 65536); values above MAX_CHUNK_RECORDS
   * are clamped to it. The records do not depend on it, only how they are cut into chunks.
   */
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

/**
 * Decoder instance: one compiled module, instantiated twice. The bulk instance runs batch() and
 * decodeWindows(), reserving buffers as large as their input (its memory grows). The
 * one-instruction instance runs decode(), lengthOf(), decodePlan() and decodeWithPlan() on fixed
 * buffers reserved when the decoder is made, so its memory never grows and views into it are never
 * detached: the #VE fetch window is decoder memory that a caller may hold for the decoder's whole
 * life. Calls may nest (a batch() or decodeWindows() callback may call the decoder again): each
 * call owns the buffers it reserves until it returns. Views handed to a callback are valid until
 * the callback calls the decoder.
 */
export class VeDecoder implements PlanDecoder {
  private readonly x: DecoderExports;
  /** The one-instruction instance (see the class comment): its buffers and views are fixed. */
  private readonly one: DecoderExports;
  private readonly oneIn: number;
  // decodePlan()'s fields are `declare`d: created by their one assignment in the constructor, not
  // first defined as undefined (a class field is), so V8 keeps each field's one type and a
  // #VE's loads of them need no check of what they hold (2-3 ns per decodePlan).
  private declare readonly oneOut: number;
  /** Where the fetch window lives in the one-instruction instance (16 bytes, 16-aligned). */
  private declare readonly windowAt: number;
  private readonly oneU8: Uint8Array;
  /**
   * The plan record decodePlan() writes (at oneOut), as a view of its own: the copy into a VePlan
   * reads words 0-6 at constant indexes, not at an offset into the whole memory.
   */
  private declare readonly planRecord: Uint32Array;
  private readonly oneDv: DataView;
  /** View of the bulk instance's memory, refreshed when it grows. */
  private u8: Uint8Array;
  // Export functions held directly: property lookups on the exports object are slow per call.
  private readonly decodeOneFn: (ptr: number, len: number, out: number) => number;
  private declare readonly decodePlanFn: (ptr: number, len: number, out: number, kernel: number) => number;
  /** The #VE fetch window: 15 bytes of the one-instruction instance's memory. */
  private readonly window: Uint8Array;
  /**
   * The last profile decodePlan validated and its number (a compare per call, not a lookup). Only
   * a validated profile is ever kept, so a match means a valid one.
   */
  private planKernel: string = NO_PROFILE;
  private planKernelNumber = 0;
  /**
   * The kernel release whose #VE handler the `linux` reading follows when a call does not say
   * (decode, iterate, batch, decodeWindows, decodePlan with `true`, TDs built on this decoder).
   */
  kernel: KernelProfile = DEFAULT_KERNEL;

  private constructor(bulk: WebAssembly.Instance, one: WebAssembly.Instance) {
    this.x = bulk.exports as unknown as DecoderExports;
    this.one = one.exports as unknown as DecoderExports;
    this.decodeOneFn = this.one.decodeOne;
    this.decodePlanFn = this.one.decodePlan;
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.x.arenaReset();
    // The one-instruction instance's only reservations, for its whole life.
    this.one.arenaReset();
    this.oneIn = this.one.arenaAlloc(16) >>> 0;
    this.windowAt = this.one.arenaAlloc(16) >>> 0;
    this.oneOut = this.one.arenaAlloc(FULL_SIZE) >>> 0; // also holds plan records (16-byte aligned)
    if (this.oneIn === 0 || this.windowAt === 0 || this.oneOut === 0) throw new DecodeError("out_of_memory", "cannot reserve the decoder's buffers");
    const buffer = this.one.memory.buffer;
    this.oneU8 = new Uint8Array(buffer);
    this.planRecord = new Uint32Array(buffer, this.oneOut, PLAN_WORDS);
    this.oneDv = new DataView(buffer);
    this.window = new Uint8Array(buffer, this.windowAt, MAX_INSN_LEN);
  }

  /** Instantiates from the module's bytes or a compiled module. */
  static async create(source: BufferSource | WebAssembly.Module): Promise<VeDecoder> {
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
    const [bulk, one] = await Promise.all([WebAssembly.instantiate(module, importsFor()), WebAssembly.instantiate(module, importsFor())]);
    return new VeDecoder(bulk, one);
  }

  /** Synchronous variant for an already compiled module. */
  static fromModule(module: WebAssembly.Module): VeDecoder {
    return new VeDecoder(new WebAssembly.Instance(module, importsFor()), new WebAssembly.Instance(module, importsFor()));
  }

  private alloc(size: number): number {
    if (size > MAX_BUFFER) throw new DecodeError("too_large", `${size} bytes do not fit the decoder's 4 GiB memory`);
    const ptr = this.x.arenaAlloc(size) >>> 0;
    if (ptr === 0) throw new DecodeError("out_of_memory", `cannot reserve ${size} bytes of decoder memory`);
    if (this.u8.buffer !== this.x.memory.buffer) this.u8 = new Uint8Array(this.x.memory.buffer);
    return ptr;
  }

  /**
   * Runs `use` with buffers it reserves through `alloc`, freed when it returns or throws. Buffers of
   * an enclosing call stay untouched, so calls may nest.
   */
  private withBuffers<T>(use: (alloc: (size: number) => number) => T): T {
    const mark = this.x.arenaMark();
    try {
      return use((size) => this.alloc(size));
    } finally {
      this.x.arenaRelease(mark);
    }
  }

  /**
   * The current view of the bulk instance's memory. Memory only grows in arenaAlloc (decoding
   * never allocates), and alloc() refreshes the view then, so no per-call check of memory.buffer
   * is needed.
   */
  private memory(): Uint8Array {
    return this.u8;
  }

  /**
   * Decodes one instruction from the start of `bytes` (at most 15 bytes are looked at: the #VE case).
   * `ip` is the instruction's address (used for RIP-relative operands in the result).
   */
  decode(bytes: Uint8Array, ip: bigint | number = 0n, kernel: KernelProfile = this.kernel): DecodedInsn {
    checkBytes(bytes);
    const address = checkIp(ip);
    kernelNumber(kernel);
    const len = Math.min(bytes.length, MAX_INSN_LEN);
    this.decodeIntoScratch(bytes, kernel);
    return readRecord(this.oneDv, len === bytes.length ? bytes : bytes.subarray(0, len), address, this.oneOut);
  }

  /**
   * The #VE fetch window: 15 bytes of decoder memory a fetch writes into, read by decodePlan() and
   * decodeWithPlan() with no copy. The same view for the decoder's whole life: the memory it lies
   * in never grows, so a captured reference never goes stale. No other call changes it.
   */
  get fetchWindow(): Uint8Array {
    return this.window;
  }

  /**
   * The #VE handler's decode of the first `len` bytes (1-15) of fetchWindow: only the reading it
   * acts on (the kernel's of release `kernel`, `true` for the default release, or the CPU's:
   * `false`), unpacked into `plan`. Nothing is allocated.
   */
  decodePlan(len: number, plan: VePlan, kernel: KernelProfile | boolean): VePlan {
    // The profile's number from the memo: the default release (`true`) first, the #VE path's case.
    let reading = 0;
    if (kernel === true) {
      const profile = this.kernel;
      reading = profile === this.planKernel ? this.planKernelNumber : this.rememberProfile(profile);
    } else if (kernel !== false) {
      reading = kernel === this.planKernel ? this.planKernelNumber : this.rememberProfile(kernel);
    }
    // One combined test on the hot path (an integer 1-15 and a VePlan); the message is built on failure.
    if ((len | 0) !== len || (len - 1) >>> 0 >= MAX_INSN_LEN || !(plan instanceof VePlan)) checkPlanCall(len, plan);
    this.decodePlanFn(this.windowAt, len, this.oneOut, reading);
    return plan.unpack(this.planRecord, 0, reading !== 0); // profile numbers start at 1
  }

  /**
   * decodePlan(15, ·, kernel) bound once (PlanDecoder.bindPlanRecord): the reading's number is
   * checked now, and each call is the WebAssembly decode alone, its plan record left in `words`.
   * `true` binds the decoder's `kernel` as it is now.
   */
  bindPlanRecord(kernel: KernelProfile | boolean): BoundPlanRecord {
    const reading = kernel === false ? 0 : kernelNumber(kernel === true ? this.kernel : kernel);
    const decode = this.decodePlanFn, at = this.windowAt, out = this.oneOut;
    return { decode: () => decode(at, MAX_INSN_LEN, out, reading), words: this.planRecord, kernel: reading !== 0 };
  }

  /** Validates `profile` (throws on a bad one) and makes it decodePlan's memo; its number. */
  private rememberProfile(profile: unknown): number {
    const reading = kernelNumber(profile);
    this.planKernel = profile as string;
    this.planKernelNumber = reading;
    return reading;
  }

  /**
   * The full decode of the first `len` bytes of fetchWindow (the instruction at `ip`), with the
   * #VE handler's reading unpacked into `plan` from the same record: one decode where a #VE needs
   * both (traces). The DecodedInsn keeps a copy of the bytes.
   */
  decodeWithPlan(len: number, plan: VePlan, kernel: KernelProfile | boolean, ip: bigint): DecodedInsn {
    const address = checkIp(ip);
    const profile = kernelNumber(typeof kernel === "string" ? kernel : this.kernel);
    checkPlanCall(len, plan);
    this.one.setKernelProfile(profile);
    this.decodeOneFn(this.windowAt, len, this.oneOut);
    planFromRecord(this.oneDv, this.oneOut, kernel !== false, plan);
    return readRecord(this.oneDv, this.window.slice(0, len), address, this.oneOut);
  }

  /** Copies at most 15 bytes into the one-instruction buffer and decodes them into a full record. */
  private decodeIntoScratch(bytes: Uint8Array, kernel: KernelProfile = this.kernel): number {
    const len = bytes.length < MAX_INSN_LEN ? bytes.length : MAX_INSN_LEN;
    if (len === 0) throw new DecodeError("bad_input", "no bytes to decode");
    this.one.setKernelProfile(profileNumber(kernel));
    const mem = this.oneU8;
    const at = this.oneIn;
    for (let i = 0; i < len; i++) mem[at + i] = bytes[i];
    return this.decodeOneFn(at, len, this.oneOut);
  }

  /**
   * Length and validity of the instruction at the start of `bytes`, with no object allocated:
   * returns the length, negated when the bytes are not a valid instruction.
   */
  lengthOf(bytes: Uint8Array): number {
    checkBytes(bytes);
    if (bytes.length === 0) return 0;
    const n = this.decodeIntoScratch(bytes);
    return this.oneU8[this.oneOut + R.STATUS] === 0 ? n : -n;
  }

  /**
   * Decodes instructions in [start, end) of `bytes` one by one, resuming one byte after an
   * invalid one. `ip` is the address of bytes[0]; addresses wrap at 2^64 as RIP does. Arguments
   * are checked when iterate() is called, not at the first step.
   */
  iterate(bytes: Uint8Array, ip: bigint | number = 0n, start = 0, end?: number): Generator<DecodedInsn> {
    checkBytes(bytes);
    const address = checkIp(ip);
    const stop = end ?? bytes.length;
    checkRange(bytes, start, stop);
    return this.steps(bytes, address, start, stop);
  }

  private *steps(bytes: Uint8Array, ip: bigint, start: number, end: number): Generator<DecodedInsn> {
    let offset = start;
    while (offset < end) {
      const insn = this.decode(bytes.subarray(offset, Math.min(end, offset + MAX_INSN_LEN)), BigInt.asUintN(64, ip + BigInt(offset)));
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
    this.one.setAlwaysDecodeLinux(on ? 1 : 0);
  }

  /**
   * Verification switch: when off, every instruction takes the general decoder instead of the
   * two-byte fast tables (assembly/fastlen.ts). Results must not change; only speed does.
   */
  setFastTables(on: boolean): void {
    this.x.setFastTables(on ? 1 : 0);
    this.one.setFastTables(on ? 1 : 0);
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
    checkBytes(input);
    if (mode !== "length" && mode !== "full") throw new DecodeError("bad_option", `decodeWindows mode is "length" or "full", not ${describe(mode)}`);
    checkCallback(onRecords);
    const profile = kernelNumber(kernel);
    if (!Number.isInteger(stride) || stride < 1 || input.length % stride !== 0) {
      throw new DecodeError("bad_range", `input of ${input.length} bytes is not a whole number of ${describe(stride)}-byte windows`);
    }
    const n = input.length / stride;
    const recordSize = mode === "full" ? FULL_SIZE : COMPACT_SIZE;
    this.withBuffers((alloc) => {
      const inPtr = alloc(input.length);
      const out = alloc(n * recordSize);
      this.memory().set(input, inPtr);
      this.x.setKernelProfile(profile);
      this.x.decodeSlots(inPtr, n, stride, out, MODE[mode]);
      onRecords(this.memory().subarray(out, out + n * recordSize));
    });
  }

  /**
   * Decodes whole ranges inside WASM without returning per instruction. The input is copied into
   * decoder memory once; `onChunk` sees zero-copy views of each filled output buffer.
   */
  batch(bytes: Uint8Array, options: BatchOptions, onChunk: (chunk: BatchChunk) => void): BatchSummary {
    checkBytes(bytes);
    const { mode, ranges, cap } = batchOptions(bytes, options);
    const profile = kernelNumber(options?.kernel ?? this.kernel);
    checkCallback(onChunk);
    return this.withBuffers((alloc) => this.runBatch(bytes, mode, ranges, cap, profile, onChunk, alloc));
  }

  private runBatch(bytes: Uint8Array, mode: BatchMode, ranges: RangeTriples, cap: number,
    profile: number, onChunk: (chunk: BatchChunk) => void, alloc: (size: number) => number): BatchSummary {
    const recordSize = mode === "full" ? FULL_SIZE : COMPACT_SIZE;
    const nRanges = ranges.triples.length / 3;
    const input = alloc(bytes.length + BATCH_INPUT_PAD);
    const rangesPtr = alloc(ranges.triples.byteLength);
    const out = alloc(cap * recordSize);
    const fullCap = mode === "mmio" ? cap : 0;
    const full = alloc(Math.max(1, fullCap) * FULL_SIZE);
    let mem = this.memory();
    mem.set(bytes, input);
    mem.fill(0, input + bytes.length, input + bytes.length + BATCH_INPUT_PAD);
    new Uint32Array(mem.buffer, rangesPtr, nRanges * 3).set(ranges.triples);

    const summary: BatchSummary = { instructions: 0, invalid: 0, bytes: 0, mmioRecords: 0 };
    let first = 0;
    let firstOffset = 0;
    while (first < nRanges) {
      this.x.setKernelProfile(profile); // again each chunk: a nested call in the callback may change it
      const count = this.x.batch(input, rangesPtr + first * 12, nRanges - first, out, cap,
        MODE[mode], full, fullCap, firstOffset);
      // Read the call's results before the callback: a nested call there overwrites them.
      const fullCount = this.x.batchFullCount.value as number;
      const stopRange = this.x.batchStopRange.value as number;
      const stopOffset = this.x.batchStopOffset.value as number;
      mem = this.memory();
      const records = mem.subarray(out, out + count * recordSize);
      summary.invalid += this.x.batchInvalidCount.value as number;
      summary.instructions += count;
      summary.mmioRecords += fullCount;
      onChunk({ records, count, full: mem.subarray(full, full + fullCount * FULL_SIZE), fullCount });
      if (stopRange >= nRanges - first) break;
      first += stopRange;
      firstOffset = stopOffset;
    }
    summary.bytes = ranges.bytes;
    return summary;
  }
}

function checkRange(bytes: Uint8Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new DecodeError("bad_range", `range [${describe(start)}, ${describe(end)}) is outside the ${bytes.length}-byte input`);
  }
}

/** A plan call's length (1-15) and plan, checked before anything changes. */
function checkPlanCall(len: number, plan: VePlan): void {
  if (!Number.isInteger(len) || len < 1 || len > MAX_INSN_LEN) {
    throw new DecodeError("bad_input", `a plan decodes 1-${MAX_INSN_LEN} bytes, not ${describe(len)}`);
  }
  if (!(plan instanceof VePlan)) throw new DecodeError("bad_input", "a plan is decoded into a VePlan");
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("bad_input", `bytes must be a Uint8Array, not ${describe(bytes)}`);
  if (bytes.length > MAX_BUFFER) throw new DecodeError("too_large", `${bytes.length} bytes do not fit the decoder's 4 GiB memory`);
}

const MAX_IP = (1n << 64n) - 1n;

/** An instruction address: a bigint or a safe-integer Number, 0 to 2^64 - 1. */
function checkIp(ip: unknown): bigint {
  if (typeof ip === "bigint" && ip >= 0n && ip <= MAX_IP) return ip;
  if (typeof ip === "number" && Number.isSafeInteger(ip) && ip >= 0) return BigInt(ip);
  throw new DecodeError("bad_input", `ip must be a 64-bit address (0 to 2^64 - 1), not ${describe(ip)}`);
}

function checkCallback(f: unknown): void {
  if (typeof f !== "function") throw new DecodeError("bad_option", `the callback must be a function, not ${describe(f)}`);
}

/** Checked ranges as the WASM batch reads them: (start, end, 0) u32 triples, and the bytes they cover. */
interface RangeTriples {
  triples: Uint32Array;
  bytes: number;
}

/**
 * batch() options checked and defaulted; the ranges are copied (straight into the triples the
 * decoder reads, no array per range), so a callback cannot change them.
 */
function batchOptions(bytes: Uint8Array, options: BatchOptions | undefined): { mode: BatchMode; ranges: RangeTriples; cap: number } {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") throw new DecodeError("bad_option", `options must be an object, not ${describe(options)}`);
  const mode = options.mode ?? "length";
  if (typeof mode !== "string" || !Object.hasOwn(MODE, mode)) {
    throw new DecodeError("bad_option", `mode must be one of ${Object.keys(MODE).join(", ")}, not ${describe(mode)}`);
  }
  const chunk = options.chunkRecords ?? 65536;
  if (typeof chunk !== "number" || !Number.isInteger(chunk) || chunk < 1) {
    throw new DecodeError("bad_option", `chunkRecords must be an integer >= 1, not ${describe(chunk)}`);
  }
  const given = options.ranges ?? [[0, bytes.length]];
  if (!Array.isArray(given)) throw new DecodeError("bad_option", `ranges must be an array of [start, end] pairs, not ${describe(given)}`);
  const triples = new Uint32Array(given.length * 3);
  let covered = 0;
  for (let i = 0; i < given.length; i++) {
    const r: unknown = given[i];
    if (!Array.isArray(r) || r.length !== 2) throw new DecodeError("bad_range", `a range is a [start, end] pair, not ${describe(r)}`);
    const start: unknown = r[0], end: unknown = r[1];
    checkRange(bytes, start as number, end as number);
    triples[i * 3] = start as number;
    triples[i * 3 + 1] = end as number;
    covered += (end as number) - (start as number);
  }
  return { mode: mode as BatchMode, ranges: { triples, bytes: covered }, cap: Math.min(chunk, MAX_CHUNK_RECORDS) };
}

/** A short, never-throwing description of a value for error messages. */
function describe(v: unknown): string {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  try {
    if (Array.isArray(v)) return `an array of ${v.length}`;
    return `a ${typeof v === "object" ? (Object.getPrototypeOf(v)?.constructor?.name ?? "object") : typeof v}`;
  } catch {
    return `a ${typeof v}`; // a Proxy whose traps throw
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

/** A kernel profile's number, or a typed bad_option for an unknown one. */
function kernelNumber(kernel: unknown): number {
  if (typeof kernel !== "string" || !(KERNEL_PROFILES as readonly string[]).includes(kernel)) {
    throw new DecodeError("bad_option", `kernel must be one of ${KERNEL_PROFILES.join(", ")}, not ${describe(kernel)}`);
  }
  return profileNumber(kernel as KernelProfile);
}
