// Code of its own for a hot cached #VE site: a JavaScript function, generated once for one engine
// and one decode-cache entry, that runs that site's #VE from step 6 to RIP as VeEngine.runCompiled
// does, with the site's numbers (register word offsets, displacement, size, length, write-back
// rule) and the engine's objects written in as constants instead of read from a CompiledAccess on
// every #VE. V8 compiles a function that exists as a single closure with what it closes over as
// constants, so such a function runs as if written by hand for that one instruction: measured on
// the cached readl, 1.70x -> 1.41x the direct TDVMCALL (docs/performance-log.md, seventh round).
//
// (How the code is generated, and where it cannot be: generated.ts.)
import type { VeMemory } from "./cpu.js";
import { FRAME, type FrameHost, type TdvmcallFrame } from "../tdvmcall/abi.js";
import { accessAddressWords, WRITE_BACK, type CompiledAccess } from "./compiled-access.js";
import { linuxWriteBackWords, archWriteBackWords, registerOperandWords } from "./writeback.js";
import { glaNotKernel } from "./gla-check.js";
import { generate, int, u32, bool, frameWord, requestSource, answerSource, completedSource } from "./generated.js";
import type { DecodeCache, DecodeCacheEntry, SiteCode } from "./decode-cache.js";

/** The engine's objects a site's code works on (each written into it as a constant). */
export interface SiteEngine {
  readonly frame: TdvmcallFrame;
  readonly host: FrameHost;
  /** The engine's VeResult, which the code fills as runCompiled does. */
  readonly result: { readonly address: Uint32Array };
  readonly memory: VeMemory;
  readonly cache: DecodeCache;
  /** ve.gpa (words 0-1) and ve.gla (words 2-3) of the #VE being handled. */
  readonly veWords: Uint32Array;
  /** A scratch word pair for a written register's value. */
  readonly operand: Uint32Array;
  /** Step 6's bounds: null when the check is off, else TASK_SIZE_MAX's bits 63:32. */
  readonly glaTaskSizeMaxHi: number | null;
}

const Q = frameWord;

/**
 * Generates the code of the cached site `entry` (compiled as `c`) for the engine `engine`, or
 * returns null where code cannot be generated (generated.ts) or a number of the site is not one.
 */
export function siteCode(engine: SiteEngine, entry: DecodeCacheEntry, c: CompiledAccess): SiteCode | null {
  const r = engine.result;
  try {
    return generate<SiteCode>({
      e: entry, c, f: engine.frame, q: engine.frame.words, host: engine.host, r, va: r.address, g: engine.veWords,
      v: engine.operand, memory: engine.memory, cache: engine.cache,
      accessAddressWords, registerOperandWords, linuxWriteBackWords, archWriteBackWords, glaNotKernel,
    }, (id) => siteSource(c, engine.glaTaskSizeMaxHi, id));
  } catch (e) {
    if (e instanceof RangeError) return null; // a number that is not one: no code for this site
    throw e;
  }
}

/**
 * The source that returns the site's function (its constants are siteCode()'s names). Every line
 * mirrors runCompiled's step of the same name; `id` makes the source unique (generated.ts).
 */
function siteSource(c: CompiledAccess, glaTop: number | null, id: string): string {
  const lines: string[] = [`"use strict"; // #VE site code ${id}`, "return function site(w) {"];
  const add = (line: string) => lines.push("  " + line);
  // The code epoch the entry was decoded in (-1: memory keeps none, so always re-read).
  add("const epoch = e.epoch;");
  add("if (epoch === -1 || epoch !== memory.codeEpoch()) return false;");
  if (glaTop !== null) add(`if (glaNotKernel(g, ${int(glaTop, 0)})) return false;`); // step 6
  // The address.
  if (c.baseAndDisp && c.baseAt < 0) add(`const lo = ${u32(c.dispLo)}, hi = ${u32(c.dispHi)};`);
  else if (c.baseAndDisp) {
    const b = int(c.baseAt, 0, 30), d = u32(c.dispLo);
    add(`const lo = (${d} + w[${b}]) >>> 0;`);
    add(`const hi = (${u32(c.dispHi)} + w[${b} + 1] + (lo < ${d} ? 1 : 0)) >>> 0;`);
  } else add("accessAddressWords(c, w, va); const lo = va[0], hi = va[1];");
  add(`if ((lo & 0xfff) > ${int(c.lastOffset, 0, 4095)}) return false;`);
  add("va[0] = lo; va[1] = hi;");
  add("cache.hits++;");
  // The request (R15: a write's value, 0 for reads).
  for (const line of requestSource(int(c.size, 1, 8), c.isWrite ? "1" : "0")) add(line);
  const R15 = Q(FRAME.R15);
  if (!c.isWrite) add(`q[${R15}] = 0; q[${R15 + 1}] = 0;`);
  else if (c.fromImmediate) add(`q[${R15}] = ${u32(c.immLo)}; q[${R15 + 1}] = ${u32(c.immHi)};`);
  else {
    add(`registerOperandWords(w, ${int(2 * c.slot, 0, 30)}, ${int(c.size, 1, 8)}, ${bool(c.highByte)}, v);`);
    add(`q[${R15}] = v[0]; q[${R15 + 1}] = v[1];`);
  }
  // The answer, and the result as runCompiled keeps it.
  for (const line of answerSource("if (r.entry !== e) { r.entry = e; r.plan = e.plan; }")) add(line);
  const DATA = Q(FRAME.DATA);
  if (c.writeBack === WRITE_BACK.none) add("r.slot = -1;");
  else {
    const at = int(2 * c.slot, 0, 30);
    add(`r.slot = ${int(c.slot, 0, 15)}; r.oldLo = w[${at}]; r.oldHi = w[${at} + 1];`);
    if (c.writeBack === WRITE_BACK.zero32) add(`w[${at}] = q[${DATA}]; w[${at} + 1] = 0;`);
    else if (c.writeBack === WRITE_BACK.full64) add(`w[${at}] = q[${DATA}]; w[${at} + 1] = q[${DATA + 1}];`);
    else if (c.linux) add(`linuxWriteBackWords(w, ${at}, ${int(c.kind, 0, 255)}, ${int(c.size, 1, 8)}, ${int(c.extendTo, 0, 8)}, q, ${DATA});`);
    else add(`archWriteBackWords(w, ${at}, ${int(c.kind, 0, 255)}, ${int(c.size, 1, 8)}, ${int(c.extendTo, 0, 8)}, ${bool(c.highByte)}, q, ${DATA});`);
  }
  for (const line of completedSource(int(c.length, 1, 15))) add(line);
  lines.push("};");
  return lines.join("\n");
}
