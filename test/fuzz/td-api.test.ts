// Fuzz suite for the TD API (issue 10): random sequences of public calls with random and hostile
// arguments against a TD, with devices, host overrides and handlers that throw or answer garbage,
// trace listeners that throw, reentrant calls (a device or listener calling back into the TD or
// the decoder) and decoder memory growth between and inside calls.
//
// Two TDs are driven in lockstep: the subject, which gets the hostile arguments and whose devices,
// host and listeners are armed to misbehave, and its twin, which only ever gets the calls that
// succeeded on the subject and never misbehaves. The twin has the decode cache off whatever the
// subject has, so it is also the uncached truth. Asserted after every call:
// - a refused call throws a documented typed error (TdError with its code, VcpuError, MemoryError),
//   never a TypeError, RangeError or WebAssembly trap, and the subject's whole observable state
//   (vCPU registers and RIP, every guest page we know, devices' bytes and traces, TD lifecycle and
//   counters, the host's last call, the trace events) is bit-identical to before the call, and to
//   the twin's;
// - a call that succeeded answers on the subject exactly as on the twin, and leaves the same state;
// - a #VE that faults changes no register;
// - a listener failure (TdError listener_failed) carries the outcome the twin returned.
// Seeded: the seed is in the test name; VE_MMIO_FUZZ_SEED=<n> reproduces a run, VE_MMIO_TD_FUZZ_OPS
// sets the calls per run.
import { describe, it, expect } from "vitest";
import { newDecoder } from "../../src/decoder/node.js";
import { DecodeError, type VeDecoder } from "../../src/decoder/engine.js";
import { Td, TdError, type TdConfig } from "../../src/machine/td.js";
import { Vcpu, VcpuError } from "../../src/guest/vcpu.js";
import { MemoryError } from "../../src/guest/memory.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { IoApic } from "../../src/devices/ioapic.js";
import { STATUS } from "../../src/tdvmcall/abi.js";
import type { AccessSize, MmioDevice } from "../../src/host/bus.js";
import type { VeTraceEvent } from "../../src/machine/trace.js";
import type { VeResult } from "../../src/guest/ve-engine.js";
import { rng } from "../support/random.js";

const SEED = Number(process.env.VE_MMIO_FUZZ_SEED ?? process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);
const OPS = Number(process.env.VE_MMIO_TD_FUZZ_OPS ?? 4_000);
const OPS_PER_TD = 200;

const decoder = await newDecoder();
const r = rng(SEED);
const int = (n: number) => Math.floor(r() * n);
const chance = (p: number) => r() < p;
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const u64 = () => (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32));

// The guest's layout: code sites, another copy of code to remap to, a data page, devices.
const CODE_VA = 0xffffffff81000000n;
const CODE_GPA = 0x100000n, ALT_GPA = 0x200000n, DATA_GPA = 0x300000n, CONVERT_GPA = 0x400000n, POOL_GPA = 0x800000n;
const CODE_PAGES = 4, POOL_PAGES = 64;
const MMIO_VA = 0xffffc90000001000n, MMIO_GPA = 0xfee00000n;
const FUZZ_VA = 0xffffc90000002000n, FUZZ_GPA = 0xfed00000n;
const IOAPIC_VA = 0xffffc90000003000n, IOAPIC_GPA = 0xfec00000n;
const DATA_VA = 0xffffc90000004000n; // after the register block's page: accesses that cross into memory
const NEW_VA = 0xffffc90000100000n, NEW_GPA = 0xfc000000n;

/** MOV-family instructions (and a few others) at the code sites; %rdi or %rsi point at a device. */
const FORMS = [
  "8b07", "8907", "8827", "8a27", "488b4708", "48894708", "c70778563412", "c60711", "0fb607", "0fbf07", "48630f",
  "a5", "f3a4", "678b07", "658b07", "648907", "8b048f", "8b0500000000", "89870000010000", "66890f", "4c8b07", "d5008a07",
  "90", "0f0b", "f00fb107", "8b3f", "c4e27900", "62f47c088807",
];
const VE_SLOTS = 16 * CODE_PAGES; // 256-byte slots, the last one on each page straddles the page end

