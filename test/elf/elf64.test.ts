import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ElfError,
  type ElfErrorCode,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  parseElf64,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
} from "../../src/elf/elf64.js";
import { baseFunctionName } from "../../src/elf/symbols.js";
import {
  buildFixtures,
  type Fixtures,
  objcopySection,
  readBytes,
  readelfSections,
  readelfSymbols,
} from "./fixtures.js";

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures();
});
afterAll(() => fx?.cleanup());

const BIND: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };

/** The defined FUNC symbols of `readelf -sW`, as comparable strings. */
function referenceFunctions(path: string, table: ".symtab" | ".dynsym"): string[] {
  return readelfSymbols(path, table)
    .filter((s) => s.type === "FUNC" && /^\d+$/.test(s.ndx))
    .map((s) => `${s.name}|${s.value.toString(16)}|${s.size}|${s.ndx}|${BIND[s.bind]}`)
    .sort();
}

function ourFunctions(path: string): string[] {
  return parseElf64(readBytes(path))
    .functions()
    .map((f) => `${f.name}|${f.value.toString(16)}|${f.size}|${f.shndx}|${f.bind}`)
    .sort();
}

/** Expects `fn` to throw an ElfError with `code`. */
function expectElfError(fn: () => unknown, code: ElfErrorCode): ElfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    expect((e as ElfError).code).toBe(code);
    expect((e as ElfError).message).not.toContain("\n");
    return e as ElfError;
  }
  throw new Error(`expected ElfError ${code}, nothing was thrown`);
}

