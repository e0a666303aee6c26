// Just enough DWARF (versions 2-5, 64-bit ELF, little-endian) to answer one question: into which
// functions was an inlined function inlined? Reads .debug_info with .debug_abbrev, .debug_str,
// .debug_line_str and .debug_str_offsets (or their .dwo twins in a split-DWARF file), every unit type of DWARF 5 (compile, partial, type,
// skeleton, split) and every attribute form, and in a relocatable file (a module's .ko, a .o) first
// applies the RELA relocations of those sections, since there the offsets the units hold between
// sections (abbreviation tables, strings, references) are relocations with zero in the bytes.
// Pure (bytes in), never reads outside the sections; anything malformed is a DwarfError.
import { type Elf64File, type ElfSection, ElfError } from "./elf64.js";

export class DwarfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DwarfError";
  }
}

const TAG_SUBPROGRAM = 0x2e;
const TAG_INLINED_SUBROUTINE = 0x1d;
const AT_NAME = 0x03;
const AT_ABSTRACT_ORIGIN = 0x31;
const AT_SPECIFICATION = 0x47;
const AT_STR_OFFSETS_BASE = 0x72;
const SHT_RELA = 4;
const SHF_COMPRESSED = 0x800;

interface AttrSpec { at: number; form: number; implicit: bigint }
interface Abbrev { tag: number; children: boolean; attrs: AttrSpec[] }

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, pos = 0, readonly end = b.length) {
    this.pos = pos;
  }
  private need(n: number): void {
    if (!(n >= 0) || this.pos + n > this.end) throw new DwarfError(`truncated DWARF data at 0x${this.pos.toString(16)}`);
  }
  u8(): number { this.need(1); return this.b[this.pos++]; }
  u16(): number { this.need(2); const v = this.b[this.pos] | (this.b[this.pos + 1] << 8); this.pos += 2; return v; }
  u24(): number { const lo = this.u16(); return lo + this.u8() * 0x10000; }
  u32(): number {
    this.need(4);
    const v = (this.b[this.pos] | (this.b[this.pos + 1] << 8) | (this.b[this.pos + 2] << 16)) + this.b[this.pos + 3] * 0x1000000;
    this.pos += 4;
    return v;
  }
  u64(): number { const lo = this.u32(); const hi = this.u32(); return hi * 0x100000000 + lo; }
  uleb(): number {
    let result = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new DwarfError("LEB128 number longer than 10 bytes");
  }
  sleb(): bigint {
    let result = 0n, shift = 0n, byte = 0;
    for (let i = 0; ; i++) {
      if (i === 10) throw new DwarfError("LEB128 number longer than 10 bytes");
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
    }
    if (byte & 0x40) result -= 1n << shift;
    return result;
  }
  skip(n: number): void { this.need(n); this.pos += n; }
  cstring(): string {
    const start = this.pos;
    while (this.pos < this.end && this.b[this.pos] !== 0) this.pos++;
    if (this.pos >= this.end) throw new DwarfError("unterminated DWARF string");
    return utf8.decode(this.b.subarray(start, this.pos++));
  }
}

const utf8 = new TextDecoder();

function parseAbbrevs(section: Uint8Array, offset: number): Map<number, Abbrev> {
  if (!(offset < section.length)) throw new DwarfError(`abbreviation table offset 0x${offset.toString(16)} is outside .debug_abbrev`);
  const r = new Reader(section, offset);
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) return table;
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const attrs: AttrSpec[] = [];
    for (;;) {
      const at = r.uleb(), form = r.uleb();
      const implicit = form === 0x21 ? r.sleb() : 0n;
      if (at === 0 && form === 0) break;
      attrs.push({ at, form, implicit });
    }
    table.set(code, { tag, children, attrs });
  }
}

function cstringAt(section: Uint8Array | undefined, offset: number): string | null {
  if (!section || !(offset < section.length)) return null;
  const end = section.indexOf(0, offset);
  return utf8.decode(section.subarray(offset, end < 0 ? section.length : end));
}

interface Strings { str?: Uint8Array; line?: Uint8Array; offsets?: Uint8Array }
interface Unit { offset: number; version: number; addrSize: number; offset64: boolean; strOffsetsBase: number }

