/**
 * Kernel symbol maps: Linux `System.map` files and `/proc/kallsyms` dumps.
 *
 * A stripped `vmlinux` (such as the one inside Debian's `vmlinuz`) has no
 * `.symtab`, but its `System.map` lists every symbol's address. Taking the
 * text symbols inside a section and bounding each one by the next symbol's
 * start (the section end bounds the last one) gives the function ranges
 * needed to decode the kernel function by function.
 *
 * Pure: no Node API, works in a browser.
 */

import { type Elf64File, type ElfFunction, STB_GLOBAL, STB_LOCAL, STB_WEAK } from "./elf64.js";

/** One line of a System.map / kallsyms file. */
export interface MapSymbol {
  /** The symbol's address. */
  readonly addr: bigint;
  /** The `nm`-style type letter (`T`, `t`, `W`, `D`, `b`, ...). */
  readonly type: string;
  readonly name: string;
  /** The module name from kallsyms' trailing `[module]` column, if any. */
  readonly module?: string;
}

/** A function's extent derived from a symbol map (see {@link deriveFunctionRanges}). */
export interface FunctionRange {
  /** The preferred name among the symbols at this address. */
  readonly name: string;
  /** Other symbols at the same address (aliases), in map order. */
  readonly aliases: readonly string[];
  /** The type letter of `name`. */
  readonly type: string;
  /** Start address (inclusive). */
  readonly start: bigint;
  /** End address (exclusive): the next symbol's start, or the section end. */
  readonly end: bigint;
  /** `end - start` in bytes. */
  readonly size: number;
}

/** Why a symbol map was rejected. */
export type SymbolMapErrorCode =
  /** A line is not `ADDRESS TYPE NAME [MODULE]`. */
  | "bad_line"
  /** Every address is zero: kallsyms read without privileges (kptr_restrict). */
  | "addresses_hidden"
  /** Debian's stand-in file that points to the -dbg package instead of listing symbols. */
  | "placeholder"
  /** A range request that makes no sense (end before start, or no section data). */
  | "bad_range";

/** The error thrown by this module; `code` tells why. */
export class SymbolMapError extends Error {
  override readonly name = "SymbolMapError";
  readonly code: SymbolMapErrorCode;
  /** 1-based line number, for `bad_line`. */
  readonly line: number | undefined;

  constructor(code: SymbolMapErrorCode, message: string, line?: number) {
    super(message);
    this.code = code;
    this.line = line;
  }
}

const LINE = /^([0-9a-fA-F]{1,16})\s+([A-Za-z?-])\s+(\S+)(?:\s+\[([^\]\s]+)\])?\s*$/;
const PLACEHOLDER = /The real System\.map is in/;
/** `nm` prints undefined symbols without an address ("   U foo"); they have no place in a map. */
const UNDEFINED_LINE = /^[Uwv]\s+\S+$/;

/** Parses one non-blank line; returns `undefined` when it does not match the format. */
function parseLine(line: string): MapSymbol | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const [, addr, type, name, module] = m;
  const sym: MapSymbol = { addr: BigInt("0x" + addr), type: type!, name: name! };
  return module === undefined ? sym : { ...sym, module };
}

/**
 * Parses a `System.map` or a `/proc/kallsyms` dump into symbols sorted by
 * address (stable: symbols at one address keep their file order).
 *
 * Also accepts plain `nm -n` output: its address-less lines (undefined
 * symbols) are skipped.
 *
 * Throws {@link SymbolMapError}: `bad_line` on a malformed line,
 * `placeholder` on Debian's stub System.map, `addresses_hidden` when every
 * address is zero (kallsyms read by an unprivileged user).
 */
export function parseSymbolMap(text: string): MapSymbol[] {
  if (PLACEHOLDER.test(text)) {
    throw new SymbolMapError("placeholder", "this System.map is a placeholder: the real one is in the linux-image-*-dbg package");
  }
  const symbols: MapSymbol[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || UNDEFINED_LINE.test(line)) continue;
    const sym = parseLine(line);
    if (sym === undefined) {
      throw new SymbolMapError("bad_line", `line ${i + 1} is not "ADDRESS TYPE NAME [MODULE]": ${line.slice(0, 80)}`, i + 1);
    }
    symbols.push(sym);
  }
  if (symbols.length > 0 && symbols.every((s) => s.addr === 0n)) {
    throw new SymbolMapError("addresses_hidden", "every address is 0: kallsyms was read without privileges (see kptr_restrict)");
  }
  return symbols.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

/** True for the type letters of code symbols: `T`/`t` (text) and `W`/`w` (weak, text in practice). */
export function isTextSymbolType(type: string): boolean {
  return type === "T" || type === "t" || type === "W" || type === "w";
}

