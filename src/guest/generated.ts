// What the #VE engine's generated code has in common (site-code.ts: a hot cached site's own code;
// straight-code.ts: an engine's uncached straight path): the source is made with numbers written
// in, each through int(), u32() or bool(), which refuse anything that is not one; each source gets a
// number of its own, so V8's compilation cache never hands two of them one function (and one set
// of constants: V8 compiles a function that has only ever had one closure with what it holds as
// constants, which is what makes generated code fast); and where code generation is refused (a
// Content Security Policy without 'unsafe-eval', Node's --disallow-code-generation-from-strings:
// `new Function` throws an EvalError), nothing is generated again in this realm and the engine keeps
// its generic paths. The #VE's end (the MMIO request, the host's answer, RIP) is written here once
// for both.
import { SLOT } from "./cpu.js";
import { FRAME, EXPOSE_MASK_WORD, EPT_VIOLATION_WORD } from "../tdvmcall/abi.js";

let allowed = true;
let sources = 0;

/**
 * The function `body` returns, made with `constants` (name -> value) in its closure; null where
 * code generation is refused. `body` is given the unique number `id` to write into its source.
 */
export function generate<F>(constants: Record<string, unknown>, body: (id: string) => string): F | null {
  if (!allowed) return null;
  const names = Object.keys(constants);
  let make: (...values: unknown[]) => F;
  try {
    make = new Function(...names, body(int(++sources, 1, Number.MAX_SAFE_INTEGER))) as typeof make;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e; // a generator wrote a source that does not parse
    allowed = false;
    return null;
  }
  return make(...names.map((n) => constants[n]));
}

/** `v` as it goes into a source: an integer in [min, max], else a RangeError (nothing else is written). */
export function int(v: number, min = -0x80000000, max = 0xffffffff): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`not a number for generated code: ${String(v)}`);
  return String(v);
}

/** A 32-bit half (signed or not) as it goes into a source: its unsigned value. */
export function u32(v: number): string {
  int(v);
  return String(v >>> 0);
}

/** A name as it goes into a source: an identifier, else a RangeError. */
export function identifier(name: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new RangeError(`not an identifier for generated code: ${name}`);
  return name;
}

/** Source lines that another file's object writes for generated code, with the constants they name. */
export interface GeneratedPart {
  readonly constants: Readonly<Record<string, unknown>>;
  readonly lines: readonly string[];
}

/** `b` as it goes into a source. */
export const bool = (b: boolean): string => (b === true ? "true" : "false");

const RIP_LO = 2 * SLOT.RIP;
/** A frame register's word offset (bits 31:0; bits 63:32 at + 1). */
export const frameWord = (register: number): number => 2 * register;

/**
 * Source: RIP into `ripLo`/`ripHi`, then the MMIO request in the frame's words `q`
 * (TdvmcallFrame.mmioWords' layout) for ve.gpa (`g`) but R15: `size` and `write` (1 or 0) are
 * expressions of the caller's source; `write` null leaves R13's low word to the caller (the straight
 * path writes it beside R15 in each of its branches, as the code measured in docs/performance-log.md).
 */
export function requestSource(size: string, write: string | null): string[] {
  const q = frameWord;
  const direction = write === null ? "" : ` q[${q(FRAME.R13)}] = ${write};`;
  return [
    `const ripLo = w[${RIP_LO}], ripHi = w[${RIP_LO + 1}];`,
    `q[${q(FRAME.RAX)}] = 0; q[${q(FRAME.RAX) + 1}] = 0; q[${q(FRAME.RCX)}] = ${int(EXPOSE_MASK_WORD)}; q[${q(FRAME.RCX) + 1}] = 0;`,
    `q[${q(FRAME.R10)}] = 0; q[${q(FRAME.R10) + 1}] = 0; q[${q(FRAME.R11)}] = ${int(EPT_VIOLATION_WORD)}; q[${q(FRAME.R11) + 1}] = 0;`,
    `q[${q(FRAME.R12)}] = ${size}; q[${q(FRAME.R12) + 1}] = 0;${direction} q[${q(FRAME.R13) + 1}] = 0;`,
    `q[${q(FRAME.R14)}] = g[0]; q[${q(FRAME.R14) + 1}] = g[1];`,
  ];
}

/**
 * Source: the TDVMCALL through `host` on frame `f`, the result's fields once the answer is in
 * (`entry` is the line that stores the result's plan and entry), and a failed TDVMCALL's answer:
 * EIO, with no register changed.
 */
export function answerSource(entry: string): string[] {
  const status = frameWord(FRAME.STATUS);
  return [
    "host.handleFrame(f);",
    "r.ripLo = ripLo; r.ripHi = ripHi;",
    entry,
    "r.calls = 1; r.insn = null; r.composite = null;",
    `if (q[${status}] !== 0 || q[${status + 1}] !== 0) { r.handled = false; r.length = 0; r.slot = -1; r.error = "EIO"; r.step = "tdvmcall"; return true; }`,
    "r.error = null; r.step = null;",
  ];
}

/** Source: RIP moves past the instruction (`length`, an expression) and the result says handled. */
export function completedSource(length: string): string[] {
  return [
    `const next = ripLo + ${length};`,
    `w[${RIP_LO}] = next;`,
    `if (next >= 0x100000000) w[${RIP_LO + 1}] = ripHi + 1;`,
    `r.handled = true; r.length = ${length};`,
    "return true;",
  ];
}
