// Guest physical memory of a TD: sparse 4 KiB pages over the whole GPA space. A page is private
// (TD memory, invisible to the host) or shared; a shared page is backed by host memory (a bounce
// buffer) or unbacked, and a data access to an unbacked shared page is an EPT violation (#VE).
// A 2^52-byte space costs nothing until a page is touched, and a page's 4 KiB are allocated only when
// the guest or host first reads or writes it (adding or converting a range is lazy).

/** Bytes in a guest page. */
export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12n;

/** Guest physical address width: the shared bit is bit GPAW - 1. */
export type Gpaw = 48 | 52;
/** A page is TD-private or shared with the host. */
export type PageKind = "private" | "shared";

interface Page {
  readonly kind: PageKind;
  /** False: a shared page the host does not back (MMIO): any data access raises #VE. */
  readonly backed: boolean;
  /** The page's bytes, made on first touch (null: a backed page that still reads as zero). */
  data: Uint8Array | null;
}

// Pages not yet touched share one immutable descriptor per state; the first touch replaces it with
// a page of its own. Adding or converting a GiB costs only the map entries (under 40 MB), not 1 GiB.
const UNTOUCHED_PRIVATE: Page = Object.freeze({ kind: "private", backed: true, data: null });
const UNTOUCHED_SHARED: Page = Object.freeze({ kind: "shared", backed: true, data: null });
const UNBACKED_SHARED: Page = Object.freeze({ kind: "shared", backed: false, data: null });

/** What the TDX module reports for an EPT violation (TDG.VP.VEINFO.GET). */
export interface VeInfo {
  exitReason: 48;
  /** SDM EPT-violation qualification: bit 0 read, bit 1 write, bit 2 fetch, bit 7 GLA valid. */
  exitQualification: bigint;
  gla: bigint;
  /** Includes the shared bit: the exact value the guest sends to the host. */
  gpa: bigint;
  /** Not valid for EPT violations (the kernel reads 0). */
  instrLen: 0;
}

/** The kind of access a translation is asked for. */
export type Access = "read" | "write" | "fetch";

/** A typed memory error; callers turn it into #PF/#VE outcomes. */
export class MemoryError extends Error {
  constructor(readonly code: "out_of_range" | "not_present" | "private" | "unbacked" | "overlap", message: string) {
    super(message);
    this.name = "MemoryError";
  }
}

/** A TD's guest-physical memory: sparse private and shared pages; unbacked shared pages are MMIO. */
export class GuestMemory {
  readonly sharedBit: bigint;
  /** Highest GPA + 1. */
  readonly limit: bigint;
  private readonly pages = new Map<number, Page>();
  /**
   * Bumped whenever a page appears, changes kind or is written: anything that caches what a GPA
   * holds or how tables in memory translate (a TLB) is stale once it moves.
   */
  generation = 0;

  constructor(readonly gpaw: Gpaw = 48) {
    this.sharedBit = 1n << BigInt(gpaw - 1);
    this.limit = 1n << BigInt(gpaw);
  }

  /** Whether `gpa` names shared memory (shared bit set). */
  isSharedGpa(gpa: bigint): boolean {
    return (gpa & this.sharedBit) !== 0n;
  }

  private pfn(gpa: bigint): number {
    if (gpa < 0n || gpa >= this.limit) throw new MemoryError("out_of_range", `GPA 0x${gpa.toString(16)} is beyond GPAW ${this.gpaw}`);
    return Number((gpa & ~this.sharedBit) >> PAGE_SHIFT);
  }

  private pageRange(gpa: bigint, size: number): [number, number] {
    if (size <= 0 || gpa % BigInt(PAGE_SIZE) !== 0n || size % PAGE_SIZE !== 0) {
      throw new MemoryError("out_of_range", "regions are whole 4 KiB pages");
    }
    const first = this.pfn(gpa);
    const last = this.pfn(gpa + BigInt(size - 1));
    return [first, last];
  }

  /** Adds zeroed private pages (TD memory); all of them or, on an overlap, none. */
  addPrivate(gpa: bigint, size: number): void {
    const [first, last] = this.freeRange(gpa, size);
    for (let p = first; p <= last; p++) this.pages.set(p, UNTOUCHED_PRIVATE);
    this.generation++;
  }

  /** Adds shared pages: `backed` host memory (bounce buffers) or unbacked (MMIO); all or none. */
  addShared(gpa: bigint, size: number, backed: boolean): void {
    const [first, last] = this.freeRange(gpa, size);
    for (let p = first; p <= last; p++) this.pages.set(p, backed ? UNTOUCHED_SHARED : UNBACKED_SHARED);
    this.generation++;
  }

  /** The page range of a new region, checked before any page is added: none of them may exist. */
  private freeRange(gpa: bigint, size: number): [number, number] {
    const [first, last] = this.pageRange(gpa, size);
    for (let p = first; p <= last; p++) {
      if (this.pages.has(p)) throw new MemoryError("overlap", `page 0x${(BigInt(p) << PAGE_SHIFT).toString(16)} exists`);
    }
    return [first, last];
  }