function codeBytes(seed: number): Uint8Array {
  const g = rng(seed);
  const out = new Uint8Array(CODE_PAGES * 4096);
  for (let i = 0; i < out.length; i++) out[i] = (g() * 256) | 0;
  for (let s = 0; s < VE_SLOTS; s++) {
    const at = s * 256 + (s % 16 === 15 ? 250 : 0); // 6 bytes before the next page
    const form = FORMS[(g() * FORMS.length) | 0];
    for (let i = 0; i < form.length / 2; i++) out[at + i] = parseInt(form.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}
const slotOffset = (s: number) => s * 256 + (s % 16 === 15 ? 250 : 0);

/** A value a callback throws: must come back as the cause, never be swallowed. */
class Planted extends Error { constructor() { super("planted"); } }

/** How a TD's host side misbehaves during the current call (the twin's never does). */
interface Hostility {
  device: "none" | "throw" | "garbage" | "reenter_td" | "reenter_decoder";
  override: "none" | "garbage" | "throw";
  listener: "none" | "throw" | "reenter";
  pio: "none" | "garbage" | "throw";
  mapGpa: "none" | "garbage" | "throw";
}
const CALM: Hostility = { device: "none", override: "none", listener: "none", pio: "none", mapGpa: "none" };

/** A device with only the BigInt methods, backed by a register block, that misbehaves when armed. */
class FuzzDevice implements MmioDevice {
  readonly name = "fuzz";
  readonly block = new RegisterBlock("fuzz", 4096, 64);
  constructor(private readonly world: World) {}
  private hostile(): void {
    const h = this.world.hostility.device;
    if (h === "throw") throw new Planted();
    if (h === "reenter_td") this.world.td.deliverFast(this.world.vcpu, this.world.lastVe);
    if (h === "reenter_decoder") {
      decoder.decode(Uint8Array.of(0x8b, 0x07, 0x90), 0n);
      decoder.batch(new Uint8Array(int(2) << 20).fill(0x90), { mode: "length" }, () => {});
    }
  }
  read(offset: number, size: AccessSize): bigint {
    this.hostile();
    if (this.world.hostility.device === "garbage") return pick([5, undefined, "1", null, {}]) as never;
    return this.block.read(offset, size);
  }
  write(offset: number, size: AccessSize, value: bigint): void {
    this.hostile();
    this.block.write(offset, size, value);
  }
}

/** One TD with its vCPU, devices and trace. */
class World {
  readonly td: Td;
  vcpu!: Vcpu;
  hostility: Hostility = CALM;
  /** Scripted (legitimate) host answer, set on both TDs alike. */
  scripted: { r10: bigint; r11: bigint } | null = null;
  lastVe = { exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: 0n, instrLen: 0 as const };
  readonly regs = new RegisterBlock("regs", 4096, 64);
  readonly ioapic = new IoApic();
  readonly fuzz = new FuzzDevice(this);
  readonly added: RegisterBlock[] = [];
  readonly events: string[] = [];
  readonly pages: bigint[];

  constructor(readonly config: TdConfig, readonly twin: boolean) {
    const garbage = () => pick([{ r10: 0, r11: 0n }, { r10: 0n }, { r10: 0n, r11: 1n << 64n }, { r10: -1n, r11: 0n }, { r10: "0", r11: 0n }, null, 5]);
    this.td = new Td(decoder, {
      ...config,
      decodeCache: twin ? false : config.decodeCache,
      mapGpaAnswer: () => {
        const h = this.hostility.mapGpa;
        if (h === "throw") throw new Planted();
        return (h === "garbage" ? pick(["yes", 0, null]) : "ok") as never;
      },
      host: {
        override: () => {
          const h = this.hostility.override;
          if (h === "throw") throw new Planted();
          if (h === "garbage") return garbage() as never;
          return this.scripted ?? undefined;
        },
        pio: (exit) => {
          const h = this.hostility.pio;
          if (h === "throw") throw new Planted();
          if (h === "garbage") return pick([1, "x", {}]) as never;
          return BigInt(exit.port) * 0x01010101n;
        },
      },
    });
    this.pages = [CODE_GPA, ALT_GPA, DATA_GPA, CONVERT_GPA].flatMap((base) => [0n, 1n, 2n, 3n].map((i) => base + i * 4096n));
    if (config.paging) for (let i = 0n; i < BigInt(POOL_PAGES); i++) this.pages.push(POOL_GPA + i * 4096n);
  }

  /**
   * Everything observable through the public API, as one string; `guestOnly`: without the host
   * side (devices, host calls), for a composite access whose earlier TDVMCALLs the host completed.
   */
  observe(guestOnly = false): string {
    const td = this.td, m = td.memory;
    const page = (gpa: bigint) => {
      const kind = m.kindOf(gpa);
      try { return `${kind}:${digest(m.read(kind === "shared" ? gpa | m.sharedBit : gpa, 4096))}`; } catch (e) { return `${kind}:${(e as Error).name}`; }
    };
    const device = (d: RegisterBlock) => [d.name, hex(d.bytes.subarray(0, 64)), d.accesses, show(d.trace)];
    const guest = {
      phase: td.phase, ves: td.veDelivered, vcpus: td.vcpus.map((v) => v.snapshot()), measurement: td.measurement,
      pageCount: m.pageCount, pages: this.pages.map(page), events: this.events,
    };
    if (guestOnly) return show(guest);
    return show({
      ...guest, calls: td.host.calls, last: td.host.last, unclaimed: [td.host.bus.unclaimedReads, td.host.bus.unclaimedWrites],
      devices: [this.regs, this.fuzz.block, ...this.added].map(device), ioapic: [this.ioapic.accesses, show(this.ioapic.trace)],
    });
  }
}

/** A 64-bit digest of a page (two independent 32-bit multiply-xor hashes over its words). */
function digest(b: Uint8Array): string {
  const w = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < w.length; i++) {
    h1 = Math.imul(h1 ^ w[i], 0x01000193);
    h2 = Math.imul(h2 + w[i] + i, 0x9e3779b1) ^ (h2 >>> 15);
  }
  return ((h1 >>> 0).toString(16)) + ((h2 >>> 0).toString(16));
}
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
function show(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? hex(v) : v));
}