/** A name given as an index into .debug_str_offsets (DW_FORM_strx*), resolved with the unit's base. */
function strx(index: number, unit: Unit, strs: Strings): string | null {
  const size = unit.offset64 ? 8 : 4;
  const at = unit.strOffsetsBase + index * size;
  if (!strs.offsets || !(at + size <= strs.offsets.length)) return null;
  const r = new Reader(strs.offsets, at);
  return cstringAt(strs.str, size === 8 ? r.u64() : r.u32());
}

/** Reads one attribute value: names as strings, references as absolute .debug_info offsets, section offsets as numbers. */
function readForm(r: Reader, form: number, unit: Unit, strs: Strings, implicit: bigint, indirect = false): string | number | null {
  const off = () => (unit.offset64 ? r.u64() : r.u32());
  switch (form) {
    case 0x01: r.skip(unit.addrSize); return null;                  // addr
    case 0x0b: case 0x29: r.skip(1); return null;                   // data1, addrx1
    case 0x05: case 0x2a: r.skip(2); return null;                   // data2, addrx2
    case 0x11: return unit.offset + r.u8();                         // ref1
    case 0x12: return unit.offset + r.u16();                        // ref2
    case 0x2b: r.skip(3); return null;                              // addrx3
    case 0x06: case 0x2c: case 0x1c: r.skip(4); return null;        // data4, addrx4, ref_sup4
    case 0x07: case 0x20: case 0x24: r.skip(8); return null;        // data8, ref_sig8, ref_sup8
    case 0x1e: r.skip(16); return null;                             // data16
    case 0x0d: r.sleb(); return null;                               // sdata
    case 0x0f: case 0x1b: case 0x22: case 0x23: case 0x1f01: r.uleb(); return null; // udata, addrx, loclistx, rnglistx, GNU_addr_index
    case 0x25: return strx(r.u8(), unit, strs);                     // strx1
    case 0x26: return strx(r.u16(), unit, strs);                    // strx2
    case 0x27: return strx(r.u24(), unit, strs);                    // strx3
    case 0x28: return strx(r.u32(), unit, strs);                    // strx4
    case 0x1a: case 0x1f02: return strx(r.uleb(), unit, strs);      // strx, GNU_str_index
    case 0x08: return r.cstring();                                  // string
    case 0x0e: return cstringAt(strs.str, off());                   // strp
    case 0x1f: return cstringAt(strs.line, off());                  // line_strp
    case 0x17: return off();                                        // sec_offset
    case 0x1d: case 0x1f20: case 0x1f21: off(); return null;        // strp_sup, GNU_ref_alt, GNU_strp_alt
    case 0x0c: r.skip(1); return null;                              // flag
    case 0x19: return null;                                         // flag_present
    case 0x21: return Number(implicit);                             // implicit_const
    case 0x13: return unit.offset + r.u32();                        // ref4
    case 0x14: return unit.offset + r.u64();                        // ref8
    case 0x15: return unit.offset + r.uleb();                       // ref_udata
    case 0x10: return unit.version <= 2 ? (unit.addrSize === 8 ? r.u64() : r.u32()) : off(); // ref_addr
    case 0x0a: r.skip(r.u8()); return null;                         // block1
    case 0x03: r.skip(r.u16()); return null;                        // block2
    case 0x04: r.skip(r.u32()); return null;                        // block4
    case 0x09: case 0x18: r.skip(r.uleb()); return null;            // block, exprloc
    case 0x16:                                                      // indirect
      if (indirect) throw new DwarfError("DW_FORM_indirect names DW_FORM_indirect");
      return readForm(r, r.uleb(), unit, strs, implicit, true);
    default: throw new DwarfError(`unsupported DWARF form 0x${form.toString(16)}`);
  }
}

/**
 * The bytes of debug section `name`, with the file's RELA relocations for it applied when the file
 * is relocatable (on a copy: the caller's buffer is not changed).
 */
