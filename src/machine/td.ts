// A TD assembled: guest memory and its MMU, vCPUs, the guest's #VE handler, the host with its
// devices, the CPU side of an MMIO access (cpu-side.ts), traces and the measurement. Lifecycle
// mirrors KVM's TDX flow: create -> add initial private memory -> finalize -> create vCPUs and
// run; a call in the wrong phase is a TdError. The guest and the host meet only at the TDVMCALL
// frame: this file is the one place that holds both.
import type { KernelProfile } from "../decoder/profile.js";
import type { VeDecoder } from "../decoder/engine.js";
import { GuestMemory, type Gpaw, type VeInfo } from "../guest/memory.js";
import { DirectMap, PageTableBuilder, PageTableWalker, type Translator } from "../guest/paging.js";
import { Vcpu } from "../guest/vcpu.js";
import { REGISTER_WORDS, type VeCpu } from "../guest/cpu.js";
import { KERNEL_PROFILES } from "../decoder/profile.js";
import { Host, HostError, type HostOptions } from "../host/host.js";
import { DeviceBus, type MmioDevice } from "../host/bus.js";
import { describeVe, type VeMode } from "../guest/ve-handler.js";
import { runMmioInstruction, type CpuSide, type MmioRun } from "./cpu-side.js";

export type { MmioRun };
import { VeEngine, type VeResult } from "../guest/ve-engine.js";
import { MappedMemory } from "../guest/mapped-memory.js";
import { DecodeCache } from "../guest/decode-cache.js";
import { convertPages, type MapGpaResult } from "../guest/map-gpa.js";
import { Measurement } from "./measurement.js";
import { handlePortIoVe, type PortIoVe, type PortIoOutcome } from "../guest/port-io.js";
import { traceEvent, portIoTraceEvent, CallRecorder, type VeListener, type VeTraceEvent } from "./trace.js";

/** Where a TD is in its lifecycle: private memory is added while "created", vCPUs run once "finalized". */
export type TdPhase = "created" | "finalized";

/**
 * A call the TD refuses, having changed nothing: "bad_config" (a TdConfig value or trace listener
 * of the wrong kind), "wrong_phase" (the lifecycle), "too_many_vcpus", "bad_region" (an address,
 * size or device a memory or mapping call cannot use), "bad_ve" (a #VE or vCPU that is not one),
 * "reentrant" (a delivering call made while one runs on this TD: from a device, host handler or
 * trace listener), "host_failed" (the host could not answer a TDVMCALL: an override, handler or
 * device threw, its error the `cause`, or answered something that is not an answer; the #VE is
 * not applied). Or "listener_failed": trace listeners threw after the #VE completed (see Td.onVe).
 */
export class TdError extends Error {
  /**
   * For "listener_failed": what the delivering call would have returned; the #VE is complete.
   * The listener's error is the `cause` (an AggregateError when several listeners threw).
   */
  readonly outcome?: MmioRun | VeResult | PortIoOutcome;

  constructor(
    readonly code: "bad_config" | "wrong_phase" | "too_many_vcpus" | "bad_region" | "bad_ve" | "reentrant" | "host_failed" | "listener_failed",
    message: string,
    options?: { cause?: unknown; outcome?: MmioRun | VeResult | PortIoOutcome },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TdError";
    if (options?.outcome !== undefined) this.outcome = options.outcome;
  }
}

