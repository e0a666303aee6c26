// DWARF inline-site lookup on a gcc -g object, and robustness on corrupted debug info.
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseElf64 } from "../../src/elf/elf64.js";
import { inlineSites, DwarfError } from "../../src/elf/dwarf.js";

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
  it("names the functions each inline function was inlined into, through nested inlining", () => {
    const sites = inlineSites(parseElf64(bytes));
    expect([...(sites.get("quad") ?? [])]).toEqual(["use_quad"]);
    expect([...(sites.get("twice") ?? [])].sort()).toEqual(["use_quad", "use_twice"]);
  });

  it("corrupted .debug_info only ever yields a DwarfError (no read outside the section)", () => {
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
