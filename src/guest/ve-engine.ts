// The #VE MMIO handler's engine: SPEC §7 step by step (the kernel's handle_mmio) or as a correct
// emulator would do it ("arch" mode), on numbers only. Registers are read and written as 32-bit
// word pairs, the TDVMCALL goes through a reused frame, the decode is the WASM decoder's
// zero-allocation view, and the answer is a reused VeResult: a round trip allocates nothing.
// A fault changes no register and no memory. ve-handler.ts turns a VeResult into the typed,
// self-contained VeOutcome.
import { KIND } from "../decoder/layout.js";
import { REG_RIP, REG_NONE, SEG_FS, SEG_GS } from "../decoder/wasm-layout.js";
import type { VcpuSnapshot } from "./vcpu.js";
import { SLOT, type VeCpu, type VeMemory } from "./cpu.js";
import type { VeInfo } from "./memory.js";
import { FRAME, TdvmcallFrame, EXPOSE_MASK_WORD, EPT_VIOLATION_WORD, type FrameHost, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";
import { linuxWriteBackWords, archWriteBackWords, registerOperandWords } from "./writeback.js";
import { DEFAULT_KERNEL, type KernelProfile } from "../decoder/profile.js";
import type { DecodeCache, DecodeCacheEntry } from "./decode-cache.js";
import { VePlan, REJECT, plainAccess, type PlanDecoder } from "../decoder/plan.js";
import { emulateStringMove, type StringMove } from "./string-move.js";
import { emulateSplitAccess } from "./split-access.js";
import { compileAccess, accessAddressWords, WRITE_BACK, type CompiledAccess } from "./compiled-access.js";
import { joinWords } from "../words.js";
import { siteCode } from "./site-code.js";
import { straightCode } from "./straight-code.js";
import { glaNotKernel, TASK_SIZE_MAX_HI_4LEVEL, TASK_SIZE_MAX_HI_5LEVEL } from "./gla-check.js";
import type { DecodedInsn } from "../decoder/record.js";

/** How the #VE handler emulates: as the Linux kernel does ("linux") or as the architecture defines ("arch"). */
export type VeMode = "linux" | "arch";
/** The kernel's error for a refused #VE (PANIC: the kernel panics). */
export type VeError = "EFAULT" | "EINVAL" | "EIO" | "PANIC";

/** The step of the decision procedure that rejected the access (SPEC §7 numbering in comments). */
export type VeStep =
  | "private_gpa"   // 0: the GPA has the shared bit clear: the kernel panics
  | "user_mode"     // 1: MMIO #VE from user mode
  | "fetch"         // 2: the 15 bytes at RIP are not all readable
  | "decode"        // 3: the instruction does not decode
  | "classify"      // 4: not an MMIO instruction the handler knows
  | "register"      // 5: ModRM.reg names no GPR slot
  | "gla_check"     // 6: ve.gla is not a kernel address (v6.12+)
  | "page_split"    // 7: the access the kernel computes crosses a page (arch: a page of a split access cannot be used)
  | "movs"          // 8: MOVS is not emulated (linux; arch without guest-memory access)
  | "movs_operand"  // arch: a MOVS operand faults, crosses a page, or neither side is MMIO
  | "tdvmcall";     // 8/9: the host answered with a non-zero status

/** How the handler emulates (the TD's configuration of its guest kernel). */
export interface VeHandlerOptions {
  mode: VeMode;
  /** Which kernel release's decoder the linux mode follows (default: the decoder's `kernel`). */
  kernel?: KernelProfile;
  /** v6.12+ "in-kernel MMIO" check of ve.gla (step 6). Default true. */
  glaCheck?: boolean;
  /** 5-level paging: TASK_SIZE_MAX is 0x00FF_FFFF_FFFF_F000 instead of 0x0000_7FFF_FFFF_F000. */
  fiveLevelPaging?: boolean;
}

/**
 * The answer to one #VE, as numbers. The engine reuses it: it is valid until the engine's next
 * #VE. Nothing in it allocates.
 */
export class VeResult {
  handled = false;
  /** When not handled: the kernel's error and the step that rejected the access. */
  error: VeError | null = null;
  step: VeStep | null = null;
  /** Bytes RIP advanced by (handled only). */
  length = 0;
  /** TDVMCALLs made (0 or 1); the request and answer are in the engine's frame. */
  calls = 0;
  /** Register slot (0-15) written by a read, -1 if none; its value before, as halves. */
  slot = -1;
  oldLo = 0;
  oldHi = 0;
  /** The instruction's plan (null when the handler stopped before decoding). */
  plan: VePlan | null = null;
  /** The decode-cache entry the plan came from, null when it was decoded for this #VE. */
  entry: DecodeCacheEntry | null = null;
  /** Linux mode: the address the kernel computed for the access, as halves (valid from step 7 on). */
  readonly address = new Uint32Array(2);
  /** The full decode the plan was taken from (VeEngine.describing), else null. */
  insn: DecodedInsn | null = null;
  /** RIP of the faulting instruction, as halves. */
  ripLo = 0;
  ripHi = 0;

  /** RIP of the faulting instruction. */
  get rip(): bigint {
    return joinWords(this.ripLo, this.ripHi);
  }
  /**
   * Arch mode's accesses made of several parts (a rare path that allocates): a MOVS element (a
   * read and a write) or an access split at a page boundary (one part per page). The state
   * before, the TDVMCALLs made and why it failed.
   */
  composite: { before: VcpuSnapshot | null; calls: { request: TdvmcallRegs; result: TdvmcallResult }[]; detail: string } | null = null;

  /** @internal */
  reset(): void {
    this.handled = false;
    this.error = null;
    this.step = null;
    this.length = 0;
    this.calls = 0;
    this.slot = -1;
    this.plan = null;
    this.entry = null;
    this.insn = null;
    this.composite = null;
  }
}

const TWO32 = 0x1_0000_0000;
const PAGE_SIZE = 4096;
const RIP_LO = 2 * SLOT.RIP;
const FS_LO = 2 * SLOT.FS_BASE;
const GS_LO = 2 * SLOT.GS_BASE;
// Word offsets of the frame's registers (bits 31:0; bits 63:32 at + 1).
const RAX = 2 * FRAME.RAX, RCX = 2 * FRAME.RCX, R10 = 2 * FRAME.R10, R11 = 2 * FRAME.R11;
const R12 = 2 * FRAME.R12, R13 = 2 * FRAME.R13, R14 = 2 * FRAME.R14, R15 = 2 * FRAME.R15;
const STATUS = 2 * FRAME.STATUS, DATA = 2 * FRAME.DATA;

/** What a VeEngine is built from: the decoder and the three seams, and how it emulates. */
export interface VeEngineOptions extends VeHandlerOptions {
  /** The decoder (VeDecoder, or another PlanDecoder). */
  decoder: PlanDecoder;
  /** Guest memory through the vCPU's MMU: instruction fetch and, for arch-mode MOVS, data. */
  memory: VeMemory;
  /** Where TDVMCALLs go: the host reads the request in the frame and answers in it. */
  tdvmcall: FrameHost;
  /** Guest physical address width: the shared bit is bit gpaw - 1. */
  gpaw: 48 | 52;
  /** Plans by RIP (needs memory.codePages to forget them when code changes); default none. */
  cache?: DecodeCache | null;
  /**
   * With a cache: a site gets code of its own (site-code.ts, a generated function that runs just
   * that instruction) once the compiled path has found it this many times; default
   * SITE_CODE_AFTER; false: never (the generic compiled path runs every site).
   */
  siteCode?: number | false;
  /**
   * Whether the engine generates code of its own (hot sites' code, the uncached straight path's);
   * default true. False: only the generic paths run (as where code generation is refused).
   */
  generatedCode?: boolean;
}

/** How many times the compiled path finds a cached site before it gets code of its own (VeEngineOptions.siteCode). */
export const SITE_CODE_AFTER = 64;

/**
 * The guest's #VE handler for EPT violations (MMIO), one per TD or embedding: it keeps no vCPU
 * state between #VEs. handle() reads and writes the VeCpu's words in place and answers with a
 * reused VeResult; nothing is allocated per #VE.
 */
export class VeEngine {
  /** The TDVMCALL frame of the last #VE (request and answer). */
  readonly frame = new TdvmcallFrame();
  /** The answer to the last #VE (reused). */
  readonly result = new VeResult();
  private readonly scratchPlan = new VePlan();
  /**
   * The plan the uncached straight path decoded for this #VE and left to the general path (it is
   * not plain), else null: the general path takes it rather than fetching and decoding again.
   */
  private readonly left: { plan: VePlan | null } = { plan: null };
  /**
   * The uncached straight path: the engine's own generated code (straight-code.ts) once the first
   * uncached #VE has made it, else runDecoded.
   */
  private uncached = (w: Uint32Array): boolean => this.firstUncached(w);
  private readonly operand = new Uint32Array(2);
  private readonly taskSizeMaxHi: number;
  private readonly veSlots = new BigUint64Array(2);
  private readonly veWords = new Uint32Array(this.veSlots.buffer);
  private readonly glaCheck: boolean;
  /** Step 6 applies: linux mode with the v6.12+ check on. */
  private readonly linuxGlaCheck: boolean;
  private readonly linux: boolean;
  private readonly decoder: PlanDecoder;
  private readonly memory: VeMemory;
  private readonly host: FrameHost;
  /** Bit position of the TD's shared bit (GPAW - 1). */
  private readonly sharedBitPosition: number;
  private readonly cache: DecodeCache | null;
  /** Finds of a cached site before it gets code of its own; -1: never. */
  private readonly siteCodeAfter: number;
  /** VeEngineOptions.generatedCode. */
  private readonly generatedCode: boolean;
  /** How this engine emulates. */
  readonly mode: VeMode;
  /** The kernel release the linux mode follows. */
  readonly kernel: KernelProfile;
  /**
   * Set while every #VE will be described in full (a trace listens): the handler then decodes the
   * whole instruction once and takes its plan from that record, instead of decoding a plan now
   * and the instruction again later. Off: the plan alone (the allocation-free path).
   */
  describing = false;

  constructor(options: VeEngineOptions) {
    this.decoder = options.decoder;
    this.memory = options.memory;
    this.host = options.tdvmcall;
    this.sharedBitPosition = options.gpaw - 1;
    this.cache = options.cache ?? null;
    if (this.cache !== null && !options.memory.codePages) throw new TypeError("a decode cache needs memory.codePages()");
    const after = options.siteCode ?? SITE_CODE_AFTER;
    if (after !== false && !(Number.isSafeInteger(after) && after >= 0)) throw new TypeError("siteCode is false or an integer >= 0");
    this.generatedCode = options.generatedCode !== false;
    this.siteCodeAfter = after === false || !this.generatedCode ? -1 : after;
    this.mode = options.mode;
    this.linux = options.mode === "linux";
    this.kernel = options.kernel ?? options.decoder.kernel ?? DEFAULT_KERNEL;
    this.glaCheck = options.glaCheck !== false;
    this.linuxGlaCheck = this.linux && this.glaCheck;
    this.taskSizeMaxHi = options.fiveLevelPaging ? TASK_SIZE_MAX_HI_5LEVEL : TASK_SIZE_MAX_HI_4LEVEL;
  }

  /**
   * Handles one EPT-violation #VE. On a fault the vCPU is left exactly as it was.
   *
   * (The cached path is kept small on purpose: V8 inlines a function only under a bytecode
   * budget, and a round trip that runs as one optimized function instead of a chain of calls
   * re-checks its typed arrays far less. Rare work lives in the general path and helpers.)
   */
  handle(vcpu: VeCpu, ve: VeInfo): VeResult {
    const w = vcpu.words;
    // ve.gpa and ve.gla as 32-bit halves: a store into a BigUint64Array (taken modulo 2^64) is a
    // fraction of the cost of Number(bigint) or of BigInt comparisons.
    this.veSlots[0] = ve.gpa;
    this.veSlots[1] = ve.gla;
    const cpl = vcpu.cpl;
    // A site decoded under the current code epoch and compiled, or without a cache the plainest
    // accesses as soon as they are decoded, run straight through (CPL 0 and a shared GPA: where
    // kernel MMIO runs); each returns false, having changed nothing, where the general path must
    // decide. A trace takes the general path, which describes.
    if (cpl === 0 && !this.describing && (this.cache !== null ? this.runCompiled(w) : this.uncached(w))) return this.result;
    const shared = this.sharedGpa();
    const hit = this.cache !== null && cpl === 0 && shared ? this.cache.get(w, RIP_LO) : null;
    return this.general(vcpu, cpl, shared, hit);
  }

  /** Whether ve.gpa (in veWords) has the TD's shared bit set. */
  private sharedGpa(): boolean {
    const bit = this.sharedBitPosition;
    return (bit >= 32 ? (this.veWords[1] >>> (bit - 32)) & 1 : (this.veWords[0] >>> bit) & 1) !== 0;
  }

  /**
   * SPEC §7 step by step: every #VE the straight paths do not take (`shared`: ve.gpa has the
   * shared bit; `hit`: the cache's entry for RIP, or null). Takes the straight path's decode of this #VE
   * when it left one.
   */
  private general(vcpu: VeCpu, cpl: number, shared: boolean, hit: DecodeCacheEntry | null): VeResult {
    const r = this.result;
    const w = vcpu.words;
    r.reset();
    r.ripLo = w[RIP_LO];
    r.ripHi = w[RIP_LO + 1];
    if (!shared) return this.fault("PANIC", "private_gpa");
    if (cpl !== 0 && userMode(cpl)) return this.fault("EFAULT", "user_mode");

    const decoded = this.left.plan;
    this.left.plan = null;
    const plan = decoded ?? this.planAt(w, cpl, hit);
    if (plan === null) return this.fault("EFAULT", "fetch");
    r.plan = plan;
    return this.linux ? this.emulateLinux(vcpu, plan) : this.emulateArch(vcpu, plan);
  }

  /**
   * A cached, compiled site (compiled-access.ts) in one function: the cache's hot entry for RIP,
   * step 6, the address and its page-split check, the TDVMCALL, the write-back and RIP, with the
   * same result and the same guarantees as the general path; or, once the site is hot, the same
   * steps in the site's own code (site-code.ts). False (nothing changed, nothing counted) where
   * the general path must decide.
   */
  private runCompiled(w: Uint32Array): boolean {
    // (Written out, with its own lookup, rather than through the general path's helpers: V8
    // inlines callees only within a bytecode budget per optimized function, and a call it does
    // not inline costs more than the work it does here. RIP and the GPA are read from their word
    // arrays here, never passed: a 32-bit half above 2^30 passed to a call V8 does not inline is
    // boxed as a heap number, an allocation per #VE.)
    if (!this.sharedGpa()) return false;
    const cache = this.cache!;
    const e = cache.hot(w, RIP_LO);
    if (e === null) return false;
    const site = e.site;
    if (site !== null && e.siteOwner === this) return site(w);
    const c = e.access;
    if (c === null || (c.linux ? !this.linux : this.linux) || e.epoch === -1 || e.epoch !== this.memory.codeEpoch!()) return false;
    // A hot site gets code of its own, which runs it from now on (this #VE too).
    if (site === null && e.runs++ === this.siteCodeAfter && this.giveSiteCode(e, c)) return e.site!(w);
    if (this.linuxGlaCheck && this.glaNotKernel()) return false; // step 6
    // The address: its common form (a base register plus a displacement) here, the others in
    // accessAddressWords.
    const va = this.result.address;
    if (c.baseAndDisp) {
      const b = c.baseAt, d = c.dispLo >>> 0;
      if (b < 0) { va[0] = d; va[1] = c.dispHi; }
      else {
        const lo = (d + w[b]) >>> 0;
        va[0] = lo;
        va[1] = (c.dispHi + w[b + 1] + (lo < d ? 1 : 0)) >>> 0;
      }
    } else accessAddressWords(c, w, va);
    if ((va[0] & 0xfff) > c.lastOffset) return false;
    cache.hits++;
    const ripLo = w[RIP_LO], ripHi = w[RIP_LO + 1];
    // The request, as TdvmcallFrame.mmioWords writes it (written out: see above): R15 is a
    // write's value, 0 for reads.
    const g = this.veWords;
    const f = this.frame;
    const q = f.words;
    q[RAX] = 0; q[RAX + 1] = 0; q[RCX] = EXPOSE_MASK_WORD; q[RCX + 1] = 0;
    q[R10] = 0; q[R10 + 1] = 0; q[R11] = EPT_VIOLATION_WORD; q[R11 + 1] = 0;
    q[R12] = c.size; q[R12 + 1] = 0; q[R13 + 1] = 0;
    q[R14] = g[0]; q[R14 + 1] = g[1];
    if (!c.isWrite) { q[R13] = 0; q[R15] = 0; q[R15 + 1] = 0; }
    else {
      q[R13] = 1;
      const v = this.operand;
      writeValueWords(c, w, v);
      q[R15] = v[0]; q[R15 + 1] = v[1];
    }
    this.host.handleFrame(f);
    // The result's fields are each written once, now that the answer is in. The plan and entry
    // are stored only when they change: a pointer store pays V8's write barrier.
    const r = this.result;
    r.ripLo = ripLo; r.ripHi = ripHi;
    if (r.entry !== e) { r.entry = e; r.plan = e.plan; }
    r.calls = 1; r.insn = null; r.composite = null;
    // Registers change only after the host answered successfully.
    if (q[STATUS] !== 0 || q[STATUS + 1] !== 0) {
      r.handled = false; r.length = 0; r.slot = -1;
      this.fault("EIO", "tdvmcall");
      return true;
    }
    r.error = null; r.step = null;
    const wb = c.writeBack;
    if (wb === WRITE_BACK.none) r.slot = -1;
    else {
      const at = 2 * c.slot;
      r.slot = c.slot;
      r.oldLo = w[at];
      r.oldHi = w[at + 1];
      if (wb === WRITE_BACK.zero32) { w[at] = q[DATA]; w[at + 1] = 0; }
      else if (wb === WRITE_BACK.full64) { w[at] = q[DATA]; w[at + 1] = q[DATA + 1]; }
      else compiledWriteBack(c, w, q);
    }
    // RIP moves past the instruction (completed(), written out).
    const length = c.length, next = ripLo + length;
    w[RIP_LO] = next;
    if (next >= TWO32) w[RIP_LO + 1] = ripHi + 1;
    r.handled = true;
    r.length = length;
    return true;
  }

  /**
   * The first uncached #VE on the straight path: generates the engine's own code for it
   * (straight-code.ts), or keeps runDecoded where it cannot be generated, and runs it.
   */
  private firstUncached(w: Uint32Array): boolean {
    const bind = this.decoder.bindPlanRecord;
    const code = this.generatedCode && bind !== undefined ? straightCode({
      frame: this.frame, host: this.host, result: this.result, memory: this.memory, window: this.decoder.fetchWindow,
      decode: bind.call(this.decoder, this.linux ? this.kernel : false), plan: this.scratchPlan, veWords: this.veWords, operand: this.operand,
      sharedBitPosition: this.sharedBitPosition, glaTaskSizeMaxHi: this.linuxGlaCheck ? this.taskSizeMaxHi : null, leave: this.left,
    }) : null;
    this.uncached = code ?? ((w) => this.runDecoded(w));
    return this.uncached(w);
  }

  /** Generates the cached site `e`'s own code (site-code.ts); false where none was given. */
  private giveSiteCode(e: DecodeCacheEntry, c: CompiledAccess): boolean {
    const cache = this.cache!;
    if (cache.siteCodes >= cache.siteCodeLimit) return false;
    const code = siteCode({
      frame: this.frame, host: this.host, result: this.result, memory: this.memory, cache, veWords: this.veWords,
      operand: this.operand, glaTaskSizeMaxHi: this.linuxGlaCheck ? this.taskSizeMaxHi : null,
    }, e, c);
    return code !== null && cache.giveSiteCode(e, code, this);
  }

  /**
   * Without a decode cache, where the engine has no straight path of its own (straight-code.ts
   * generates the same steps per engine): the plainest accesses (plainAccess) straight through as
   * soon as the 15 bytes at RIP are decoded, with the general path's result and guarantees. False (nothing
   * changed; a decode made is left in `left`) where the general path must decide: in linux
   * mode step 6 too; the access must stay in its page (linux: step 7; arch: no split).
   */
  private runDecoded(w: Uint32Array): boolean {
    if (!this.sharedGpa() || (this.linuxGlaCheck && this.glaNotKernel())) return false; // step 6
    if (this.fetchAtRip(w, 0, this.decoder.fetchWindow) < 15) return false;
    const p = this.decoder.decodePlan(15, this.scratchPlan, this.linux ? this.kernel : false);
    if (!plainAccess(p)) { this.left.plan = p; return false; }
    // The address: the displacement plus the base register, if any; step 7 (linux) or a split
    // access (arch) is the general path's.
    const base = p.base, d = p.dispLo >>> 0, size = p.size;
    let lo = d, hi = p.dispHi;
    if (base !== REG_NONE) {
      lo = (d + w[2 * base]) >>> 0;
      hi = (hi + w[2 * base + 1] + (lo < d ? 1 : 0)) >>> 0;
    }
    if ((lo & 0xfff) + size > PAGE_SIZE) { this.left.plan = p; return false; }
    const va = this.result.address;
    va[0] = lo;
    va[1] = hi;
    const kind = p.kind, isWrite = kind !== KIND.read;
    if (kind === KIND.write_imm) { this.operand[0] = p.immLo; this.operand[1] = p.immHi; }
    else if (isWrite) registerOperandWords(w, 2 * p.reg, size, false, this.operand);
    return this.finish(w, p, isWrite ? -1 : p.reg);
  }

  /**
   * runDecoded's TDVMCALL and answer for the plain access `p` (its address already in the
   * result): the MMIO request for ve.gpa (a write sends `operand`), the host's answer, then, once
   * the host succeeded, the whole register `slot` (-1: none) and RIP. True: the #VE is answered
   * (handled, or refused with EIO). The request and the result's bookkeeping are runCompiled's,
   * written twice on purpose: TdvmcallFrame.mmioWords here cost the uncached round trip 0.15x,
   * and a helper shared with runCompiled left V8's inlining budget there and cost the cached one
   * 0.1x (docs/performance-log.md, sixth round).
   */
  private finish(w: Uint32Array, p: VePlan, slot: number): boolean {
    const ripLo = w[RIP_LO], ripHi = w[RIP_LO + 1];
    // The request, as TdvmcallFrame.mmioWords writes it (written out, as in runCompiled): R15 is
    // a write's value, 0 for reads.
    const g = this.veWords, f = this.frame, q = f.words;
    q[RAX] = 0; q[RAX + 1] = 0; q[RCX] = EXPOSE_MASK_WORD; q[RCX + 1] = 0;
    q[R10] = 0; q[R10 + 1] = 0; q[R11] = EPT_VIOLATION_WORD; q[R11 + 1] = 0;
    q[R12] = p.size; q[R12 + 1] = 0; q[R13 + 1] = 0;
    q[R14] = g[0]; q[R14 + 1] = g[1];
    if (p.kind === KIND.read) { q[R13] = 0; q[R15] = 0; q[R15 + 1] = 0; }
    else { q[R13] = 1; q[R15] = this.operand[0]; q[R15 + 1] = this.operand[1]; }
    this.host.handleFrame(f);
    const r = this.result;
    r.ripLo = ripLo; r.ripHi = ripHi;
    if (r.entry !== null || r.plan !== p) { r.entry = null; r.plan = p; }
    r.calls = 1; r.insn = null; r.composite = null;
    // Registers change only after the host answered successfully.
    if (q[STATUS] !== 0 || q[STATUS + 1] !== 0) {
      r.handled = false; r.length = 0; r.slot = -1;
      this.fault("EIO", "tdvmcall");
      return true;
    }
    r.error = null; r.step = null;
    r.slot = slot;
    if (slot >= 0) {
      const at = 2 * slot;
      r.oldLo = w[at];
      r.oldHi = w[at + 1];
      w[at] = q[DATA];
      w[at + 1] = p.size === 8 ? q[DATA + 1] : 0; // a 4-byte read zeroes bits 63:32 in both readings
    }
    const length = p.length, next = ripLo + length;
    w[RIP_LO] = next;
    if (next >= TWO32) w[RIP_LO + 1] = ripHi + 1;
    r.handled = true;
    r.length = length;
    return true;
  }

  /**
   * The 15 bytes the last decode read (the decoder's fetch window: valid until its next decode).
   */
  get window(): Uint8Array {
    return this.decoder.fetchWindow;
  }

  /**
   * Step 2-3: the cached plan for RIP (`hit`, the cache's entry for it or null), or fetch 15 bytes
   * and decode them (null: fetch failed).
   */
  private planAt(w: Uint32Array, cpl: number, hit: DecodeCacheEntry | null): VePlan | null {
    const window = this.decoder.fetchWindow;
    let epoch = -1;
    if (this.cache !== null) {
      epoch = this.memory.codeEpoch?.() ?? -1;
      if (hit !== null && hit.plan.kernel === this.linux) {
        if (epoch !== -1 && hit.epoch === epoch) { this.result.entry = hit; return hit.plan; }
        // Memory or the translation changed since: the decode holds only if RIP still reads the
        // same 15 bytes (a remap may show other bytes, or none, without writing the old page).
        if (this.fetchAtRip(w, cpl, window) < 15) return null;
        if (sameBytes(window, hit.bytes)) { hit.epoch = epoch; this.result.entry = hit; return hit.plan; }
        return this.decodeFetched(w, window, epoch);
      }
    }
    // A fault-safe copy of 15 bytes: every byte must be readable.
    if (this.fetchAtRip(w, cpl, window) < 15) return null;
    return this.decodeFetched(w, window, epoch);
  }

  /**
   * Step 2: the 15 bytes at RIP into the window; how many were readable. Through the memory's
   * word-based fetchCodeAt when it has one (RIP stays a word pair: nothing boxed), else fetchCode.
   */
  private fetchAtRip(w: Uint32Array, cpl: number, window: Uint8Array): number {
    const m = this.memory;
    return m.fetchCodeAt !== undefined ? m.fetchCodeAt(w, RIP_LO, cpl, window, 15) : m.fetchCode(w[RIP_LO], w[RIP_LO + 1], cpl, window, 15);
  }

  /** Step 3 on the 15 bytes in the decoder's window; kept in the cache (if any) under `epoch`. */
  private decodeFetched(w: Uint32Array, window: Uint8Array, epoch: number): VePlan {
    const ripLo = w[RIP_LO], ripHi = w[RIP_LO + 1];
    const cache = this.cache;
    const d = this.decoder;
    let plan: VePlan;
    if (this.describing && d.decodeWithPlan) {
      this.result.insn = d.decodeWithPlan(15, this.scratchPlan, this.linux ? this.kernel : false, joinWords(ripLo, ripHi));
      plan = this.scratchPlan;
    } else plan = d.decodePlan(15, this.scratchPlan, this.linux ? this.kernel : false);
    if (cache === null) return plan;
    const entry = cache.put(ripLo, ripHi, plan, window, this.memory.codePages!());
    entry.epoch = epoch;
    entry.insn = this.result.insn;
    entry.access = compileAccess(entry.plan, this.linux);
    this.result.entry = entry;
    return entry.plan;
  }

  /** Step 6, when the check is on. */
  private glaRejected(): boolean {
    return this.glaCheck && this.glaNotKernel();
  }

  /** Step 6's test on ve.gla (gla-check.ts). */
  private glaNotKernel(): boolean {
    return glaNotKernel(this.veWords, this.taskSizeMaxHi);
  }

  private emulateLinux(vcpu: VeCpu, p: VePlan): VeResult {
    switch (p.verdict) {
      case REJECT.decode_failed: return this.fault("EINVAL", "decode");
      case REJECT.bad_register: return this.fault("EINVAL", "register");
      case REJECT.not_mmio: return this.fault("EINVAL", "classify");
    }
    if (this.glaRejected()) return this.fault("EINVAL", "gla_check");
    // Step 7 on the address the kernel computes from the instruction (MOVS: RAX or R8, Q12).
    const va = this.result.address;
    kernelAddressWords(p, vcpu.words, va);
    if ((va[0] & 0xfff) + p.size - 1 >= 4096) return this.fault("EFAULT", "page_split");
    if (p.verdict === REJECT.movs) return this.fault("EINVAL", "movs");
    return this.perform(vcpu, p, p.reg, p.extendTo || 8);
  }

  private emulateArch(vcpu: VeCpu, p: VePlan): VeResult {
    if (p.verdict !== 0) return this.fault("EINVAL", "decode");
    if (p.kind === 0) return this.fault("EINVAL", "classify");
    if (p.kind === KIND.movs) return this.composed(emulateStringMove(vcpu, p, this.memory, this.host, this.frame), "movs_operand");
    const slot = p.reg < 0 ? -1 : p.highByte ? p.reg - 4 : p.reg;
    // The CPU splits an access that crosses a page into its per-page parts.
    const va = this.result.address;
    kernelAddressWords(p, vcpu.words, va);
    if ((va[0] & 0xfff) + p.size > 4096 && !p.addressInvalid) {
      const split = emulateSplitAccess(vcpu, p, slot, joinWords(va[0], va[1]), this.memory, this.host, this.frame);
      return this.composed(split, "page_split");
    }
    return this.perform(vcpu, p, slot, p.extendTo);
  }

  /** Steps 8-10: the TDVMCALL, then (reads) the register write-back, and RIP += length. */
  private perform(vcpu: VeCpu, p: VePlan, slot: number, extendTo: number): VeResult {
    const r = this.result;
    const f = this.frame;
    const w = vcpu.words;
    const { kind, size, highByte } = p;
    const isWrite = kind === KIND.write || kind === KIND.write_imm;
    // (The GPA and value go as word pairs: see TdvmcallFrame.mmioWords.)
    const value = this.operand;
    if (kind === KIND.write_imm) { value[0] = p.immLo; value[1] = p.immHi; }
    else if (isWrite) registerOperandWords(w, 2 * slot, size, highByte, value);
    f.mmioWords(size, isWrite, this.veWords, value);
    r.calls = 1;
    this.host.handleFrame(f);
    // Registers change only after the host answered successfully (the status words, read here:
    // the frame's succeeded getter did not fit V8's inlining budget in this function).
    const q = f.words;
    if (q[STATUS] !== 0 || q[STATUS + 1] !== 0) return this.fault("EIO", "tdvmcall");
    if (!isWrite && slot >= 0) {
      r.slot = slot;
      r.oldLo = w[2 * slot];
      r.oldHi = w[2 * slot + 1];
      if (this.linux) linuxWriteBackWords(w, 2 * slot, kind, size, extendTo, q, DATA);
      else archWriteBackWords(w, 2 * slot, kind, size, extendTo, highByte, q, DATA);
    }
    completed(r, w, p.length);
    return r;
  }

  /** Arch mode: the answer to an access done in parts (string-move.ts, split-access.ts). */
  private composed(m: StringMove, step: VeStep): VeResult {
    const r = this.result;
    r.calls = m.calls.length;
    if (!m.ok) {
      r.composite = { before: null, calls: m.calls, detail: m.detail };
      return this.fault(m.error, m.error === "EIO" ? "tdvmcall" : step);
    }
    r.composite = { before: m.before, calls: m.calls, detail: "" };
    r.handled = true;
    r.length = m.length;
    return r;
  }

  private fault(error: VeError, step: VeStep): VeResult {
    this.result.error = error;
    this.result.step = step;
    return this.result;
  }
}

/** out[0..1] += (lo, hi) modulo 2^64. */
function add64(out: Uint32Array, lo: number, hi: number): void {
  const sum = out[0] + lo;
  out[0] = sum; // (stored modulo 2^32)
  out[1] = out[1] + hi + (sum >= TWO32 ? 1 : 0);
}

/**
 * The address the kernel computes for the instruction (insn_get_addr_ref) from the plan and the
 * registers, as 32-bit halves into out[0..1]: ModRM/SIB terms (or the register of a register
 * form), 32-bit truncation under 67h, then the FS/GS base. The page-split check reads bits 11:0.
 */
export function kernelAddressWords(p: VePlan, w: Uint32Array, out: Uint32Array): void {
  out[0] = 0; out[1] = 0;
  if (p.addressInvalid) { out[0] = 0xffffffff; out[1] = 0xffffffff; return; } // the all-ones address (Q9)
  const base = p.base;
  if (p.registerForm) { if (base < 16) add64(out, w[2 * base], w[2 * base + 1]); } // mod = 3: the register's value
  else {
    add64(out, p.dispLo, p.dispHi); // disp8/disp32 sign-extended, or a moffs64 absolute address
    if (base === REG_RIP) { add64(out, w[RIP_LO], w[RIP_LO + 1]); add64(out, p.length, 0); }
    else if (base < 16) add64(out, w[2 * base], w[2 * base + 1]);
    if (p.index < 16) {
      const lo = w[2 * p.index] * p.scale; // < 2^35: exact
      add64(out, lo % TWO32, w[2 * p.index + 1] * p.scale + Math.floor(lo / TWO32));
    }
  }
  if (p.addressSize === 4) out[1] = 0;
  if (p.seg === SEG_FS) add64(out, w[FS_LO], w[FS_LO + 1]);
  else if (p.seg === SEG_GS) add64(out, w[GS_LO], w[GS_LO + 1]);
}

/** Whether the 15 fetched bytes equal a cached entry's bytes. */
function sameBytes(window: Uint8Array, bytes: Uint8Array): boolean {
  for (let i = 0; i < 15; i++) if (window[i] !== bytes[i]) return false;
  return true;
}

/**
 * Whether a #VE at `cpl` came from user mode (CPL 3; 1 and 2 are not user mode to the kernel).
 * A VeCpu is the embedder's object: a CPL outside 0-3 is a malformed vCPU, thrown as a TypeError
 * that the TD reports as bad_ve. Kept out of handle() so its hot path stays small enough to inline.
 */
function userMode(cpl: number): boolean {
  if (cpl !== 1 && cpl !== 2 && cpl !== 3) throw new TypeError(`a vCPU's cpl is 0-3, not ${String(cpl)}`);
  return cpl === 3;
}

/**
 * A compiled write's value into value[0..1]: the immediate, or what the register sends (its low
 * bytes; AH..BH: bits 15:8). (Out of runCompiled, to keep it small enough to inline.)
 */
function writeValueWords(c: CompiledAccess, w: Uint32Array, value: Uint32Array): void {
  if (c.fromImmediate) { value[0] = c.immLo; value[1] = c.immHi; }
  else registerOperandWords(w, 2 * c.slot, c.size, c.highByte, value);
}

/** A compiled read's write-back other than a 4- or 8-byte MOV: the reading's rule. */
function compiledWriteBack(c: CompiledAccess, w: Uint32Array, answer: Uint32Array): void {
  const at = 2 * c.slot;
  if (c.linux) linuxWriteBackWords(w, at, c.kind, c.size, c.extendTo, answer, DATA);
  else archWriteBackWords(w, at, c.kind, c.size, c.extendTo, c.highByte, answer, DATA);
}

/** The #VE is emulated: RIP (as 32-bit halves) moves past the `length`-byte instruction, and `r` says so. */
function completed(r: VeResult, w: Uint32Array, length: number): void {
  const next = w[RIP_LO] + length;
  w[RIP_LO] = next;
  if (next >= TWO32) w[RIP_LO + 1] = w[RIP_LO + 1] + 1;
  r.handled = true;
  r.length = length;
}
