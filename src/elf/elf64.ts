/**
 * A small, pure ELF64 reader for little-endian x86-64 files.
 *
 * It handles the three kinds of object a kernel scan meets:
 * - `ET_EXEC`: `vmlinux` (symbol values are virtual addresses),
 * - `ET_DYN`: shared objects and PIEs (symbol values are virtual addresses),
 * - `ET_REL`: kernel modules (`.ko`) and gcc `.o` files (symbol values are
 *   offsets inside the symbol's section, and with `-ffunction-sections` each
 *   function may sit in its own `.text.*` section).
 *
 * The reader takes a `Uint8Array` and uses no Node API, so it also runs in a
 * browser. It never reads outside the buffer: every table and every section
 * is bounds-checked when the file is opened, and any inconsistency throws an
 * {@link ElfError} with a machine-readable {@link ElfErrorCode}.
 *
 * Section bytes and function bytes are zero-copy `subarray` views into the
 * caller's buffer.
 */

// ---------------------------------------------------------------------------
// Constants (from the System V gABI / elf.h)
// ---------------------------------------------------------------------------

/** `e_type` values. */
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

/** `e_machine` of x86-64. */
export const EM_X86_64 = 62;

/** `sh_type` values used by this reader. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;

/** `sh_flags` bits. */
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

/** Special section indices. */
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

/** Symbol types (low 4 bits of `st_info`). */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

/** Symbol bindings (high 4 bits of `st_info`). */
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

const ELF_HEADER_SIZE = 64;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EV_CURRENT = 1;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Why a buffer was rejected. */
export type ElfErrorCode =
  /** Missing the `\x7fELF` magic (or shorter than it). */
  | "not_elf"
  /** `EI_CLASS` is not ELFCLASS64. */
  | "not_elf64"
  /** `EI_DATA` is not ELFDATA2LSB. */
  | "not_little_endian"
  /** `e_machine` is not EM_X86_64 (62). */
  | "not_x86_64"
  /** `e_type` is not ET_REL, ET_EXEC or ET_DYN (e.g. a core dump). */
  | "unsupported_type"
  /** A header field is malformed (version, entry sizes, string table index). */
  | "bad_header"
  /** The ELF header or the section header table runs past the end of the buffer. */
  | "truncated"
  /** A section's data, name or links are inconsistent or outside the buffer. */
  | "bad_section"
  /** A symbol refers to a bad section or lies outside its section. */
  | "bad_symbol"
  /** A string is not NUL-terminated inside its string table. */
  | "bad_string";

/** The one error type thrown by this module; `code` tells why. */
export class ElfError extends Error {
  override readonly name = "ElfError";
  /** Machine-readable reason. */
  readonly code: ElfErrorCode;

