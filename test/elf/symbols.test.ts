import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseElf64 } from "../../src/elf/elf64.js";
import {
  baseFunctionName,
  deriveFunctionRanges,
  functionsFromSymbolMap,
  isTextSymbolType,
  parseSymbolMap,
  SymbolMapError,
  type SymbolMapErrorCode,
  textSymbols,
} from "../../src/elf/symbols.js";
import { buildFixtures, type Fixtures, nmSortedMap, readBytes } from "./fixtures.js";

const SYSTEM_MAP = `
0000000000000000 D __per_cpu_start
ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff81000000 t startup_64
ffffffff81000070 T secondary_startup_64
ffffffff81000100 t __pfx_verify_cpu
ffffffff81000110 t verify_cpu
ffffffff81000200 W arch_weak_hook
ffffffff81000240 T tdx_handle_virt_exception
ffffffff81000300 t handle_mmio.cold
ffffffff81000380 T _etext
ffffffff82000000 R __start_rodata
ffffffff82000010 r some_table
`;

/** Expects `fn` to throw a SymbolMapError with `code`. */
function expectMapError(fn: () => unknown, code: SymbolMapErrorCode): SymbolMapError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SymbolMapError);
    expect((e as SymbolMapError).code).toBe(code);
    return e as SymbolMapError;
  }
  throw new Error(`expected SymbolMapError ${code}, nothing was thrown`);
}

describe("parseSymbolMap", () => {
  it("parses a System.map into address-sorted symbols", () => {
    const syms = parseSymbolMap(SYSTEM_MAP);
    expect(syms).toHaveLength(13);
    expect(syms[0]).toEqual({ addr: 0n, type: "D", name: "__per_cpu_start" });
    expect(syms[1]).toEqual({ addr: 0xffffffff81000000n, type: "T", name: "_stext" });
    expect(syms.at(-1)).toEqual({ addr: 0xffffffff82000010n, type: "r", name: "some_table" });
  });

  it("sorts an unsorted dump stably", () => {
    const syms = parseSymbolMap("ffffffff81000020 T b\nffffffff81000010 T a2\nffffffff81000010 t a1\n");
    expect(syms.map((s) => s.name)).toEqual(["a2", "a1", "b"]);
  });

  it("parses /proc/kallsyms with the [module] column and CRLF line ends", () => {
    const text =
      "ffffffff81000000 T _stext\r\n" +
      "ffffffffc0a01000 t ahci_port_start\t[libahci]\r\n" +
      "ffffffffc0a01100 T ahci_do_softreset\t[libahci]\r\n" +
      "ffffffffc0b00000 t ata_piix_init_one [ata_piix]\r\n";
    const syms = parseSymbolMap(text);
    expect(syms[0]!.module).toBeUndefined();
    expect(syms[1]).toEqual({ addr: 0xffffffffc0a01000n, type: "t", name: "ahci_port_start", module: "libahci" });
    expect(syms[3]!.module).toBe("ata_piix");
  });

  it("rejects malformed lines with their line number", () => {
    const err = expectMapError(() => parseSymbolMap("ffffffff81000000 T ok\nnot a symbol line at all\n"), "bad_line");
    expect(err.line).toBe(2);
    expectMapError(() => parseSymbolMap("xyz T name\n"), "bad_line");
    expectMapError(() => parseSymbolMap("ffffffff81000000 T\n"), "bad_line");
  });

  it("recognises Debian's placeholder System.map", () => {
    expectMapError(
      () => parseSymbolMap("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"),
      "placeholder",
    );
  });

  it("recognises kallsyms read without privileges", () => {
    expectMapError(() => parseSymbolMap("0000000000000000 T _stext\n0000000000000000 t foo\n"), "addresses_hidden");
  });

  it("skips the address-less undefined symbols of plain nm output", () => {
    const syms = parseSymbolMap("                 w __gmon_start__\n                 U puts\n0000000000401126 T main\n");
    expect(syms).toEqual([{ addr: 0x401126n, type: "T", name: "main" }]);
  });

  it("accepts an empty file", () => {
    expect(parseSymbolMap("\n\n")).toEqual([]);
  });

  it("tells text symbols from the others", () => {
    expect(["T", "t", "W", "w"].every(isTextSymbolType)).toBe(true);
    expect(["D", "d", "B", "b", "R", "r", "A", "V", "U"].some(isTextSymbolType)).toBe(false);
    expect(textSymbols(parseSymbolMap(SYSTEM_MAP)).map((s) => s.name)).not.toContain("some_table");
  });
});

