// Fuzz suite for the decoder API (issue 10): random calls with random, often hostile, arguments,
// nested calls from callbacks, callbacks that throw, forced memory growth in the middle of a run.
// Asserted: a call with a bad argument throws a DecodeError (never a TypeError, RangeError or WASM
// trap, never silently succeeds); a valid call answers exactly as a fresh decoder given the same
// call alone; after every refused call the decoder still answers as a fresh one.
// Seeded: the seed is in the test name; VE_MMIO_FUZZ_SEED=<n> reproduces a run (VE_MMIO_FUZZ_OPS
// sets its length).
import { describe, it, expect } from "vitest";
import { newDecoder } from "../../src/decoder/node.js";
import { DecodeError, type BatchMode, type VeDecoder } from "../../src/decoder/engine.js";
import { VePlan } from "../../src/decoder/plan.js";
import type { DecodedInsn } from "../../src/decoder/record.js";
import { rng, structuredWindows } from "../support/random.js";

const SEED = Number(process.env.VE_MMIO_FUZZ_SEED ?? process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);
const OPS = Number(process.env.VE_MMIO_FUZZ_OPS ?? 2_000);
const MAX_DEPTH = 2;
/** Largest forced-growth buffer: memory grows in steps up to about this. */
const MAX_GROWTH = 64 << 20;

const dut = await newDecoder(); // the decoder under test
const ref = await newDecoder(); // the reference: only ever sees one valid call at a time
/** Captured once: it must stay the decoder's fetch window whatever happens to decoder memory. */
const window = dut.fetchWindow;

const r = rng(SEED);
const int = (n: number) => Math.floor(r() * n);
const chance = (p: number) => r() < p;
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

/** A value thrown by a fuzz callback: the call must pass it through unchanged. */
class Sentinel { constructor(readonly id: number) {} }
let sentinels = 0;

const BAD_BYTES: unknown[] = [[0x90, 0x90], "9090", null, undefined, 42, new Uint16Array(4), {}, new ArrayBuffer(8), new DataView(new ArrayBuffer(4))];
const BAD_IP: unknown[] = [-1n, 2n ** 64n, 2n ** 70n, -1, 0.5, NaN, Infinity, 2 ** 53, "16", null, {}];
const BAD_CHUNK: unknown[] = [NaN, Infinity, -Infinity, 0, -3, 0.5, "8", 1n, {}];
const GOOD_CHUNK = [undefined, 1, 2, 3, 7, 64, 1000, 65536, 2 ** 20, 2 ** 30, 2 ** 32, 2 ** 40];
const BAD_MODE: unknown[] = ["lenght", "", "LENGTH", "toString", "__proto__", 0, {}, true];
const MODES: BatchMode[] = ["length", "classify", "full", "mmio"];
const BAD_CALLBACK: unknown[] = [null, 5, {}, "f", []];
const BAD_PLAN_LEN: unknown[] = [0, 16, -1, 0.5, NaN, Infinity, "3", 2 ** 32 + 1];
const BAD_PLAN: unknown[] = [{}, null, new Uint32Array(6), { unpack: 1 }];

const tally = { calls: 0, valid: 0, refused: new Map<string, number>(), nested: 0, thrownThrough: 0, growths: 0, compared: 0 };
const failures: string[] = [];
let op = 0;
/** Nested runs left for the current top-level call (a 1-record chunking would otherwise nest thousands). */
let nestBudget = 0;
let growth = 1 << 20;

function fail(what: string): void {
  if (failures.length < 20) failures.push(`op ${op}, call ${tally.calls}: ${what}`);
}

/** Instruction-shaped bytes, random bytes, or prefix runs (too long), `len` of them. */
function input(len: number): Uint8Array {
  const kind = int(10);
  if (kind < 5) return structuredWindows(Math.ceil(len / 16) + 1, 16, int(2 ** 31)).slice(0, len);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = kind < 8 ? int(256) : chance(0.8) ? pick([0x66, 0x67, 0xf3, 0x2e, 0x40]) : int(256);
  return out;
}

