// Instruction addresses to function + offset, from the boot's own /proc/kallsyms dump (vmlinux
// and modules) or a System.map. Pure.
import { parseSymbolMap, isTextSymbolType, type MapSymbol } from "../elf/symbols.js";

export interface Symbolised {
  readonly fn: string;
  readonly offset: number;
  /** The module's name, or null for the vmlinux. */
  readonly module: string | null;
}

/** A sorted index of text symbols; looks up the symbol an address falls in. */
export class Symboliser {
  private readonly addrs: BigUint64Array;
  private readonly syms: MapSymbol[];

  /** `maps`: kallsyms dumps or System.map texts; later maps add symbols the earlier lack. */
  constructor(maps: readonly string[]) {
    const byAddr = new Map<bigint, MapSymbol>();
    for (const text of maps) {
      for (const s of parseSymbolMap(text)) {
        if (!isTextSymbolType(s.type)) continue;
        const had = byAddr.get(s.addr);
        // Prefer a global name over a local alias at the same address, and the first seen otherwise.
        if (!had || (had.type === "t" && s.type === "T")) byAddr.set(s.addr, s);
      }
    }
    this.syms = [...byAddr.values()].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    this.addrs = BigUint64Array.from(this.syms.map((s) => s.addr));
  }

  get size(): number {
    return this.syms.length;
  }

  /**
   * The symbol containing `addr`: the last one at or below it, if within `maxOffset` bytes
   * (kallsyms has no sizes; a gap larger than any function means the address is not covered).
   */
  lookup(addr: bigint, maxOffset = 1 << 20): Symbolised | null {
    let lo = 0;
    let hi = this.addrs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addrs[mid] <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const s = this.syms[found];
    const offset = Number(addr - s.addr);
    if (offset > maxOffset) return null;
    return { fn: s.name, offset, module: s.module ?? null };
  }
}
