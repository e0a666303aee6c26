// `ve-mmio emulate`: one instruction through the whole #VE path in a tiny TD: the bytes in a
// private page at RIP, the address they access mapped to an unbacked shared GPA, a host whose
// device answers --read-value.
import type { VeDecoder } from "../decoder/engine.js";
import { GPR64, type Gpr64 } from "../decoder/names.js";
import { Td, TdError, type MmioRun } from "../machine/td.js";
import { MemoryError } from "../guest/memory.js";
import { kernelAddress } from "../guest/ve-handler.js";
import { RegisterBlock } from "../devices/register-block.js";
import { InputError, parseHex, parseNumber } from "./inputs.js";
import { hex } from "./format.js";
import type { TdvmcallRegs } from "../tdvmcall/abi.js";
import type { HostExit } from "../host/host.js";
import type { Vcpu } from "../guest/vcpu.js";

export interface EmulateOptions {
  bytes: string;
  reg?: string[];
  rip?: string;
  gpa?: string;
  readValue?: string;
  hostStatus?: string;
  user?: boolean;
  codeShared?: boolean;
  mode?: string;
  gpaw?: string;
  json?: boolean;
}

const CODE_GPA = 0x100000n;
const DEFAULT_MMIO_GPA = 0xfe000000n;
/** Private memory for the destination of a string move. */
const DATA_GPA = 0x200000n;

function parseRegs(specs: string[]): Map<Gpr64, bigint> {
  const regs = new Map<Gpr64, bigint>();
  for (const spec of specs) {
    const m = /^([a-z0-9]+)=(.+)$/i.exec(spec.trim());
    if (!m || !(GPR64 as readonly string[]).includes(m[1].toLowerCase())) {
      throw new InputError(`--reg wants NAME=VALUE with a 64-bit register name, got ${JSON.stringify(spec)}`);
    }
    regs.set(m[1].toLowerCase() as Gpr64, BigInt.asUintN(64, parseNumber(m[2], `--reg ${m[1]}`)));
  }
  return regs;
}

