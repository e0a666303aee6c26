// Node-only: the code objects a scan looks in: a vmlinux (with .symtab, or stripped plus a
// System.map / kallsyms dump) and kernel modules (.ko, .ko.xz, .ko.zst), each as named functions.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseElf64, type ElfFunction } from "../elf/elf64.js";
import { parseSymbolMap, functionsFromSymbolMap, baseFunctionName } from "../elf/symbols.js";

export interface CodeObject {
  /** "vmlinux" or the module's path relative to the searched folder. */
  name: string;
  functions: ElfFunction[];
}

export class ScanInputError extends Error {}

function readMaybeCompressed(file: string): Uint8Array {
  try {
    if (file.endsWith(".xz")) return new Uint8Array(execFileSync("xz", ["-dc", file], { maxBuffer: 1 << 30 }));
    if (file.endsWith(".zst")) return new Uint8Array(execFileSync("zstd", ["-dc", file], { maxBuffer: 1 << 30 }));
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ScanInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split("\n")[0]}`);
  }
}

function parse(file: string, data: Uint8Array) {
  try {
    return parseElf64(data);
  } catch (e) {
    throw new ScanInputError(`${file}: ${(e as Error).message}`);
  }
}

/** A vmlinux's .text functions: from its .symtab, else from `symbols` (System.map or kallsyms). */
export function loadVmlinux(file: string, symbols?: string): CodeObject {
  const elf = parse(file, readMaybeCompressed(file));
  if (elf.hasSymtab && !symbols) return { name: "vmlinux", functions: elf.functionBodies().filter((f) => f.size > 0) };
  if (!symbols) throw new ScanInputError(`${file} has no symbol table: give --symbols System.map (or a kallsyms dump)`);
  let text: string;
  try {
    text = readFileSync(symbols, "utf8");
  } catch (e) {
    throw new ScanInputError(`cannot read ${symbols}: ${(e as NodeJS.ErrnoException).code}`);
  }
  try {
    return { name: "vmlinux", functions: functionsFromSymbolMap(elf, parseSymbolMap(text)).filter((f) => f.size > 0) };
  } catch (e) {
    throw new ScanInputError(`${symbols}: ${(e as Error).message}`);
  }
}

/** One module or relocatable object. */
export function loadModule(file: string, name = path.basename(file)): CodeObject {
  return { name, functions: parse(file, readMaybeCompressed(file)).functionBodies().filter((f) => f.size > 0) };
}

/** Module files under `dir` (recursively). */
export function moduleFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new ScanInputError(`no such folder: ${dir}`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = path.join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ko(\.xz|\.zst)?$/.test(entry)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The functions of `objects` that belong to `site`: the symbol itself and its compiler clones. */
export function findSite(objects: Iterable<CodeObject>, site: string): { object: CodeObject; functions: ElfFunction[] } | null {
  for (const object of objects) {
    const functions = object.functions.filter((f) => f.name === site || baseFunctionName(f.name) === site);
    if (functions.length) return { object, functions };
  }
  return null;
}