  constructor(code: ElfErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Public data shapes
// ---------------------------------------------------------------------------

/** The fields of the ELF header this reader uses. Addresses are `bigint`. */
export interface ElfHeader {
  /** `e_type`: ET_REL, ET_EXEC or ET_DYN. */
  readonly type: number;
  /** `e_machine` (always EM_X86_64 once parsed). */
  readonly machine: number;
  /** `e_entry`. */
  readonly entry: bigint;
  /** `e_phoff`. */
  readonly phoff: number;
  /** `e_shoff`. */
  readonly shoff: number;
  /** `e_flags`. */
  readonly flags: number;
  /** `e_phnum`. */
  readonly phnum: number;
  /** Number of section headers (resolving the extended-numbering escape). */
  readonly shnum: number;
  /** Index of the section-name string table (resolving SHN_XINDEX). */
  readonly shstrndx: number;
}

/** One section header, with its name resolved. */
export interface ElfSection {
  /** Index in the section header table. */
  readonly index: number;
  /** Name from `.shstrtab` (`""` for the null section). */
  readonly name: string;
  /** `sh_type`. */
  readonly type: number;
  /** `sh_flags` (the low 32 bits; all defined flags live there). */
  readonly flags: number;
  /** `sh_addr`: load address (0 in relocatable objects). */
  readonly addr: bigint;
  /** `sh_offset`: file offset of the data. */
  readonly offset: number;
  /** `sh_size` in bytes (for SHT_NOBITS, the memory size). */
  readonly size: number;
  /** `sh_link`. */
  readonly link: number;
  /** `sh_info`. */
  readonly info: number;
  /** `sh_addralign`. */
  readonly addralign: number;
  /** `sh_entsize`. */
  readonly entsize: number;
  /**
   * The section's file contents as a zero-copy view into the input buffer.
   * SHT_NOBITS and SHT_NULL sections have no file contents: they return an
   * empty array.
   */
  bytes(): Uint8Array;
}

/** One symbol table entry, with its name resolved. */
export interface ElfSymbol {
  /** Name from the linked string table (may be `""`). */
  readonly name: string;
  /** `st_value`: a virtual address, or a section offset in ET_REL files. */
  readonly value: bigint;
  /** `st_size` in bytes. */
  readonly size: number;
  /** Symbol type (STT_*). */
  readonly type: number;
  /** Symbol binding (STB_*). */
  readonly bind: number;
  /** Visibility (STV_*, low 2 bits of `st_other`). */
  readonly visibility: number;
  /** Section index (SHN_* for special values; SHN_XINDEX already resolved). */
  readonly shndx: number;
}

/** A defined STT_FUNC symbol, as returned by {@link Elf64File.functions}. */
export interface ElfFunctionSymbol {
  readonly name: string;
  /** `st_value`: a virtual address, or a section offset in ET_REL files. */
  readonly value: bigint;
  readonly size: number;
  /** Index of the section that holds the function. */
  readonly shndx: number;
  /** STB_LOCAL, STB_GLOBAL or STB_WEAK. */
  readonly bind: number;
}

/**
 * A function with its code, the same shape for every file type
 * (see {@link Elf64File.functionBodies}).
 */
export interface ElfFunction {
  readonly name: string;
  /** Name of the section holding the function (e.g. `.text`, `.text.unlikely`, `.text.foo`). */
  readonly section: string;
  /** Index of that section. */
  readonly sectionIndex: number;
  /**
   * Where the function starts: its virtual address in ET_EXEC/ET_DYN files,
   * its offset inside `section` in ET_REL files.
   */
  readonly addr: bigint;
  /** Size in bytes (`st_size`; may be 0 for hand-written assembly without `.size`). */
  readonly size: number;
  /** STB_LOCAL, STB_GLOBAL or STB_WEAK. */
  readonly bind: number;
  /** The function's bytes, a zero-copy view into the input buffer (`size` bytes long). */
  readonly bytes: Uint8Array;
}

/** Which symbol table was used. */
export type SymbolTableKind = "symtab" | "dynsym" | "none";

// ---------------------------------------------------------------------------
// Small pure helpers
// ---------------------------------------------------------------------------

/** Converts a 64-bit field to a number, or throws if it cannot be a buffer offset/size. */
function toSafeNumber(value: bigint, code: ElfErrorCode, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ElfError(code, `${what} 0x${value.toString(16)} is too large`);
  }
  return Number(value);
}

/** True when `[offset, offset + size)` lies inside a buffer of `length` bytes. */
function inBounds(offset: number, size: number, length: number): boolean {
  return offset >= 0 && size >= 0 && offset <= length && size <= length - offset;
}

function hex(n: number | bigint): string {
  return "0x" + n.toString(16);
}

const utf8 = new TextDecoder("utf-8");

/**
 * Reads a NUL-terminated string at `offset` inside `table` (a string table's
 * bytes). Throws `bad_string` when the offset is outside the table or no NUL
 * follows it.
 */
function readCString(table: Uint8Array, offset: number, what: string): string {
  if (offset >= table.length) {
    if (offset === 0 && table.length === 0) return "";
    throw new ElfError("bad_string", `${what}: name offset ${hex(offset)} is outside its string table (${table.length} bytes)`);
  }
  const end = table.indexOf(0, offset);
  if (end < 0) {
    throw new ElfError("bad_string", `${what}: name at ${hex(offset)} is not NUL-terminated`);
  }
  // Names are ASCII in practice; TextDecoder replaces invalid UTF-8, never throws.
  return utf8.decode(table.subarray(offset, end));
}

// ---------------------------------------------------------------------------
// Header parsing
// ---------------------------------------------------------------------------

/** Checks the identification bytes and returns a little-endian view of the header. */
function checkIdent(data: Uint8Array): DataView {
  if (data.length < 4 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) {
    throw new ElfError("not_elf", "not an ELF file: missing \\x7fELF magic");
  }
  if (data.length < 16) {
    throw new ElfError("truncated", `ELF identification truncated: ${data.length} bytes`);
  }
  if (data[4] !== ELFCLASS64) {
    throw new ElfError("not_elf64", `not a 64-bit ELF file: EI_CLASS is ${data[4]}, expected 2 (ELFCLASS64)`);
  }
  if (data[5] !== ELFDATA2LSB) {
    throw new ElfError("not_little_endian", `not a little-endian ELF file: EI_DATA is ${data[5]}, expected 1 (ELFDATA2LSB)`);
  }
  if (data[6] !== EV_CURRENT) {
    throw new ElfError("bad_header", `unknown ELF version ${data[6]} in EI_VERSION`);
  }
  if (data.length < ELF_HEADER_SIZE) {
    throw new ElfError("truncated", `ELF header truncated: ${data.length} bytes, need ${ELF_HEADER_SIZE}`);
  }
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** Reads one raw section header's 64-bit size and 32-bit link (for extended numbering). */
function readSection0(view: DataView, shoff: number): { size: bigint; link: number } {
  return { size: view.getBigUint64(shoff + 32, true), link: view.getUint32(shoff + 40, true) };
}

/** Parses and validates the ELF header (not the tables it points to). */
function parseHeader(data: Uint8Array, view: DataView): ElfHeader {
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) {
    throw new ElfError("not_x86_64", `not an x86-64 ELF file: e_machine is ${machine}, expected ${EM_X86_64} (EM_X86_64)`);
  }
  if (type !== ET_REL && type !== ET_EXEC && type !== ET_DYN) {
    throw new ElfError("unsupported_type", `unsupported ELF type ${type}: expected ET_REL (1), ET_EXEC (2) or ET_DYN (3)`);
  }
  const entry = view.getBigUint64(24, true);
  const phoff = toSafeNumber(view.getBigUint64(32, true), "truncated", "e_phoff");
  const shoff = toSafeNumber(view.getBigUint64(40, true), "truncated", "e_shoff");
  const flags = view.getUint32(48, true);
  const shentsize = view.getUint16(58, true);
  const phnum = view.getUint16(56, true);
  let shnum = view.getUint16(60, true);
  let shstrndx = view.getUint16(62, true);

  if (shoff === 0) {
    // No section headers at all (legal for executables, useless for us).
    return { type, machine, entry, phoff, shoff, flags, phnum, shnum: 0, shstrndx: 0 };
  }
  if (shentsize !== SECTION_HEADER_SIZE) {
    throw new ElfError("bad_header", `e_shentsize is ${shentsize}, expected ${SECTION_HEADER_SIZE}`);
  }
  if (!inBounds(shoff, SECTION_HEADER_SIZE, data.length)) {
    throw new ElfError("truncated", `section header table at ${hex(shoff)} is past the end of the file (${data.length} bytes)`);
  }
  // Extended numbering: the real counts live in section 0.
  if (shnum === 0 || shstrndx === SHN_XINDEX) {
    const s0 = readSection0(view, shoff);
    if (shnum === 0) shnum = toSafeNumber(s0.size, "bad_header", "extended e_shnum");
    if (shstrndx === SHN_XINDEX) shstrndx = s0.link;
  }
  if (!inBounds(shoff, shnum * SECTION_HEADER_SIZE, data.length)) {
    throw new ElfError(
      "truncated",
      `section header table (${shnum} entries at ${hex(shoff)}) runs past the end of the file (${data.length} bytes)`,
    );
  }
  if (shnum > 0 && shstrndx >= shnum) {
    throw new ElfError("bad_header", `e_shstrndx ${shstrndx} is out of range (${shnum} sections)`);
  }
  return { type, machine, entry, phoff, shoff, flags, phnum, shnum, shstrndx };
}

// ---------------------------------------------------------------------------
// Section parsing
// ---------------------------------------------------------------------------

interface RawSection {
  nameOffset: number;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

function readRawSection(view: DataView, at: number, index: number): RawSection {
  const what = `section [${index}]`;
  return {
    nameOffset: view.getUint32(at, true),
    type: view.getUint32(at + 4, true),
    flags: Number(view.getBigUint64(at + 8, true) & 0xffffffffn),
    addr: view.getBigUint64(at + 16, true),
    offset: toSafeNumber(view.getBigUint64(at + 24, true), "bad_section", `${what} sh_offset`),
    size: toSafeNumber(view.getBigUint64(at + 32, true), "bad_section", `${what} sh_size`),
    link: view.getUint32(at + 40, true),
    info: view.getUint32(at + 44, true),
    addralign: toSafeNumber(view.getBigUint64(at + 48, true), "bad_section", `${what} sh_addralign`),
    entsize: toSafeNumber(view.getBigUint64(at + 56, true), "bad_section", `${what} sh_entsize`),
  };
}

/** True when a section type occupies bytes in the file. */
function hasFileData(type: number): boolean {
  return type !== SHT_NOBITS && type !== SHT_NULL;
}

function parseSections(data: Uint8Array, view: DataView, header: ElfHeader): ElfSection[] {
  const raws: RawSection[] = [];
  for (let i = 0; i < header.shnum; i++) {
    const raw = readRawSection(view, header.shoff + i * SECTION_HEADER_SIZE, i);
    if (hasFileData(raw.type) && !inBounds(raw.offset, raw.size, data.length)) {
      throw new ElfError(
        "bad_section",
        `section [${i}] data ${hex(raw.offset)}+${hex(raw.size)} lies outside the file (${data.length} bytes)`,
      );
    }
    raws.push(raw);
  }
  if (raws.length === 0) return [];

  const empty = data.subarray(0, 0);
  // e_shstrndx == SHN_UNDEF means the file has no section names.
  const shstr = header.shstrndx === SHN_UNDEF ? undefined : raws[header.shstrndx]!;
  if (shstr !== undefined && shstr.type !== SHT_STRTAB) {
    throw new ElfError("bad_section", `section-name table [${header.shstrndx}] is not SHT_STRTAB (type ${shstr.type})`);
  }
  const names = shstr === undefined ? undefined : data.subarray(shstr.offset, shstr.offset + shstr.size);

  return raws.map((raw, index) => {
    const name = names === undefined ? "" : readCString(names, raw.nameOffset, `section [${index}]`);
    const start = raw.offset;
    const end = raw.offset + raw.size;
    const withData = hasFileData(raw.type);
    return {
      index,
      name,
      type: raw.type,
      flags: raw.flags,
      addr: raw.addr,
      offset: raw.offset,
      size: raw.size,
      link: raw.link,
      info: raw.info,
      addralign: raw.addralign,
      entsize: raw.entsize,
      bytes: () => (withData ? data.subarray(start, end) : empty),
    };
  });
}

// ---------------------------------------------------------------------------
// Symbol parsing
// ---------------------------------------------------------------------------

/** Validates a symbol table section and its string table; returns the string table bytes. */
function symbolTableStrings(sections: readonly ElfSection[], symtab: ElfSection): Uint8Array {
  if (symtab.entsize !== SYMBOL_SIZE) {
    throw new ElfError("bad_section", `${symtab.name} [${symtab.index}] has sh_entsize ${symtab.entsize}, expected ${SYMBOL_SIZE}`);
  }
  if (symtab.size % SYMBOL_SIZE !== 0) {
    throw new ElfError("bad_section", `${symtab.name} [${symtab.index}] size ${symtab.size} is not a multiple of ${SYMBOL_SIZE}`);
  }
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    throw new ElfError("bad_section", `${symtab.name} [${symtab.index}] links to [${symtab.link}], which is not a string table`);
  }
  return strtab.bytes();
}

/** Finds the SHT_SYMTAB_SHNDX table attached to `symtab`, if any. */
function extendedIndexTable(sections: readonly ElfSection[], symtab: ElfSection): DataView | undefined {
  const shndx = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
  if (shndx === undefined) return undefined;
  if (shndx.size < (symtab.size / SYMBOL_SIZE) * 4) {
    throw new ElfError("bad_section", `${shndx.name} [${shndx.index}] is too small for ${symtab.name}`);
  }
  const b = shndx.bytes();
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function parseSymbols(sections: readonly ElfSection[], symtab: ElfSection): ElfSymbol[] {
  const strings = symbolTableStrings(sections, symtab);
  const xindex = extendedIndexTable(sections, symtab);
  const bytes = symtab.bytes();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = symtab.size / SYMBOL_SIZE;
  const symbols: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * SYMBOL_SIZE;
    const info = view.getUint8(at + 4);
    let shndx = view.getUint16(at + 6, true);
    if (shndx === SHN_XINDEX && xindex !== undefined) shndx = xindex.getUint32(i * 4, true);
    const rawSize = view.getBigUint64(at + 16, true);
    symbols[i] = {
      name: readCString(strings, view.getUint32(at, true), `${symtab.name} symbol ${i}`),
      value: view.getBigUint64(at + 8, true),
      size: toSafeNumber(rawSize, "bad_symbol", `${symtab.name} symbol ${i} st_size`),
      type: info & 0xf,
      bind: info >> 4,
      visibility: view.getUint8(at + 5) & 0x3,
      shndx,
    };
  }
  return symbols;
}

/** True for a section index that names a real section (not UNDEF/ABS/COMMON/...). */
function isRegularIndex(shndx: number): boolean {
  return shndx !== SHN_UNDEF && (shndx < SHN_LORESERVE || shndx > SHN_XINDEX);
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// The file object
// ---------------------------------------------------------------------------

/**
 * A parsed ELF64 x86-64 file. Create it with {@link parseElf64}.
 * The header and section table are parsed eagerly; symbols on first use.
 */
export class Elf64File {
  /** The buffer this file was parsed from (section and function bytes are views into it). */
  readonly data: Uint8Array;
  readonly header: ElfHeader;
  /** All section headers, in table order (index 0 is the null section). */
  readonly sections: readonly ElfSection[];
  #symbols: readonly ElfSymbol[] | undefined;
  #symbolTable: SymbolTableKind | undefined;

  /** Parses `data`; throws {@link ElfError} on any malformed input. */
  constructor(data: Uint8Array) {
    const view = checkIdent(data);
    this.data = data;
    this.header = parseHeader(data, view);
    this.sections = parseSections(data, view, this.header);
  }

  /** True for ET_REL files (`.o`, `.ko`), whose symbol values are section offsets. */
  get isRelocatable(): boolean {
    return this.header.type === ET_REL;
  }

  /** The first section called `name`, or `undefined`. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** True when the file has a full `.symtab` (i.e. it is not stripped). */
  get hasSymtab(): boolean {
    return this.sections.some((s) => s.type === SHT_SYMTAB);
  }

  /** Which table {@link symbols} came from: `.symtab`, else `.dynsym`, else none. */
  get symbolTable(): SymbolTableKind {
    this.symbols();
    return this.#symbolTable!;
  }

  /**
   * All entries of `.symtab` (falling back to `.dynsym` when the file is
   * stripped), in table order, including the null symbol at index 0.
   * Returns `[]` if the file has neither.
   */
  symbols(): readonly ElfSymbol[] {
    if (this.#symbols === undefined) {
      const symtab =
        this.sections.find((s) => s.type === SHT_SYMTAB) ?? this.sections.find((s) => s.type === SHT_DYNSYM);
      this.#symbolTable = symtab === undefined ? "none" : symtab.type === SHT_SYMTAB ? "symtab" : "dynsym";
      this.#symbols = symtab === undefined ? [] : parseSymbols(this.sections, symtab);
    }
    return this.#symbols;
  }

  /**
   * The defined STT_FUNC symbols (undefined/imported ones are skipped).
   * Sorted by address for ET_EXEC/ET_DYN, by (section index, offset) for
   * ET_REL, then by name. Aliases (several names at one address) are all kept.
   */
  functions(): ElfFunctionSymbol[] {
    const funcs: ElfFunctionSymbol[] = [];
    for (const sym of this.symbols()) {
      if (sym.type !== STT_FUNC || !isRegularIndex(sym.shndx)) continue;
      if (sym.shndx >= this.sections.length) {
        throw new ElfError("bad_symbol", `function ${sym.name} refers to section [${sym.shndx}], but there are ${this.sections.length}`);
      }
      funcs.push({ name: sym.name, value: sym.value, size: sym.size, shndx: sym.shndx, bind: sym.bind });
    }
    const byAddress = (a: ElfFunctionSymbol, b: ElfFunctionSymbol) => compareBigint(a.value, b.value);
    const bySection = (a: ElfFunctionSymbol, b: ElfFunctionSymbol) => a.shndx - b.shndx;
    const byName = (a: ElfFunctionSymbol, b: ElfFunctionSymbol) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return funcs.sort((a, b) =>
      this.isRelocatable ? bySection(a, b) || byAddress(a, b) || byName(a, b) : byAddress(a, b) || byName(a, b),
    );
  }

  /**
   * Every function with its bytes, in the order of {@link functions}, in one
   * shape for all file types: `addr` is the virtual address (ET_EXEC/ET_DYN)
   * or the offset inside `section` (ET_REL), and `bytes` is a zero-copy view.
   *
   * Throws `bad_symbol` when a function lies outside its section or sits in a
   * section without file data (SHT_NOBITS).
   */
  functionBodies(): ElfFunction[] {
    return this.functions().map((f) => this.functionBody(f));
  }

  /** The bytes and section of one function symbol (see {@link functionBodies}). */
  functionBody(f: ElfFunctionSymbol): ElfFunction {
    const sec = this.sections[f.shndx];
    if (sec === undefined) {
      throw new ElfError("bad_symbol", `function ${f.name} refers to section [${f.shndx}], but there are ${this.sections.length}`);
    }
    if (!hasFileData(sec.type)) {
      throw new ElfError("bad_symbol", `function ${f.name} is in section ${sec.name} [${sec.index}], which has no file data`);
    }
    const rel = this.isRelocatable ? f.value : f.value - sec.addr;
    if (rel < 0n || rel > BigInt(sec.size) || f.size > sec.size - Number(rel)) {
      throw new ElfError(
        "bad_symbol",
        `function ${f.name} (${hex(f.value)}+${hex(f.size)}) lies outside its section ${sec.name} [${sec.index}]`,
      );
    }
    const start = Number(rel);
    return {
      name: f.name,
      section: sec.name,
      sectionIndex: sec.index,
      addr: f.value,
      size: f.size,
      bind: f.bind,
      bytes: sec.bytes().subarray(start, start + f.size),
    };
  }

  /**
   * The section with file data containing virtual address `addr`
   * (ET_EXEC/ET_DYN only; SHF_ALLOC sections), or `undefined`.
   */
  sectionAt(addr: bigint): ElfSection | undefined {
    return this.sections.find(
      (s) => (s.flags & SHF_ALLOC) !== 0 && hasFileData(s.type) && addr >= s.addr && addr < s.addr + BigInt(s.size),
    );
  }
}

/**
 * Parses an ELF64 little-endian x86-64 file (ET_REL, ET_EXEC or ET_DYN).
 * Throws {@link ElfError} on anything malformed; never reads outside `data`.
 */
export function parseElf64(data: Uint8Array): Elf64File {
  return new Elf64File(data);
}
