// Where `ve-mmio decode` gets its code from: hex text, a raw file, or an ELF's functions.
import { readFileSync } from "node:fs";
import { parseElf64 } from "../elf/elf64.js";
import { parseSymbolMap, functionsFromSymbolMap } from "../elf/symbols.js";

/** A run of code to decode: bytes[start, end) at address ip + start. */
export interface CodeBlock {
  name: string | null;
  ip: bigint;
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** A user-facing input error: printed as one line, exit code 2. */
export class InputError extends Error {}

export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, "").replace(/[\s,:]+/g, "");
  if (clean.length === 0) throw new InputError("no bytes given");
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new InputError(`not hex: ${JSON.stringify(text.slice(0, 40))}`);
  if (clean.length % 2 !== 0) throw new InputError(`odd number of hex digits (${clean.length})`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function parseNumber(text: string, what: string): bigint {
  try {
    const v = BigInt(text.trim());
    if (v < 0n) throw new Error();
    return v;
  } catch {
    throw new InputError(`${what} is not a non-negative number: ${JSON.stringify(text)}`);
  }
}

function readInput(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function rawFileBlock(path: string, ip: bigint, start?: bigint, end?: bigint): CodeBlock {
  const bytes = readInput(path);
  const s = Number(start ?? 0n);
  const e = end === undefined ? bytes.length : Number(end);
  if (s > bytes.length || e > bytes.length || s > e) {
    throw new InputError(`range [${s}, ${e}) is outside the ${bytes.length}-byte file`);
  }
  return { name: null, ip, bytes, start: s, end: e };
}

/** One block per function of an x86-64 ELF (symbols from .symtab, or from a System.map). */
export function elfBlocks(path: string, symbolsPath: string | undefined, section: string | undefined): CodeBlock[] {
  const data = readInput(path);
  let elf;
  try {
    elf = parseElf64(data);
  } catch (e) {
    throw new InputError(`${path}: ${(e as Error).message}`);
  }
  let functions;
  if (symbolsPath) {
    let text: string;
    try {
      text = readFileSync(symbolsPath, "utf8");
    } catch (e) {
      throw new InputError(`cannot read ${symbolsPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      functions = functionsFromSymbolMap(elf, parseSymbolMap(text), section ?? ".text");
    } catch (e) {
      throw new InputError(`${symbolsPath}: ${(e as Error).message}`);
    }
  } else {
    functions = elf.functionBodies().filter((f) => (section ? f.section === section : true));
  }
  if (functions.length === 0) throw new InputError(`${path}: no functions found${section ? ` in ${section}` : ""}`);
  return functions
    .filter((f) => f.size > 0)
    .map((f) => ({ name: f.name, ip: f.addr, bytes: f.bytes, start: 0, end: f.bytes.length }));
}