/** A VeResult as plain values (the cache entry and full decode differ between cached and uncached TDs). */
function veResult(v: VeResult): unknown {
  const p = v.plan;
  return {
    handled: v.handled, error: v.error, step: v.step, length: v.length, calls: v.calls, slot: v.slot, old: [v.oldLo, v.oldHi],
    // (The address is the one the handler computed: not for a composite access, and only from step 7 on.)
    rip: v.rip, address: v.composite === null && (v.handled || v.step === "page_split") ? Array.from(v.address) : null, composite: v.composite,
    plan: p && { verdict: p.verdict, kind: p.kind, size: p.size, reg: p.reg, length: p.length, base: p.base, index: p.index },
  };
}

/** A call's answer as a string to compare: outcomes with their decoded instruction, VeResults as values. */
function answer(x: unknown): string {
  if (x instanceof Object && "handled" in x && "ripLo" in x) return show(veResult(x as VeResult));
  if (x instanceof Object && "outcome" in x && "insn" in (x as object)) return show({ ...x, insn: (x as { insn: unknown }).insn });
  return show(x ?? null);
}

/** The typed errors a refused call may throw, and the codes each may carry. */
function typedProblem(e: unknown): string | null {
  if (e instanceof TdError) {
    if (!["bad_config", "wrong_phase", "too_many_vcpus", "bad_region", "bad_ve", "reentrant", "host_failed", "listener_failed"].includes(e.code)) return `TdError code ${e.code}`;
    if (e.code === "host_failed" || e.code === "listener_failed") {
      const c = e.cause;
      if (c !== undefined && !(c instanceof Planted) && !(c instanceof TdError && c.code === "reentrant")) return `${e.code} with cause ${String(c)}`;
    }
    return null;
  }
  if (e instanceof VcpuError || e instanceof MemoryError || e instanceof DecodeError) return null;
  return `untyped ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack?.split("\n").slice(1, 4).join("\n")}`;
}

const tally = { partial: 0, calls: 0, ok: 0, refused: new Map<string, number>(), hostile: 0, listenerFailed: 0, growths: 0, tds: 0, faults: 0, siteCodes: 0 };
// (siteCodes: deliverFast #VEs the subject answered at a cached site with code of its own.)
const failures: string[] = [];
let where = "";

function fail(what: string): void {
  if (failures.length < 20) failures.push(`${where}: ${what}`);
}

/** An operation: what it is called, the same call for both TDs, and how the subject is armed. */
interface Op {
  name: string;
  run: (w: World) => unknown;
  /** Valid calls that set the stage (registers), made on both TDs before the state is taken. */
  prepare?: (w: World) => void;
  arm?: Partial<Hostility>;
  /** An MMIO #VE: a fault must leave every register as it was. */
  isVe?: boolean;
}

