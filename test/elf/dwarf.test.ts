// DWARF inline-site lookup on a gcc -g object, and robustness on corrupted debug info.
import { describe, it, expect } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseElf64 } from "../../src/elf/elf64.js";
import { inlineSites, readInlining, DwarfError } from "../../src/elf/dwarf.js";
import { scanSites } from "../../src/cli/scan.js";
import { decoder } from "../support/decoder.js";

const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));

const SOURCE = `
static inline int twice(int x) { return x * 2; }
static inline int quad(int x) { return twice(twice(x)); }
int use_quad(volatile int *p) { return quad(*p); }
int use_twice(volatile int *p) { return twice(*p) + 1; }
`;

function build(): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-dwarf-"));
  writeFileSync(path.join(dir, "t.c"), SOURCE);
  execFileSync("gcc", ["-O2", "-g", "-shared", "-fPIC", "-o", path.join(dir, "t.so"), path.join(dir, "t.c")]);
  return new Uint8Array(readFileSync(path.join(dir, "t.so")));
}

describe("DWARF inline sites", () => {
  const bytes = build();
  it("names the functions each inline function was inlined into, through nested inlining", async () => {
    const sites = inlineSites(parseElf64(bytes));
    expect([...(sites.get("quad") ?? [])]).toEqual(["use_quad"]);
    expect([...(sites.get("twice") ?? [])].sort()).toEqual(["use_quad", "use_twice"]);
  });

  it("corrupted .debug_info only ever yields a DwarfError (no read outside the section)", async () => {
    const elf = parseElf64(bytes);
    const info = elf.section(".debug_info")!;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300; i++) {
      const copy = bytes.slice();
      for (let k = 0; k < 4; k++) copy[info.offset + Math.floor(rand() * info.size)] = Math.floor(rand() * 256);
      try {
        inlineSites(parseElf64(copy));
      } catch (e) {
        expect(e).toBeInstanceOf(DwarfError);
      }
    }
  });
});

// A kernel-module-shaped object: two compile units (two .c files) linked with `ld -r` like a .ko,
// DWARF 5, so the second unit's abbreviation offset, its strings and its cross-references are
// RELA relocations with zeros in the section bytes (what made Debian's libahci.ko fail with
// "unknown abbreviation"). readelf (binutils), which applies the relocations, is the oracle.
const MODULE_A = `
struct dev { volatile unsigned int *mmio; int flags; };
static inline unsigned int rd(struct dev *d, int r) { return d->mmio[r]; }
static inline void wr(struct dev *d, int r, unsigned int v) { d->mmio[r] = v; }
static inline void enable(struct dev *d) { wr(d, 1, rd(d, 1) | 0x80000000u); }
int init_a(struct dev *d) { enable(d); if (d->flags) enable(d); return rd(d, 2); }
`;
const MODULE_B = `
struct port { volatile unsigned long *regs; };
static inline void kick(struct port *p, unsigned long v) { p->regs[3] = v; }
static inline void start(struct port *p) { kick(p, 1); kick(p, 2); }
void start_b(struct port *p) { start(p); }
void stop_b(struct port *p) { kick(p, 0); }
`;

function buildModule(extra: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-dwarf5-"));
  writeFileSync(path.join(dir, "a.c"), MODULE_A);
  writeFileSync(path.join(dir, "b.c"), MODULE_B);
  for (const f of ["a", "b"]) execFileSync("gcc", ["-g", "-gdwarf-5", "-O2", "-c", ...extra, "-o", path.join(dir, `${f}.o`), path.join(dir, `${f}.c`)]);
  execFileSync("ld", ["-r", "-o", path.join(dir, "mod.ko"), path.join(dir, "a.o"), path.join(dir, "b.o")]);
  return path.join(dir, "mod.ko");
}

/** The same question answered from `readelf --debug-dump=info`: inlined function -> functions it was inlined into. */
function readelfInlining(file: string): Map<string, Set<string>> {
  const text = execFileSync("readelf", ["--debug-dump=info", "--wide", file], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
  const names = new Map<number, string>(), links = new Map<number, number>();
  const inlined: { origin: number; caller: number }[] = [];
  const stack: { depth: number; offset: number; tag: string }[] = [];
  let current: { offset: number; tag: string; origin: number } | null = null;
  const finish = () => {
    if (!current) return;
    if (current.tag === "DW_TAG_inlined_subroutine" && current.origin >= 0) {
      const caller = [...stack].reverse().find((d) => d.tag === "DW_TAG_subprogram" && d.offset !== current!.offset);
      if (caller) inlined.push({ origin: current.origin, caller: caller.offset });
    }
    if (current.tag === "DW_TAG_subprogram" && current.origin >= 0) links.set(current.offset, current.origin);
  };
  for (const line of text.split("\n")) {
    const die = /^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: (\d+)(?: \((DW_TAG_\w+)\))?/.exec(line);
    if (die) {
      finish();
      const depth = Number(die[1]);
      while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
      if (die[3] === "0") { current = null; continue; }
      current = { offset: parseInt(die[2], 16), tag: die[4], origin: -1 };
      stack.push({ depth, offset: current.offset, tag: current.tag });
      continue;
    }
    const attr = /^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$/.exec(line);
    if (!attr || !current) continue;
    if (attr[1] === "DW_AT_name" && current.tag === "DW_TAG_subprogram") {
      // "(string) wr", "(strp) (offset: 0x73): enable", "(line_strp) (offset: 0xc): a.c"
      const value = attr[2].replace(/^\([^)]*\)\s*/, "").trim();
      names.set(current.offset, value.includes("): ") ? value.slice(value.lastIndexOf("): ") + 3) : value);
    } else if (attr[1] === "DW_AT_abstract_origin" || attr[1] === "DW_AT_specification") {
      current.origin = parseInt(/<0x([0-9a-f]+)>/.exec(attr[2])![1], 16);
    }
  }
  finish();
  const nameOf = (d: number): string | undefined => names.get(d) ?? (links.has(d) ? nameOf(links.get(d)!) : undefined);
  const out = new Map<string, Set<string>>();
  for (const { origin, caller } of inlined) {
    const callee = nameOf(origin), into = nameOf(caller);
    if (!callee || !into) continue;
    if (!out.has(callee)) out.set(callee, new Set());
    out.get(callee)!.add(into);
  }
  return out;
}