/** How a TD is built: its GPA width, paging, handler mode and host behaviour. */
export interface TdConfig {
  /** TD ATTRIBUTES (e.g. bit 0 DEBUG, bit 28 SEPT_VE_DISABLE), kept as given; default 0. */
  attributes?: bigint;
  /** Guest physical address width (default 48): the shared bit is bit gpaw - 1. */
  gpaw?: Gpaw;
  /** vCPUs createVcpu() may make (default 64). */
  maxVcpus?: number;
  /** How the guest's #VE handler emulates MMIO: the kernel's way (default) or the architecture's. */
  mode?: VeMode;
  /** Which kernel release's #VE handler the guest runs (linux mode): "6.12" (default) or "6.1". */
  kernel?: KernelProfile;
  /** v6.12+ ve.gla check (step 6); default on. */
  glaCheck?: boolean;
  /**
   * The guest kernel runs with 5-level paging: step 6's TASK_SIZE_MAX is 0x00ff_ffff_ffff_f000.
   * Default: true when `paging.levels` is 5.
   */
  fiveLevelPaging?: boolean;
  /** Host behaviour (adversarial overrides, port I/O, hypercalls). */
  host?: Omit<HostOptions, "gpaw">;
  /**
   * Cache decoded #VE instructions by RIP. An entry is used as is only while nothing that could
   * change the code at RIP has changed (memory, mappings, page tables, CR3); otherwise the bytes
   * are re-read and a decode is kept only if they match. Default off.
   */
  decodeCache?: boolean;
  /**
   * With the decode cache: a #VE site the handler has found this many times in the cache gets
   * code of its own, a JavaScript function generated for that one instruction (the fastest
   * path; `new Function`, so a Content Security Policy must allow 'unsafe-eval', else every site
   * keeps the generic path). Default 64; false: never.
   */
  siteCode?: number | false;
  /**
   * Whether the #VE handler generates code of its own: hot sites' (siteCode) and, without the
   * decode cache, one straight path per TD for the plainest accesses. Default true; false: only
   * the generic paths run, as where code generation is refused.
   */
  generatedCode?: boolean;
  /** Port I/O #VE handling with the 2026 fixes (default) or as older kernels do it (Q16). */
  portIoFixed?: boolean;
  /**
   * Real page tables in guest memory (4- or 5-level), built in `poolPages` private pages at
   * `poolGpa`; default: a direct map without tables.
   */
  paging?: { levels: 4 | 5; poolGpa: bigint; poolPages: number };
  /**
   * Userspace opts into MapGPA exits: each chunk converts the pages in guest memory (data lost;
   * shared pages come back host-backed). `mapGpaAnswer` can script retries / failures per chunk.
   */
  mapGpa?: boolean;
  /** Scripts userspace's answer per MapGPA chunk (default "ok"). */
  mapGpaAnswer?: (exit: { gpa: bigint; pages: number; toShared: boolean }) => "ok" | "retry" | "invalid";
}

/** Something that installs linear -> guest-physical mappings. */
interface Mapper { map(va: bigint, gpa: bigint, size: number): void }

/** A simulated TDX trust domain: guest memory, vCPUs, the #VE handler, the host and its devices, wired together. */
export class Td {
  readonly memory: GuestMemory;
  readonly translator: Translator;
  private readonly mapper: Mapper;
  readonly host: Host;
  readonly vcpus: Vcpu[] = [];
  private currentPhase: TdPhase = "created";
  /** Finalized and no delivering call running: a #VE may be taken (one flag for the hot path). */
  private ready = false;
  readonly decodeCache: DecodeCache | null;
  /** The CPU side; its fetcher (and TLB) is the one the handler uses too. */
  private readonly cpu: CpuSide;
  /** Guest memory through this TD's MMU, as the #VE engine sees it. */
  private readonly mapped: MappedMemory;
  /** The guest's #VE handler (one per TD: it holds no vCPU state between #VEs). */
  private readonly engine: VeEngine;
  private readonly listeners: VeListener[] = [];
  /** The current #VE's TDVMCALLs, recorded while there are listeners. */
  private readonly recorder = new CallRecorder();
  private veCount = 0;
  /** How many times a trace listener has thrown (each throw is also reported: see onVe). */
  listenerFailures = 0;

