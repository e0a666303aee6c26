// The recorded boot trace that ships in data/ and its replay through deliverFast.
import { describe, it, expect } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { decoder } from "../support/decoder.js";
import { BOOT_TRACE, buildReplay } from "../../bench/boot-replay.bench.js";
import { loadBootTrace, packBootTrace } from "../../bench/boot-trace.js";
import type { HarvestSummary } from "../../src/harvest/harvest.js";
import type { HarvestSite } from "../../src/harvest/sites.js";

describe("boot replay", () => {
  it("ships a real boot: every access a #VE the kernel's handler emulates", () => {
    const { trace, accesses } = loadBootTrace(BOOT_TRACE);
    expect(trace.kernel).toMatch(/^6\.12\./);
    expect(accesses.length).toBe(trace.site.length);
    expect(new Set(trace.sites.map((s) => s[2]))).toEqual(new Set(["AHCI", "HPET", "IOAPIC", "MSI-X", "LAPIC", "virtio", "iTCO", "ECAM"]));
    const r = buildReplay(decoder, trace, accesses, false);
    expect(r.replay()).toBe(0);
    expect(r.td.veDelivered).toBe(accesses.length);
    const cached = buildReplay(decoder, trace, accesses, true);
    expect(cached.replay()).toBe(0);
  });

  it("packs a harvest and reads back the same accesses", () => {
    const site = (addr: string, gpa: string): HarvestSite => ({ site: "f+0x0", fn: "f", offset: 0, module: null, addr, bytes: "8b4710", device: "AHCI", region: "", access: "load", sizes: [4], firstGpa: gpa, hits: 2, phase: "boot" });
    const summary = { kernel: { release: "k", id: "x", image: "" }, qemu: "7.2", devices: ["ahci"], bootSeconds: 1 } as unknown as HarvestSummary;
    const trace = [
      { insn: "0xffffffff81000000", gpa: "0xfebf1010", size: 4, dir: "r" as const },
      { insn: "0xffffffff81000010", gpa: "0xfebf1100", size: 4, dir: "w" as const },
      { insn: "0xffffffff81000000", gpa: "0xfebf1004", size: 4, dir: "r" as const },
    ];
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "ve-mmio-pack-")), "t.json.gz");
    writeFileSync(file, packBootTrace(summary, [site("0xffffffff81000000", "0xfebf1010"), site("0xffffffff81000010", "0xfebf1100")], trace));
    expect(loadBootTrace(file).accesses).toEqual([
      { site: 0, gpa: 0xfebf1010, write: false }, { site: 1, gpa: 0xfebf1100, write: true }, { site: 0, gpa: 0xfebf1004, write: false },
    ]);
    expect(() => packBootTrace(summary, [], trace)).toThrow(/no site/);
  });
});
