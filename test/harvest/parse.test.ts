// The harvest's pure parts on small committed excerpts of a real boot (Debian 6.12.117 under
// QEMU 7.2 TCG, q35): the plugin log, the boot's kallsyms, /proc/iomem and a PCI dump.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parsePluginLog, LogError } from "../../src/harvest/log.js";
import { Symboliser } from "../../src/harvest/symbolise.js";
import { parseIomem, msixRegions, attribute, IomemError } from "../../src/harvest/iomem.js";
import { parseDump, DumpError } from "../../src/harvest/dump.js";
import { collectSites } from "../../src/harvest/sites.js";
import { loadOrder, ModuleError } from "../../src/harvest/modules.js";
import { writeCpio, EXEC } from "../../src/harvest/cpio.js";
import { MARKER_GPA } from "../../src/harvest/init-script.js";
import { deviceSet, DeviceSetError } from "../../src/harvest/devices.js";

const data = (f: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "data", f), "utf8");

describe("plugin log", () => {
  const log = parsePluginLog(data("boot-excerpt.mmio.log"));

  it("reads instructions and ordered accesses", () => {
    expect(log.insns.size).toBe(31);
    const first = log.insns.get(19)!;
    expect(first.vaddr).toBe(0xffffffff81092ed6n);
    expect(Buffer.from(first.bytes).toString("hex")).toBe("8b8700d05fff");
    const a = log.accesses.find((x) => x.insn === 19)!;
    expect(a).toEqual({ insn: 19, gpa: 0xfee00020n, size: 4, write: false });
    expect(log.accesses.filter((x) => x.insn === 20).every((x) => x.write && x.gpa === 0xfec00000n)).toBe(true);
  });

  it("drops a line cut short by a kill, rejects a malformed or dangling one", () => {
    expect(parsePluginLog("I 0 ffffffff81000000 8b00\nA 0 fed00000 4 r\nA 0 fed0").accesses).toHaveLength(1);
    expect(() => parsePluginLog("A 3 fed00000 4 r\n")).toThrow(LogError);
    expect(() => parsePluginLog("I 0 ffffffff81000000 8b00\nA 0 fed00000 3 r\n")).toThrow(/line 2/);
    expect(() => parsePluginLog("I 0 ffffffff81000000 8b0\n")).toThrow(LogError);
    expect(() => parsePluginLog("hello\n")).toThrow(LogError);
  });
});

describe("symboliser", () => {
  const sym = new Symboliser([data("boot-excerpt.kallsyms")]);

  it("gives function + offset and the module from the boot's kallsyms", () => {
    expect(sym.lookup(0xffffffff81092ed6n)).toEqual({ fn: "native_apic_mem_read", offset: 6, module: null });
    expect(sym.lookup(0xffffffff8336b641n)).toEqual({ fn: "hpet_enable", offset: 0xc1, module: null });
    expect(sym.lookup(0xffffffffc02e2060n)).toEqual({ fn: "ahci_pci_reset_controller", offset: 0x10, module: "ahci" });
  });

  it("knows nothing below the first symbol or far beyond the last", () => {
    expect(sym.lookup(0x1000n)).toBeNull();
    expect(sym.lookup(0xffffffffc02e2360n + 0x200000n)).toBeNull();
  });

  it("prefers a global name at an address and takes a System.map's extra symbols", () => {
    const both = new Symboliser(["ffffffff81000000 t local_alias\nffffffff81000000 T global_name\n", "ffffffff81001000 T from_map\n"]);
    expect(both.lookup(0xffffffff81000004n)?.fn).toBe("global_name");
    expect(both.lookup(0xffffffff81001004n)?.fn).toBe("from_map");
  });
});

