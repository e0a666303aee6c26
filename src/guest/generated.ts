// What the #VE engine's generated code has in common (site-code.ts: a hot cached site's own code;
// straight-code.ts: an engine's uncached straight path): the source is made with numbers written
// in, each through int(), u32() or bool(), which refuse anything that is not one; each source gets a
// number of its own, so V8's compilation cache never hands two of them one function (and one set
// of constants: V8 compiles a function that has only ever had one closure with what it holds as
// constants, which is what makes generated code fast); and where code generation is refused (a
// Content Security Policy without 'unsafe-eval', Node's --disallow-code-generation-from-strings:
// `new Function` throws an EvalError), nothing is generated again in this realm and the engine keeps
// its generic paths.

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

/** `b` as it goes into a source. */
export const bool = (b: boolean): string => (b === true ? "true" : "false");
