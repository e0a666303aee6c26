// Decoded #VE instructions cached by RIP, for the "cached decode" emulation path. An entry holds
// the GPAs of the code it came from; writing or converting any of those pages drops it, so a
// cached decode never outlives the bytes it decoded. (The kernel itself has no such cache.)
import type { DecodedInsn } from "../decoder/record.js";

interface Entry { insn: DecodedInsn; pages: number[] }

export class DecodeCache {
  private readonly byRip = new Map<bigint, Entry>();
  private readonly ripsByPage = new Map<number, Set<bigint>>();
  hits = 0;
  misses = 0;
  invalidations = 0;

  constructor(readonly capacity = 65536) {}

  get(rip: bigint): DecodedInsn | null {
    const e = this.byRip.get(rip);
    if (e) { this.hits++; return e.insn; }
    this.misses++;
    return null;
  }

  /** Stores `insn` fetched from the given code pages (page numbers of their GPAs). */
  put(rip: bigint, insn: DecodedInsn, pages: number[]): void {
    if (this.byRip.size >= this.capacity) this.clear();
    this.byRip.set(rip, { insn, pages });
    for (const p of pages) {
      let set = this.ripsByPage.get(p);
      if (!set) this.ripsByPage.set(p, (set = new Set()));
      set.add(rip);
    }
  }

  /** A code page was written or converted: forget everything decoded from it. */
  invalidatePage(page: number): void {
    const rips = this.ripsByPage.get(page);
    if (!rips) return;
    for (const rip of rips) if (this.byRip.delete(rip)) this.invalidations++;
    this.ripsByPage.delete(page);
  }

  clear(): void {
    this.byRip.clear();
    this.ripsByPage.clear();
  }

  get size(): number {
    return this.byRip.size;
  }
}