  constructor(readonly decoder: VeDecoder, readonly config: TdConfig = {}) {
    checkConfig(decoder, config);
    const gpaw = config.gpaw ?? 48;
    this.memory = new GuestMemory(gpaw);
    if (config.paging) {
      let builder: PageTableBuilder;
      try {
        builder = new PageTableBuilder(this.memory, config.paging.poolGpa, config.paging.poolPages, config.paging.levels);
      } catch (e) {
        throw new TdError("bad_config", `TdConfig.paging: ${(e as Error).message}`);
      }
      this.mapper = builder;
      this.translator = new PageTableWalker(this.memory, builder.cr3, config.paging.levels);
    } else {
      const direct = new DirectMap(this.memory);
      this.mapper = direct;
      this.translator = direct;
    }
    this.host = new Host({
      gpaw,
      ...config.host,
      mapGpa: config.mapGpa ? (exit) => {
        const answer = config.mapGpaAnswer?.(exit) ?? "ok";
        if (answer === "ok") this.memory.convert(exit.gpa, exit.pages * 4096, exit.toShared ? "shared" : "private");
        return answer;
      } : undefined,
    });
    this.decodeCache = config.decodeCache ? new DecodeCache() : null;
    if (this.decodeCache) {
      const cache = this.decodeCache;
      this.memory.onPageChange = (page) => cache.invalidatePage(page);
    }
    this.mapped = new MappedMemory(this.memory, this.translator);
    this.cpu = { decoder, fetcher: this.mapped.fetcher, translator: this.translator, memory: this.memory, deliver: (vcpu, ve) => this.deliverEntered(vcpu, ve) };
    this.engine = new VeEngine({
      decoder, memory: this.mapped, tdvmcall: this.host, gpaw, cache: this.decodeCache, siteCode: config.siteCode, generatedCode: config.generatedCode,
      mode: config.mode ?? "linux", kernel: config.kernel, glaCheck: config.glaCheck ?? true,
      fiveLevelPaging: config.fiveLevelPaging ?? config.paging?.levels === 5,
    });
  }

  /** Where the TD is in its lifecycle. */
  get phase(): TdPhase {
    return this.currentPhase;
  }

  get attributes(): bigint {
    return this.config.attributes ?? 0n;
  }

  /**
   * Delivers a port I/O #VE (exit reason 30) to the guest handler; the TDX module supplies the
   * instruction length.
   */
  deliverPortIo(vcpu: Vcpu, ve: PortIoVe): PortIoOutcome {
    this.enter("delivering a #VE");
    try {
      checkVcpu(vcpu, true);
      checkPortIoVe(ve);
    } catch (e) {
      this.ready = true;
      throw e;
    }
    const rip = vcpu.rip;
    if (this.listeners.length) this.recorder.begin();
    let run: PortIoOutcome;
    try {
      run = handlePortIoVe(vcpu, ve, (regs) => this.host.handle(regs), { fixed: this.config.portIoFixed ?? true });
    } catch (e) {
      throw this.failed(e, vcpu, ve);
    }
    this.veCount++;
    const calls = this.recorder.end();
    try {
      if (this.listeners.length) this.notify(portIoTraceEvent(this.veCount, rip, ve, run, calls), run);
    } finally {
      this.ready = true;
    }
    return run;
  }

  /**
   * Receives one trace event per #VE, after the #VE is complete. A listener cannot break
   * delivery: if it throws, the #VE stays complete (RIP, registers, devices and veDelivered as
   * the handler left them), the other listeners still get the event, `listenerFailures` counts
   * the throw, and the delivering call (deliver, deliverFast, deliverPortIo, runMmioInstruction)
   * then throws a TdError with code "listener_failed", its `outcome` the value the call would have
   * returned and its `cause` what the listener threw. The failure is never swallowed; a simulator
   * that wants to go on takes `error.outcome` and continues.
   */
  onVe(listener: VeListener): void {
    if (typeof listener !== "function") throw new TdError("bad_config", `a trace listener is a function, not a ${typeof listener}`);
    this.listeners.push(listener);
    this.host.onCall = this.recorder.onCall; // the calls are recorded as the host answers them
    this.engine.describing = true; // each event describes the instruction: decode it once, in full
  }

  /** How many #VEs this TD has taken. */
  get veDelivered(): number {
    return this.veCount;
  }

  private need(phase: TdPhase, what: string): void {
    if (this.currentPhase !== phase) throw new TdError("wrong_phase", `${what} needs a ${phase} TD (it is ${this.currentPhase})`);
  }

