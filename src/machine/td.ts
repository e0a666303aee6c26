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
import type { VeCpu } from "../guest/cpu.js";
import { Host, type HostOptions } from "../host/host.js";
import type { MmioDevice } from "../host/bus.js";
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
 * A call the TD refuses (the wrong lifecycle phase, too many vCPUs, a bad memory region or #VE),
 * or "listener_failed": trace listeners threw after the #VE completed (see Td.onVe).
 */
export class TdError extends Error {
  /**
   * For "listener_failed": what the delivering call would have returned; the #VE is complete.
   * The listener's error is the `cause` (an AggregateError when several listeners threw).
   */
  readonly outcome?: MmioRun | VeResult | PortIoOutcome;

  constructor(
    readonly code: "wrong_phase" | "too_many_vcpus" | "bad_region" | "bad_ve" | "listener_failed",
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
  phase: TdPhase = "created";
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
    const gpaw = config.gpaw ?? 48;
    this.memory = new GuestMemory(gpaw);
    if (config.paging) {
      const builder = new PageTableBuilder(this.memory, config.paging.poolGpa, config.paging.poolPages, config.paging.levels);
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
    this.cpu = { decoder, fetcher: this.mapped.fetcher, translator: this.translator, memory: this.memory, deliver: (vcpu, ve) => this.deliver(vcpu, ve) };
    this.engine = new VeEngine({
      decoder, memory: this.mapped, tdvmcall: this.host, gpaw, cache: this.decodeCache,
      mode: config.mode ?? "linux", kernel: config.kernel, glaCheck: config.glaCheck ?? true,
      fiveLevelPaging: config.fiveLevelPaging ?? config.paging?.levels === 5,
    });
  }

  get attributes(): bigint {
    return this.config.attributes ?? 0n;
  }

  /**
   * Delivers a port I/O #VE (exit reason 30) to the guest handler; the TDX module supplies the
   * instruction length.
   */
  deliverPortIo(vcpu: Vcpu, ve: PortIoVe): PortIoOutcome {
    this.need("finalized", "delivering a #VE");
    checkPortIoVe(ve);
    const rip = vcpu.rip;
    if (this.listeners.length) this.recorder.begin();
    const run = handlePortIoVe(vcpu, ve, (regs) => this.host.handle(regs), { fixed: this.config.portIoFixed ?? true });
    this.veCount++;
    const calls = this.recorder.end();
    if (this.listeners.length) this.notify(portIoTraceEvent(this.veCount, rip, ve, run, calls), run);
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
    this.listeners.push(listener);
    this.host.onCall = this.recorder.onCall; // the calls are recorded as the host answers them
    this.engine.describing = true; // each event describes the instruction: decode it once, in full
  }

  /** How many #VEs this TD has taken. */
  get veDelivered(): number {
    return this.veCount;
  }

  private need(phase: TdPhase, what: string): void {
    if (this.phase !== phase) throw new TdError("wrong_phase", `${what} needs a ${phase} TD (it is ${this.phase})`);
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
    this.phase = "finalized";
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
    this.mapper.map(va, gpa & ~this.memory.sharedBit, size);
  }

  /** Converts guest pages between private and shared through MapGPA, as the guest kernel does. */
  convert(gpa: bigint, size: number, toShared: boolean): MapGpaResult {
    return convertPages(this.memory, (r) => this.host.handle(r), gpa, size, toShared);
  }

  /** Maps linear [va, va+size) to existing shared GPAs (gpa carries the shared bit). */
  mapShared(va: bigint, gpa: bigint, size: number): void {
    this.need("finalized", "mapping");
    this.mapper.map(va, gpa | this.memory.sharedBit, size);
  }

  /** Creates unbacked shared pages at `gpa` (shared bit added) mapped at `va`, and attaches a device. */
  mapMmio(va: bigint, gpa: bigint, size: number, device?: MmioDevice): void {
    this.need("finalized", "mapping");
    const shared = gpa | this.memory.sharedBit;
    const pages = Math.ceil(size / 4096) * 4096;
    this.memory.addShared(shared & ~0xfffn, pages, false);
    this.mapper.map(va, shared, size);
    if (device) this.host.bus.attach(gpa & ~this.memory.sharedBit, size, device);
  }

  /**
   * Runs the instruction at RIP as far as MMIO is concerned (cpu-side.ts): the CPU decodes it and
   * computes its memory access; an access to an unbacked shared GPA becomes a #VE that the guest
   * handler takes.
   */
  runMmioInstruction(vcpu: Vcpu): MmioRun {
    return runMmioInstruction(this.cpu, vcpu);
  }

  /**
   * Delivers an EPT-violation #VE to the guest handler directly (what the TDX module does after the
   * CPU side has found the access; also lets simulators inject #VEs of their own).
   */
  deliver(vcpu: VeCpu, ve: VeInfo): MmioRun {
    this.need("finalized", "delivering a #VE");
    if (this.listeners.length) this.recorder.begin();
    this.engine.handle(vcpu, ve);
    return this.described(vcpu, ve);
  }

  /**
   * The same handling as deliver(), answered with the engine's reused, number-only VeResult
   * (valid until the next #VE on this TD) instead of a self-contained outcome: nothing is
   * allocated, for simulators that take millions of #VEs. Trace listeners still get every event.
   */
  deliverFast(vcpu: VeCpu, ve: VeInfo): VeResult {
    this.need("finalized", "delivering a #VE");
    if (this.listeners.length === 0) {
      this.veCount++;
      return this.engine.handle(vcpu, ve);
    }
    this.recorder.begin();
    const result = this.engine.handle(vcpu, ve);
    this.described(vcpu, ve, result);
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