/**
 * Runs `op` on the subject (armed) and, if it succeeded or only a listener failed, on the twin.
 * False when the pair can no longer be compared (a composite access failed after the host had
 * completed some of its TDVMCALLs: those stay done on the subject's devices).
 */
function apply(s: World, t: World, op: Op): boolean {
  tally.calls++;
  where = `seed ${SEED}, call ${tally.calls} (${op.name}${op.arm ? " " + show(op.arm) : ""})`;
  if (op.prepare) { op.prepare(s); op.prepare(t); }
  const before = s.observe(), guestBefore = s.observe(true), callsBefore = s.td.host.calls;
  const vcpuBefore = show(s.vcpu?.snapshot() ?? null);
  if (op.arm) { s.hostility = { ...CALM, ...op.arm }; tally.hostile++; }
  let sAnswer: unknown, sError: unknown = undefined;
  try { sAnswer = op.run(s); } catch (e) { sError = e; }
  s.hostility = CALM;
  const listenerFailed = sError instanceof TdError && sError.code === "listener_failed";
  if (sError !== undefined && !listenerFailed) {
    const problem = typedProblem(sError);
    if (problem) { fail(problem); return false; }
    const code = sError instanceof TdError ? sError.code : (sError as Error).name;
    tally.refused.set(code, (tally.refused.get(code) ?? 0) + 1);
    if (code === "host_failed" && s.td.host.calls > callsBefore) {
      // Only an access made of several TDVMCALLs may fail after the host completed some: the
      // twin, unarmed, must show it is one. The guest side must still be as it was.
      tally.partial++;
      const after = s.observe(true);
      if (after !== guestBefore) fail(`a composite access failed in the host and the guest changed:\n${diff(guestBefore, after)}`);
      let calls = 0;
      try {
        const x = op.run(t) as { composite?: unknown; tdvmcalls?: unknown[] };
        calls = x.composite ? 2 : x.tdvmcalls?.length ?? 0;
      } catch { /* the twin's own answer does not matter here */ }
      if (calls < 2) fail(`host_failed with ${s.td.host.calls - callsBefore} host call(s) counted, but the access is not composite`);
      return false;
    }
    const after = s.observe();
    if (after !== before) { fail(`refused (${code}: ${(sError as Error).message}) but the state changed:\n${diff(before, after)}`); return false; }
    if (after !== t.observe()) { fail(`subject and twin differ after a refusal:\n${diff(t.observe(), after)}`); return false; }
    return true;
  }
  if (listenerFailed) {
    tally.listenerFailed++;
    const problem = typedProblem(sError);
    if (problem) { fail(problem); return false; }
    sAnswer = (sError as TdError).outcome;
  }
  tally.ok++;
  let tAnswer: unknown;
  try { tAnswer = op.run(t); } catch (e) { fail(`the twin threw where the subject did not: ${(e as Error)?.name} ${(e as Error)?.message}`); return false; }
  if (answer(sAnswer) !== answer(tAnswer)) { fail(`answers differ:\nsubject ${answer(sAnswer)}\ntwin    ${answer(tAnswer)}`); return false; }
  const sState = s.observe(), tState = t.observe();
  if (sState !== tState) { fail(`states differ after a good call:\n${diff(tState, sState)}`); return false; }
  if (op.isVe && isFault(sAnswer)) {
    tally.faults++;
    if (show(s.vcpu.snapshot()) !== vcpuBefore) fail(`a #VE that faulted changed registers: ${vcpuBefore} -> ${show(s.vcpu.snapshot())}`);
  }
  return true;
}

const isFault = (x: unknown) => x instanceof Object && (("handled" in x && (x as VeResult).handled === false) || (x as { outcome?: string }).outcome === "fault");

function diff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `  twin/before ...${a.slice(Math.max(0, i - 80), i + 120)}\n  subject     ...${b.slice(Math.max(0, i - 80), i + 120)}`;
}

// ---- the operations ----

const BAD_BIG: unknown[] = [1, -1n, 1n << 64n, 2n ** 70n, NaN, "0x10", null, undefined, {}, 0.5];
const GOOD_REG = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r15", 0, 7, 15];
const BAD_REG = ["eax", "rip", "RAX", 16, -1, 1.5, null, "r16", {}];

