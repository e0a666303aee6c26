// Every harvested site through both readings of the decoder and through the TD's #VE path:
// the instruction's real bytes at its real address in a tiny TD, the address it computes mapped
// to the GPA it touched during the boot, once as the kernel's handler emulates it (linux mode)
// and once as a correct emulator would (arch mode).
import type { VeDecoder } from "../decoder/engine.js";
import type { MmioAccess } from "../decoder/record.js";
import { emulate, emulateJson } from "../cli/emulate.js";
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

function outcome(j: Record<string, unknown>): string {
  if (j.outcome === "handled") return "handled";
  if (j.outcome === "no_ve") return `no_ve: ${j.step}`;
  return `fault ${j.error} at ${j.step}`;
}

/** Checks one site. */
export function checkSite(decoder: VeDecoder, s: HarvestSite): SiteCheck {
  const bytes = Uint8Array.from(Buffer.from(s.bytes, "hex"));
  const rip = BigInt(s.addr);
  const insn = decoder.decode(bytes, rip);
  const linux = insn.linux.emulated ? words(insn.linux.access) : `refused: ${insn.linux.rejected}`;
  const base = { site: s.site, addr: s.addr, device: s.device, arch: insn.arch ? words(insn.arch) : null, linux, diverges: insn.divergences.map((d) => d.code), lapic: s.device === "LAPIC" };
  const mem = insn.arch?.mem ?? null;
  if (!insn.valid || mem === null) return { ...base, td: { linux: "no_ve: not a MOV-family memory access", arch: "no_ve: not a MOV-family memory access" } };
  // The base register points into an ioremap()ed page so that the address the CPU computes has
  // the boot's page offset; an absolute address (the fixmap, e.g. the LAPIC) is used as it is.
  const gpa = BigInt(s.firstGpa);
  const regs: string[] = [];
  if (mem.base && mem.base !== "rip") regs.push(`${mem.base}=0x${BigInt.asUintN(64, IOREMAP_VA + (gpa & 0xfffn) - mem.disp).toString(16)}`);
  if (mem.index && mem.index !== mem.base) regs.push(`${mem.index}=0`);
  // The TD wants 15 fetchable bytes in RIP's page; a site nearer its page end moves back 16 bytes.
  const at = (rip & 0xfffn) > 0xff0n ? rip - 0x10n : rip;
  const run = (mode: "linux" | "arch") =>
    outcome(emulateJson(emulate(decoder, { bytes: s.bytes, reg: regs, rip: "0x" + at.toString(16), gpa: "0x" + gpa.toString(16), mode })));
  return { ...base, td: { linux: run("linux"), arch: run("arch") } };
}

export function checkSites(decoder: VeDecoder, sites: readonly HarvestSite[]): SiteCheck[] {
  return sites.map((s) => checkSite(decoder, s));
}