function debugSection(elf: Elf64File, name: string): Uint8Array | undefined {
  const sec = elf.section(name) ?? elf.section(name + ".dwo"); // a split unit's .dwo names them so
  if (!sec) return undefined;
  if ((sec.flags & SHF_COMPRESSED) !== 0) throw new DwarfError(`${name} is compressed (SHF_COMPRESSED): decompress it first (objcopy --decompress-debug-sections)`);
  const relas = elf.isRelocatable ? elf.sections.filter((s) => s.type === SHT_RELA && s.info === sec.index) : [];
  if (relas.length === 0) return sec.bytes();
  const out = sec.bytes().slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const rela of relas) applyRela(elf, rela, view, name);
  return out;
}

const R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_32 = 10, R_X86_64_32S = 11;

function applyRela(elf: Elf64File, rela: ElfSection, target: DataView, name: string): void {
  if (rela.entsize !== 24 || rela.size % 24 !== 0) throw new DwarfError(`${rela.name}: bad relocation entry size`);
  const symbols = elf.symbols();
  const b = rela.bytes();
  const r = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 0; at < b.length; at += 24) {
    const offset = r.getBigUint64(at, true);
    const info = r.getBigUint64(at + 8, true);
    const addend = r.getBigInt64(at + 16, true);
    const type = Number(info & 0xffffffffn);
    const sym = symbols[Number(info >> 32n)];
    if (type === R_X86_64_NONE) continue;
    if (!sym) throw new DwarfError(`${rela.name}: relocation ${at / 24} names symbol ${info >> 32n}, which does not exist`);
    const value = BigInt.asUintN(64, sym.value + addend);
    const size = type === R_X86_64_64 ? 8 : type === R_X86_64_32 || type === R_X86_64_32S ? 4 : 0;
    if (size === 0) throw new DwarfError(`${rela.name}: relocation type ${type} is not one debug sections use`);
    if (offset + BigInt(size) > BigInt(target.byteLength)) throw new DwarfError(`${rela.name}: relocation ${at / 24} at 0x${offset.toString(16)} is outside ${name}`);
    if (size === 8) target.setBigUint64(Number(offset), value, true);
    else target.setUint32(Number(offset), Number(value & 0xffffffffn), true);
  }
}

/** What the DWARF says about functions: every function name it knows, and where inline ones were inlined. */
export interface Inlining {
  /** For each inlined function name, the names of the functions it was inlined into. */
  inlinedInto: Map<string, Set<string>>;
  /** Every subprogram name in the DWARF (defined, declared or abstract). */
  functions: Set<string>;
}

/**
 * Reads the inlining facts from `elf`'s DWARF; throws DwarfError when there is none or it is
 * malformed. `progress` hears how many bytes of .debug_info are done after each unit (a debug
 * vmlinux has hundreds of megabytes).
 */