describe("iomem and MSI-X", () => {
  const iomem = parseIomem(data("iomem.txt"));
  const dump = parseDump(["==== kallsyms", gzipSync("ffffffff81000000 T x\n").toString("base64"), "==== iomem", data("iomem.txt"), data("pci-virtio.txt"), "==== end", ""].join("\n"));
  const msix = dump.pci.flatMap((p) => msixRegions(p.address, p.resource, p.config));

  it("nests ranges and names devices by class", () => {
    expect(attribute(0xfec00010n, iomem, []).device).toBe("IOAPIC");
    expect(attribute(0xfed000f0n, iomem, []).device).toBe("HPET");
    expect(attribute(0xfed1f410n, iomem, []).device).toBe("iTCO");
    expect(attribute(0xfee000b0n, iomem, []).device).toBe("LAPIC");
    expect(attribute(0xb0000010n, iomem, []).device).toBe("ECAM");
    expect(attribute(0xfebfc000n, iomem, []).device).toBe("virtio");
  });

  it("finds the MSI-X table and PBA in the config space of the virtio NIC", () => {
    expect(dump.kallsyms).toBe("ffffffff81000000 T x\n");
    expect(dump.pci.map((p) => p.address)).toEqual(["0000:00:03.0"]);
    expect(msix).toEqual([
      { pci: "0000:00:03.0", kind: "table", start: 0xfebc2000n, end: 0xfebc2040n },
      { pci: "0000:00:03.0", kind: "pba", start: 0xfebc2800n, end: 0xfebc2808n },
    ]);
    expect(attribute(0xfebc2000n + 0x1cn, iomem, msix).device).toBe("MSI-X");
  });

  it("rejects what is not a full dump or an iomem read without privileges", () => {
    expect(() => parseDump("==== kallsyms\n")).toThrow(DumpError);
    expect(() => parseIomem("00000000-00000000 : a\n00000000-00000000 : b\n00000000-00000000 : c\n00000000-00000000 : d\n00000000-00000000 : e\n")).toThrow(IomemError);
    expect(() => parseIomem("hello")).toThrow(IomemError);
  });
});

describe("sites", () => {
  it("groups kernel accesses by instruction, skips firmware, cuts phases at user-space marker reads", () => {
    const marker = `A 900 ${MARKER_GPA.toString(16)} 4 r\n`;
    const text = data("boot-excerpt.mmio.log") + "I 900 4a2f10 8b00\n" + marker + "A 20 fec00000 4 w\n" + marker + marker + "A 20 fec00000 4 w\n";
    const log = parsePluginLog(text);
    const sym = new Symboliser([data("boot-excerpt.kallsyms")]);
    const iomem = parseIomem(data("iomem.txt"));
    const h = collectSites(log, sym, (gpa) => attribute(gpa, iomem, []));
    expect(h.counts.firmware).toBeGreaterThan(0);
    expect(h.counts.markers).toBe(3);
    expect(h.counts.modules).toBe(1);
    expect(h.counts.dump).toBe(1);
    const ioapic = h.sites.find((s) => s.site === "native_io_apic_read+0x31")!;
    expect(ioapic).toMatchObject({ device: "IOAPIC", access: "store", sizes: [4], firstGpa: "0xfec00000", phase: "boot", bytes: "8930" });
    // One more hit in the modules phase; the dump phase's access is not counted.
    expect(ioapic.hits).toBe(log.accesses.filter((a) => a.insn === 20).length - 1);
    expect(h.trace.length).toBe(h.counts.boot + h.counts.modules + h.counts.touch);
    expect(h.sites.every((s) => s.addr.startsWith("0xffff"))).toBe(true);
    expect(h.sites.find((s) => s.fn === "native_apic_mem_read")?.device).toBe("LAPIC");
  });
});

describe("modules, initramfs, device sets", () => {
  it("orders dependencies first and rejects cycles and unknown modules", () => {
    const deps: Record<string, string[]> = { ahci: ["libahci", "libata"], libahci: ["libata"], libata: ["scsi_mod"], scsi_mod: ["scsi_common"], scsi_common: [] };
    expect(loadOrder(["ahci"], (m) => deps[m])).toEqual(["scsi_common", "scsi_mod", "libata", "libahci", "ahci"]);
    expect(() => loadOrder(["a"], (m) => (m === "a" ? ["b"] : ["a"]))).toThrow(ModuleError);
  });

  it("writes newc cpio records the kernel accepts (magic, 4-byte alignment, trailer)", () => {
    const cpio = writeCpio([{ path: "init", mode: EXEC, data: new TextEncoder().encode("#!/bin/sh\n") }]);
    const text = new TextDecoder().decode(cpio);
    expect(text.startsWith("070701")).toBe(true);
    expect(text).toContain("init\0");
    expect(text).toContain("TRAILER!!!\0");
    expect(cpio.length % 4).toBe(0);
    expect(parseInt(text.slice(6 + 8 * 6, 6 + 8 * 7), 16)).toBe(10); // filesize of init
  });

  it("parses --devices", () => {
    expect(deviceSet(undefined).map((d) => d.name)).toEqual(["ahci", "virtio-blk", "virtio-rng", "virtio-net", "itco"]);
    expect(deviceSet("itco,ahci,itco").map((d) => d.name)).toEqual(["itco", "ahci"]);
    expect(() => deviceSet("floppy")).toThrow(DeviceSetError);
  });
});
