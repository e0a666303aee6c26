// A TD: guest memory, its vCPUs, the host it talks to, and the CPU side of an MMIO access (the
// instruction at RIP touches an unbacked shared GPA, the TDX module delivers #VE, the guest's
// handler runs). Lifecycle mirrors KVM's TDX flow: create -> add initial private memory ->
// finalize -> create vCPUs and run; a call in the wrong phase is a TdError.
import type { KernelProfile } from "../decoder/profile.js";
import type { VeDecoder } from "../decoder/engine.js";
import type { DecodedInsn } from "../decoder/record.js";
import { GuestMemory, type Gpaw, type VeInfo } from "./memory.js";
import { DirectMap, PageTableBuilder, PageTableWalker, type Translator } from "./paging.js";
import { Vcpu, SLOT } from "./vcpu.js";
import { Host, type HostOptions } from "../host/host.js";
import type { MmioDevice } from "../host/bus.js";
import { describeVe, kernelAddress, type VeMode, type VeOutcome } from "./ve-handler.js";
import { VeEngine, type VeResult } from "./ve-engine.js";
import { CodeFetcher } from "./code-fetch.js";
import { stringOperands } from "./string-move.js";
import { DecodeCache } from "./decode-cache.js";
import { convertPages, type MapGpaResult } from "./map-gpa.js";
import { Sha384 } from "./sha384.js";
import { handlePortIoVe, type PortIoVe, type PortIoOutcome } from "./port-io.js";
import { toHex } from "../decoder/names.js";
import { traceEvent, portIoTraceEvent, type VeListener } from "./trace.js";

export type TdPhase = "created" | "finalized";

export class TdError extends Error {
  constructor(readonly code: "wrong_phase" | "too_many_vcpus" | "bad_region", message: string) {
    super(message);
    this.name = "TdError";
  }
}

export interface TdConfig {
  /** TD ATTRIBUTES (e.g. bit 0 DEBUG, bit 28 SEPT_VE_DISABLE), kept as given; default 0. */
  attributes?: bigint;
  gpaw?: Gpaw;
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
  /** Cache decoded #VE instructions by RIP (invalidated when code pages change). Default off. */
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
  mapGpaAnswer?: (exit: { gpa: bigint; pages: number; toShared: boolean }) => "ok" | "retry" | "invalid";
}

/** Something that installs linear -> guest-physical mappings. */
interface Mapper { map(va: bigint, gpa: bigint, size: number): void }

/** What happened when a vCPU ran the instruction at RIP. */
export type MmioRun =
  | { outcome: "no_ve"; reason: string }
  | { outcome: "page_fault"; va: bigint; errorCode: number }
  | ({ ve: VeInfo } & VeOutcome);