/** Registers, RIP and the #VE for an access through one of the code sites to one of the devices. */
function veOp(): Op {
  // Half of the #VEs hit two hot sites, so that cached sites are found again and get code of their own.
  const slot = chance(0.5) ? int(2) : int(VE_SLOTS);
  const rip = CODE_VA + BigInt(slotOffset(slot));
  const target = pick([[MMIO_VA, MMIO_GPA], [FUZZ_VA, FUZZ_GPA], [IOAPIC_VA, IOAPIC_GPA], [NEW_VA, NEW_GPA]] as const);
  const offset = BigInt(pick([0, 4, 0x10, 0x40, 0xffc, 0xffe, 0xfff, int(4096)]));
  const gla = target[0] + offset;
  const regs = Array.from({ length: 16 }, () => (chance(0.3) ? u64() : BigInt(int(256))));
  const kind = int(10);
  const gpa = chance(0.9) ? target[1] + offset : u64() & ((1n << 51n) - 1n);
  const shared = chance(0.95);
  const pointer = pick(["rdi", "rsi"] as const), second = chance(0.5) ? "rdi" : "rsi";
  const cpl = chance(0.05) ? 3 : 0;
  const scripted = chance(0.1) ? { r10: pick([STATUS.SUCCESS, STATUS.RETRY, STATUS.INVALID_OPERAND]), r11: u64() } : null;
  const arm = chance(0.35) ? pick<Partial<Hostility>>([
    { device: "throw" }, { device: "garbage" }, { device: "reenter_td" }, { device: "reenter_decoder" },
    { override: "garbage" }, { override: "throw" }, { listener: "throw" }, { listener: "reenter" },
  ]) : undefined;
  const prepare = (w: World) => {
    regs.forEach((v, i) => w.vcpu.set(i, v));
    w.vcpu.set(pointer, gla);
    w.vcpu.set(second, gla);
    w.vcpu.rip = rip;
    w.vcpu.cpl = cpl;
    w.lastVe = { exitReason: 48, exitQualification: 0x81n, gla, gpa: shared ? gpa | w.td.memory.sharedBit : gpa, instrLen: 0 };
  };
  const run = (w: World) => {
    w.scripted = scripted;
    try {
      if (kind < 4) {
        const r = w.td.deliverFast(w.vcpu, w.lastVe);
        if (!w.twin && r.entry?.site) tally.siteCodes++;
        return r;
      }
      if (kind < 7) return w.td.deliver(w.vcpu, w.lastVe);
      return w.td.runMmioInstruction(w.vcpu);
    } finally {
      w.scripted = null;
    }
  };
  return { name: kind < 4 ? "deliverFast" : kind < 7 ? "deliver" : "runMmioInstruction", isVe: true, arm, prepare, run };
}

function hostileVeOp(): Op {
  const bad = pick<[string, (w: World) => unknown]>([
    ["deliver(null ve)", (w) => w.td.deliver(w.vcpu, null as never)],
    ["deliverFast(gpa Number)", (w) => w.td.deliverFast(w.vcpu, { ...w.lastVe, gpa: 5 as never })],
    ["deliverFast(null vcpu)", (w) => w.td.deliverFast(null as never, w.lastVe)],
    ["deliverFast({} vcpu)", (w) => w.td.deliverFast({} as never, w.lastVe)],
    ["deliver(short words)", (w) => w.td.deliver({ words: new Uint32Array(8), cpl: 0 }, w.lastVe)],
    ["deliver(cpl 9)", (w) => w.td.deliver({ words: w.vcpu.words, cpl: 9 }, w.lastVe)],
    ["runMmioInstruction({})", (w) => w.td.runMmioInstruction({} as never)],
    ["deliverPortIo(bad len)", (w) => w.td.deliverPortIo(w.vcpu, { exitReason: 30, exitQualification: 8n, instrLen: pick([0, 16, 1.5, NaN, -1]) })],
    ["deliverPortIo(bad q)", (w) => w.td.deliverPortIo(w.vcpu, { exitReason: 30, exitQualification: 8 as never, instrLen: 1 })],
  ]);
  return { name: bad[0], run: bad[1] };
}