const inputLength = () => pick([0, 1, 2, 15, 16, 17, 100, int(64), int(2000), int(20_000)]);

function goodIp(): bigint | number {
  return pick([() => 0n, () => BigInt(int(2 ** 31)) << 32n, () => 2n ** 64n - BigInt(1 + int(40)), () => int(2 ** 31), () => Number.MAX_SAFE_INTEGER])();
}

/** A stable text of a decode result (bigints and bytes included) for equality. */
function show(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
}

/**
 * Runs one call. `valid`: whether the arguments are valid. Returns the call's answer, or undefined
 * if it was refused or a callback's Sentinel came through (then nothing is compared).
 */
function attempt<T>(name: string, valid: boolean, call: () => T, own?: Set<number>): { ok: true; value: T } | { ok: false } {
  tally.calls++;
  try {
    const value = call();
    if (!valid) fail(`${name}: a bad argument was accepted`);
    else tally.valid++;
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Sentinel && own?.has(e.id)) {
      tally.thrownThrough++;
      return { ok: false };
    }
    if (e instanceof DecodeError) {
      if (valid) fail(`${name}: valid call refused: ${e.code}: ${e.message}`);
      tally.refused.set(e.code, (tally.refused.get(e.code) ?? 0) + 1);
      probe(name);
      return { ok: false };
    }
    fail(`${name}: untyped ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`);
    return { ok: false };
  }
}

function same(name: string, got: string, want: string): void {
  tally.compared++;
  if (got !== want) fail(`${name}: answer differs from a fresh decoder's: ${got.slice(0, 200)} vs ${want.slice(0, 200)}`);
}

