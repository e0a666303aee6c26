// A real harvest: the cached Debian kernel booted under QEMU TCG with the mmio-trace plugin (about
// 15 s on an idle machine, minutes on a busy one; a second run reuses the cached result). Skipped
// when QEMU, busybox-static or the cached kernel is missing; CI installs and fetches them.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveKernel } from "../../src/harvest/kernel.js";

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
});