function portIoOp(): Op {
  const q = (BigInt(int(0x10000)) << 16n) | BigInt(int(32));
  const len = 1 + int(15), rax = u64();
  const arm = chance(0.3) ? pick<Partial<Hostility>>([{ pio: "throw" }, { pio: "garbage" }, { override: "garbage" }, { listener: "throw" }]) : undefined;
  // (A port I/O IN that fails writes 0 to RAX in the fixed handler: not an isVe check.)
  return { name: "deliverPortIo", arm, prepare: (w) => w.vcpu.set("rax", rax), run: (w) => w.td.deliverPortIo(w.vcpu, { exitReason: 30, exitQualification: q, instrLen: len }) };
}

function vcpuOp(): Op {
  const k = int(8);
  const good = chance(0.6);
  const value = good ? u64() : pick(BAD_BIG);
  const reg = good ? pick(GOOD_REG) : pick(BAD_REG);
  switch (k) {
    case 0: case 1: { const v = good || chance(0.5) ? value : 1n; return { name: `set(${String(reg)})`, run: (w) => w.vcpu.set(reg as never, v as never) }; }
    case 2: return { name: "rip=", run: (w) => { w.vcpu.rip = value as never; } };
    case 3: { const field = pick(["rflags", "fsBase", "gsBase"]); return { name: `${field}=`, run: (w) => { (w.vcpu as unknown as Record<string, unknown>)[field] = value; } }; }
    case 4: { const cpl = good ? int(4) : pick([4, -1, 0.5, "0", null]); return { name: `cpl=${String(cpl)}`, run: (w) => { w.vcpu.cpl = cpl as never; } }; }
    case 5: {
      const gprs: unknown[] = Array.from({ length: 16 }, () => u64());
      if (!good) pick<() => void>([() => { gprs[int(16)] = pick(BAD_BIG); }, () => gprs.pop(), () => gprs.push(0n)])();
      const rip = good || chance(0.5) ? u64() : pick(BAD_BIG), cpl = good || chance(0.5) ? int(4) : 7;
      return { name: "restore", run: (w) => w.vcpu.restore({ gprs: gprs as bigint[], rip: rip as bigint, rflags: 2n, cpl, fsBase: 0n, gsBase: 0n }) };
    }
    case 6: return { name: "get", run: (w) => w.vcpu.get(reg as never) };
    default: { const junk = pick([null, {}, { gprs: "x" }, 5]); return { name: "restore(junk)", run: (w) => w.vcpu.restore(junk as never) }; }
  }
}

function mappingOp(): Op {
  const k = int(10);
  const page = BigInt(int(CODE_PAGES)) * 4096n;
  if (k < 3) { // remap a code page to the other copy of the code, or back (the cache must follow)
    const to = pick([CODE_GPA, ALT_GPA]) + page;
    return { name: "mapPrivate(code)", run: (w) => w.td.mapPrivate(CODE_VA + page, to, 4096) };
  }
  if (k < 5) { // write code bytes at a site (the cache must follow)
    const at = slotOffset(int(VE_SLOTS)), form = pick(FORMS);
    const bytes = Uint8Array.from(form.match(/../g)!, (b) => parseInt(b, 16));
    const base = pick([CODE_GPA, ALT_GPA]);
    return { name: "memory.write(code)", run: (w) => w.td.memory.write(base + BigInt(at), bytes) };
  }
  if (k < 6) { // a new device page (once per TD: the second is refused as taken)
    return { name: "mapMmio(new)", run: (w) => { const d = new RegisterBlock("new", 4096, 64); w.td.mapMmio(NEW_VA, NEW_GPA, 4096, d); w.added.push(d); } };
  }
  if (k < 7) return { name: "mapShared(data)", run: (w) => w.td.mapShared(DATA_VA, CONVERT_GPA, 4096) };
  // hostile arguments
  const badSize = pick([-1, 0, NaN, 1.5, 2 ** 60, Infinity]), badGpa = pick([-4096n, 1n << 60n, CODE_GPA + 1n]);
  const badDevice = pick([{}, { name: "x" }, 5, null]), badWrite = pick([-1n, 1n << 60n, CODE_GPA + 4095n]);
  const bad = pick<[string, (w: World) => unknown]>([
    ["mapPrivate(Number va)", (w) => w.td.mapPrivate(1 as never, CODE_GPA, 4096)],
    ["mapPrivate(size)", (w) => w.td.mapPrivate(CODE_VA, CODE_GPA, badSize)],
    ["mapPrivate(gpa)", (w) => w.td.mapPrivate(CODE_VA, badGpa, 4096)],
    ["mapShared(unaligned va)", (w) => w.td.mapShared(DATA_VA + 8n, CONVERT_GPA, 4096)],
    ["mapMmio(bad device)", (w) => w.td.mapMmio(NEW_VA + 0x10000n, NEW_GPA + 0x10000n, 4096, badDevice as never)],
    ["mapMmio(taken gpa)", (w) => w.td.mapMmio(NEW_VA + 0x20000n, MMIO_GPA, 4096, new RegisterBlock("dup", 16))],
    ["mapMmio(over code)", (w) => w.td.mapMmio(NEW_VA + 0x30000n, CODE_GPA, 4096)],
    ["memory.write(bad)", (w) => w.td.memory.write(badWrite, Uint8Array.of(1, 2))],
    ["onVe(null)", (w) => w.td.onVe(null as never)],
    ["addPrivateRegion(late)", (w) => w.td.addPrivateRegion(0x900000n, 4096)],
    ["finalize(again)", (w) => w.td.finalize()],
  ]);
  return { name: bad[0], run: bad[1] };
}

