// Just enough DWARF (versions 2-5, 64-bit ELF, little-endian) to answer one question: into which
// functions was an inlined function inlined? Reads .debug_info with .debug_abbrev, .debug_str and
// .debug_line_str; pure (bytes in), never reads outside the sections.
import type { Elf64File } from "./elf64.js";

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

interface AttrSpec { at: number; form: number; implicit: bigint }
interface Abbrev { tag: number; children: boolean; attrs: AttrSpec[] }

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, pos = 0, readonly end = b.length) {
    this.pos = pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new DwarfError("truncated DWARF data");
  }
  u8(): number { this.need(1); return this.b[this.pos++]; }
  u16(): number { this.need(2); const v = this.b[this.pos] | (this.b[this.pos + 1] << 8); this.pos += 2; return v; }
  u32(): number {
    this.need(4);
    const v = (this.b[this.pos] | (this.b[this.pos + 1] << 8) | (this.b[this.pos + 2] << 16)) + this.b[this.pos + 3] * 0x1000000;
    this.pos += 4;
    return v;
  }
  u64(): number { const lo = this.u32(); const hi = this.u32(); return hi * 0x100000000 + lo; }
  uleb(): number {
    let result = 0, mul = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return result;
      mul *= 128;
    }
  }
  sleb(): bigint {
    let result = 0n, shift = 0n, byte = 0;
    do { byte = this.u8(); result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return result;
  }
  skip(n: number): void { this.need(n); this.pos += n; }
  cstring(): string {
    const start = this.pos;
    while (this.pos < this.end && this.b[this.pos] !== 0) this.pos++;
    if (this.pos >= this.end) throw new DwarfError("unterminated DWARF string");
    return new TextDecoder().decode(this.b.subarray(start, this.pos++));
  }
}

function parseAbbrevs(section: Uint8Array, offset: number): Map<number, Abbrev> {
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
  if (!section || offset >= section.length) return null;
  let end = offset;
  while (end < section.length && section[end] !== 0) end++;
  return new TextDecoder().decode(section.subarray(offset, end));
}

interface Unit { offset: number; end: number; version: number; addrSize: number; offset64: boolean }

/** Reads one attribute value: names as strings, references as absolute .debug_info offsets. */
function readForm(r: Reader, form: number, unit: Unit, strs: { str?: Uint8Array; line?: Uint8Array }): string | number | null {
  const off = () => (unit.offset64 ? r.u64() : r.u32());
  switch (form) {
    case 0x01: r.skip(unit.addrSize); return null;                 // addr
    case 0x0b: case 0x11: case 0x25: case 0x29: r.skip(1); return null; // data1, ref1, strx1, addrx1
    case 0x05: case 0x12: case 0x26: case 0x2a: r.skip(2); return null; // data2, ref2, strx2, addrx2
    case 0x27: case 0x2b: r.skip(3); return null;                  // strx3, addrx3
    case 0x06: case 0x28: case 0x2c: r.skip(4); return null;       // data4, strx4, addrx4
    case 0x07: case 0x20: r.skip(8); return null;                  // data8, ref_sig8
    case 0x1e: r.skip(16); return null;                            // data16
    case 0x0d: r.sleb(); return null;                              // sdata
    case 0x0f: case 0x1a: case 0x1b: case 0x22: case 0x23: r.uleb(); return null; // udata, strx, addrx, loclistx, rnglistx
    case 0x08: return r.cstring();                                 // string
    case 0x0e: return cstringAt(strs.str, off());                  // strp
    case 0x1f: return cstringAt(strs.line, off());                 // line_strp
    case 0x17: case 0x1d: off(); return null;                      // sec_offset, strp_sup
    case 0x0c: r.skip(1); return null;                             // flag
    case 0x19: case 0x21: return null;                             // flag_present, implicit_const
    case 0x13: return unit.offset + r.u32();                       // ref4
    case 0x14: return unit.offset + r.u64();                       // ref8
    case 0x15: return unit.offset + r.uleb();                      // ref_udata
    case 0x10: return unit.version <= 2 ? (unit.addrSize === 8 ? r.u64() : r.u32()) : off(); // ref_addr
    case 0x0a: r.skip(r.u8()); return null;                        // block1
    case 0x03: r.skip(r.u16()); return null;                       // block2
    case 0x04: r.skip(r.u32()); return null;                       // block4
    case 0x09: case 0x18: r.skip(r.uleb()); return null;           // block, exprloc
    case 0x16: return readForm(r, r.uleb(), unit, strs);           // indirect
    default: throw new DwarfError(`unsupported DWARF form 0x${form.toString(16)}`);
  }
}