  /** Starts a delivering call: finalized, and no other one running (the caller sets ready again). */
  private enter(what: string): void {
    if (this.ready) { this.ready = false; return; }
    this.need("finalized", what);
    throw new TdError("reentrant", `${what} while another delivering call runs on this TD (from a device, host handler or trace listener)`);
  }

  /**
   * A delivering call failed before its #VE was applied (nothing of it changed): the TD is free
   * again, the host's failure becomes a TdError "host_failed", a malformed #VE or vCPU (which
   * the hot path does not check up front) a TdError "bad_ve"; anything else passes unchanged.
   */
  private failed(e: unknown, vcpu: unknown, ve: unknown): unknown {
    this.ready = true;
    this.recorder.end();
    if (e instanceof HostError) return hostFailure(e);
    if (e instanceof TypeError) {
      const bad = veProblem(vcpu, ve);
      if (bad !== null) return new TdError("bad_ve", bad);
    }
    return e;
  }

  private readonly mrtd = new Measurement();

  /**
   * The TD's build-time measurement (measurement.ts): a running SHA-384 over what
   * addPrivateRegion added. A model of the procedure, not a value to compare with real hardware.
   */
  get measurement(): string {
    return this.mrtd.hex;
  }

  /**
   * Adds initial private memory with its contents (before finalize only); `measure` also extends
   * the measurement with the contents, not only the page GPAs.
   */
  addPrivateRegion(gpa: bigint, contents: Uint8Array | number, options: { measure?: boolean } = {}): void {
    this.need("created", "adding private memory");
    if (!(contents instanceof Uint8Array) && !(typeof contents === "number" && Number.isSafeInteger(contents))) {
      throw new TdError("bad_region", "a region's contents are a Uint8Array or a size in bytes");
    }
    if (typeof gpa !== "bigint") throw new TdError("bad_region", `a region's GPA is a bigint, not a ${typeof gpa}`);
    if (typeof options !== "object" || options === null) throw new TdError("bad_region", "addPrivateRegion's options are an object");
    const size = typeof contents === "number" ? contents : Math.ceil(contents.length / 4096) * 4096;
    try {
      this.memory.addPrivate(gpa, size);
      if (typeof contents !== "number") for (let i = 0; i < contents.length; i += 4096) {
        this.memory.write(gpa + BigInt(i), contents.subarray(i, i + 4096));
      }
    } catch (e) {
      throw new TdError("bad_region", (e as Error).message);
    }
    for (let off = 0; off < size; off += 4096) {
      const page = gpa + BigInt(off);
      this.mrtd.addPage(page, options.measure ? this.memory.read(page, 4096) : null);
    }
  }

  finalize(): void {
    this.need("created", "finalize");
    this.currentPhase = "finalized";
    this.ready = true;
  }

  createVcpu(): Vcpu {
    this.need("finalized", "creating a vCPU");
    if (this.vcpus.length >= (this.config.maxVcpus ?? 64)) throw new TdError("too_many_vcpus", "maxVcpus reached");
    const v = new Vcpu();
    this.vcpus.push(v);
    return v;
  }

  /**
   * Maps linear [va, va+size) to private GPAs (kernel text/data). Like every mapping call here,
   * it replaces earlier mappings where it overlaps them (the latest call wins, at every size, as a
   * new PTE does).
   */
  mapPrivate(va: bigint, gpa: bigint, size: number): void {
    this.need("finalized", "mapping");
    this.checkMapping(va, gpa, size);
    this.map(va, gpa & ~this.memory.sharedBit, size);
  }

  /**
   * Converts guest pages between private and shared through MapGPA, as the guest kernel does.
   * `gpa` and `size` are whole pages inside the GPA space (without the shared bit).
   */
  convert(gpa: bigint, size: number, toShared: boolean): MapGpaResult {
    this.enter("converting pages");
    try {
      if (typeof gpa !== "bigint" || gpa < 0n || (gpa & 0xfffn) !== 0n || !Number.isSafeInteger(size) || size <= 0 || size % 4096 !== 0
        || gpa + BigInt(size) > this.memory.sharedBit || typeof toShared !== "boolean") {
        throw new TdError("bad_region", "convert() takes a page-aligned bigint GPA below the shared bit, a size in whole pages and a boolean");
      }
      return convertPages(this.memory, (r) => this.host.handle(r), gpa, size, toShared);
    } catch (e) {
      throw e instanceof HostError ? hostFailure(e) : e;
    } finally {
      this.ready = true;
    }
  }

