// Instruction fetch for the #VE handler (and the CPU side): up to 15 bytes at RIP, page by page,
// each page translated for execution and read as the guest would read it. Stops at the first
// byte that does not translate or cannot be read. A small TLB keeps the last code pages while
// neither the translator nor guest memory has changed, so repeated faults at the same RIP do not
// walk tables again; the bytes themselves are read fresh on every fetch.
import type { Translator } from "./paging.js";
import { joinWords } from "../words.js";
import { int, identifier, type GeneratedPart } from "./generated.js";

/** Guest memory as the fetch sees it. */
export interface CodeMemory {
  /** The data of the page a guest read at `gpa` reaches, or null where the read would fail. */
  pageData(gpa: bigint): Uint8Array | null;
  /**
   * Bumped on every change of guest memory. Only with it (and a translator generation) does the
   * fetch keep translations; both must hold still for a kept one to stay valid.
   */
  readonly generation?: number;
}

const TLB_SIZE = 4; // direct-mapped by VA page number (a power of two)
const TWO32 = 0x1_0000_0000;

export class CodeFetcher {
  // TLB: VA page number (bits 31:12 and 63:32 of the address), CPL, the page's data and its GPA
  // page number. A CPL of -1 marks an empty slot.
  private readonly tlbPage = new Uint32Array(TLB_SIZE);
  private readonly tlbHi = new Uint32Array(TLB_SIZE);
  private readonly tlbCpl = new Int8Array(TLB_SIZE).fill(-1);
  private readonly tlbData: (Uint8Array | null)[] = new Array(TLB_SIZE).fill(null);
  private readonly tlbView: (DataView | null)[] = new Array(TLB_SIZE).fill(null);
  private readonly tlbGpaPage = new Float64Array(TLB_SIZE);
  private tlbMemoryGeneration = -1;
  private tlbTranslatorGeneration = -1;
  /** Bumped each time the TLB sees guest memory or the translator change (see `epoch`). */
  private translationEpoch = 0;

  /** GPA page numbers of the last fetch (one or two), valid up to `pageCount`. */
  readonly pages = new Float64Array(2);
  pageCount = 0;
  /** #PF error code where the last fetch stopped short (translation failed), or -1. */
  pageFault = -1;

  constructor(private readonly translator: Translator, private readonly memory: CodeMemory) {}

  /**
   * Copies up to `max` bytes at RIP (given as 32-bit halves) into `out` and returns how many were
   * readable; `pages`, `pageCount` and `pageFault` describe the fetch.
   */
  fetch(ripLo: number, ripHi: number, cpl: number, out: Uint8Array, max = 15): number {
    const rip = this.ripWords;
    rip[0] = ripLo;
    rip[1] = ripHi;
    return this.fetchAt(rip, 0, cpl, out, max);
  }

  /** fetch()'s RIP as a word pair for fetchAt(). */
  private readonly ripWords = new Uint32Array(2);

  /**
   * fetch() with RIP given as the word pair words[at], words[at + 1] (a register file): a half
   * above 2^30 passed as an argument to a call V8 does not inline is boxed into a heap number,
   * an allocation per fetch; read here, it stays a 32-bit word.
   */
  fetchAt(words: Uint32Array, at: number, cpl: number, out: Uint8Array, max = 15): number {
    const ripLo = words[at];
    this.pageCount = 0;
    this.pageFault = -1;
    const tlbOn = this.tlbValid();
    // The #VE case: 15 bytes in one page whose translation the TLB holds, copied as four
    // overlapping 32-bit words (bytes 0-3, 4-7, 8-11, 11-14) rather than byte by byte.
    const start = ripLo & 0xfff;
    if (tlbOn && max === 15 && start <= 4096 - 15 && out.length >= 15) {
      const slot = this.hit(words, at, cpl);
      if (slot >= 0) {
        const from = this.tlbView[slot]!;
        const to = out === this.outOf ? this.outView! : this.viewOf(out);
        to.setUint32(0, from.getUint32(start, true), true);
        to.setUint32(4, from.getUint32(start + 4, true), true);
        to.setUint32(8, from.getUint32(start + 8, true), true);
        to.setUint32(11, from.getUint32(start + 11, true), true);
        this.pages[this.pageCount++] = this.tlbGpaPage[slot];
        return 15;
      }
    }
    return this.fetchPages(words, at, cpl, out, max, tlbOn);
  }