function convertOp(): Op {
  const good = chance(0.7);
  const gpa = good ? CONVERT_GPA + BigInt(int(4)) * 4096n : pick<unknown>([1, -4096n, CONVERT_GPA + 1n, 1n << 60n]);
  const size = good ? 4096 * (1 + int(2)) : pick([0, 100, -4096, NaN]);
  const toShared = good ? chance(0.5) : pick<unknown>([1, "yes", null]);
  const arm = good && chance(0.3) ? pick<Partial<Hostility>>([{ mapGpa: "throw" }, { mapGpa: "garbage" }, { override: "garbage" }]) : undefined;
  const fit = good ? Math.min(size, 4096 * (4 - Number(((gpa as bigint) - CONVERT_GPA) >> 12n))) : size;
  return { name: "convert", arm, run: (w) => w.td.convert(gpa as bigint, fit, toShared as boolean) };
}

/** Decoder memory grows between calls: one large batch. */
function growOp(): Op {
  const size = pick([1, 2, 4]) << 20;
  return { name: "decoder.batch(grow)", run: () => { tally.growths++; decoder.batch(new Uint8Array(size).fill(0x90), { mode: "length" }, () => {}); } };
}

function nextOp(): Op {
  const k = int(100);
  if (k < 45) return veOp();
  if (k < 52) return hostileVeOp();
  if (k < 60) return portIoOp();
  if (k < 77) return vcpuOp();
  if (k < 90) return mappingOp();
  if (k < 96) return convertOp();
  if (k < 99) return { name: "createVcpu", run: (w) => w.td.createVcpu() }; // a TD's fifth is too_many_vcpus
  return growOp();
}

// ---- a TD pair ----

function randomConfig(): TdConfig {
  const paging = chance(0.3);
  const levels = pick([4, 5] as const);
  return {
    mode: pick(["linux", "arch"] as const), kernel: pick(["6.12", "6.1"] as const), glaCheck: chance(0.8), portIoFixed: chance(0.8),
    decodeCache: chance(0.7), siteCode: pick([0, 0, 1, 64, false] as const), generatedCode: chance(0.8), mapGpa: chance(0.8), gpaw: paging && levels === 5 ? 52 : pick([48, 52] as const), maxVcpus: 4,
    paging: paging ? { levels, poolGpa: POOL_GPA, poolPages: POOL_PAGES } : undefined,
  };
}

/** Built in the created phase, with hostile calls before finalize, then mapped and finalized. */
/**
 * A TD pair with a random config; `withSiteCode`: one whose subject can run sites on code of their
 * own (decode cache, code at the first find, untraced), so that every run reaches that path.
 */