  /** Maps linear [va, va+size) to existing shared GPAs (gpa carries the shared bit). */
  mapShared(va: bigint, gpa: bigint, size: number): void {
    this.need("finalized", "mapping");
    this.checkMapping(va, gpa, size);
    this.map(va, gpa | this.memory.sharedBit, size);
  }

  /**
   * Creates unbacked shared pages at `gpa` (shared bit added) mapped at `va`, and attaches a
   * device (an object with a name and read/write methods) to them; all of it or, refused, none.
   */
  mapMmio(va: bigint, gpa: bigint, size: number, device?: MmioDevice): void {
    this.need("finalized", "mapping");
    this.checkMapping(va, gpa, size);
    const d = device as Partial<MmioDevice> | undefined;
    if (d !== undefined && (typeof d !== "object" || d === null || typeof d.name !== "string" || typeof d.read !== "function" || typeof d.write !== "function")) {
      throw new TdError("bad_region", "a device is an object with a name and read/write methods");
    }
    const base = gpa & ~this.memory.sharedBit;
    if (device && this.host.bus.claimed(base, size)) throw new TdError("bad_region", `GPA 0x${base.toString(16)} (+${size}) overlaps an attached device`);
    try {
      this.memory.addShared((gpa | this.memory.sharedBit) & ~0xfffn, Math.ceil(size / 4096) * 4096, false);
    } catch (e) {
      throw new TdError("bad_region", (e as Error).message);
    }
    this.map(va, gpa | this.memory.sharedBit, size);
    if (device) this.host.bus.attach(base, size, device);
  }

  /**
   * The checks every mapping call makes before changing anything: a page-aligned bigint linear
   * address and GPA, a size of at least one byte, both ranges inside their address spaces.
   */
  private checkMapping(va: unknown, gpa: unknown, size: unknown): void {
    const limit = this.memory.limit;
    if (typeof va !== "bigint" || typeof gpa !== "bigint" || typeof size !== "number" || !Number.isSafeInteger(size) || size <= 0
      || va < 0n || (va & 0xfffn) !== 0n || va + BigInt(size) > 1n << 64n
      || gpa < 0n || (gpa & 0xfffn) !== 0n || (gpa | this.memory.sharedBit) + BigInt(size) > limit) {
      throw new TdError("bad_region", "a mapping takes a page-aligned bigint address and GPA and a size of 1 byte or more, inside the linear and GPA spaces");
    }
  }

  /** Installs a mapping: real page tables refuse one their pool cannot hold before writing any entry. */
  private map(va: bigint, gpa: bigint, size: number): void {
    try {
      this.mapper.map(va, gpa, size);
    } catch (e) {
      throw new TdError("bad_region", (e as Error).message);
    }
  }

  /**
   * Runs the instruction at RIP as far as MMIO is concerned (cpu-side.ts): the CPU decodes it and
   * computes its memory access; an access to an unbacked shared GPA becomes a #VE that the guest
   * handler takes.
   */
  runMmioInstruction(vcpu: Vcpu): MmioRun {
    this.enter("running an instruction");
    try {
      checkVcpu(vcpu, true);
      return runMmioInstruction(this.cpu, vcpu);
    } finally {
      this.ready = true;
    }
  }

  /**
   * Delivers an EPT-violation #VE to the guest handler directly (what the TDX module does after the
   * CPU side has found the access; also lets simulators inject #VEs of their own).
   */
  deliver(vcpu: VeCpu, ve: VeInfo): MmioRun {
    this.enter("delivering a #VE");
    try {
      return this.deliverEntered(vcpu, ve);
    } finally {
      this.ready = true;
    }
  }