  /**
   * fetchAt(words, ripAt, cpl, out, 15) as source lines for generated code (straight-code.ts),
   * with the constants they name (each name starts with "fetch"): the TLB hit is written out (a
   * call V8 does not inline costs the uncached #VE more than the fetch's work), anything else
   * calls fetchAt. Same bytes, same count, same `pages`, `pageCount` and `pageFault`. The lines
   * read RIP from the Uint32Array the source calls `words` (an identifier); `short` is the
   * statement they run when fewer than 15 bytes were read.
   */
  fetchSource(words: string, ripAt: number, cpl: number, out: Uint8Array, short: string): GeneratedPart {
    if (out.length < 15) throw new RangeError("the fetch window holds fewer than 15 bytes");
    const lo = `${identifier(words)}[${int(ripAt, 0)}]`, hi = `${words}[${int(ripAt + 1, 1)}]`, slotMask = int(TLB_SIZE - 1);
    return {
      constants: {
        fetcher: this, fetchMemory: this.memory, fetchTranslator: this.translator, fetchOut: out,
        fetchOutView: new DataView(out.buffer, out.byteOffset, 15), fetchPage: this.tlbPage, fetchHi: this.tlbHi,
        fetchCpl: this.tlbCpl, fetchView: this.tlbView, fetchGpaPage: this.tlbGpaPage, fetchPages: this.pages,
      },
      lines: [
        `const fetchLo = ${lo}, fetchVaPage = fetchLo >>> 12, fetchSlot = fetchVaPage & ${slotMask}, fetchStart = fetchLo & 0xfff;`,
        // The TLB holds RIP's page (tlbValid and hit, as fetchAt tests them), and the 15 bytes stay in it.
        `if (fetchStart <= ${4096 - 15} && fetchPage[fetchSlot] === fetchVaPage && fetchHi[fetchSlot] === ${hi} && fetchCpl[fetchSlot] === ${int(cpl, 0, 3)}`,
        "    && fetchMemory.generation === fetcher.tlbMemoryGeneration && fetchTranslator.generation === fetcher.tlbTranslatorGeneration) {",
        "  const from = fetchView[fetchSlot];",
        "  fetchOutView.setUint32(0, from.getUint32(fetchStart, true), true);",
        "  fetchOutView.setUint32(4, from.getUint32(fetchStart + 4, true), true);",
        "  fetchOutView.setUint32(8, from.getUint32(fetchStart + 8, true), true);",
        "  fetchOutView.setUint32(11, from.getUint32(fetchStart + 11, true), true);",
        "  fetchPages[0] = fetchGpaPage[fetchSlot]; fetcher.pageCount = 1; fetcher.pageFault = -1;",
        `} else if (fetcher.fetchAt(${words}, ${int(ripAt, 0)}, ${int(cpl, 0, 3)}, fetchOut, 15) < 15) ${short}`,
      ],
    };
  }

  /** fetchAt's general case: page by page, through the TLB or a translation (kept out of fetchAt so it stays small enough to inline). */
  private fetchPages(words: Uint32Array, at: number, cpl: number, out: Uint8Array, max: number, tlbOn: boolean): number {
    let n = 0;
    let lo = words[at], hi = words[at + 1];
    const cursor = this.cursor;
    while (n < max) {
      const vaOffset = lo & 0xfff;
      cursor[0] = lo;
      cursor[1] = hi;
      let data = tlbOn ? this.cached(cursor, cpl) : null;
      let offset = vaOffset;
      if (!data) {
        data = this.translate(lo, hi, cpl, tlbOn);
        offset = this.gpaOffset;
      }
      if (!data) break;
      const chunk = Math.min(max - n, 4096 - vaOffset);
      if (offset + chunk > 4096) break; // the mapping is not page-aligned: the read would cross a page
      for (let i = 0; i < chunk; i++) out[n + i] = data[offset + i];
      n += chunk;
      // Next page (wrapping at 2^64 as the address does).
      lo = lo - vaOffset + 0x1000;
      if (lo >= TWO32) { lo -= TWO32; hi = (hi + 1) >>> 0; }
    }
    return n;
  }

