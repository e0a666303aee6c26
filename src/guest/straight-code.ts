// An engine's uncached straight path as code of its own: VeEngine.runDecoded and finish() (the
// plainest accesses straight from their decode to the TDVMCALL, without a decode cache) generated
// once per engine, with the engine's objects, its decoder's call bound once
// (PlanDecoder.bindPlanRecord) and its configuration (shared bit, step 6, reading) written in as
// constants. Every #VE is still fetched and decoded; what the generated function saves is reading
// the engine's objects and decodePlan's arguments anew on every #VE (generated.ts says why that
// matters to V8). Two steps are written out rather than called, because V8 inlines calls only
// within a bytecode budget per optimized function, and a call left out costs more than its work:
// the fetch's TLB hit (CodeFetcher.fetchSource, for this project's MappedMemory) and the copy of
// the plan record into the engine's VePlan. Measured on the uncached readl: 2.40x -> 2.24x the
// direct TDVMCALL with the engine's objects as constants, then to about 1.9x with the two steps
// written out (docs/performance-log.md, seventh and eighth rounds). The engine keeps runDecoded for
// a decoder without bindPlanRecord and where code cannot be generated.
import { SLOT, type VeMemory } from "./cpu.js";
import { FRAME, type FrameHost, type TdvmcallFrame } from "../tdvmcall/abi.js";
import { registerOperandWords } from "./writeback.js";
import { glaNotKernel } from "./gla-check.js";
import { MappedMemory } from "./mapped-memory.js";
import { plainAccessWords, PLAN_WORD, type VePlan, type BoundPlanRecord } from "../decoder/plan.js";
import { KIND } from "../decoder/layout.js";
import { REG_NONE } from "../decoder/wasm-layout.js";
import { generate, int, bool, frameWord, requestSource, answerSource, completedSource, type GeneratedPart } from "./generated.js";

/** The uncached straight path of one engine: runDecoded's contract (true: answered; false: the general path decides). */
export type StraightCode = (w: Uint32Array) => boolean;

/** What an engine's straight path works on (each a constant of the generated code). */
export interface StraightEngine {
  readonly frame: TdvmcallFrame;
  readonly host: FrameHost;
  /** The engine's VeResult, which the code fills as finish() does. */
  readonly result: { readonly address: Uint32Array };
  readonly memory: VeMemory;
  /** The decoder's fetch window, and its decodePlan bound to the engine's reading. */
  readonly window: Uint8Array;
  readonly decode: BoundPlanRecord;
  /** The engine's scratch VePlan: each decode is unpacked into it (the result's plan). */
  readonly plan: VePlan;
  /** ve.gpa (words 0-1) and ve.gla (words 2-3) of the #VE being handled. */
  readonly veWords: Uint32Array;
  readonly operand: Uint32Array;
  /** Bit position of the TD's shared bit in ve.gpa (GPAW - 1). */
  readonly sharedBitPosition: number;
  /** Step 6's bounds: null when the check is off, else TASK_SIZE_MAX's bits 63:32. */
  readonly glaTaskSizeMaxHi: number | null;
  /** Where a decode the straight path does not take is left for the general path (VeEngine.decoded). */
  readonly leave: { plan: VePlan | null };
}

const RIP_LO = 2 * SLOT.RIP;
const Q = frameWord;

/** Generates the engine's straight path, or null where code cannot be generated (generated.ts). */
export function straightCode(engine: StraightEngine): StraightCode | null {
  const r = engine.result;
  const fetch = fetchPart(engine);
  return generate<StraightCode>({
    f: engine.frame, q: engine.frame.words, host: engine.host, r, va: r.address, g: engine.veWords, v: engine.operand,
    memory: engine.memory, window: engine.window, decode: engine.decode.decode, rec: engine.decode.words, p: engine.plan,
    leave: engine.leave, glaNotKernel, registerOperandWords, plainAccessWords, ...fetch.constants,
  }, (id) => straightSource(engine, fetch, id));
}

