// Harvested sites through both readings and the TD, and the comparisons with other lists.
import { describe, it, expect } from "vitest";
import { decoder } from "../support/decoder.js";
import { checkSite } from "../../src/harvest/check.js";
import { compareFunctions, compareHarvests, compareScan } from "../../src/harvest/compare.js";
import type { HarvestSite } from "../../src/harvest/sites.js";

const site = (over: Partial<HarvestSite>): HarvestSite => ({
  site: "f+0x0", fn: "f", offset: 0, module: null, addr: "0xffffffff81092ed6", bytes: "8b8700d05fff", device: "LAPIC",
  region: "", access: "load", sizes: [4], firstGpa: "0xfee00020", hits: 1, phase: "boot", ...over,
});

describe("checkSite", () => {
  it("runs a real LAPIC read (native_apic_mem_read) through the TD in both modes and marks it", () => {
    const c = checkSite(decoder, site({}));
    expect(c).toMatchObject({ arch: "read 4 -> eax", linux: "read 4 -> eax", diverges: [], td: { linux: "handled", arch: "handled" }, lapic: true });
  });

  it("says where the kernel's handler refuses what a correct emulator does (MOVSXD)", () => {
    const c = checkSite(decoder, site({ bytes: "486307", device: "virtio", addr: "0xffffffff81000ffa" }));
    expect(c.td.arch).toBe("handled");
    expect(c.td.linux).toBe("fault EINVAL at classify");
    expect(c.lapic).toBe(false);
  });

  it("hands a non-MOV access (a read-modify-write OR) to the handler, which refuses it", () => {
    const c = checkSite(decoder, site({ bytes: "830f01", device: "AHCI", access: "load+store" }));
    expect(c.arch).toBeNull();
    expect(c.td.linux).toMatch(/^fault \w+ at (decode|classify)$/);
    expect(c.td.arch).toMatch(/^fault \w+ at (decode|classify)$/);
  });
});

describe("comparisons", () => {
  const sites = [
    site({ site: "ahci_scr_read+0x12", fn: "ahci_scr_read", device: "AHCI" }),
    site({ site: "hpet_enable+0xc1", fn: "hpet_enable", device: "HPET" }),
    site({ site: "ioread32+0x2a", fn: "ioread32.cold", device: "virtio" }),
  ];
  const known = (n: string) => n !== "ahci_enable_ahci";

  it("against a function list: found, inlined, not exercised, other device", () => {
    const c = compareFunctions("list", sites, ["ahci_scr_read", "ioread32", "ahci_enable_ahci", "ahci_port_resume"], known, true);
    expect(c.matched).toBe(2);
    const why = Object.fromEntries(c.differences.map((d) => [d.name, d.why]));
    expect(why.ahci_enable_ahci).toMatch(/^inlined, renamed or not built/);
    expect(why.ahci_port_resume).toMatch(/^not exercised/);
    expect(why.hpet_enable).toMatch(/^other device/);
  });

  it("says when a listed function's MMIO is in a callee this build keeps out of line", () => {
    const c = compareFunctions("list", sites, ["mp_irqdomain_activate"], () => true, true, (n) => (n === "mp_irqdomain_activate" ? ["irq_data_get", "ahci_scr_read"] : []));
    expect(c.differences[0].why).toBe("its MMIO is in its callee ahci_scr_read, out of line in this build");
  });

  it("against a previous harvest, instruction by instruction", () => {
    const prev = [sites[0], site({ site: "ahci_scr_read+0x30", fn: "ahci_scr_read", bytes: "8b00", device: "AHCI" }), site({ site: "iowrite8+0x5", fn: "iowrite8", bytes: "8802", device: "virtio" })];
    const c = compareHarvests("prev", sites, prev);
    expect(c.matched).toBe(1);
    const why = Object.fromEntries(c.differences.map((d) => [d.name, d]));
    expect(why["ahci_scr_read+0x30"].why).toMatch(/^same function/);
    expect(why["iowrite8+0x5"]).toMatchObject({ side: "only_list", why: "not exercised in this boot (virtio)" });
    expect(why["hpet_enable+0xc1"].side).toBe("only_harvest");
  });

  it("against scan output: a harvested instruction must be among the function's candidates", () => {
    const scan = { sites: [{ site: "ahci_scr_read", report: { candidates: [{ addr: "0x1", bytes: "8b00" }] }, note: null }] };
    const c = compareScan("scan", sites, scan, known);
    expect(c.differences.some((d) => d.name === "ahci_scr_read+0x12" && /no access with these bytes/.test(d.why))).toBe(true);
  });
});