  /**
   * The fetch's one notion of "what code is where": a number that stays the same exactly while
   * neither guest memory (bytes, pages, page tables) nor the translator (mappings, CR3) has
   * changed, so anything fetched under one epoch reads the same under it again. -1 when the
   * memory or translator keeps no generation: nothing may then be assumed to hold still.
   */
  get epoch(): number {
    return this.tlbValid() ? this.translationEpoch : -1;
  }

  /** Whether the TLB still holds: neither generation moved (kept small: it runs on every cached #VE). */
  private tlbValid(): boolean {
    const mg = this.memory.generation, tg = this.translator.generation;
    return (mg === this.tlbMemoryGeneration && tg === this.tlbTranslatorGeneration) || this.resync(mg, tg);
  }

  /** A generation moved (or is missing): empty the TLB and start a new epoch; false without generations. */
  private resync(mg: number | undefined, tg: number | undefined): boolean {
    if (mg === undefined || tg === undefined) return false;
    this.tlbCpl.fill(-1);
    this.tlbMemoryGeneration = mg;
    this.tlbTranslatorGeneration = tg;
    this.translationEpoch++;
    return true;
  }

  private cached(va: Uint32Array, cpl: number): Uint8Array | null {
    const slot = this.hit(va, 0, cpl);
    if (slot < 0) return null;
    this.pages[this.pageCount++] = this.tlbGpaPage[slot];
    return this.tlbData[slot];
  }

  /**
   * The TLB slot holding the page of the address words[at] (bits 31:0), words[at + 1] (63:32) at
   * `cpl`, or -1. (A word pair, not two numbers: a half above 2^30 passed to a call V8 does not
   * inline is boxed, an allocation per fetch.)
   */
  private hit(words: Uint32Array, at: number, cpl: number): number {
    const page = words[at] >>> 12;
    const slot = page & (TLB_SIZE - 1);
    return this.tlbPage[slot] !== page || this.tlbHi[slot] !== words[at + 1] || this.tlbCpl[slot] !== cpl ? -1 : slot;
  }

  /** The page walk's current address (fetchPages), as the word pair hit() takes. */
  private readonly cursor = new Uint32Array(2);

  // The last `out` fetched into and a DataView of it (the #VE engine fetches into one window).
  private outOf: Uint8Array | null = null;
  private outView: DataView | null = null;

  private viewOf(out: Uint8Array): DataView {
    this.outOf = out;
    this.outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
    return this.outView;
  }

  /** Page offset of the GPA the last translate() reached. */
  private gpaOffset = 0;

  private translate(lo: number, hi: number, cpl: number, remember: boolean): Uint8Array | null {
    const va = joinWords(lo, hi);
    const t = this.translator.translate(va, "fetch", cpl);
    if ("pageFault" in t) { this.pageFault = t.pageFault; return null; }
    const data = this.memory.pageData(t.gpa);
    if (!data) return null;
    const gpaPage = Number(t.gpa >> 12n);
    this.gpaOffset = Number(t.gpa & 0xfffn);
    this.pages[this.pageCount++] = gpaPage;
    // Only page-aligned mappings (offsets equal) can be kept per page.
    if (remember && this.gpaOffset === (lo & 0xfff)) {
      const slot = (lo >>> 12) & (TLB_SIZE - 1);
      this.tlbPage[slot] = lo >>> 12;
      this.tlbHi[slot] = hi;
      this.tlbCpl[slot] = cpl;
      this.tlbData[slot] = data;
      this.tlbView[slot] = new DataView(data.buffer, data.byteOffset, data.byteLength);
      this.tlbGpaPage[slot] = gpaPage;
    }
    return data;
  }
}