const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort());

describe("DWARF 5 in a relocatable module (ET_REL, .rela.debug_*)", () => {
  for (const [label, flags] of [["-O2", []], ["-O2 -fdebug-types-section (type units)", ["-fdebug-types-section"]], ["-O2 -gstrict-dwarf", ["-gstrict-dwarf"]]] as [string, string[]][]) {
    it(`agrees with readelf on every inlined function (${label})`, async () => {
      const file = buildModule(flags);
      const elf = parseElf64(new Uint8Array(readFileSync(file)));
      expect(elf.sections.some((s) => s.name === ".rela.debug_info")).toBe(true);
      const seen: number[] = [];
      const ours = readInlining(elf, (done, total) => seen.push(done / total));
      expect(seen.length).toBe(2); // one report per unit (two .c files), ending at the whole section
      expect(seen[seen.length - 1]).toBe(1);
      const oracle = readelfInlining(file);
      expect(sorted(ours.inlinedInto)).toEqual(sorted(oracle));
      expect(sorted(ours.inlinedInto)).toMatchObject({ enable: ["init_a"], kick: ["start_b", "stop_b"], start: ["start_b"] });
      expect([...ours.functions]).toEqual(expect.arrayContaining(["init_a", "enable", "start_b", "kick"]));
    });
  }

  // readelf is no oracle here: on a lone .dwo (binutils 2.40) it reads DW_FORM_strx without the
  // 8-byte .debug_str_offsets header and names init_a "unsigned int"; the source is the oracle.
  it("reads a split-DWARF .dwo (DW_UT_split_compile, names as DW_FORM_strx)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-dwo-"));
    writeFileSync(path.join(dir, "a.c"), MODULE_A);
    execFileSync("gcc", ["-g", "-gdwarf-5", "-gsplit-dwarf", "-O2", "-c", "-o", path.join(dir, "a.o"), path.join(dir, "a.c")], { cwd: dir });
    const dwo = path.join(dir, "a.dwo");
    const ours = readInlining(parseElf64(new Uint8Array(readFileSync(dwo))));
    expect(sorted(ours.inlinedInto)).toEqual({ enable: ["init_a"], rd: ["init_a"], wr: ["init_a"] });
    expect([...ours.functions].sort()).toEqual(["enable", "init_a", "rd", "wr"]);
  });

  it("the scan names where a site was inlined in such a module, and reports DWARF it cannot read", async () => {
    const file = buildModule([]);
    const { results } = await scanSites(decoder, { elf: file, sites: "enable,init_a,no_such_fn" });
    expect(results[0].note).toBe("not present as a symbol: inlined into init_a (DWARF of mod.ko)");
    expect(results[1].report?.symbols).toEqual(["init_a"]);
    expect(results[2].note).toMatch(/^no such function in mod\.ko or the DWARF of mod\.ko: misspelled, or not built/);
    // Damage the abbreviation table: the note says the DWARF is unreadable instead of keeping quiet.
    const bytes = new Uint8Array(readFileSync(file));
    const abbrev = parseElf64(bytes).section(".debug_abbrev")!;
    bytes.fill(0xff, abbrev.offset, abbrev.offset + abbrev.size);
    const broken = file.replace(/mod\.ko$/, "broken.ko");
    writeFileSync(broken, bytes);
    const again = await scanSites(decoder, { elf: broken, sites: "enable" });
    expect(again.results[0].note).toMatch(/DWARF of broken\.ko unreadable: /);
    // Named explicitly with --debug-info, unreadable DWARF is an input error: one line, exit 2.
    const r = spawnSync(process.execPath, [bin, "scan", "--elf", file, "--sites", "enable", "--debug-info", broken], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ve-mmio: --debug-info .*broken\.ko: .+\n$/);
    const missing = spawnSync(process.execPath, [bin, "scan", "--elf", file, "--sites", "enable", "--debug-info", "/nonexistent.debug"], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("ve-mmio: --debug-info /nonexistent.debug: no such file\n");
  });
});

// A real Debian debug module (linux-image-<release>-dbg is ~1 GB, so not fetched in CI): run with
// VE_MMIO_DEBUG_KO=/usr/lib/debug/lib/modules/<release>/kernel/drivers/ata/libahci.ko.
const realKo = process.env.VE_MMIO_DEBUG_KO;
describe.skipIf(!realKo)("DWARF of a real Debian debug module", () => {
  it("agrees with readelf on every inlined function", async () => {
    const ours = readInlining(parseElf64(new Uint8Array(readFileSync(realKo!))));
    const oracle = readelfInlining(realKo!);
    console.log(`${realKo}: ${oracle.size} inlined functions, ${[...oracle.values()].reduce((n, s) => n + s.size, 0)} (function, caller) pairs`);
    expect(sorted(ours.inlinedInto)).toEqual(sorted(oracle));
    if (realKo!.endsWith("libahci.ko")) expect(sorted(ours.inlinedInto).ahci_enable_ahci).toEqual(["ahci_reset_controller", "ahci_save_initial_config"]);
  });
});
