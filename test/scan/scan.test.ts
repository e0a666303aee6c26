// ve-mmio scan on a fixture we build with gcc: driver-shaped functions with the site names, a
// .cold clone, a static inline that disappears, as a module-style relocatable object.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decoder } from "../support/decoder.js";
import { scanSites } from "../../src/cli/scan.js";

const SOURCE = String.raw`
#include <stdint.h>
static inline uint32_t my_readl(const volatile void *a) { uint32_t v; asm volatile("movl %1,%0" : "=r"(v) : "m"(*(const volatile uint32_t *)a)); return v; }
static inline void my_writel(uint32_t v, volatile void *a) { asm volatile("movl %0,%1" :: "r"(v), "m"(*(volatile uint32_t *)a)); }
/* a static inline site: inlined into its caller, no symbol of its own */
static inline void ahci_enable_ahci(volatile uint32_t *ghc) { my_writel(my_readl(ghc) | 0x80000000u, ghc); }
extern void report_error(const char *why) __attribute__((cold, noreturn));

uint32_t ioread32(void *addr) { return my_readl(addr); }
void iowrite32(uint32_t v, void *addr) { my_writel(v, addr); }
/* read-modify-write on the device: the #VE handler cannot emulate it */
void mask_ioapic_irq(volatile uint32_t *rte) { asm volatile("orl $0x10000, %0" : "+m"(*rte)); }
/* an int read widened to long: MOVSXD, refused by the kernel */
long ahci_scr_read(volatile int *scr) { return *scr; }
/* an unlikely error path GCC moves to ahci_thaw.cold */
void ahci_thaw(volatile uint32_t *is, int port) {
  if (__builtin_expect(port > 31, 0)) report_error("port out of range");
  my_writel(1u << port, is);
}
void ahci_init_controller(volatile uint32_t *mmio) { ahci_enable_ahci(mmio + 1); my_writel(0, mmio + 2); }
`;

let object = "";

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-scan-"));
  writeFileSync(path.join(dir, "drv.c"), SOURCE);
  object = path.join(dir, "drv.o");
  execFileSync("gcc", ["-O2", "-c", "-fno-asynchronous-unwind-tables", "-mno-red-zone", "-fcf-protection=none", "-o", object, path.join(dir, "drv.c")]);
});

const SITES = "ioread32,iowrite32,mask_ioapic_irq,ahci_scr_read,ahci_thaw,ahci_init_controller,ahci_enable_ahci";