function pair(withSiteCode: boolean): [World, World] {
  const config: TdConfig = withSiteCode ? { ...randomConfig(), decodeCache: true, siteCode: 0, generatedCode: true } : randomConfig();
  const s = new World(config, false), t = new World(config, true);
  const code = codeBytes(int(2 ** 31)), alt = codeBytes(int(2 ** 31));
  const traced = !withSiteCode && chance(0.6);
  const early: Op[] = [
    { name: "addPrivateRegion(code)", run: (w) => w.td.addPrivateRegion(CODE_GPA, code) },
    { name: "addPrivateRegion(alt)", run: (w) => w.td.addPrivateRegion(ALT_GPA, alt, { measure: true }) },
    { name: "addPrivateRegion(data)", run: (w) => w.td.addPrivateRegion(DATA_GPA, 4096 * 4) },
    { name: "addPrivateRegion(convert)", run: (w) => w.td.addPrivateRegion(CONVERT_GPA, 4096 * 4) },
  ];
  const badGpa = pick<unknown>([1, -1n, 0x1001n]), badContents = pick<unknown>([4096, "x", [1], -1, new Uint8Array(3)]);
  const hostileEarly: Op[] = [
    { name: "addPrivateRegion(overlap)", run: (w) => w.td.addPrivateRegion(CODE_GPA - 4096n, 8192) },
    { name: "addPrivateRegion(bad)", run: (w) => w.td.addPrivateRegion(badGpa as bigint, badContents as number) },
    { name: "mapPrivate(early)", run: (w) => w.td.mapPrivate(CODE_VA, CODE_GPA, 4096) },
    { name: "deliver(early)", run: (w) => w.td.deliverFast(new Vcpu(), w.lastVe) },
    { name: "createVcpu(early)", run: (w) => w.td.createVcpu() },
    { name: "convert(early)", run: (w) => w.td.convert(CONVERT_GPA, 4096, true) },
  ];
  for (const op of early) {
    if (chance(0.5)) apply(s, t, pick(hostileEarly));
    apply(s, t, op);
  }
  const setup: Op = {
    name: "finalize+map", run: (w) => {
      w.td.finalize();
      for (let p = 0n; p < BigInt(CODE_PAGES); p++) w.td.mapPrivate(CODE_VA + p * 4096n, CODE_GPA + p * 4096n, 4096);
      w.td.mapMmio(MMIO_VA, MMIO_GPA, 4096, w.regs);
      w.td.mapPrivate(DATA_VA, DATA_GPA, 4096);
      w.td.mapMmio(FUZZ_VA, FUZZ_GPA, 4096, w.fuzz);
      w.td.mapMmio(IOAPIC_VA, IOAPIC_GPA, 4096, w.ioapic);
      w.vcpu = w.td.createVcpu();
      if (!traced) return; // untraced TDs take the allocation-free path
      w.td.onVe((e: VeTraceEvent) => w.events.push(show(e)));
      if (!w.twin) w.td.onVe(() => {
        if (w.hostility.listener === "throw") throw new Planted();
        if (w.hostility.listener === "reenter") w.td.deliver(w.vcpu, w.lastVe);
      });
    },
  };
  apply(s, t, setup);
  return [s, t];
}

describe("TD API fuzz", () => {
  it(`${OPS} random calls on TD pairs with hostile arguments, devices, hosts and listeners, reentrancy and decoder growth (seed ${SEED}; VE_MMIO_FUZZ_SEED reproduces)`, () => {
    console.log(`TD API fuzz: seed ${SEED} (VE_MMIO_FUZZ_SEED=${SEED} reproduces)`);
    const started = Date.now();
    while (tally.calls < OPS && failures.length === 0) {
      const [s, t] = pair(tally.tds % 4 === 0);
      tally.tds++;
      for (let i = 0; i < OPS_PER_TD && failures.length === 0; i++) if (!apply(s, t, nextOp())) break;
    }
    console.log(`TD API fuzz: ${tally.calls} calls on ${tally.tds} TD pairs in ${Date.now() - started} ms: ${tally.ok} good (${tally.faults} #VE faults), ${tally.hostile} armed, ${tally.listenerFailed} listener failures, refused ${show(Object.fromEntries(tally.refused))}, ${tally.growths} decoder growths, ${tally.partial} composite accesses failed after completed TDVMCALLs, ${tally.siteCodes} at sites with code of their own, failures ${failures.length}`);
    expect(failures).toEqual([]);
    expect(tally.ok).toBeGreaterThan(OPS / 3);
    for (const code of ["bad_region", "bad_ve", "host_failed", "VcpuError", "wrong_phase", "too_many_vcpus"]) expect(tally.refused.get(code) ?? 0, code).toBeGreaterThan(0);
    expect(tally.listenerFailed).toBeGreaterThan(0);
    expect(tally.siteCodes).toBeGreaterThan(0);
  });
});
