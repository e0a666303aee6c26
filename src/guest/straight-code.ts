// An engine's uncached straight path as code of its own: VeEngine.runDecoded and finish() (the
// plainest accesses straight from their decode to the TDVMCALL, without a decode cache) generated
// once per engine, with the engine's objects, its decoder's call bound once
// (PlanDecoder.boundDecodePlan) and its configuration (shared bit, step 6, reading) written in as
// constants. Every #VE is still fetched and decoded; what the generated function saves is reading
// the engine's objects and decodePlan's arguments anew on every #VE (generated.ts says why that
// matters to V8): measured on the uncached readl, 2.40x -> 2.24x the direct TDVMCALL
// (docs/performance-log.md, seventh round). The engine keeps runDecoded for a decoder without
// boundDecodePlan and where code cannot be generated.
import { SLOT, type VeMemory } from "./cpu.js";
import { FRAME, type FrameHost, type TdvmcallFrame } from "../tdvmcall/abi.js";
import { registerOperandWords } from "./writeback.js";
import { glaNotKernel } from "./gla-check.js";
import { plainAccess, type VePlan } from "../decoder/plan.js";
import { KIND } from "../decoder/layout.js";
import { REG_NONE } from "../decoder/wasm-layout.js";
import { generate, int, frameWord, requestSource, answerSource, completedSource } from "./generated.js";

/** The uncached straight path of one engine: runDecoded's contract (true: answered; false: the general path decides). */
export type StraightCode = (w: Uint32Array) => boolean;

/** What an engine's straight path works on (each a constant of the generated code). */
export interface StraightEngine {
  readonly frame: TdvmcallFrame;
  readonly host: FrameHost;
  /** The engine's VeResult, which the code fills as finish() does. */
  readonly result: { readonly address: Uint32Array };
  readonly memory: VeMemory;
  /** The decoder's fetch window and its decodePlan bound to the engine's scratch plan and reading. */
  readonly window: Uint8Array;
  readonly decode: () => VePlan;
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
  return generate<StraightCode>({
    f: engine.frame, q: engine.frame.words, host: engine.host, r, va: r.address, g: engine.veWords, v: engine.operand,
    memory: engine.memory, window: engine.window, decode: engine.decode, leave: engine.leave,
    glaNotKernel, registerOperandWords, plainAccess,
  }, (id) => straightSource(engine, id));
}

/** The source that returns the straight path (its constants are straightCode()'s names): runDecoded and finish(), step by step. */
function straightSource(engine: StraightEngine, id: string): string {
  const lines: string[] = [`"use strict"; // #VE straight path ${id}`, "return function straight(w) {"];
  const add = (line: string) => lines.push("  " + line);
  // The shared bit of ve.gpa (bit 47 or 51: in its high word), then step 6.
  add(`if (((g[1] >>> ${int(engine.sharedBitPosition - 32, 0, 31)}) & 1) === 0) return false;`);
  if (engine.glaTaskSizeMaxHi !== null) add(`if (glaNotKernel(g, ${int(engine.glaTaskSizeMaxHi, 0)})) return false;`);
  // Steps 2-3: the 15 bytes at RIP (CPL 0), then the decode.
  if (engine.memory.fetchCodeAt !== undefined) add(`if (memory.fetchCodeAt(w, ${RIP_LO}, 0, window, 15) < 15) return false;`);
  else add(`if (memory.fetchCode(w[${RIP_LO}], w[${RIP_LO + 1}], 0, window, 15) < 15) return false;`);
  add("const p = decode();");
  add("if (!plainAccess(p)) { leave.plan = p; return false; }");
  // The address: the displacement plus the base register, if any; one that crosses a page is the general path's.
  add("const base = p.base, d = p.dispLo >>> 0, size = p.size;");
  add("let lo = d, hi = p.dispHi;");
  add(`if (base !== ${int(REG_NONE)}) { lo = (d + w[2 * base]) >>> 0; hi = (hi + w[2 * base + 1] + (lo < d ? 1 : 0)) >>> 0; }`);
  add("if ((lo & 0xfff) + size > 4096) { leave.plan = p; return false; }");
  add("va[0] = lo; va[1] = hi;");
  add(`const kind = p.kind, read = kind === ${int(KIND.read)};`);
  // The request (R15: a write's value, 0 for reads).
  for (const line of requestSource("size", null)) add(line);
  const R13 = Q(FRAME.R13), R15 = Q(FRAME.R15);
  add(`if (read) { q[${R13}] = 0; q[${R15}] = 0; q[${R15 + 1}] = 0; }`);
  add(`else if (kind === ${int(KIND.write_imm)}) { q[${R13}] = 1; q[${R15}] = v[0] = p.immLo; q[${R15 + 1}] = v[1] = p.immHi; }`);
  add(`else { registerOperandWords(w, 2 * p.reg, size, false, v); q[${R13}] = 1; q[${R15}] = v[0]; q[${R15 + 1}] = v[1]; }`);
  // The answer, and the result as finish() keeps it.
  for (const line of answerSource("if (r.entry !== null || r.plan !== p) { r.entry = null; r.plan = p; }")) add(line);
  const DATA = Q(FRAME.DATA);
  add("const slot = read ? p.reg : -1;");
  add("r.slot = slot;");
  // A 4-byte read zeroes bits 63:32 in both readings.
  add(`if (slot >= 0) { const at = 2 * slot; r.oldLo = w[at]; r.oldHi = w[at + 1]; w[at] = q[${DATA}]; w[at + 1] = size === 8 ? q[${DATA + 1}] : 0; }`);
  add("const length = p.length;");
  for (const line of completedSource("length")) add(line);
  lines.push("};");
  return lines.join("\n");
}
