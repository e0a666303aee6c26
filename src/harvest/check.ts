// Every harvested site through both readings of the decoder and through the TD's #VE path:
// the instruction's real bytes at its real address in a tiny TD, the address it computes mapped
// to the GPA it touched during the boot, once as the kernel's handler emulates it (linux mode)
// and once as a correct emulator would (arch mode).
import type { VeDecoder } from "../decoder/engine.js";
import type { MmioAccess } from "../decoder/record.js";
import { Td, type MmioRun } from "../machine/td.js";
import { RegisterBlock } from "../devices/register-block.js";
import { GPR64, registerNumber, type Gpr64 } from "../decoder/names.js";
import type { HarvestSite } from "./sites.js";

/** How one site fares. */
export interface SiteCheck {
  readonly site: string;
  readonly addr: string;
  readonly device: string;
  /** The CPU's reading (arch) and the kernel decoder's (linux), in words. */
  readonly arch: string | null;
  readonly linux: string;
  readonly diverges: readonly string[];
  /** The TD's outcome in each mode: "handled" or "fault <ERROR> at <step>" (or "no_ve: why"). */
  readonly td: { readonly linux: string; readonly arch: string };
  /** Under TDX the guest drives its LAPIC through x2APIC MSRs: this xAPIC MMIO never happens in a TD. */
  readonly lapic: boolean;
}

/** Where a TD puts the ioremap()ed page the base register points into. */
const IOREMAP_VA = 0xffffc90000000000n;

function words(a: MmioAccess): string {
  const what = a.kind === "write_imm" ? `imm 0x${BigInt.asUintN(a.size * 8, a.imm ?? 0n).toString(16)}` : a.reg ?? "-";
  return `${a.kind} ${a.size} ${a.kind.startsWith("write") ? "<-" : "->"} ${what}`;
}

function outcome(run: MmioRun): string {
  if (run.outcome === "no_ve") return `no_ve: ${run.reason}`;
  if (run.outcome === "page_fault") return `fault PF at 0x${run.va.toString(16)}`;
  if (run.outcome === "handled") return "handled";
  return `fault ${run.error} at ${run.step}`;
}

const CODE_GPA = 0x100000n;

/**
 * One instruction in a tiny TD: its bytes in a private page at `rip` (and the next page, for a
 * 15-byte fetch near the page end), `regs` set, and the page of `va` mapped to the unbacked
 * shared page of `gpa` with a register block behind it.
 */
function runInTd(decoder: VeDecoder, mode: "linux" | "arch", bytes: Uint8Array, rip: bigint, regs: [Gpr64, bigint][], va: bigint, gpa: bigint, write: boolean | null): MmioRun {
  const td = new Td(decoder, { mode });
  const code = new Uint8Array(8192);
  code.set(bytes, Number(rip & 0xfffn));
  td.addPrivateRegion(CODE_GPA, code);
  td.finalize();
  td.mapPrivate(rip & ~0xfffn, CODE_GPA, 8192);
  td.mapMmio(va & ~0xfffn, gpa & ~0xfffn, 8192, new RegisterBlock("device", 8192));
  const vcpu = td.createVcpu();
  vcpu.rip = rip;
  for (const [r, v] of regs) vcpu.set(r, v);
  if (write === null) return td.runMmioInstruction(vcpu);
  // Not a MOV-family access (an ALU op, XCHG...): the CPU side does not model it, so the #VE the
  // TDX module would deliver is handed to the handler directly.
  return td.deliver(vcpu, { exitReason: 48, exitQualification: (write ? 2n : 1n) | 0x80n, gla: va, gpa: gpa | td.memory.sharedBit, instrLen: 0 });
}

/** Checks one site. */
export function checkSite(decoder: VeDecoder, s: HarvestSite): SiteCheck {
  const bytes = Uint8Array.from(Buffer.from(s.bytes, "hex"));
  const rip = BigInt(s.addr);
  const insn = decoder.decode(bytes, rip);
  const linux = insn.linux.emulated ? words(insn.linux.access) : `refused: ${insn.linux.rejected}`;
  const base = { site: s.site, addr: s.addr, device: s.device, arch: insn.arch ? words(insn.arch) : null, linux, diverges: insn.divergences.map((d) => d.code), lapic: s.device === "LAPIC" };
  const gpa = BigInt(s.firstGpa);
  const mem = insn.arch?.mem ?? null;
  if (mem === null) {
    const direct = (mode: "linux" | "arch") => outcome(runInTd(decoder, mode, bytes, rip, [], IOREMAP_VA + (gpa & 0xfffn), gpa, s.access !== "load"));
    return { ...base, td: { linux: direct("linux"), arch: direct("arch") } };
  }
  // The base register points into an ioremap()ed page so that the address the CPU computes has
  // the boot's page offset; an absolute address (the fixmap, e.g. the LAPIC) is used as it is.
  const regs: [Gpr64, bigint][] = [];
  let va = BigInt.asUintN(64, mem.disp); // no base register: an absolute address (the fixmap)
  if (mem.base && !mem.rip) {
    va = IOREMAP_VA + (gpa & 0xfffn);
    regs.push([GPR64[registerNumber(mem.base)], BigInt.asUintN(64, va - mem.disp)]);
  }
  if (mem.index && mem.index !== mem.base) regs.push([GPR64[registerNumber(mem.index)], 0n]);
  if (mem.seg) return { ...base, td: { linux: "not checked: FS/GS-relative", arch: "not checked: FS/GS-relative" } };
  const run = (mode: "linux" | "arch") => outcome(runInTd(decoder, mode, bytes, rip, regs, va, gpa, null));
  return { ...base, td: { linux: run("linux"), arch: run("arch") } };
}

export function checkSites(decoder: VeDecoder, sites: readonly HarvestSite[]): SiteCheck[] {
  return sites.map((s) => checkSite(decoder, s));
}