/** For each inlined function name, the names of the functions it was inlined into. */
export function inlineSites(elf: Elf64File): Map<string, Set<string>> {
  const info = elf.section(".debug_info")?.bytes();
  const abbrevSec = elf.section(".debug_abbrev")?.bytes();
  if (!info || !abbrevSec || info.length === 0) throw new DwarfError("no DWARF debug information");
  const strs = { str: elf.section(".debug_str")?.bytes(), line: elf.section(".debug_line_str")?.bytes() };
  const names = new Map<number, string>();          // subprogram DIE offset -> its own name
  const links = new Map<number, number>();          // subprogram DIE offset -> abstract_origin / specification
  const inlined: { origin: number; caller: number }[] = [];
  let pos = 0;
  while (pos < info.length) {
    const r = new Reader(info, pos);
    let length = r.u32();
    const offset64 = length === 0xffffffff;
    if (offset64) length = r.u64();
    const end = r.pos + length;
    if (end > info.length) throw new DwarfError("compile unit runs past .debug_info");
    const version = r.u16();
    let addrSize: number, abbrevOffset: number;
    if (version >= 5) {
      const unitType = r.u8();
      addrSize = r.u8();
      abbrevOffset = offset64 ? r.u64() : r.u32();
      if (unitType === 0x02 || unitType === 0x06) r.skip(8 + (offset64 ? 8 : 4)); // type unit header
      else if (unitType === 0x04 || unitType === 0x05) r.skip(8);                 // skeleton / split id
    } else {
      abbrevOffset = offset64 ? r.u64() : r.u32();
      addrSize = r.u8();
    }
    const unit: Unit = { offset: pos, end, version, addrSize, offset64 };
    const abbrevs = parseAbbrevs(abbrevSec, abbrevOffset);
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
      if (!ab) throw new DwarfError(`unknown abbreviation ${code}`);
      let origin = -1;
      const isSubprogram = ab.tag === TAG_SUBPROGRAM;
      for (const a of ab.attrs) {
        const v = readForm(reader, a.form, unit, strs);
        if (a.at === AT_NAME && isSubprogram && typeof v === "string") names.set(dieOffset, v);
        else if ((a.at === AT_ABSTRACT_ORIGIN || a.at === AT_SPECIFICATION) && typeof v === "number") origin = v;
      }
      // Only subprograms are needed by name: inlined calls point at them, concrete copies link to them.
      if (origin >= 0 && isSubprogram) links.set(dieOffset, origin);
      if (ab.tag === TAG_INLINED_SUBROUTINE && origin >= 0 && subprogramStack.length) {
        inlined.push({ origin, caller: subprogramStack[subprogramStack.length - 1] });
      }
      if (ab.children) {
        depth++;
        if (ab.tag === TAG_SUBPROGRAM) { subprogramStack.push(dieOffset); depthOfSubprogram.push(depth); }
      }
    }
    pos = end;
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
  const out = new Map<string, Set<string>>();
  for (const { origin, caller } of inlined) {
    const callee = nameOf(origin), into = nameOf(caller);
    if (!callee || !into) continue;
    let set = out.get(callee);
    if (!set) out.set(callee, (set = new Set()));
    set.add(into);
  }
  return out;
}