/** A copy of `data` edited through a little-endian DataView. */
function patched(data: Uint8Array, edit: (v: DataView) => void): Uint8Array {
  const copy = data.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

const shoff = (d: Uint8Array) => Number(new DataView(d.buffer, d.byteOffset).getBigUint64(40, true));

describe("ELF header and sections", () => {
  it("reads the file type of each fixture", () => {
    expect(parseElf64(readBytes(fx.object)).header.type).toBe(ET_REL);
    expect(parseElf64(readBytes(fx.exec)).header.type).toBe(ET_EXEC);
    expect(parseElf64(readBytes(fx.pie)).header.type).toBe(ET_DYN);
    expect(parseElf64(readBytes(fx.sharedStripped)).header.type).toBe(ET_DYN);
    expect(parseElf64(readBytes(fx.object)).isRelocatable).toBe(true);
    expect(parseElf64(readBytes(fx.exec)).isRelocatable).toBe(false);
  });

  for (const which of ["object", "exec", "pie"] as const) {
    it(`matches readelf -S for the ${which} fixture`, () => {
      const path = fx[which];
      const elf = parseElf64(readBytes(path));
      const ref = readelfSections(path);
      expect(elf.sections.length).toBe(ref.length + 1);
      for (const r of ref) {
        const s = elf.sections[r.index]!;
        expect({ name: s.name, addr: s.addr, offset: s.offset, size: s.size }).toEqual({
          name: r.name,
          addr: r.addr,
          offset: r.offset,
          size: r.size,
        });
      }
    });
  }

  it("gives zero-copy section bytes equal to objcopy's", () => {
    const data = readBytes(fx.exec);
    const elf = parseElf64(data);
    const text = elf.section(".text")!;
    expect(text.type).toBe(SHT_PROGBITS);
    const bytes = text.bytes();
    expect(bytes.buffer).toBe(data.buffer);
    expect(bytes.byteOffset).toBe(data.byteOffset + text.offset);
    expect(bytes).toEqual(objcopySection(fx.exec, ".text", fx.dir));
  });

  it("returns no bytes for SHT_NOBITS sections", () => {
    const elf = parseElf64(readBytes(fx.exec));
    const bss = elf.sections.find((s) => s.type === SHT_NOBITS)!;
    expect(bss.name).toBe(".bss");
    expect(bss.bytes().length).toBe(0);
  });

  it("works on a view that does not start at offset 0 of its ArrayBuffer", () => {
    const file = readBytes(fx.object);
    const big = new Uint8Array(file.length + 7);
    big.set(file, 3);
    const view = big.subarray(3, 3 + file.length);
    const a = parseElf64(view).functionBodies();
    const b = parseElf64(file).functionBodies();
    expect(a.map((f) => [f.name, f.size, Array.from(f.bytes)])).toEqual(b.map((f) => [f.name, f.size, Array.from(f.bytes)]));
  });

  it("finds the section containing a virtual address", () => {
    const elf = parseElf64(readBytes(fx.exec));
    const text = elf.section(".text")!;
    expect(elf.sectionAt(text.addr)?.name).toBe(".text");
    expect(elf.sectionAt(text.addr + BigInt(text.size) - 1n)?.name).toBe(".text");
    expect(elf.sectionAt(0n)).toBeUndefined();
  });
});

describe("function symbols", () => {
  it("matches readelf -s for an executable (.symtab)", () => {
    const elf = parseElf64(readBytes(fx.exec));
    expect(elf.symbolTable).toBe("symtab");
    expect(elf.hasSymtab).toBe(true);
    expect(ourFunctions(fx.exec)).toEqual(referenceFunctions(fx.exec, ".symtab"));
  });

  it("matches readelf -s for a relocatable object (.symtab)", () => {
    expect(ourFunctions(fx.object)).toEqual(referenceFunctions(fx.object, ".symtab"));
  });

  it("matches readelf -s for a PIE", () => {
    expect(ourFunctions(fx.pie)).toEqual(referenceFunctions(fx.pie, ".symtab"));
  });

  it("falls back to .dynsym in a stripped shared object", () => {
    const elf = parseElf64(readBytes(fx.sharedStripped));
    expect(elf.hasSymtab).toBe(false);
    expect(elf.symbolTable).toBe("dynsym");
    const names = elf.functions().map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["checked_sum", "use_scale", "empty_fn"]));
    expect(ourFunctions(fx.sharedStripped)).toEqual(referenceFunctions(fx.sharedStripped, ".dynsym"));
  });

  it("finds no defined functions in a stripped executable (its .dynsym only imports)", () => {
    const elf = parseElf64(readBytes(fx.execStripped));
    expect(elf.hasSymtab).toBe(false);
    expect(elf.symbolTable).toBe("dynsym");
    expect(elf.symbols().length).toBeGreaterThan(1);
    expect(elf.functions()).toEqual([]);
  });

  it("reports 'none' when there is no symbol table at all", () => {
    const data = readBytes(fx.object);
    const symtab = parseElf64(data).sections.find((s) => s.type === SHT_SYMTAB)!;
    const elf = parseElf64(patched(data, (v) => v.setUint32(shoff(data) + symtab.index * 64 + 4, SHT_PROGBITS, true)));
    expect(elf.symbolTable).toBe("none");
    expect(elf.symbols()).toEqual([]);
    expect(elf.functionBodies()).toEqual([]);
  });

  it("sorts executables by address and objects by (section, offset)", () => {
    const exe = parseElf64(readBytes(fx.exec)).functions();
    for (let i = 1; i < exe.length; i++) expect(exe[i - 1]!.value <= exe[i]!.value).toBe(true);
    const obj = parseElf64(readBytes(fx.object)).functions();
    for (let i = 1; i < obj.length; i++) {
      const a = obj[i - 1]!;
      const b = obj[i]!;
      expect(a.shndx < b.shndx || (a.shndx === b.shndx && a.value <= b.value)).toBe(true);
    }
  });

  it("gives each function of a -ffunction-sections object its own section, including the .cold part", () => {
    const elf = parseElf64(readBytes(fx.object));
    const byName = new Map(elf.functionBodies().map((f) => [f.name, f]));
    const hot = byName.get("checked_sum")!;
    const cold = byName.get("checked_sum.cold")!;
    const clone = byName.get("scale.constprop.0")!;
    expect(hot.section).toBe(".text.checked_sum");
    expect(cold.section).toBe(".text.unlikely.checked_sum");
    expect(cold.bind).toBe(STB_LOCAL);
    expect(hot.bind).toBe(STB_GLOBAL);
    expect(clone.section).toBe(".text.scale.constprop.0");
    for (const f of [hot, cold, clone]) {
      expect(f.addr).toBe(0n);
      expect(f.bytes.length).toBe(f.size);
      expect(f.bytes).toEqual(objcopySection(fx.object, f.section, fx.dir).subarray(0, f.size));
    }
    expect(baseFunctionName(cold.name)).toBe("checked_sum");
    expect(baseFunctionName(clone.name)).toBe("scale");
  });

  it("cuts function bytes out of an executable at their virtual address", () => {
    const data = readBytes(fx.exec);
    const elf = parseElf64(data);
    const text = elf.section(".text")!;
    const textBytes = objcopySection(fx.exec, ".text", fx.dir);
    const bodies = elf.functionBodies().filter((f) => f.section === ".text");
    expect(bodies.map((f) => f.name)).toEqual(expect.arrayContaining(["checked_sum", "checked_sum.cold", "main"]));
    for (const f of bodies) {
      const off = Number(f.addr - text.addr);
      expect(f.bytes).toEqual(textBytes.subarray(off, off + f.size));
      expect(f.bytes.buffer).toBe(data.buffer);
    }
  });
});