  /** deliver() once the TD is entered (runMmioInstruction's #VE comes here too). */
  private deliverEntered(vcpu: VeCpu, ve: VeInfo): MmioRun {
    const bad = veProblem(vcpu, ve);
    if (bad !== null) throw new TdError("bad_ve", bad);
    if (this.listeners.length) this.recorder.begin();
    try {
      this.engine.handle(vcpu, ve);
    } catch (e) {
      throw this.failed(e, vcpu, ve);
    }
    return this.described(vcpu, ve);
  }

  /**
   * The same handling as deliver(), answered with the engine's reused, number-only VeResult
   * (valid until the next #VE on this TD) instead of a self-contained outcome: nothing is
   * allocated, for simulators that take millions of #VEs. Trace listeners still get every event.
   */
  deliverFast(vcpu: VeCpu, ve: VeInfo): VeResult {
    this.enter("delivering a #VE");
    const traced = this.listeners.length !== 0;
    if (traced) this.recorder.begin();
    let result: VeResult;
    try {
      result = this.engine.handle(vcpu, ve);
    } catch (e) {
      throw this.failed(e, vcpu, ve);
    }
    // A malformed vCPU (too few register words, a CPL outside 0-3) makes the engine fault rather
    // than throw; name it, as deliver() does up front. Checked only on a fault: nothing was applied.
    if (!result.handled) {
      const bad = veProblem(vcpu, ve);
      if (bad !== null) throw this.failed(new TdError("bad_ve", bad), vcpu, ve);
    }
    if (!traced) {
      this.veCount++;
      this.ready = true;
      return result;
    }
    try {
      this.described(vcpu, ve, result);
    } finally {
      this.ready = true;
    }
    return result;
  }

  /** Counts the #VE the engine just handled, describes it and tells the trace listeners. */
  private described(vcpu: VeCpu, ve: VeInfo, outcome?: VeResult): MmioRun {
    const run = describeVe(this.engine, vcpu, this.decoder) as MmioRun & { ve: VeInfo };
    run.ve = ve;
    this.veCount++;
    const calls = this.recorder.end();
    if (this.listeners.length) {
      const event = traceEvent(this.veCount, this.engine.result.rip, run, calls);
      if (event) this.notify(event, outcome ?? run);
    }
    return run;
  }

  /** Gives every listener the event; throws a "listener_failed" TdError afterwards if any threw. */
  private notify(event: VeTraceEvent, outcome: MmioRun | VeResult | PortIoOutcome): void {
    let errors: unknown[] | null = null;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.listenerFailures++;
        (errors ??= []).push(e);
      }
    }
    if (errors === null) return;
    const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} trace listeners threw`);
    const what = cause instanceof Error ? cause.message : String(cause);
    throw new TdError("listener_failed", `a trace listener threw after the #VE completed: ${what}`, { cause, outcome });
  }
}

/**
 * The TDX module's port I/O #VE: exit reason 30, a bigint qualification and an instruction length
 * of 1-15 bytes (what RIP advances by). Checked before the handler changes anything.
 */
function checkPortIoVe(ve: PortIoVe): void {
  if (typeof ve !== "object" || ve === null || ve.exitReason !== 30 || typeof ve.exitQualification !== "bigint"
    || !Number.isInteger(ve.instrLen) || ve.instrLen < 1 || ve.instrLen > 15) {
    const len = typeof ve === "object" && ve !== null ? String(ve.instrLen) : "none";
    throw new TdError("bad_ve", `a port I/O #VE has exit reason 30, a bigint exit qualification and instrLen 1-15 (instrLen ${len})`);
  }
}

const GPAWS = [48, 52];

/** The host's failure as the TD reports it: what the host threw is the cause. */
function hostFailure(e: HostError): TdError {
  return new TdError("host_failed", e.message, e.code === "threw" ? { cause: e.cause } : undefined);
}