/** Step 2's fetch of the 15 bytes at RIP (CPL 0): written out for a MappedMemory, else memory's call. */
function fetchPart(engine: StraightEngine): GeneratedPart {
  const m = engine.memory, short = "return false;";
  if (m instanceof MappedMemory) return m.fetcher.fetchSource("w", RIP_LO, 0, engine.window, short);
  const call = m.fetchCodeAt !== undefined ? `memory.fetchCodeAt(w, ${RIP_LO}, 0, window, 15)` : `memory.fetchCode(w[${RIP_LO}], w[${RIP_LO + 1}], 0, window, 15)`;
  return { constants: {}, lines: [`if (${call} < 15) ${short}`] };
}

/** The source that returns the straight path (its constants are straightCode()'s names): runDecoded and finish(), step by step. */
function straightSource(engine: StraightEngine, fetch: GeneratedPart, id: string): string {
  const lines: string[] = [`"use strict"; // #VE straight path ${id}`, "return function straight(w) {"];
  const add = (line: string) => lines.push("  " + line);
  // The shared bit of ve.gpa (bit 47 or 51: in its high word), then step 6.
  add(`if (((g[1] >>> ${int(engine.sharedBitPosition - 32, 0, 31)}) & 1) === 0) return false;`);
  if (engine.glaTaskSizeMaxHi !== null) add(`if (glaNotKernel(g, ${int(engine.glaTaskSizeMaxHi, 0)})) return false;`);
  // Steps 2-3: the 15 bytes at RIP, then the decode, its record copied into the plan as VePlan.unpack does.
  for (const line of fetch.lines) add(line);
  add("decode();");
  const W = PLAN_WORD;
  add(`p.kernel = ${bool(engine.decode.kernel)};`);
  add(`const pk = p.packedKind = rec[${W.kind}], pv = p.packedVerdict = rec[${W.verdict}], pa = p.packedAddress = rec[${W.address}];`);
  add(`const dLo = p.dispLo = rec[${W.dispLo}], dHi = p.dispHi = rec[${W.dispHi}], iLo = p.immLo = rec[${W.immLo}], iHi = p.immHi = rec[${W.immHi}];`);
  add("if (!plainAccessWords(pv, pa, pk)) { leave.plan = p; return false; }");
  // The plan's fields, as VePlan's accessors read them from its packed words.
  add("const base = pa & 0xff, size = (pk >>> 8) & 0xff, reg = (pk >>> 16) & 0xff, kind = pk & 0xff, length = (pv >>> 8) & 0xff;");
  // The address: the displacement plus the base register, if any; one that crosses a page is the general path's.
  add("let lo = dLo, hi = dHi;");
  add(`if (base !== ${int(REG_NONE)}) { lo = (dLo + w[2 * base]) >>> 0; hi = (hi + w[2 * base + 1] + (lo < dLo ? 1 : 0)) >>> 0; }`);
  add("if ((lo & 0xfff) + size > 4096) { leave.plan = p; return false; }");
  add("va[0] = lo; va[1] = hi;");
  add(`const read = kind === ${int(KIND.read)};`);
  // The request (R15: a write's value, 0 for reads).
  for (const line of requestSource("size", null)) add(line);
  const R13 = Q(FRAME.R13), R15 = Q(FRAME.R15);
  add(`if (read) { q[${R13}] = 0; q[${R15}] = 0; q[${R15 + 1}] = 0; }`);
  add(`else if (kind === ${int(KIND.write_imm)}) { q[${R13}] = 1; q[${R15}] = v[0] = iLo; q[${R15 + 1}] = v[1] = iHi; }`);
  add(`else { registerOperandWords(w, 2 * reg, size, false, v); q[${R13}] = 1; q[${R15}] = v[0]; q[${R15 + 1}] = v[1]; }`);
  // The answer, and the result as finish() keeps it.
  for (const line of answerSource("if (r.entry !== null || r.plan !== p) { r.entry = null; r.plan = p; }")) add(line);
  const DATA = Q(FRAME.DATA);
  add("const slot = read ? reg : -1;");
  add("r.slot = slot;");
  // A 4-byte read zeroes bits 63:32 in both readings.
  add(`if (slot >= 0) { const at = 2 * slot; r.oldLo = w[at]; r.oldHi = w[at + 1]; w[at] = q[${DATA}]; w[at + 1] = size === 8 ? q[${DATA + 1}] : 0; }`);
  for (const line of completedSource("length")) add(line);
  lines.push("};");
  return lines.join("\n");
}