describe("deriveFunctionRanges", () => {
  const syms = parseSymbolMap(SYSTEM_MAP);
  const start = 0xffffffff81000000n;
  const end = 0xffffffff81000400n;

  it("bounds each function by the next symbol and the last by the section end", () => {
    const ranges = deriveFunctionRanges(syms, start, end);
    expect(ranges.map((r) => [r.name, r.start - start, r.size])).toEqual([
      ["_stext", 0x0n, 0x70],
      ["secondary_startup_64", 0x70n, 0x90],
      ["__pfx_verify_cpu", 0x100n, 0x10],
      ["verify_cpu", 0x110n, 0xf0],
      ["arch_weak_hook", 0x200n, 0x40],
      ["tdx_handle_virt_exception", 0x240n, 0xc0],
      ["handle_mmio.cold", 0x300n, 0x80],
      ["_etext", 0x380n, 0x80],
    ]);
    for (const r of ranges) expect(r.end - r.start).toBe(BigInt(r.size));
  });

  it("merges aliases, preferring a global name", () => {
    const first = deriveFunctionRanges(syms, start, end)[0]!;
    expect(first.name).toBe("_stext");
    expect(first.type).toBe("T");
    expect(first.aliases).toEqual(["_text", "startup_64"]);
    const local = deriveFunctionRanges(parseSymbolMap("ffffffff81000000 t a\nffffffff81000000 W b\n"), start, end)[0]!;
    expect([local.name, local.aliases]).toEqual(["b", ["a"]]);
  });

  it("keeps to the section: symbols outside it are ignored", () => {
    const ranges = deriveFunctionRanges(syms, 0xffffffff81000100n, 0xffffffff81000240n);
    expect(ranges.map((r) => r.name)).toEqual(["__pfx_verify_cpu", "verify_cpu", "arch_weak_hook"]);
    expect(ranges.at(-1)!.end).toBe(0xffffffff81000240n);
  });

  it("separates core-kernel and module symbols", () => {
    const text = "ffffffffc0a01000 t ahci_a\t[libahci]\nffffffffc0a01100 t ata_b\t[libata]\nffffffffc0a01200 T ahci_c\t[libahci]\n";
    const all = parseSymbolMap(text);
    expect(deriveFunctionRanges(all, 0xffffffffc0a00000n, 0xffffffffc0a02000n)).toEqual([]);
    const ahci = deriveFunctionRanges(all, 0xffffffffc0a00000n, 0xffffffffc0a02000n, { module: "libahci" });
    expect(ahci.map((r) => [r.name, r.size])).toEqual([
      ["ahci_a", 0x200],
      ["ahci_c", 0xe00],
    ]);
  });

  it("returns nothing for an empty section and rejects an inverted one", () => {
    expect(deriveFunctionRanges(syms, start, start)).toEqual([]);
    expectMapError(() => deriveFunctionRanges(syms, end, start), "bad_range");
  });
});

describe("functionsFromSymbolMap on a stripped executable", () => {
  let fx: Fixtures;
  beforeAll(() => {
    fx = buildFixtures();
  });
  afterAll(() => fx?.cleanup());

  it("recovers every function of the unstripped file from nm's map", () => {
    const full = parseElf64(readBytes(fx.exec));
    const stripped = parseElf64(readBytes(fx.execStripped));
    expect(stripped.hasSymtab).toBe(false);
    const map = parseSymbolMap(nmSortedMap(fx.exec));
    const recovered = new Map(functionsFromSymbolMap(stripped, map).map((f) => [f.name, f]));
    const text = full.section(".text")!;
    const expected = full.functionBodies().filter((f) => f.section === ".text" && f.size > 0);
    expect(expected.length).toBeGreaterThan(5);
    for (const f of expected) {
      const r = recovered.get(f.name);
      expect(r, f.name).toBeDefined();
      expect(r!.addr).toBe(f.addr);
      expect(r!.section).toBe(".text");
      // The derived range runs to the next symbol, so it covers the function plus any padding.
      expect(r!.size).toBeGreaterThanOrEqual(f.size);
      expect(r!.bytes.subarray(0, f.size)).toEqual(f.bytes);
      expect(r!.addr + BigInt(r!.size) <= text.addr + BigInt(text.size)).toBe(true);
    }
  });

  it("rejects a section that does not exist", () => {
    const stripped = parseElf64(readBytes(fx.execStripped));
    expectMapError(() => functionsFromSymbolMap(stripped, [], ".nope"), "bad_range");
  });
});

describe("baseFunctionName", () => {
  it.each([
    ["foo", "foo"],
    ["foo.cold", "foo"],
    ["foo.cold.12", "foo"],
    ["foo.isra.0", "foo"],
    ["foo.constprop.3", "foo"],
    ["foo.part.1", "foo"],
    ["foo.isra.0.cold", "foo"],
    ["foo.constprop.0.isra.0", "foo"],
    ["foo.part.0.constprop.0.cold", "foo"],
    ["foo.lto_priv.0", "foo"],
    ["foo.llvm.1234567890", "foo"],
    ["__pfx_foo", "__pfx_foo"],
    ["tdx_handle_virt_exception", "tdx_handle_virt_exception"],
    ["foo.unknown", "foo.unknown"],
    [".cold", ".cold"],
  ])("%s -> %s", (name, base) => {
    expect(baseFunctionName(name)).toBe(base);
  });
});