/** The constructor's checks: a decoder and a config whose every given field has its type. */
function checkConfig(decoder: unknown, config: unknown): void {
  const bad = (what: string) => { throw new TdError("bad_config", what); };
  if (typeof decoder !== "object" || decoder === null || typeof (decoder as VeDecoder).decodePlan !== "function") bad("a Td needs a VeDecoder");
  if (typeof config !== "object" || config === null) bad("a TdConfig is an object");
  const c = config as Record<string, unknown>;
  const is = (key: string, ok: (v: unknown) => boolean, what: string) => { if (c[key] !== undefined && !ok(c[key])) bad(`TdConfig.${key} must be ${what}`); };
  is("attributes", (v) => typeof v === "bigint" && v >= 0n && v < 1n << 64n, "a 64-bit bigint");
  is("gpaw", (v) => GPAWS.includes(v as number), "48 or 52");
  is("siteCode", (v) => v === false || (Number.isSafeInteger(v) && (v as number) >= 0), "false or an integer >= 0");
  is("maxVcpus", (v) => Number.isSafeInteger(v) && (v as number) >= 0, "an integer >= 0");
  is("mode", (v) => v === "linux" || v === "arch", '"linux" or "arch"');
  is("kernel", (v) => (KERNEL_PROFILES as readonly unknown[]).includes(v), KERNEL_PROFILES.join(" or "));
  for (const key of ["glaCheck", "fiveLevelPaging", "decodeCache", "generatedCode", "portIoFixed", "mapGpa"]) is(key, (v) => typeof v === "boolean", "a boolean");
  is("mapGpaAnswer", (v) => typeof v === "function", "a function");
  is("host", (v) => typeof v === "object" && v !== null, "an object");
  const host = (c.host ?? {}) as Record<string, unknown>;
  for (const key of ["override", "pio", "hypercall", "mapGpa"]) {
    if (host[key] !== undefined && typeof host[key] !== "function") bad(`TdConfig.host.${key} must be a function`);
  }
  if (host.bus !== undefined && !(host.bus instanceof DeviceBus)) bad("TdConfig.host.bus must be a DeviceBus");
  is("paging", (v) => {
    const p = v as { levels?: unknown; poolGpa?: unknown; poolPages?: unknown } | null;
    return typeof p === "object" && p !== null && (p.levels === 4 || p.levels === 5) && typeof p.poolGpa === "bigint"
      && p.poolGpa >= 0n && (p.poolGpa & 0xfffn) === 0n && Number.isSafeInteger(p.poolPages) && (p.poolPages as number) >= 1 && (p.poolPages as number) <= 1 << 20;
  }, "{ levels: 4 or 5, poolGpa: a page-aligned bigint, poolPages: 1..2^20 }");
}

/**
 * Why `vcpu` is not a VeCpu (its REGISTER_WORDS words, a CPL of 0-3), or null. A Vcpu is
 * wanted where the call uses its BigInt API.
 */
function vcpuProblem(vcpu: unknown, needVcpu: boolean): string | null {
  if (needVcpu && !(vcpu instanceof Vcpu)) return "the vCPU is not a Vcpu (createVcpu())";
  const v = vcpu as VeCpu | null;
  if (typeof v !== "object" || v === null || !(v.words instanceof Uint32Array) || v.words.length < REGISTER_WORDS) {
    return `the vCPU is not a VeCpu (${REGISTER_WORDS} register words in a Uint32Array)`;
  }
  if (v.cpl !== 0 && v.cpl !== 1 && v.cpl !== 2 && v.cpl !== 3) return "the vCPU's cpl is not 0-3";
  return null;
}

function checkVcpu(vcpu: unknown, needVcpu: boolean): void {
  const bad = vcpuProblem(vcpu, needVcpu);
  if (bad !== null) throw new TdError("bad_ve", bad);
}

/** Why (vcpu, ve) cannot be an EPT-violation #VE: the vCPU, or a gla/gpa that is not a bigint. Null when they can. */
function veProblem(vcpu: unknown, ve: unknown): string | null {
  const bad = vcpuProblem(vcpu, false);
  if (bad !== null) return bad;
  const v = ve as VeInfo | null;
  if (typeof v !== "object" || v === null || typeof v.gla !== "bigint" || typeof v.gpa !== "bigint") return "a #VE has a bigint gla and gpa";
  return null;
}
