// A real harvest: the cached Debian kernel booted under QEMU TCG with the mmio-trace plugin (about
// 15 s on an idle machine, minutes on a busy one; a second run reuses the cached result). Skipped
// when QEMU, busybox-static or the cached kernel is missing; CI installs and fetches them.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { resolveKernel } from "../../src/harvest/kernel.js";
import { cachedKernels } from "../../src/elf/kernel-cache.js";

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
let kernel = true;
try {
  resolveKernel();
} catch {
  kernel = false;
}
const ready = have("qemu-system-x86_64") && have("busybox") && have("gcc") && kernel;
const CLI = path.resolve(import.meta.dirname, "../../bin/ve-mmio.js");

describe.skipIf(!ready)("ve-mmio harvest on the cached kernel", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "ve-mmio-harvest-test-"));
  let report: any;
  let sites: any[];

  it("boots, lists the MMIO sites and checks each", () => {
    const r = spawnSync(process.execPath, [CLI, "harvest", "--out", out, "--against", "builtin", "--json"], { encoding: "utf8", timeout: 1_200_000 });
    expect(r.status, r.stderr).toBe(0);
    report = JSON.parse(r.stdout);
    sites = readFileSync(path.join(out, "sites.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(sites.length).toBe(report.summary.distinctSites);
    expect(readFileSync(path.join(out, "trace.jsonl"), "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(sites.length);
  }, 1_300_000);

  it("finds the AHCI, IOAPIC, MSI-X, virtio and watchdog functions", () => {
    const fns = (device: string) => new Set(sites.filter((s) => s.device === device).map((s) => s.fn));
    expect(fns("AHCI")).toContain("ahci_scr_read");
    expect([...fns("AHCI")].some((f) => /^ahci_(start|stop)_engine/.test(f))).toBe(true);
    expect(fns("IOAPIC")).toContain("native_io_apic_read");
    expect([...fns("MSI-X")].some((f) => /msi|msix/.test(f))).toBe(true);
    expect([...fns("virtio")].some((f) => /^io(read|write)(8|16|32)/.test(f))).toBe(true);
    expect(fns("iTCO")).toContain("update_no_reboot_bit_mem");
    for (const s of sites) expect(s).toMatchObject({ addr: expect.stringMatching(/^0xffff/), bytes: expect.stringMatching(/^([0-9a-f]{2})+$/), hits: expect.any(Number) });
  });

  it("checks every site through both readings and the TD, LAPIC marked", () => {
    expect(report.checks).toHaveLength(sites.length);
    for (const c of report.checks) {
      expect(c.td.linux).toMatch(/^(handled|fault \w+ at \w+)$/);
      expect(c.td.arch).toMatch(/^(handled|fault \w+ at \w+)$/);
      expect(c.lapic).toBe(c.device === "LAPIC");
    }
    expect(report.comparison.matched).toBeGreaterThanOrEqual(20);
    for (const d of report.comparison.differences) expect(d.why).not.toBe("");
  });

  it("scan --sites-from takes the harvest", () => {
    const r = spawnSync(process.execPath, [CLI, "scan", "--sites-from", path.join(out, "sites.jsonl"), "--json"], { encoding: "utf8", timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const scanned = JSON.parse(r.stdout).sites.map((s: any) => s.site);
    expect(scanned).toContain("ahci_scr_read");
    expect(scanned).toContain("native_io_apic_read");
  }, 700_000);

  it("scan --sites-from symbolises the kernel with the boot's own kallsyms when it has no System.map", () => {
    const scan = (sitesDir: string, env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [CLI, "scan", "--sites-from", path.join(sitesDir, "sites.jsonl"), "--json"], { encoding: "utf8", timeout: 600_000, env });
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout).sites as { site: string; report: unknown }[]).filter((s) => s.report !== null).map((s) => s.site);
    };
    // The cached kernel as `kernel:fetch` without --dbg leaves it: no System.map, no debug vmlinux.
    const kernel = cachedKernels().find((k) => k.release === report.summary.kernel.release)!;
    const root = mkdtempSync(path.join(os.tmpdir(), "ve-mmio-no-map-"));
    mkdirSync(path.join(root, kernel.release));
    writeFileSync(path.join(root, kernel.release, "kernel.json"), JSON.stringify({ ...kernel, systemMap: null, vmlinuxDebug: null }));
    const noMap = { ...process.env, VE_MMIO_KERNEL_CACHE: root };
    if (!kernel.systemMap) {
      // The boot symbolised itself: its kallsyms dump has the vmlinux's text symbols.
      const found = scan(out, noMap);
      expect(found).toContain("ahci_scr_read");
      expect(found).toContain("native_io_apic_read");
      return;
    }
    // With a System.map the boot dumps only its modules' symbols; a harvest made without one dumps
    // the vmlinux's too (/proc/kallsyms' text lines): that dump, made here from the System.map's
    // text symbols beside the boot's module lines, must find what the System.map finds.
    const dir = mkdtempSync(path.join(os.tmpdir(), "ve-mmio-kallsyms-harvest-"));
    for (const f of ["sites.jsonl", "summary.json"]) copyFileSync(path.join(out, f), path.join(dir, f));
    const vmlinuxText = readFileSync(kernel.systemMap, "utf8").split("\n").filter((l) => / [tT] /.test(l) && !/ __pfx_/.test(l));
    const modules = gunzipSync(readFileSync(path.join(out, "kallsyms.txt.gz"))).toString("utf8");
    writeFileSync(path.join(dir, "kallsyms.txt.gz"), gzipSync(vmlinuxText.join("\n") + "\n" + modules));
    const withMap = scan(out, process.env);
    expect(withMap).toContain("native_io_apic_read");
    expect(scan(dir, noMap)).toEqual(withMap);
  }, 1_300_000);
});