  /**
   * Converts pages between private and shared. Data is lost: to-private reads as zero, to-shared as
   * the host backs it (here: zero). Lazy: a page's bytes are made when it is first touched.
   */
  convert(gpa: bigint, size: number, to: PageKind, sharedBacked = true): void {
    const [first, last] = this.pageRange(gpa, size);
    const page = to === "private" ? UNTOUCHED_PRIVATE : sharedBacked ? UNTOUCHED_SHARED : UNBACKED_SHARED;
    for (let p = first; p <= last; p++) {
      this.pages.set(p, page);
      this.onPageChange?.(p);
    }
    this.generation++;
  }

  kindOf(gpa: bigint): PageKind | null {
    return this.pages.get(this.pfn(gpa))?.kind ?? null;
  }

  /** Pages in use (for memory-cost reporting). */
  get pageCount(): number {
    return this.pages.size;
  }

  /** Pages whose 4 KiB have been allocated (touched since they were added or converted). */
  get materialisedPages(): number {
    let n = 0;
    for (const page of this.pages.values()) if (page.data !== null) n++;
    return n;
  }

  /** The bytes of a backed page (made on first touch), or null for an unbacked shared page. */
  private dataOf(pfn: number, page: Page): Uint8Array | null {
    if (page.data !== null || !page.backed) return page.data;
    const own: Page = { kind: page.kind, backed: true, data: new Uint8Array(PAGE_SIZE) };
    this.pages.set(pfn, own);
    return own.data;
  }

  /**
   * A guest access of `len` bytes at `gpa` (one page; the caller splits). The GPA's shared bit must
   * match the page's kind, as the TD's EPT enforces. Throws MemoryError.
   */
  private guestPage(gpa: bigint, len: number): { data: Uint8Array | null; offset: number } {
    const pfn = this.pfn(gpa);
    const page = this.pages.get(pfn);
    if (!page) throw new MemoryError("not_present", `no page at GPA 0x${gpa.toString(16)}`);
    const wantShared = this.isSharedGpa(gpa);
    if ((page.kind === "shared") !== wantShared) {
      throw new MemoryError(wantShared ? "private" : "unbacked", `GPA 0x${gpa.toString(16)} does not match the page's ${page.kind} state`);
    }
    const offset = Number(gpa & 0xfffn);
    if (offset + len > PAGE_SIZE) throw new MemoryError("out_of_range", "access crosses a page");
    return { data: this.dataOf(pfn, page), offset };
  }

  /** True when a guest data access at `gpa` would be an EPT violation handed to the guest as #VE. */
  isUnbackedShared(gpa: bigint): boolean {
    const page = this.pages.get(this.pfn(gpa));
    return !!page && page.kind === "shared" && !page.backed && this.isSharedGpa(gpa);
  }

  /**
   * The 4 KiB of data a guest read at `gpa` reaches (private or backed shared, matching the GPA's
   * shared bit), or null where a guest read would fail. The array is the page itself: read only.
   */
  pageData(gpa: bigint): Uint8Array | null {
    if (gpa < 0n || gpa >= this.limit) return null;
    const pfn = this.pfn(gpa);
    const page = this.pages.get(pfn);
    if (!page || (page.kind === "shared") !== this.isSharedGpa(gpa)) return null;
    return this.dataOf(pfn, page);
  }

  /** Guest read of private or backed shared memory. */
  read(gpa: bigint, len: number): Uint8Array {
    const { data, offset } = this.guestPage(gpa, len);
    if (!data) throw new MemoryError("unbacked", `GPA 0x${gpa.toString(16)} is unbacked shared memory`);
    return data.subarray(offset, offset + len);
  }

  /** Guest write of private or backed shared memory. */
  write(gpa: bigint, bytes: Uint8Array): void {
    const { data, offset } = this.guestPage(gpa, bytes.length);
    if (!data) throw new MemoryError("unbacked", `GPA 0x${gpa.toString(16)} is unbacked shared memory`);
    data.set(bytes, offset);
    this.generation++;
    this.onPageChange?.(this.pfn(gpa));
  }

  /** Host view: shared backed pages only (private memory is never visible to the host). */
  hostRead(gpa: bigint, len: number): Uint8Array {
    const pfn = this.pfn(gpa);
    const page = this.pages.get(pfn);
    if (!page || page.kind !== "shared") throw new MemoryError("private", "the host cannot read private memory");
    const data = this.dataOf(pfn, page);
    if (!data) throw new MemoryError("unbacked", "unbacked shared page");
    const offset = Number(gpa & 0xfffn);
    return data.subarray(offset, offset + len);
  }

  /** Called with the page number whenever a page is written or converted (for the decode cache). */
  onPageChange: ((page: number) => void) | undefined;
}
