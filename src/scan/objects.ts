// Node-only: the code objects a scan looks in: a vmlinux (with .symtab, or stripped plus a
// System.map / kallsyms dump) and kernel modules (.ko, .ko.xz, .ko.zst), each as named functions.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { parseElf64, ElfError, type ElfFunction } from "../elf/elf64.js";
import { parseSymbolMap, functionsFromSymbolMap, baseFunctionName, SymbolMapError } from "../elf/symbols.js";
import { readObjectFile } from "../elf/object-file.js";

export interface CodeObject {
  /** "vmlinux" or the module's path relative to the searched folder. */
  name: string;
  functions: ElfFunction[];
}

export class ScanInputError extends Error {}

/** A file's bytes, decompressed when it is xz or zstd; a ScanInputError naming the file otherwise. */
export async function readMaybeCompressed(file: string): Promise<Uint8Array> {
  try {
    return await readObjectFile(file);
  } catch (e) {
    throw new ScanInputError((e as Error).message);
  }
}

/** Runs `f` on `file`'s ELF; a malformed file (even one whose damage shows only in its symbols) is a ScanInputError. */
function fromElf<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ElfError || e instanceof SymbolMapError) throw new ScanInputError(`${file}: ${e.message}`);
    throw e;
  }
}

function parse(file: string, data: Uint8Array) {
  return fromElf(file, () => parseElf64(data));
}

/**
 * A vmlinux's .text functions: from its .symtab, else from `symbols` (a System.map or kallsyms
 * dump; gzip'ed when its name ends in .gz, as a harvest saves the boot's).
 */
export async function loadVmlinux(file: string, symbols?: string): Promise<CodeObject> {
  const elf = parse(file, await readMaybeCompressed(file));
  if (elf.hasSymtab && !symbols) return { name: "vmlinux", functions: fromElf(file, () => elf.functionBodies().filter((f) => f.size > 0)) };
  if (!symbols) throw new ScanInputError(`${file} has no symbol table: give --symbols System.map (or a kallsyms dump)`);
  const text = symbolText(symbols);
  return { name: "vmlinux", functions: fromElf(symbols, () => functionsFromSymbolMap(elf, parseSymbolMap(text)).filter((f) => f.size > 0)) };
}

/** Largest symbol file a scan decompresses: a kernel's whole kallsyms text is ~10 MiB. */
const MAX_SYMBOL_TEXT = 64 * 1024 * 1024;

/** A symbol file's text: read, and gunzip'ed (to at most MAX_SYMBOL_TEXT) when its name ends in .gz. */
function symbolText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ScanInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  if (!file.endsWith(".gz")) return bytes.toString("utf8");
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_SYMBOL_TEXT }).toString("utf8");
  } catch (e) {
    const over = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new ScanInputError(over ? `${file}: decompresses to more than the ${MAX_SYMBOL_TEXT >> 20} MiB bound` : `${file}: not gzip data (${(e as Error).message})`);
  }
}

/** One module or relocatable object (`bytes`: its contents, if already read and decompressed). */
export async function loadModule(file: string, name = path.basename(file), bytes?: Uint8Array): Promise<CodeObject> {
  const elf = parse(file, bytes ?? await readMaybeCompressed(file));
  return { name, functions: fromElf(file, () => elf.functionBodies().filter((f) => f.size > 0)) };
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