/** The code symbols of `symbols` (see {@link isTextSymbolType}), order kept. */
export function textSymbols(symbols: readonly MapSymbol[]): MapSymbol[] {
  return symbols.filter((s) => isTextSymbolType(s.type));
}

/** Preference when several symbols share an address: global, weak, then local. */
function typeRank(type: string): number {
  return "TWtw".indexOf(type);
}

/** Options for {@link deriveFunctionRanges}. */
export interface RangeOptions {
  /**
   * Which symbols to use: `undefined` (default) uses only symbols without a
   * `[module]` column (the core kernel); a string uses only that module's.
   */
  readonly module?: string;
}

/**
 * Derives function ranges inside the section `[sectionStart, sectionEnd)`
 * from the text symbols of `symbols`: each range starts at a symbol and ends
 * where the next symbol starts, the last one at `sectionEnd`. Symbols at one
 * address become one range (the global name preferred, others in `aliases`).
 * `symbols` need not be sorted.
 */
export function deriveFunctionRanges(
  symbols: readonly MapSymbol[],
  sectionStart: bigint,
  sectionEnd: bigint,
  options: RangeOptions = {},
): FunctionRange[] {
  if (sectionEnd < sectionStart) {
    throw new SymbolMapError("bad_range", `section end 0x${sectionEnd.toString(16)} is before its start 0x${sectionStart.toString(16)}`);
  }
  const inSection = symbols
    .filter((s) => isTextSymbolType(s.type) && s.module === options.module)
    .filter((s) => s.addr >= sectionStart && s.addr < sectionEnd)
    .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));

  const ranges: FunctionRange[] = [];
  let i = 0;
  while (i < inSection.length) {
    const start = inSection[i]!.addr;
    let j = i;
    while (j < inSection.length && inSection[j]!.addr === start) j++;
    const group = inSection.slice(i, j);
    const primary = group.reduce((best, s) => (typeRank(s.type) < typeRank(best.type) ? s : best));
    const end = j < inSection.length ? inSection[j]!.addr : sectionEnd;
    ranges.push({
      name: primary.name,
      aliases: group.filter((s) => s !== primary).map((s) => s.name),
      type: primary.type,
      start,
      end,
      size: Number(end - start),
    });
    i = j;
  }
  return ranges;
}

function bindingOf(type: string): number {
  if (type === "W" || type === "w") return STB_WEAK;
  return type === "T" ? STB_GLOBAL : STB_LOCAL;
}

/**
 * Function-by-function view of a (possibly stripped) ET_EXEC file using a
 * symbol map: the ranges of {@link deriveFunctionRanges} over the named
 * section, in the same shape as `Elf64File.functionBodies()`, with zero-copy
 * `bytes`. Throws `bad_range` if the section is missing or has no file data.
 */
export function functionsFromSymbolMap(
  elf: Elf64File,
  symbols: readonly MapSymbol[],
  sectionName = ".text",
): ElfFunction[] {
  const sec = elf.section(sectionName);
  if (sec === undefined || sec.bytes().length !== sec.size) {
    throw new SymbolMapError("bad_range", `the file has no section ${sectionName} with file data`);
  }
  const data = sec.bytes();
  const ranges = deriveFunctionRanges(symbols, sec.addr, sec.addr + BigInt(sec.size));
  return ranges.map((r) => {
    const offset = Number(r.start - sec.addr);
    return {
      name: r.name,
      section: sec.name,
      sectionIndex: sec.index,
      addr: r.start,
      size: r.size,
      bind: bindingOf(r.type),
      bytes: data.subarray(offset, offset + r.size),
    };
  });
}

/**
 * Suffixes GCC and Clang give to the clones and split-off parts of a function:
 * `.cold` (hot/cold splitting), `.isra.N`, `.constprop.N`, `.part.N`,
 * `.lto_priv.N`, `.localalias`, `.llvm.N` (ThinLTO promotion).
 */
const CLONE_SUFFIX = /\.(?:cold|isra|constprop|part|lto_priv|localalias|llvm)(?:\.\d+)?$/;

/**
 * Maps a compiler clone's symbol to the function it belongs to, by stripping
 * clone suffixes until none is left: `foo.cold` → `foo`,
 * `foo.isra.0.cold` → `foo`, `foo.constprop.3` → `foo`, `foo` → `foo`.
 */
export function baseFunctionName(name: string): string {
  let base = name;
  for (;;) {
    const stripped = base.replace(CLONE_SUFFIX, "");
    if (stripped === base || stripped === "") return base;
    base = stripped;
  }
}