describe("scan of a gcc-built module-style object", () => {
  it("reports each site's accesses, verdicts, clones and absences", async () => {
    const { results } = await scanSites(decoder, { elf: object, sites: SITES });
    const summary = Object.fromEntries(results.map((r) => [r.site, r.report
      ? { object: r.report.object, symbols: r.report.symbols, candidates: r.report.candidates.length, emulatable: r.report.emulatable, wouldFault: r.report.wouldFault, iced: r.report.icedDisagreements.length }
      : r.note]));
    expect(summary).toEqual({
      ioread32: { object: "drv.o", symbols: ["ioread32"], candidates: 1, emulatable: 1, wouldFault: 0, iced: 0 },
      iowrite32: { object: "drv.o", symbols: ["iowrite32"], candidates: 1, emulatable: 1, wouldFault: 0, iced: 0 },
      mask_ioapic_irq: { object: "drv.o", symbols: ["mask_ioapic_irq"], candidates: 1, emulatable: 0, wouldFault: 1, iced: 0 },
      ahci_scr_read: { object: "drv.o", symbols: ["ahci_scr_read"], candidates: 1, emulatable: 0, wouldFault: 1, iced: 0 },
      ahci_thaw: { object: "drv.o", symbols: ["ahci_thaw", "ahci_thaw.cold"], candidates: 1, emulatable: 1, wouldFault: 0, iced: 0 },
      ahci_init_controller: { object: "drv.o", symbols: ["ahci_init_controller"], candidates: 3, emulatable: 3, wouldFault: 0, iced: 0 },
      ahci_enable_ahci: "no symbol in drv.o (no module tree searched: give --modules); no debug info says whether it was inlined (give --debug-info)",
    });
    const byName = Object.fromEntries(results.map((r) => [r.site, r.report]));
    expect(byName.ioread32!.candidates[0]).toMatchObject({ bytes: "8b07", text: "mov eax,[rdi]", linux: { emulated: true, reading: "read 4 -> eax" }, arch: "read 4 -> eax", diverges: [] });
    expect(byName.mask_ioapic_irq!.candidates[0].linux).toEqual({ emulated: false, reason: "read-modify-write or on memory: not emulated" });
    expect(byName.ahci_scr_read!.candidates[0]).toMatchObject({
      text: "movsxd rax,[rdi]",
      linux: { emulated: false, reason: "MOVSXD: insn_decode_mmio() does not know it" },
      arch: "read_sign_extend 4 -> rax", diverges: ["movsxd_rejected"],
    });
  });

  it("CLI: --json and --md reports, exit 0 when iced agrees", async () => {
    const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
    const json = spawnSync(process.execPath, [bin, "scan", "--elf", object, "--sites", SITES, "--json"], { encoding: "utf8" });
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.sites).toHaveLength(7);
    expect(report.sites[0].report.candidates[0].addr).toBe("0x0");
    const md = spawnSync(process.execPath, [bin, "scan", "--elf", object, "--sites", "ahci_scr_read", "--md"], { encoding: "utf8" });
    expect(md.stdout).toContain("| ahci_scr_read | drv.o | ");
    expect(md.stdout).toContain("**would fault**: MOVSXD");
    const bad = spawnSync(process.execPath, [bin, "scan", "--elf", "/etc/hostname"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says where an inlined site went when the object carries DWARF", async () => {
    const dir = path.dirname(object);
    const withDwarf = path.join(dir, "drv-g.so");
    execFileSync("gcc", ["-O2", "-g", "-shared", "-fPIC", "-fcf-protection=none", "-o", withDwarf, path.join(dir, "drv.c")]);
    const { results } = await scanSites(decoder, { elf: withDwarf, sites: "ahci_enable_ahci,ioread32" });
    expect(results[0]).toEqual({ site: "ahci_enable_ahci", report: null, note: "not present as a symbol: inlined into ahci_init_controller (DWARF of drv-g.so)" });
    expect(results[1].report?.candidates).toHaveLength(1);
  });

  it("--all-functions lists functions with MOV forms the handler refuses", async () => {
    const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
    const r = spawnSync(process.execPath, [bin, "scan", "--elf", object, "--all-functions"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("drv.o: ahci_scr_read: 486307");
    expect(r.stdout).toMatch(/^1 functions with MOV forms the #VE handler refuses$/m);
  });

  it("the text table fits 100 columns; notes go below it, never into the iced column", async () => {
    const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
    const r = spawnSync(process.execPath, [bin, "scan", "--elf", object, "--sites", SITES + ",ahci_enabel_ahci"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => l.length > 100)).toEqual([]);
    const head = lines.findIndex((l) => /^site\s+object\s+insns\s+cand\s+emul\s+fault\s+div\s+iced$/.test(l));
    expect(head).toBe(1);
    const icedColumn = lines[head].indexOf("iced");
    for (const row of lines.slice(head + 1, head + 9)) expect(row.slice(icedColumn).trim(), row).toMatch(/^\d*$/);
    expect(r.stdout).toMatch(/\nnot found:\n {2}ahci_enable_ahci: no symbol in drv\.o/);
    expect(r.stdout).toMatch(/\n {2}ahci_enabel_ahci: no symbol in drv\.o/);
  });

  it("a site in a module that was not scanned, or a misspelled name, is said so (not 'inlined')", async () => {
    const dir = path.dirname(object);
    const tree = path.join(dir, "tree", "drivers");
    mkdirSync(tree, { recursive: true });
    copyFileSync(object, path.join(tree, "drv.ko"));
    // The vmlinux stand-in has DWARF that knows ahci_enable_ahci (inlined) but not the misspelling.
    const withDwarf = path.join(dir, "drv-g.so");
    execFileSync("gcc", ["-O2", "-g", "-shared", "-fPIC", "-fcf-protection=none", "-o", withDwarf, path.join(dir, "drv.c")]);
    const inTree = await scanSites(decoder, { elf: withDwarf, modules: path.join(dir, "tree"), sites: "ioread32,ahci_enabel_ahci,ahci_enable_ahci" });
    expect(inTree.results[0].report?.object).toBe("drv-g.so".replace("drv-g.so", "vmlinux"));
    expect(inTree.results[1].note).toBe(`no such function in vmlinux and 1 modules under ${path.join(dir, "tree")} or the DWARF of drv-g.so: misspelled, not built, or inlined in a module whose debug file was not given (--debug-info)`);
    // With the module's own debug file given, the DWARF read covers what was searched: no hedge.
    const covered = await scanSites(decoder, { elf: withDwarf, sites: "ahci_enabel_ahci", debugInfo: [withDwarf] });
    expect(covered.results[0].note).toBe("no such function in vmlinux or the DWARF of drv-g.so: misspelled, or not built in this kernel");
    expect(inTree.results[2].note).toBe("not present as a symbol: inlined into ahci_init_controller (DWARF of drv-g.so)");
    // Without a module tree and without DWARF: the note says what was not searched.
    const bare = await scanSites(decoder, { elf: object, sites: "update_no_reboot_bit_mem" });
    expect(bare.results[0].note).toBe("no symbol in drv.o (no module tree searched: give --modules); no debug info says whether it was inlined (give --debug-info)");
  });
});
