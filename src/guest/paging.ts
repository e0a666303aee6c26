// Linear-to-physical translation as the #VE path needs it: a narrow interface (so simulators can
// plug in their own MMU) and a direct-map implementation. Instruction fetch from a shared page
// raises #PF: TDX forbids executing shared memory.
import type { GuestMemory, Access } from "./memory.js";

/** #PF error code bits (SDM vol. 3, 4.7). */
export const PF = { PRESENT: 1, WRITE: 2, USER: 4, FETCH: 16 } as const;

/** A translated guest-physical address, or the #PF error code of a failed translation. */
export type Translation = { gpa: bigint } | { pageFault: number };

/** Linear to guest-physical translation (an MMU): DirectMap, PageTableWalker, or an embedder's own. */
export interface Translator {
  translate(va: bigint, access: Access, cpl: number): Translation;
  /**
   * Bumped when a mapping changes outside guest memory. A translator that has it lets callers
   * keep translations (a TLB) while it and the memory's generation stay the same; one without it
   * is asked every time.
   */
  readonly generation?: number;
}

/** One map() call; `seq` orders the calls (a later mapping wins where two overlap). */
interface Mapping { va: bigint; end: bigint; gpa: bigint; seq: number }

/** Mappings up to this many pages are also indexed by page, so lookups stay O(1) with many devices. */
const INDEXED_PAGES = 64;

/**
 * Fixed linear ranges onto guest-physical ranges (like the kernel's direct map or ioremap). Where
 * mappings overlap, the latest map() call decides, at every size, as a new PTE replaces the old
 * one in real page tables (PageTableBuilder behaves the same).
 */
export class DirectMap implements Translator {
  private readonly all: Mapping[] = [];
  private readonly large: Mapping[] = [];
  /** Per page: the latest small mapping touching it. */
  private readonly byPage = new Map<bigint, Mapping>();
  generation = 0;

  constructor(private readonly memory: GuestMemory) {}

  /**
   * Maps [va, va + size) to [gpa, gpa + size); gpa carries the shared bit for shared mappings.
   * Replaces earlier mappings where it overlaps them.
   */
  map(va: bigint, gpa: bigint, size: number): void {
    const m = { va, end: va + BigInt(size), gpa, seq: this.all.length };
    this.all.push(m);
    this.generation++;
    const pages = Math.ceil(size / 4096) + 1;
    if (pages > INDEXED_PAGES) { this.large.push(m); return; }
    for (let p = va >> 12n; p <= (m.end - 1n) >> 12n; p++) this.byPage.set(p, m);
  }

  /** The latest mapping containing `va`. */
  private find(va: bigint): Mapping | undefined {
    const small = this.byPage.get(va >> 12n);
    // Several small mappings share this page and the latest does not hold va (rare): search all.
    if (small && !(va >= small.va && va < small.end)) return latestContaining(this.all, va);
    // Otherwise `small` is the latest small mapping holding va (if any): the later of it and the
    // latest large one decides.
    const large = latestContaining(this.large, va);
    return !small || (large && large.seq > small.seq) ? large : small;
  }

  translate(va: bigint, access: Access, cpl: number): Translation {
    const user = cpl === 3 ? PF.USER : 0;
    const kind = (access === "write" ? PF.WRITE : 0) | (access === "fetch" ? PF.FETCH : 0) | user;
    const m = this.find(va);
    if (!m) return { pageFault: kind };
    const gpa = m.gpa + (va - m.va);
    const pageKind = this.memory.kindOf(gpa);
    if (pageKind === null) return { pageFault: kind };
    if (access === "fetch" && (pageKind === "shared" || this.memory.isSharedGpa(gpa))) return { pageFault: kind | PF.PRESENT };
    return { gpa };
  }
}

function latestContaining(list: readonly Mapping[], va: bigint): Mapping | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (va >= list[i].va && va < list[i].end) return list[i];
  return undefined;
}

const ADDR_MASK = 0x000f_ffff_ffff_f000n;
const P = 1n, RW = 2n, US = 4n, PS = 0x80n, NX = 1n << 63n;

/**
 * 4- or 5-level paging with the tables in guest memory (read through `readPhysical`). A walk that
 * reads an entry from a shared page, an instruction fetch from a shared page, a missing entry or a
 * permission violation raises #PF with the SDM error code.
 */
export class PageTableWalker implements Translator {
  /** The tables live in guest memory (its generation covers them); this counts CR3 loads. */
  generation = 0;

  constructor(
    private readonly memory: GuestMemory,
    /** GPA of the top-level table. */
    private root: bigint,
    readonly levels: 4 | 5 = 4,
  ) {}

  /** GPA of the top-level table; loading it flushes cached translations, as a CR3 write does. */
  get cr3(): bigint { return this.root; }
  set cr3(gpa: bigint) {
    this.root = gpa;
    this.generation++;
  }