export function readInlining(elf: Elf64File, progress?: (done: number, total: number) => void): Inlining {
  let info: Uint8Array | undefined, abbrevSec: Uint8Array | undefined, strs: Strings;
  try {
    info = debugSection(elf, ".debug_info");
    abbrevSec = debugSection(elf, ".debug_abbrev");
    strs = { str: debugSection(elf, ".debug_str"), line: debugSection(elf, ".debug_line_str"), offsets: debugSection(elf, ".debug_str_offsets") };
  } catch (e) {
    if (e instanceof ElfError) throw new DwarfError(`relocating the debug sections: ${e.message}`);
    throw e;
  }
  if (!info || !abbrevSec || info.length === 0) throw new DwarfError("no DWARF debug information");
  const abbrevCache = new Map<number, Map<number, Abbrev>>();
  const names = new Map<number, string>();          // subprogram DIE offset -> its own name
  const links = new Map<number, number>();          // subprogram DIE offset -> abstract_origin / specification
  const inlined: { origin: number; caller: number }[] = [];
  let pos = 0;
  while (pos < info.length) {
    const r = new Reader(info, pos);
    let length = r.u32();
    const offset64 = length === 0xffffffff;
    if (offset64) length = r.u64();
    else if (length >= 0xfffffff0) throw new DwarfError(`unit at 0x${pos.toString(16)}: reserved length 0x${length.toString(16)}`);
    const end = r.pos + length;
    if (end > info.length) throw new DwarfError(`unit at 0x${pos.toString(16)} runs past .debug_info`);
    const version = r.u16();
    if (version < 2 || version > 5) throw new DwarfError(`unit at 0x${pos.toString(16)}: DWARF version ${version} is not 2-5`);
    let addrSize: number, abbrevOffset: number;
    if (version >= 5) {
      const unitType = r.u8();
      addrSize = r.u8();
      abbrevOffset = offset64 ? r.u64() : r.u32();
      if (unitType === 0x02 || unitType === 0x06) r.skip(8 + (offset64 ? 8 : 4)); // type signature, type offset
      else if (unitType === 0x04 || unitType === 0x05) r.skip(8);                 // skeleton / split: dwo id
      else if (unitType !== 0x01 && unitType !== 0x03) throw new DwarfError(`unit at 0x${pos.toString(16)}: unknown unit type ${unitType}`);
    } else {
      abbrevOffset = offset64 ? r.u64() : r.u32();
      addrSize = r.u8();
    }
    const unit: Unit = { offset: pos, version, addrSize, offset64, strOffsetsBase: 8 };
    let abbrevs = abbrevCache.get(abbrevOffset);
    if (!abbrevs) abbrevCache.set(abbrevOffset, (abbrevs = parseAbbrevs(abbrevSec, abbrevOffset)));
    const reader = new Reader(info, r.pos, end);
    const subprogramStack: number[] = [];          // DIE offsets of enclosing subprograms
    const depthOfSubprogram: number[] = [];
    let depth = 0;
    while (reader.pos < end) {
      const dieOffset = reader.pos;
      const code = reader.uleb();
      if (code === 0) {
        depth--;
        while (depthOfSubprogram.length && depthOfSubprogram[depthOfSubprogram.length - 1] > depth) {
          depthOfSubprogram.pop();
          subprogramStack.pop();
        }
        continue;
      }
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`unit at 0x${pos.toString(16)}: DIE at 0x${dieOffset.toString(16)} uses abbreviation ${code}, not in its table at 0x${abbrevOffset.toString(16)}`);
      let origin = -1;
      const isSubprogram = ab.tag === TAG_SUBPROGRAM;
      for (const a of ab.attrs) {
        const v = readForm(reader, a.form, unit, strs, a.implicit);
        if (a.at === AT_NAME && isSubprogram && typeof v === "string") names.set(dieOffset, v);
        else if ((a.at === AT_ABSTRACT_ORIGIN || a.at === AT_SPECIFICATION) && typeof v === "number") origin = v;
        else if (a.at === AT_STR_OFFSETS_BASE && typeof v === "number") unit.strOffsetsBase = v;
      }
      // Only subprograms are needed by name: inlined calls point at them, concrete copies link to them.
      if (origin >= 0 && isSubprogram) links.set(dieOffset, origin);
      if (ab.tag === TAG_INLINED_SUBROUTINE && origin >= 0 && subprogramStack.length) {
        inlined.push({ origin, caller: subprogramStack[subprogramStack.length - 1] });
      }
      if (ab.children) {
        depth++;
        if (isSubprogram) { subprogramStack.push(dieOffset); depthOfSubprogram.push(depth); }
      }
    }
    pos = end;
    progress?.(pos, info.length);
  }
  const nameOf = (die: number): string | null => {
    for (let i = 0, d = die; i < 8; i++) {
      const n = names.get(d);
      if (n !== undefined) return n;
      const next = links.get(d);
      if (next === undefined) return null;
      d = next;
    }
    return null;
  };
  const inlinedInto = new Map<string, Set<string>>();
  for (const { origin, caller } of inlined) {
    const callee = nameOf(origin), into = nameOf(caller);
    if (!callee || !into) continue;
    let set = inlinedInto.get(callee);
    if (!set) inlinedInto.set(callee, (set = new Set()));
    set.add(into);
  }
  return { inlinedInto, functions: new Set(names.values()) };
}

/** For each inlined function name, the names of the functions it was inlined into. */
export function inlineSites(elf: Elf64File): Map<string, Set<string>> {
  return readInlining(elf).inlinedInto;
}