/** After a refused call: the decoder still answers as a fresh one. */
function probe(after: string): void {
  const bytes = input(15 + int(20));
  if (bytes.length === 0) return;
  try {
    same(`probe after ${after}`, show(dut.decode(bytes)), show(ref.decode(bytes)));
  } catch (e) {
    fail(`probe after ${after}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** A callback body: sometimes nested calls, sometimes forced growth, sometimes a throw. */
function callbackBody(depth: number, own: Set<number>): void {
  if (depth < MAX_DEPTH && nestBudget > 0 && chance(0.3)) {
    nestBudget--;
    tally.nested++;
    for (let i = int(3); i >= 0; i--) step(depth + 1);
  }
  if (chance(0.05)) grow();
  if (chance(0.06)) {
    const s = new Sentinel(++sentinels);
    own.add(s.id);
    throw s;
  }
}

/** Forces decoder memory to grow (a larger buffer than ever before), checking the answer too. */
function grow(): void {
  if (growth > MAX_GROWTH) return;
  const bytes = new Uint8Array(growth); // zero bytes: ADD [RAX], AL, two bytes each
  growth += 2 << 20;
  tally.growths++;
  attempt("grow", true, () => dut.decodeWindows(bytes, 16, "length", (rec) => {
    if (rec.length !== bytes.length / 4 || rec[0] !== 2 || rec[rec.length - 4] !== 2) fail("grow: wrong records");
  }));
}

function opDecode(): void {
  const validBytes = chance(0.85);
  const validIp = chance(0.85);
  const bytes = validBytes ? input(1 + int(20)) : pick(BAD_BYTES);
  const ip = validIp ? goodIp() : pick(BAD_IP);
  const got = attempt("decode", validBytes && validIp, () => dut.decode(bytes as Uint8Array, ip as bigint));
  if (got.ok) same("decode", show(got.value), show(ref.decode(bytes as Uint8Array, ip as bigint)));
}

function opLengthOf(): void {
  const valid = chance(0.85);
  const bytes = valid ? input(int(20)) : pick(BAD_BYTES);
  const got = attempt("lengthOf", valid, () => dut.lengthOf(bytes as Uint8Array));
  if (got.ok) same("lengthOf", String(got.value), String(ref.lengthOf(bytes as Uint8Array)));
}

function opIterate(depth: number): void {
  const bytes = input(inputLength());
  let start = int(bytes.length + 1);
  let end = start + int(bytes.length - start + 1);
  let valid = true;
  if (chance(0.15)) {
    valid = false;
    [start, end] = pick([[-1, end], [start, bytes.length + 1], [end + 1, end], [0.5, end], [start, NaN]]);
  }
  const ip = chance(0.9) ? goodIp() : (valid = false, pick(BAD_IP));
  const got = attempt("iterate", valid, () => dut.iterate(bytes, ip as bigint, start, end));
  if (!got.ok) return;
  // Step through it with other calls in between (they must not disturb it).
  const steps: DecodedInsn[] = [];
  const it = got.value;
  for (;;) {
    const n = attempt("iterate.next", true, () => it.next());
    if (!n.ok || n.value.done) break;
    steps.push(n.value.value);
    if (depth < MAX_DEPTH && nestBudget > 0 && chance(0.1)) {
      nestBudget--;
      step(depth + 1);
    }
  }
  same("iterate", show(steps), show([...ref.iterate(bytes, ip as bigint, start, end)]));
}

function opWindows(depth: number): void {
  const stride = pick([1, 2, 15, 16, 17, 32]);
  const good = input(stride * int(400));
  let valid = true;
  let bytes: unknown = good;
  let s: unknown = stride;
  let mode: unknown = pick(["length", "full"]);
  let cb: unknown = null;
  const own = new Set<number>();
  let seen: Uint8Array | null = null;
  cb = (records: Uint8Array) => {
    seen = records.slice(); // before any nested call: that may detach the view
    callbackBody(depth, own);
  };
  const bad = chance(0.2) ? int(4) : -1;
  if (bad === 0) bytes = pick(BAD_BYTES);
  if (bad === 1) s = good.length > 0 ? pick([0, -1, 0.5, NaN, good.length + 1]) : pick([0, -1, 0.5, NaN]);
  if (bad === 2) mode = pick(["mmio", "classify", ...BAD_MODE]);
  if (bad === 3) cb = pick(BAD_CALLBACK);
  valid = bad < 0;
  const got = attempt("decodeWindows", valid, () => dut.decodeWindows(bytes as Uint8Array, s as number, mode as "full", cb as () => void), own);
  if (!got.ok) return;
  let want: Uint8Array | null = null;
  ref.decodeWindows(good, stride, mode as "full", (v) => { want = v.slice(); });
  same("decodeWindows", Buffer.from(seen!).toString("base64"), Buffer.from(want!).toString("base64"));
}

function opBatch(depth: number): void {
  const bytes = input(inputLength());
  const mode = pick(MODES);
  const ranges: [number, number][] = [];
  for (let i = int(5); i > 0; i--) {
    const s = int(bytes.length + 1);
    ranges.push([s, s + int(bytes.length - s + 1)]);
  }
  let options: unknown = { mode, chunkRecords: pick(GOOD_CHUNK), ranges: ranges.length > 0 || chance(0.5) ? ranges : undefined };
  let arg: unknown = bytes;
  const own = new Set<number>();
  const recs: Uint8Array[] = [];
  const fulls: Uint8Array[] = [];
  let cb: unknown = (c: { records: Uint8Array; full: Uint8Array; count: number; fullCount: number }) => {
    recs.push(c.records.slice());
    fulls.push(c.full.slice());
    callbackBody(depth, own);
  };
  const bad = chance(0.25) ? int(6) : -1;
  if (bad === 0) arg = pick(BAD_BYTES);
  if (bad === 1) options = { mode, chunkRecords: pick(BAD_CHUNK) };
  if (bad === 2) options = { mode: pick(BAD_MODE) };
  if (bad === 3) options = { ranges: pick<unknown>(["x", {}, [[0, bytes.length + 1]], [[-1, 0]], [[2, 1]], [[0, 0.5]], [null], [[0]], [[0, 1, 2]], [["0", "1"]], [[0, NaN]]]) };
  if (bad === 4) options = pick([null, 5, "x"]);
  if (bad === 5) cb = pick(BAD_CALLBACK);
  const got = attempt("batch", bad < 0, () => dut.batch(arg as Uint8Array, options as object, cb as () => void), own);
  if (!got.ok) return;
  const want: Uint8Array[] = [];
  const wantFull: Uint8Array[] = [];
  const summary = ref.batch(bytes, { mode, ranges: (options as { ranges?: [number, number][] }).ranges }, (c) => {
    want.push(c.records.slice());
    wantFull.push(c.full.slice());
  });
  same(`batch ${mode}`, show([got.value, Buffer.concat(recs), Buffer.concat(fulls)]), show([summary, Buffer.concat(want), Buffer.concat(wantFull)]));
}

function opPlan(): void {
  const bytes = input(15);
  let len: unknown = 1 + int(15);
  let plan: unknown = new VePlan();
  const bad = chance(0.2) ? int(2) : -1;
  if (bad === 0) len = pick(BAD_PLAN_LEN);
  if (bad === 1) plan = pick(BAD_PLAN);
  const kernel = chance(0.5);
  if (window.length !== 15 || dut.fetchWindow !== window) {
    fail(`decodePlan: the captured fetch window went stale (length ${window.length})`);
    return;
  }
  window.set(bytes);
  ref.fetchWindow.set(bytes);
  if (chance(0.3)) { // the traced #VE's decode: the full record and the plan from one decode
    const got = attempt("decodeWithPlan", bad < 0, () => dut.decodeWithPlan(len as number, plan as VePlan, kernel, 0x1000n));
    if (!got.ok) return;
    const want = new VePlan();
    same("decodeWithPlan", show([got.value, (plan as VePlan).toJSON()]), show([ref.decodeWithPlan(len as number, want, kernel, 0x1000n), want.toJSON()]));
    return;
  }
  const got = attempt("decodePlan", bad < 0, () => dut.decodePlan(len as number, plan as VePlan, kernel));
  if (!got.ok) return;
  same("decodePlan", show(got.value?.toJSON()), show(ref.decodePlan(len as number, new VePlan(), kernel).toJSON()));
}

/** One random call (or, inside callbacks, a nested one). */
function step(depth: number): void {
  try {
    dispatch(depth);
  } catch (e) {
    fail(`escaped: ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`); // e.g. from the reference
  }
}

function dispatch(depth: number): void {
  const k = int(100);
  if (k < 20) opDecode();
  else if (k < 27) opLengthOf();
  else if (k < 40) opIterate(depth);
  else if (k < 55) opWindows(depth);
  else if (k < 82) opBatch(depth);
  else if (k < 96) opPlan();
  else if (k < 98) grow();
  else dut.setExhaustiveKernelDecode(chance(0.5)); // a verification switch: answers must not change
}

describe("decoder API fuzz", () => {
  it(`${OPS} random calls with hostile arguments, nesting, throwing callbacks and memory growth (seed ${SEED}; VE_MMIO_FUZZ_SEED reproduces)`, () => {
    console.log(`decoder API fuzz: seed ${SEED} (VE_MMIO_FUZZ_SEED=${SEED} reproduces)`);
    for (op = 0; op < OPS; op++) {
      nestBudget = 8;
      step(0);
    }
    dut.setExhaustiveKernelDecode(false);
    console.log(`decoder API fuzz: ${tally.calls} calls (${tally.valid} valid, answers compared ${tally.compared}), refused ${JSON.stringify(Object.fromEntries(tally.refused))}, ${tally.nested} nested runs, ${tally.thrownThrough} callback throws passed through, ${tally.growths} forced growths, failures ${failures.length}`);
    expect(failures).toEqual([]);
    expect(tally.valid).toBeGreaterThan(OPS / 2);
    expect(tally.refused.size).toBeGreaterThanOrEqual(3); // bad_input, bad_option, bad_range
    expect(tally.nested).toBeGreaterThan(0);
    expect(tally.growths).toBeGreaterThan(0);
  });
});
