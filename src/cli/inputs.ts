// Where `ve-mmio decode` gets its code from: hex text, a raw file (read in chunks, so its size does
// not matter), or an ELF's functions (a compressed module is decompressed first).
import { openSync, readSync, closeSync, fstatSync, readFileSync } from "node:fs";
import { parseElf64, ElfError } from "../elf/elf64.js";
import { parseSymbolMap, functionsFromSymbolMap, SymbolMapError } from "../elf/symbols.js";
import { readObjectFile, ObjectFileError } from "../elf/object-file.js";
import { DwarfError } from "../elf/dwarf.js";

/**
 * A run of code to decode: instructions start in [start, end) of `bytes`, at address ip + offset;
 * an instruction may read on past `end` up to bytes.length (the next chunk of a file).
 * `continued` marks the next chunk of the same file: its first instruction begins where the
 * previous chunk's last one ended (`start` is then that carry).
 */
export interface CodeBlock {
  name: string | null;
  ip: bigint;
  bytes: Uint8Array;
  start: number;
  end: number;
  continued?: boolean;
}

/** A user-facing input error: printed as one line, exit code 2. */
export class InputError extends Error {}

/** Errors that mean "this input is malformed" (not a bug of ours): exit 2 like InputError. */
export function isInputError(e: unknown): e is Error {
  return e instanceof InputError || e instanceof ElfError || e instanceof SymbolMapError || e instanceof DwarfError || e instanceof ObjectFileError;
}

/** Runs `f`, naming `file` in any input error it throws. */
export function about<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ElfError || e instanceof SymbolMapError || e instanceof DwarfError) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/**
 * Hex bytes: tokens separated by spaces, commas or colons, each optionally "0x"-prefixed
 * ("8b 87", "0x8b,0x87", "8b87"). Anything else is refused, never skipped.
 */
export function parseHex(text: string): Uint8Array {
  const raw = text.split(/[\s,:]+/).filter(Boolean);
  const tokens = raw.map((t) => t.replace(/^0x/i, ""));
  const clean = tokens.join("");
  if (raw.length === 0) throw new InputError("no bytes given");
  const bad = raw.find((_, i) => !/^[0-9a-fA-F]+$/.test(tokens[i]));
  if (bad !== undefined) throw new InputError(`not hex: ${JSON.stringify(bad.slice(0, 40))}`);
  if (clean.length % 2 !== 0) throw new InputError(`odd number of hex digits (${clean.length})`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** A number (decimal, 0x hex, 0o, 0b) in [0, 2^bits). */
export function parseNumber(text: string, what: string, bits = 64): bigint {
  let v: bigint;
  try {
    if (text.trim() === "") throw new Error();
    v = BigInt(text.trim());
  } catch {
    throw new InputError(`${what} is not a number: ${JSON.stringify(text)}`);
  }
  if (v < 0n || v >= 1n << BigInt(bits)) throw new InputError(`${what} must be in [0, 2^${bits}): ${text}`);
  return v;
}

/** Bytes per chunk of a raw file; each chunk also carries the 14 bytes an instruction can reach past it. */
export const FILE_CHUNK = 1 << 20;
const LOOKAHEAD = 14;

/**
 * A raw file's [start, end) in chunks of FILE_CHUNK bytes: only one chunk is in memory at a time.
 * The range is checked before the first chunk is yielded.
 */
export function rawFileBlocks(path: string, ip: bigint, start?: bigint, end?: bigint): { blocks: Iterable<CodeBlock>; length: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const size = fstatSync(fd).size;
  const s = start === undefined ? 0 : Number(start);
  const e = end === undefined ? size : Number(end);
  if (s > size || e > size || s > e) {
    closeSync(fd);
    throw new InputError(`range [${start ?? 0n}, ${end ?? BigInt(size)}) is outside the ${size}-byte file`);
  }
  const blocks = (function* () {
    try {
      for (let pos = s, first = true; pos < e; pos += FILE_CHUNK, first = false) {
        const body = Math.min(FILE_CHUNK, e - pos);
        const bytes = new Uint8Array(Math.min(body + LOOKAHEAD, e - pos));
        let got = 0;
        while (got < bytes.length) {
          const n = readSync(fd, bytes, got, bytes.length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        yield { name: null, ip: ip + BigInt(pos - s), bytes: bytes.subarray(0, got), start: 0, end: Math.min(body, got), continued: !first };
      }
    } finally {
      closeSync(fd);
    }
  })();
  return { blocks, length: e - s };
}

/** One block per function of an x86-64 ELF (symbols from .symtab, or from a System.map). */
export async function elfBlocks(path: string, symbolsPath: string | undefined, section: string | undefined): Promise<CodeBlock[]> {
  const bytes = await readObjectFile(path);
  const elf = about(path, () => parseElf64(bytes));
  let functions;
  if (symbolsPath) {
    let text: string;
    try {
      text = readFileSync(symbolsPath, "utf8");
    } catch (e) {
      throw new InputError(`cannot read ${symbolsPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    functions = about(symbolsPath, () => functionsFromSymbolMap(elf, parseSymbolMap(text), section ?? ".text"));
  } else {
    if (!elf.hasSymtab) throw new InputError(`${path} has no symbol table: give --symbols System.map (or a kallsyms dump)`);
    functions = about(path, () => elf.functionBodies().filter((f) => (section ? f.section === section : true)));
  }
  functions = functions.filter((f) => f.size > 0);
  if (functions.length === 0) throw new InputError(`${path}: no functions found${section ? ` in ${section}` : ""}`);
  return functions.map((f) => ({ name: f.name, ip: f.addr, bytes: f.bytes, start: 0, end: f.bytes.length }));
}
