// This project's VeMemory: a TD's GuestMemory seen through a Translator (a direct map or real page
// tables), with instruction fetch through a CodeFetcher and its small TLB.
import type { GuestMemory } from "./memory.js";
import type { Translator, Translation } from "./paging.js";
import { CodeFetcher } from "./code-fetch.js";
import type { VeMemory } from "./cpu.js";

/** This project's VeMemory: GuestMemory through a Translator, with a TLB for instruction fetch. */
export class MappedMemory implements VeMemory {
  /** Instruction fetch through this MMU (its TLB serves the CPU side and the handler). */
  readonly fetcher: CodeFetcher;

  constructor(readonly memory: GuestMemory, readonly translator: Translator) {
    this.fetcher = new CodeFetcher(translator, memory);
  }

  fetchCode(ripLo: number, ripHi: number, cpl: number, out: Uint8Array, max: number): number {
    return this.fetcher.fetch(ripLo, ripHi, cpl, out, max);
  }

  fetchCodeAt(words: Uint32Array, at: number, cpl: number, out: Uint8Array, max: number): number {
    return this.fetcher.fetchAt(words, at, cpl, out, max);
  }

  codePages(): number[] {
    const pages: number[] = [];
    for (let i = 0; i < this.fetcher.pageCount; i++) pages.push(this.fetcher.pages[i]);
    return pages;
  }

  codeEpoch(): number {
    return this.fetcher.epoch;
  }

  translate(va: bigint, access: "read" | "write", cpl: number): Translation {
    return this.translator.translate(va, access, cpl);
  }

  isMmio(gpa: bigint): boolean {
    return this.memory.isUnbackedShared(gpa);
  }

  read(gpa: bigint, len: number): Uint8Array | null {
    const page = this.memory.pageData(gpa);
    const offset = Number(gpa & 0xfffn);
    return page === null || offset + len > 4096 ? null : page.slice(offset, offset + len);
  }

  write(gpa: bigint, bytes: Uint8Array): boolean {
    if (this.memory.pageData(gpa) === null || Number(gpa & 0xfffn) + bytes.length > 4096) return false;
    this.memory.write(gpa, bytes);
    return true;
  }
}
