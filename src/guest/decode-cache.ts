// Decoded #VE instructions cached by RIP, for the "cached decode" emulation path. An entry holds
// the GPAs of the code it came from (writing or converting any of them drops it) and the code
// epoch it was made in: after any change of memory, mappings or CR3 the engine re-reads the code
// at RIP and uses the entry only if the bytes are still the same, so a cached decode never
// outlives the bytes it decoded, wherever they now come from. (The kernel has no such cache.)
import type { DecodedInsn } from "../decoder/record.js";
import { VePlan } from "../decoder/plan.js";
import type { CompiledAccess } from "./compiled-access.js";

const TWO32 = 0x1_0000_0000;

/**
 * A hot site's own code (site-code.ts): runs the #VE at the entry's RIP on the registers `w` for
 * the engine it was made for; true: answered (in that engine's result); false: nothing changed,
 * the engine's general path decides.
 */
export type SiteCode = (w: Uint32Array) => boolean;

export class DecodeCacheEntry {
  /** The full decode, made only when someone asks for it (traces, rich outcomes). */
  insn: DecodedInsn | null = null;
  /** False once the entry has been dropped (the front table may still point at it). */
  live = true;
  /** The code epoch (VeMemory.codeEpoch) its bytes were last read in; -1: always re-read. */
  epoch = -1;
  /** The plan compiled for the engine's straight-line path (compiled-access.ts), null when it is not the plain case. */
  access: CompiledAccess | null = null;
  /** Times the compiled path found this entry while it had no code of its own (how hot the site is). */
  runs = 0;
  /** The site's own code (site-code.ts) and the engine it runs for, once the site is hot; else null. */
  site: SiteCode | null = null;
  siteOwner: object | null = null;

  constructor(
    /** RIP as 32-bit halves. */
    readonly ripLo: number,
    readonly ripHi: number,
    readonly plan: VePlan,
    /** The instruction bytes the plan was decoded from (a copy). */
    readonly bytes: Uint8Array,
    /** GPA page numbers of those bytes. */
    readonly pages: readonly number[],
  ) {}
}

/** Map key of a RIP given as halves: bits 52:0, exact as a number (bits 63:53 live in the entry). */
const keyOf = (ripLo: number, ripHi: number): number => (ripHi & 0x1fffff) * TWO32 + ripLo;

/** Slots of the direct-mapped front table: the hot RIPs are found without hashing. */
const FRONT = 256;

/** Decoded #VE plans by RIP, dropped when a page of their code is written or converted. */
export class DecodeCache {
  private readonly byRip = new Map<number, DecodeCacheEntry>();
  private readonly keysByPage = new Map<number, Set<number>>();
  private readonly front: (DecodeCacheEntry | null)[] = new Array(FRONT).fill(null);
  hits = 0;
  misses = 0;
  invalidations = 0;
  /**
   * Live entries with code of their own (each a function V8 keeps compiled, a few KiB): at most
   * siteCodeLimit (default 256; the harvested 6.12 boot's MMIO ran at 153 sites).
   */
  siteCodes = 0;

  constructor(readonly capacity = 65536, readonly siteCodeLimit = 256) {}

  /** Gives the live entry `e` code of its own for `owner`; false (nothing given) at the limit. */
  giveSiteCode(e: DecodeCacheEntry, code: SiteCode, owner: object): boolean {
    if (!e.live || e.site !== null || this.siteCodes >= this.siteCodeLimit) return false;
    e.site = code;
    e.siteOwner = owner;
    this.siteCodes++;
    return true;
  }

  /** An entry leaves the cache: it is no longer live, and its code, if any, goes with it. */
  private drop(e: DecodeCacheEntry): void {
    e.live = false;
    if (e.site !== null) {
      e.site = null;
      e.siteOwner = null;
      this.siteCodes--;
    }
  }

  /**
   * The entry for the RIP in words[at] (bits 31:0) and words[at + 1] (63:32), or null. (A word
   * pair, not two numbers: a half above 2^30 passed to a call V8 does not inline is boxed, an
   * allocation per #VE.)
   */
  get(words: Uint32Array, at: number): DecodeCacheEntry | null {
    const ripLo = words[at], ripHi = words[at + 1];
    const slot = ripLo & (FRONT - 1);
    let e = this.front[slot];
    if (e === null || !e.live || e.ripLo !== ripLo || e.ripHi !== ripHi) {
      e = this.byRip.get(keyOf(ripLo, ripHi)) ?? null;
      if (e === null || e.ripHi !== ripHi) { this.misses++; return null; }
      this.front[slot] = e;
    }
    this.hits++;
    return e;
  }

  /**
   * The front table's entry for the RIP in words[at], words[at + 1] when it is live and for this
   * RIP, else null; counts nothing (the caller counts a hit it uses). The #VE engine's compiled
   * path: get() is the lookup for everyone else. (A word pair, as for get().)
   */
  hot(words: Uint32Array, at: number): DecodeCacheEntry | null {
    const ripLo = words[at], ripHi = words[at + 1];
    const e = this.front[ripLo & (FRONT - 1)];
    return e !== null && e.live && e.ripLo === ripLo && e.ripHi === ripHi ? e : null;
  }

  /** Stores a copy of `plan` for `bytes` fetched from the given code pages. */
  put(ripLo: number, ripHi: number, plan: VePlan, bytes: Uint8Array, pages: readonly number[]): DecodeCacheEntry {
    if (this.byRip.size >= this.capacity) this.clear();
    const key = keyOf(ripLo, ripHi);
    const entry = new DecodeCacheEntry(ripLo, ripHi, Object.assign(new VePlan(), plan), bytes.slice(), pages);
    const old = this.byRip.get(key);
    if (old) this.drop(old);
    this.byRip.set(key, entry);
    for (const p of pages) {
      let set = this.keysByPage.get(p);
      if (!set) this.keysByPage.set(p, (set = new Set()));
      set.add(key);
    }
    return entry;
  }

  /** A code page was written or converted: forget everything decoded from it. */
  invalidatePage(page: number): void {
    const keys = this.keysByPage.get(page);
    if (!keys) return;
    for (const key of keys) {
      const e = this.byRip.get(key);
      if (e) { this.drop(e); this.byRip.delete(key); this.invalidations++; }
    }
    this.keysByPage.delete(page);
  }

  clear(): void {
    for (const e of this.byRip.values()) this.drop(e);
    this.byRip.clear();
    this.keysByPage.clear();
  }

  get size(): number {
    return this.byRip.size;
  }
}