function choice<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${flag} must be one of ${allowed.join(", ")}`);
  return value as T;
}

interface Result { run: MmioRun; vcpu: Vcpu; td: Td; va: bigint | null }

/** Runs the instruction; a TD that refuses the set-up (a mapping it cannot make) is an input error. */
export function emulate(decoder: VeDecoder, o: EmulateOptions): Result {
  try {
    return runOne(decoder, o);
  } catch (e) {
    if (e instanceof MemoryError || e instanceof TdError) throw new InputError(e.message);
    throw e;
  }
}

function runOne(decoder: VeDecoder, o: EmulateOptions): Result {
  const code = parseHex(o.bytes);
  if (code.length > 15) throw new InputError("an instruction is at most 15 bytes");
  const mode = choice(o.mode, ["linux", "arch"] as const, "--mode", "linux");
  const gpaw = Number(choice(o.gpaw, ["48", "52"] as const, "--gpaw", "48")) as 48 | 52;
  const rip = o.rip === undefined ? 0xffffffff81000000n : parseNumber(o.rip, "--rip");
  if ((rip & 0xfffn) + 15n > 0xfffn) throw new InputError("--rip must leave 15 bytes before the end of its page");
  const regs = parseRegs(o.reg ?? []);
  const readValue = o.readValue === undefined ? 0n : parseNumber(o.readValue, "--read-value");
  const status = o.hostStatus === undefined ? undefined : parseNumber(o.hostStatus, "--host-status");
  if (o.gpa !== undefined) parseNumber(o.gpa, "--gpa"); // checked even when the instruction makes no access

  const td = new Td(decoder, {
    gpaw, mode,
    host: status === undefined ? undefined : { override: () => ({ r10: status, r11: readValue }) },
  });
  const page = new Uint8Array(4096);
  page.set(code, Number(rip & 0xfffn));
  if (o.codeShared) {
    td.finalize();
    td.memory.addShared(CODE_GPA | td.memory.sharedBit, 4096, true);
    td.memory.write(CODE_GPA | td.memory.sharedBit, page);
    td.mapShared(rip & ~0xfffn, CODE_GPA | td.memory.sharedBit, 4096);
  } else {
    td.addPrivateRegion(CODE_GPA, page);
    td.finalize();
    td.mapPrivate(rip & ~0xfffn, CODE_GPA, 4096);
  }
  const vcpu = td.createVcpu();
  vcpu.rip = rip;
  vcpu.cpl = o.user ? 3 : 0;
  for (const [r, v] of regs) vcpu.set(r, v);

  // The address the CPU accesses, mapped to one or two unbacked shared pages with a device behind.
  const insn = decoder.decode(code, rip);
  const access = insn.valid ? insn.arch : null;
  let va: bigint | null = null;
  if (access) {
    va = access.kind === "movs" ? vcpu.get("rsi") : kernelAddress(access.mem!, false, false, insn.addressSize, insn.length, vcpu);
    const gpa = accessGpa(o.gpa, va, td.memory.sharedBit);
    const device = new RegisterBlock("device", 8192);
    device.poke(Number(gpa & 0xfffn), 8, readValue);
    td.mapMmio(va & ~0xfffn, gpa & ~0xfffn, 8192, device);
    if (access.kind === "movs") mapStringDestination(td, vcpu, insn.addressSize, va, rip);
  }
  return { run: td.runMmioInstruction(vcpu), vcpu, td, va };
}

/**
 * The GPA the access goes to: --gpa names it, or just its page (a page-aligned --gpa takes the
 * address's page offset), with or without the shared bit (the TDVMCALL shows it set).
 */
export function accessGpa(spec: string | undefined, va: bigint, sharedBit: bigint): bigint {
  const offset = va & 0xfffn;
  if (spec === undefined) return DEFAULT_MMIO_GPA | offset;
  const given = parseNumber(spec, "--gpa");
  if (given >= sharedBit << 1n) throw new InputError(`--gpa ${spec} is beyond the guest physical address width`);
  const gpa = given & ~sharedBit;
  if ((gpa & 0xfffn) !== 0n && (gpa & 0xfffn) !== offset) {
    throw new InputError(`--gpa ${spec} has page offset 0x${(gpa & 0xfffn).toString(16)}, but the access is at page offset 0x${offset.toString(16)}`);
  }
  return (gpa & ~0xfffn) | offset;
}

/** A string move also writes [RDI]: unless it lands in the device or the code page, give it a page of private memory. */
function mapStringDestination(td: Td, vcpu: Vcpu, addressSize: number, deviceVa: bigint, rip: bigint): void {
  const rdi = addressSize === 4 ? vcpu.get("rdi") & 0xffffffffn : vcpu.get("rdi");
  const page = rdi & ~0xfffn;
  const inDevice = page >= (deviceVa & ~0xfffn) && page < (deviceVa & ~0xfffn) + 0x2000n;
  if (inDevice || page === (rip & ~0xfffn)) return;
  td.memory.addPrivate(DATA_GPA, 4096);
  td.mapPrivate(page, DATA_GPA, 4096);
}

function regsJson(r: TdvmcallRegs) {
  return { r10: hex(r.r10), r11: hex(r.r11), r12: hex(r.r12), r13: hex(r.r13), r14: hex(r.r14), r15: hex(r.r15) };
}

function exitJson(e: HostExit | null | undefined) {
  if (!e) return null;
  return JSON.parse(JSON.stringify(e, (_, v) => (typeof v === "bigint" ? hex(v) : v)));
}

/** The documented `--json` record. */
export function emulateJson(r: Result): Record<string, unknown> {
  const { run, vcpu, td } = r;
  const base = { rip: hex(vcpu.rip) };
  if (run.outcome === "no_ve") return { outcome: "no_ve", error: null, step: null, detail: run.reason, length: 0, tdvmcall: null, exit: null, regs: {}, ...base };
  if (run.outcome === "page_fault") {
    // The CPU faults before any #VE: on the instruction fetch itself (code in a shared page) or on the access.
    const step = run.va === vcpu.rip ? "fetch" : "access";
    return { outcome: "fault", error: "PF", step, detail: `page fault at ${hex(run.va)}, error code 0x${run.errorCode.toString(16)}`, length: 0, tdvmcall: null, exit: null, regs: {}, ...base };
  }
  const call = run.tdvmcalls[0];
  const common = { tdvmcall: call ? regsJson(call.request) : null, exit: call ? exitJson(td.host.last?.exit) : null };
  if (run.outcome === "fault") return { outcome: "fault", error: run.error, step: run.step, detail: "detail" in run && run.detail ? run.detail : null, length: 0, ...common, regs: {}, ...base };
  const regs: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.regs)) if (k !== "rip" && v !== undefined) regs[k] = hex(v);
  return { outcome: "handled", error: null, step: null, detail: null, length: run.length, ...common, regs, ...base };
}

export function emulateHuman(r: Result): string[] {
  const j = emulateJson(r) as Record<string, any>;
  const lines: string[] = [];
  const ve = "ve" in r.run ? r.run.ve : null;
  if (r.va !== null) lines.push(`access   ${hex(r.va)}${ve ? ` -> #VE, GPA ${hex(ve.gpa)}` : " (no #VE)"}`);
  if (j.tdvmcall) lines.push(`tdvmcall r10=${j.tdvmcall.r10} r11=${j.tdvmcall.r11} r12=${j.tdvmcall.r12} r13=${j.tdvmcall.r13} r14=${j.tdvmcall.r14} r15=${j.tdvmcall.r15}`);
  if (j.exit) lines.push(`exit     ${JSON.stringify(j.exit)}`);
  if (j.outcome === "handled") {
    lines.push(`handled  length ${j.length}, rip ${j.rip}`);
    for (const [k, v] of Object.entries(j.regs)) lines.push(`         ${k} = ${v}`);
  } else if (j.outcome === "no_ve") {
    lines.push(`no #VE   ${j.detail}`);
  } else {
    lines.push(`fault    ${j.error} at step ${j.step}${j.detail ? ` (${j.detail})` : ""}; registers and RIP unchanged`);
  }
  return lines;
}