describe("malformed input", () => {
  it("rejects non-ELF data with not_elf", () => {
    expectElfError(() => parseElf64(new Uint8Array(0)), "not_elf");
    expectElfError(() => parseElf64(new Uint8Array([0x7f, 0x45, 0x4c])), "not_elf");
    expectElfError(() => parseElf64(new TextEncoder().encode("#!/bin/sh\necho hello\n")), "not_elf");
  });

  it("rejects a 32-bit class byte with not_elf64", () => {
    const bad = patched(readBytes(fx.object), (v) => v.setUint8(4, 1));
    expect(expectElfError(() => parseElf64(bad), "not_elf64").message).toMatch(/64-bit/);
  });

  it("rejects big-endian data with not_little_endian", () => {
    expectElfError(() => parseElf64(patched(readBytes(fx.object), (v) => v.setUint8(5, 2))), "not_little_endian");
  });

  it("rejects e_machine 3 (i386) with not_x86_64", () => {
    const bad = patched(readBytes(fx.exec), (v) => v.setUint16(18, 3, true));
    expect(expectElfError(() => parseElf64(bad), "not_x86_64").message).toContain("e_machine is 3");
  });

  it("rejects a core file type with unsupported_type", () => {
    expectElfError(() => parseElf64(patched(readBytes(fx.exec), (v) => v.setUint16(16, 4, true))), "unsupported_type");
  });

  it("rejects malformed header fields with bad_header", () => {
    const data = readBytes(fx.object);
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint8(6, 0))), "bad_header");
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint16(58, 40, true))), "bad_header");
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint16(62, 500, true))), "bad_header");
  });

  it("rejects truncated files with truncated", () => {
    const data = readBytes(fx.object);
    expectElfError(() => parseElf64(data.subarray(0, 10)), "truncated");
    expectElfError(() => parseElf64(data.subarray(0, 40)), "truncated");
    // gcc puts the section header table at the end: cutting the tail truncates it.
    expect(shoff(data)).toBeGreaterThan(data.length / 2);
    expectElfError(() => parseElf64(data.subarray(0, data.length - 1)), "truncated");
    expectElfError(() => parseElf64(data.subarray(0, shoff(data) + 10)), "truncated");
    expectElfError(() => parseElf64(patched(data, (v) => v.setBigUint64(40, 0xffff_ffff_ffff_0000n, true))), "truncated");
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint16(60, 0xfff0, true))), "truncated");
  });

  it("rejects sections whose data lies outside the file with bad_section", () => {
    const data = readBytes(fx.object);
    const elf = parseElf64(data);
    const text = elf.section(".text.checked_sum")!;
    const at = shoff(data) + text.index * 64;
    const err = expectElfError(() => parseElf64(patched(data, (v) => v.setBigUint64(at + 32, BigInt(data.length), true))), "bad_section");
    expect(err.message).toContain(`section [${text.index}]`);
    expectElfError(() => parseElf64(patched(data, (v) => v.setBigUint64(at + 24, 1n << 60n, true))), "bad_section");
    expectElfError(() => parseElf64(patched(data, (v) => v.setBigUint64(at + 24, 1n << 63n, true))), "bad_section");
  });

  it("rejects inconsistent symbol tables with bad_section", () => {
    const data = readBytes(fx.object);
    const symtab = parseElf64(data).sections.find((s) => s.type === SHT_SYMTAB)!;
    const at = shoff(data) + symtab.index * 64;
    // Header parsing is fine; the symbol table is read on first use.
    const wrongEntsize = parseElf64(patched(data, (v) => v.setBigUint64(at + 56, 16n, true)));
    expectElfError(() => wrongEntsize.functions(), "bad_section");
    const wrongLink = parseElf64(patched(data, (v) => v.setUint32(at + 40, symtab.index, true)));
    expectElfError(() => wrongLink.symbols(), "bad_section");
    const oddSize = parseElf64(patched(data, (v) => v.setBigUint64(at + 32, BigInt(symtab.size - 5), true)));
    expectElfError(() => oddSize.symbols(), "bad_section");
  });

  it("rejects a section-name table of the wrong type with bad_section", () => {
    const data = readBytes(fx.object);
    const shstrndx = new DataView(data.buffer).getUint16(62, true);
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint32(shoff(data) + shstrndx * 64 + 4, SHT_PROGBITS, true))), "bad_section");
  });

  it("gives empty section names when e_shstrndx is SHN_UNDEF", () => {
    const elf = parseElf64(patched(readBytes(fx.object), (v) => v.setUint16(62, 0, true)));
    expect(elf.sections.every((s) => s.name === "")).toBe(true);
    expect(elf.functions().map((f) => f.name)).toContain("checked_sum");
  });

  it("rejects names outside their string table with bad_string", () => {
    const data = readBytes(fx.object);
    expectElfError(() => parseElf64(patched(data, (v) => v.setUint32(shoff(data) + 64, 0x7fff_0000, true))), "bad_string");
  });

  it("rejects a function that overruns its section with bad_symbol", () => {
    const data = readBytes(fx.object);
    const elf = parseElf64(data);
    const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
    const index = elf.symbols().findIndex((s) => s.name === "checked_sum");
    const bad = parseElf64(patched(data, (v) => v.setBigUint64(symtab.offset + index * 24 + 16, 0x10000n, true)));
    expect(bad.functions().find((f) => f.name === "checked_sum")!.size).toBe(0x10000);
    const err = expectElfError(() => bad.functionBodies(), "bad_symbol");
    expect(err.message).toContain("checked_sum");
  });

  it("never reads outside the buffer: random corruption only ever throws ElfError", () => {
    const original = readBytes(fx.object);
    let seed = 0x9e3779b9;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const headerAndTables = [0, 64, shoff(original), original.length];
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const data = original.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) {
        // Aim most flips at the ELF header and the section header table, where they matter.
        const region = Math.floor(rand() * 3);
        const lo = region === 0 ? headerAndTables[0]! : region === 1 ? headerAndTables[2]! : 0;
        const hi = region === 0 ? headerAndTables[1]! : region === 1 ? headerAndTables[3]! : original.length;
        data[lo + Math.floor(rand() * (hi - lo))] = Math.floor(rand() * 256);
      }
      const cut = rand() < 0.2 ? Math.floor(rand() * data.length) : data.length;
      try {
        const elf = parseElf64(data.subarray(0, cut));
        for (const s of elf.sections) s.bytes();
        for (const f of elf.functionBodies()) expect(f.bytes.length).toBe(f.size);
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});