export class Td {
  readonly memory: GuestMemory;
  readonly translator: Translator;
  private readonly mapper: Mapper;
  readonly host: Host;
  readonly vcpus: Vcpu[] = [];
  phase: TdPhase = "created";
  readonly decodeCache: DecodeCache | null;
  /** Instruction fetch through this TD's MMU (its TLB serves the CPU side and the handler). */
  private readonly fetcher: CodeFetcher;
  /** The guest's #VE handler (one per TD: it holds no vCPU state between #VEs). */
  private readonly engine: VeEngine;
  private readonly listeners: VeListener[] = [];
  private veCount = 0;

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
    const fetcher = (this.fetcher = new CodeFetcher(this.translator, this.memory));
    this.engine = new VeEngine(decoder, fetcher, this.host, gpaw - 1,
      {
        mode: config.mode ?? "linux", kernel: config.kernel, glaCheck: config.glaCheck ?? true,
        fiveLevelPaging: config.fiveLevelPaging ?? config.paging?.levels === 5,
      },
      this.decodeCache,
      { translator: this.translator, memory: this.memory });
  }

  get attributes(): bigint {
    return this.config.attributes ?? 0n;
  }

  /**
   * Delivers a port I/O #VE (exit reason 30) to the guest handler; the TDX module supplies the
   * instruction length.
   */
  deliverPortIo(vcpu: Vcpu, ve: PortIoVe): PortIoOutcome {
    const rip = vcpu.rip;
    const callsBefore = this.host.calls;
    const run = handlePortIoVe(vcpu, ve, (regs) => this.host.handle(regs), { fixed: this.config.portIoFixed ?? true });
    this.veCount++;
    if (this.listeners.length) {
      const event = portIoTraceEvent(this.veCount, rip, ve, run, this.host.calls > callsBefore ? this.host.last?.exit ?? null : null);
      for (const l of this.listeners) l(event);
    }
    return run;
  }

  /** Receives one trace event per #VE. */
  onVe(listener: VeListener): void {
    this.listeners.push(listener);
  }

  /** How many #VEs this TD has taken. */
  get veDelivered(): number {
    return this.veCount;
  }

  private need(phase: TdPhase, what: string): void {
    if (this.phase !== phase) throw new TdError("wrong_phase", `${what} needs a ${phase} TD (it is ${this.phase})`);
  }

  private readonly mrtd = new Sha384();

  /**
   * The TD's build-time measurement: a running SHA-384 over what addPrivateRegion added, in the
   * shape of the TDX module's MRTD updates (a 128-byte "MEM.PAGE.ADD" block with the GPA per page;
   * for measured regions, per 256-byte chunk a "MR.EXTEND" block with the GPA and the chunk).
   * A model of the procedure, not a value to compare with real hardware.
   */
  get measurement(): string {
    return toHex(this.mrtd.digest());
  }

  private extend(label: string, gpa: bigint, data?: Uint8Array): void {
    const header = new Uint8Array(128);
    header.set(new TextEncoder().encode(label));
    new DataView(header.buffer).setBigUint64(16, gpa, true);
    this.mrtd.update(header);
    if (data) this.mrtd.update(data);
  }

  /**
   * Adds initial private memory with its contents (before finalize only); `measure` also extends
   * the measurement with the contents, not only the page GPAs.
   */
  addPrivateRegion(gpa: bigint, contents: Uint8Array | number, options: { measure?: boolean } = {}): void {
    this.need("created", "adding private memory");
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
      this.extend("MEM.PAGE.ADD", page);
      if (options.measure) {
        const bytes = this.memory.read(page, 4096);
        for (let c = 0; c < 4096; c += 256) this.extend("MR.EXTEND", page + BigInt(c), bytes.subarray(c, c + 256));
      }
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

  /** Maps linear [va, va+size) to private GPAs (kernel text/data). */
  mapPrivate(va: bigint, gpa: bigint, size: number): void {
    this.mapper.map(va, gpa & ~this.memory.sharedBit, size);
  }

  /** Converts guest pages between private and shared through MapGPA, as the guest kernel does. */
  convert(gpa: bigint, size: number, toShared: boolean): MapGpaResult {
    return convertPages(this.memory, (r) => this.host.handle(r), gpa, size, toShared);
  }

  /** Maps linear [va, va+size) to existing shared GPAs (gpa carries the shared bit). */
  mapShared(va: bigint, gpa: bigint, size: number): void {
    this.mapper.map(va, gpa | this.memory.sharedBit, size);
  }

  /** Creates unbacked shared pages at `gpa` (shared bit added) mapped at `va`, and attaches a device. */
  mapMmio(va: bigint, gpa: bigint, size: number, device?: MmioDevice): void {
    const shared = gpa | this.memory.sharedBit;
    const pages = Math.ceil(size / 4096) * 4096;
    this.memory.addShared(shared & ~0xfffn, pages, false);
    this.mapper.map(va, shared, size);
    if (device) this.host.bus.attach(gpa & ~this.memory.sharedBit, size, device);
  }

  /**
   * Runs the instruction at RIP as far as MMIO is concerned: the CPU decodes it and computes its
   * memory access; an access to an unbacked shared GPA becomes a #VE that the guest handler takes.
   */
  runMmioInstruction(vcpu: Vcpu): MmioRun {
    const bytes = new Uint8Array(15);
    const n = this.fetcher.fetch(vcpu.words[2 * SLOT.RIP], vcpu.words[2 * SLOT.RIP + 1], vcpu.cpl, bytes);
    if (n === 0) return { outcome: "page_fault", va: vcpu.rip, errorCode: Math.max(this.fetcher.pageFault, 0) };
    const insn = this.decoder.decode(bytes.subarray(0, n), vcpu.rip);
    if (!insn.valid) return { outcome: "no_ve", reason: `the CPU raises #UD or #PF first (${insn.status})` };
    const a = insn.arch;
    if (!a) return { outcome: "no_ve", reason: "not a MOV-family memory access" };
    if (a.kind === "movs") return this.runStringMove(vcpu, insn);
    const isWrite = a.kind === "write" || a.kind === "write_imm";
    const va = kernelAddress(a.mem!, false, false, insn.addressSize, insn.length, vcpu);
    return this.access(vcpu, va, isWrite) ?? { outcome: "no_ve", reason: "the access hits ordinary memory" };
  }

  /** The CPU's data access at `va`: a #PF, a #VE delivered to the handler, or null (ordinary memory). */
  private access(vcpu: Vcpu, va: bigint, isWrite: boolean): MmioRun | null {
    const t = this.translator.translate(va, isWrite ? "write" : "read", vcpu.cpl);
    if ("pageFault" in t) return { outcome: "page_fault", va, errorCode: t.pageFault };
    if (!this.memory.isUnbackedShared(t.gpa)) return null;
    const ve: VeInfo = { exitReason: 48, exitQualification: (isWrite ? 2n : 1n) | 0x80n, gla: va, gpa: t.gpa, instrLen: 0 };
    return this.deliver(vcpu, ve);
  }

  /**
   * MOVS's next element: the read of [seg:RSI] comes first, then the write of [RDI]; the first of
   * them that reaches MMIO raises the #VE. A REP with a zero count touches nothing.
   */
  private runStringMove(vcpu: Vcpu, insn: DecodedInsn): MmioRun {
    const { src, dst, count } = stringOperands(vcpu, insn.addressSize, insn.prefixes.segment);
    if ((insn.prefixes.rep || insn.prefixes.repne) && count === 0n) return { outcome: "no_ve", reason: "REP with a zero count" };
    return this.access(vcpu, src, false) ?? this.access(vcpu, dst, true)
      ?? { outcome: "no_ve", reason: "both operands are ordinary memory" };
  }

  /**
   * Delivers an EPT-violation #VE to the guest handler directly (what the TDX module does after the
   * CPU side has found the access; also lets simulators inject #VEs of their own).
   */
  deliver(vcpu: Vcpu, ve: VeInfo): MmioRun {
    this.engine.handle(vcpu, ve);
    return this.described(vcpu, ve);
  }

  /**
   * The same handling as deliver(), answered with the engine's reused, number-only VeResult
   * (valid until the next #VE on this TD) instead of a self-contained outcome: nothing is
   * allocated, for simulators that take millions of #VEs. Trace listeners still get every event.
   */
  deliverFast(vcpu: Vcpu, ve: VeInfo): VeResult {
    const result = this.engine.handle(vcpu, ve);
    if (this.listeners.length) this.described(vcpu, ve);
    else this.veCount++;
    return result;
  }

  /** Counts the #VE the engine just handled, describes it and tells the trace listeners. */
  private described(vcpu: Vcpu, ve: VeInfo): MmioRun {
    const run = describeVe(this.engine, vcpu, this.decoder) as MmioRun & { ve: VeInfo };
    run.ve = ve;
    this.veCount++;
    if (this.listeners.length) {
      const r = this.engine.result;
      const event = traceEvent(this.veCount, r.rip, run, r.calls > 0 ? this.host.last?.exit ?? null : null);
      if (event) for (const l of this.listeners) l(event);
    }
    return run;
  }
}