  private entry(tableGpa: bigint, index: bigint): bigint | null {
    const gpa = (tableGpa & ADDR_MASK) + index * 8n;
    if (this.memory.isSharedGpa(gpa) || this.memory.kindOf(gpa) !== "private") return null;
    const b = this.memory.read(gpa, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  translate(va: bigint, access: Access, cpl: number): Translation {
    const code = (access === "write" ? PF.WRITE : 0) | (access === "fetch" ? PF.FETCH : 0) | (cpl === 3 ? PF.USER : 0);
    let table = this.cr3;
    let writable = true, user = true, noExec = false;
    for (let level: number = this.levels; level >= 1; level--) {
      const shift = 12n + 9n * BigInt(level - 1);
      const e = this.entry(table, (va >> shift) & 0x1ffn);
      if (e === null) return { pageFault: code | PF.PRESENT }; // the walk touched shared memory
      if ((e & P) === 0n) return { pageFault: code };
      writable &&= (e & RW) !== 0n;
      user &&= (e & US) !== 0n;
      noExec ||= (e & NX) !== 0n;
      const leaf = level === 1 || (level <= 3 && (e & PS) !== 0n);
      if (!leaf) { table = e & ADDR_MASK; continue; }
      const pageMask = (1n << shift) - 1n;
      const gpa = (e & ADDR_MASK & ~pageMask) | (va & pageMask);
      if (access === "write" && !writable) return { pageFault: code | PF.PRESENT };
      if (cpl === 3 && !user) return { pageFault: code | PF.PRESENT };
      if (access === "fetch" && (noExec || this.memory.isSharedGpa(gpa))) return { pageFault: code | PF.PRESENT };
      return { gpa };
    }
    return { pageFault: code };
  }
}

/** Builds page tables in private guest memory, taking table pages from a pool of GPAs. */
export class PageTableBuilder {
  readonly cr3: bigint;
  private nextTable: bigint;

  constructor(private readonly memory: GuestMemory, poolGpa: bigint, private readonly poolPages: number, readonly levels: 4 | 5 = 4) {
    memory.addPrivate(poolGpa, poolPages * 4096);
    this.cr3 = poolGpa;
    this.nextTable = poolGpa + 4096n;
  }

  private newTable(): bigint {
    if (this.nextTable >= this.cr3 + BigInt(this.poolPages * 4096)) throw new Error("page-table pool exhausted");
    const t = this.nextTable;
    this.nextTable += 4096n;
    return t;
  }

  /** How many new tables mapping [va, va + size) would take (stops counting past the pool's size). */
  private tablesNeeded(va: bigint, size: number): number {
    const made = new Set<string>();
    const limit = this.poolPages + 1;
    for (let off = 0n; off < BigInt(size) && made.size < limit; off += 4096n) {
      const v = va + off;
      let table: bigint | null = this.cr3;
      for (let level: number = this.levels; level > 1; level--) {
        const shift = 12n + 9n * BigInt(level - 1);
        if (table !== null) {
          const e = this.readEntry(table + ((v >> shift) & 0x1ffn) * 8n);
          if ((e & P) !== 0n) { table = e & ADDR_MASK; continue; }
        }
        made.add(`${level}:${v >> shift}`); // the table this level's missing entry would point to
        table = null;
      }
    }
    return made.size;
  }

  private readEntry(gpa: bigint): bigint {
    const b = this.memory.read(gpa, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  private writeEntry(gpa: bigint, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, value, true);
    this.memory.write(gpa, b);
  }

  /** Maps 4 KiB pages [va, va+size) -> [gpa, gpa+size) (gpa carries the shared bit for shared pages). */
  map(va: bigint, gpa: bigint, size: number, flags: { writable?: boolean; user?: boolean; noExec?: boolean } = {}): void {
    // Refused before any entry is written when the pool cannot hold the tables it needs.
    if (size / 4096 > this.poolPages * 512) throw new Error(`page-table pool exhausted: ${this.poolPages} tables cannot map ${size} bytes`);
    const needed = this.tablesNeeded(va, size);
    const free = Number((this.cr3 + BigInt(this.poolPages * 4096) - this.nextTable) >> 12n);
    if (needed > free) throw new Error(`page-table pool exhausted: the mapping needs ${needed} new tables, ${free} are left`);
    const leafFlags = P | (flags.writable === false ? 0n : RW) | (flags.user ? US : 0n) | (flags.noExec ? NX : 0n);
    for (let off = 0n; off < BigInt(size); off += 4096n) {
      let table = this.cr3;
      const v = va + off;
      for (let level: number = this.levels; level > 1; level--) {
        const slot = table + ((v >> (12n + 9n * BigInt(level - 1))) & 0x1ffn) * 8n;
        let e = this.readEntry(slot);
        if ((e & P) === 0n) {
          e = this.newTable() | P | RW | US;
          this.writeEntry(slot, e);
        }
        table = e & ADDR_MASK;
      }
      this.writeEntry(table + ((v >> 12n) & 0x1ffn) * 8n, ((gpa + off) & ADDR_MASK) | leafFlags);
    }
  }
}
