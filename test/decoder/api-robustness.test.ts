// Issue 10, decoder API: every call gives the right answer or a typed DecodeError, and a refused
// call changes nothing (the next valid call answers as a fresh decoder would).
import { describe, it, expect } from "vitest";
import { newDecoder } from "../../src/decoder/node.js";
import { DecodeError, MAX_CHUNK_RECORDS, type BatchChunk, type BatchMode, type VeDecoder } from "../../src/decoder/engine.js";
import { FULL_SIZE } from "../../src/decoder/layout.js";
import { VePlan } from "../../src/decoder/plan.js";
import { structuredWindows } from "../support/random.js";
import { hex } from "../support/decoder.js";

const decoder: VeDecoder = await newDecoder();

/** Every record of a batch run, concatenated (compact or full records; mmio full records apart). */
function records(d: VeDecoder, bytes: Uint8Array, mode: BatchMode, chunkRecords?: number, inside?: () => void): { rec: Buffer; full: Buffer; n: number } {
  const rec: Uint8Array[] = [];
  const full: Uint8Array[] = [];
  const s = d.batch(bytes, { mode, chunkRecords }, (c: BatchChunk) => {
    rec.push(c.records.slice());
    full.push(c.full.slice());
    inside?.();
  });
  return { rec: Buffer.concat(rec), full: Buffer.concat(full), n: s.instructions };
}

/** Equal runs (a boolean: deep equality of large buffers is slow in expect()). */
function same(a: ReturnType<typeof records>, b: ReturnType<typeof records>): boolean {
  return a.n === b.n && a.rec.equals(b.rec) && a.full.equals(b.full);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    return `untyped ${(e as Error).name}: ${(e as Error).message}`;
  }
  return "no error";
}

const input = structuredWindows(2_000, 16, 7);

describe("batch chunkRecords (item 1)", () => {
  it("huge values are clamped to MAX_CHUNK_RECORDS: same records as the default chunking, no trap", () => {
    for (const mode of ["length", "mmio", "full", "classify"] as const) {
      const want = records(decoder, input, mode);
      for (const n of [2 ** 30, 2 ** 32, 2 ** 40, MAX_CHUNK_RECORDS + 1]) {
        expect(same(records(decoder, input, mode, n), want), `${mode} ${n}`).toBe(true);
      }
    }
  });

  it("NaN, Infinity, fractions, zero and negatives are a typed bad_option", () => {
    for (const n of [NaN, Infinity, -Infinity, 0.5, 0, -1, 1.5, "8" as unknown as number]) {
      expect(code(() => decoder.batch(input, { chunkRecords: n }, () => undefined)), String(n)).toBe("bad_option");
    }
  });

  it("small chunks give the same records as one chunk", () => {
    const one = records(decoder, input, "mmio", MAX_CHUNK_RECORDS);
    expect(same(records(decoder, input, "mmio", 1), one)).toBe(true);
    expect(same(records(decoder, input, "mmio", 7), one)).toBe(true);
  });
});

describe("reentrant calls (item 2)", () => {
  it("a batch or a large decodeWindows inside a batch callback leaves the outer run intact", () => {
    const big = structuredWindows(100_000 / 16, 16, 11);
    for (const mode of ["length", "mmio", "full"] as const) {
      const want = records(decoder, big, mode, 5000);
      let calls = 0;
      const inner = () => {
        records(decoder, input, "full", 13);
        // Once in a run: large enough to grow decoder memory (the outer views detach).
        if (calls++ === 1) decoder.decodeWindows(new Uint8Array(16 << 20), 16, "full", () => undefined);
      };
      const got = records(decoder, big, mode, 5000, inner);
      expect(got.n, mode).toBe(want.n);
      expect(same(got, want), mode).toBe(true);
    }
  });

  it("inner calls answer as on their own", () => {
    const want = records(decoder, input, "mmio");
    let inner = false;
    decoder.batch(structuredWindows(100, 16, 5), { mode: "full", chunkRecords: 10 }, () => { inner = same(records(decoder, input, "mmio"), want); });
    expect(inner).toBe(true);
  });
});

describe("fetch window and decodePlan (item 3)", () => {
  it("a captured fetchWindow still feeds decodePlan after decoder memory grew", async () => {
    const d = await newDecoder();
    const window = d.fetchWindow;
    window.set(hex("8B 07"));
    const before = d.decodePlan(2, new VePlan(), true).toJSON();
    d.decodeWindows(new Uint8Array(16 * 1_000_000), 16, "full", () => undefined); // grows memory
    expect(window.length).toBe(15);
    window.set(hex("89 07")); // a write now
    const after = d.decodePlan(2, new VePlan(), true);
    expect(after.kind).not.toBe(before.kind);
    expect(after.kind).toBe(2); // write
    const fresh = await newDecoder();
    fresh.fetchWindow.set(hex("89 07"));
    expect(after.toJSON()).toEqual(fresh.decodePlan(2, new VePlan(), true).toJSON());
    expect(d.decodeWithPlan(2, new VePlan(), true, 0n).linux).toMatchObject({ emulated: true, access: { kind: "write" } });
  });

  it("a length that is not 1-15 or a plan that is not a VePlan is a typed bad_input", () => {
    for (const len of [NaN, 0.5, 0, -1, 16, Infinity, "2" as unknown as number]) {
      expect(code(() => decoder.decodePlan(len, new VePlan(), true)), String(len)).toBe("bad_input");
    }
    expect(code(() => decoder.decodePlan(2, {} as VePlan, true))).toBe("bad_input");
  });

  it("a kernel profile that is not one is a bad_option, as the first call and right after a valid one", async () => {
    const fresh = await newDecoder();
    fresh.fetchWindow.set(hex("8B 07"));
    for (const kernel of [null, undefined]) expect(code(() => fresh.decodePlan(2, new VePlan(), kernel as unknown as boolean))).toBe("bad_option");
    decoder.fetchWindow.set(hex("8B 07"));
    for (const kernel of [null, undefined, "", "6.2", 1, {}]) {
      decoder.decodePlan(2, new VePlan(), "6.1");
      decoder.decodePlan(2, new VePlan(), true);
      expect(code(() => decoder.decodePlan(2, new VePlan(), kernel as unknown as boolean)), String(kernel)).toBe("bad_option");
    }
    expect(decoder.decodePlan(2, new VePlan(), "6.1")).toMatchObject({ kernel: true, kind: 1, length: 2 });
  });
});

describe("full records (item 4)", () => {
  it("bytes 86-95 of every full record are zero whatever was in decoder memory before", () => {
    const d = decoder;
    d.batch(new Uint8Array(1 << 20).fill(0xff), { mode: "length" }, () => undefined);
    let dirty = 0;
    d.batch(input, { mode: "full" }, (c) => {
      for (let i = 0; i < c.count; i++) for (let b = 86; b < FULL_SIZE; b++) dirty |= c.records[i * FULL_SIZE + b];
    });
    d.decodeWindows(new Uint8Array(1 << 20).fill(0xee), 16, "length", () => undefined);
    d.decodeWindows(input, 16, "full", (r) => {
      for (let i = 0; i < r.length; i += FULL_SIZE) for (let b = 86; b < FULL_SIZE; b++) dirty |= r[i + b];
    });
    d.batch(new Uint8Array(1 << 20).fill(0xdd), { mode: "length" }, () => undefined);
    d.batch(input, { mode: "mmio" }, (c) => {
      for (let i = 0; i < c.fullCount; i++) for (let b = 86; b < FULL_SIZE; b++) dirty |= c.full[i * FULL_SIZE + b];
    });
    expect(dirty).toBe(0);
  });
});

describe("arguments (item 5)", () => {
  it("an unknown mode is a typed bad_option", () => {
    expect(code(() => decoder.batch(input, { mode: "lenght" as BatchMode }, () => undefined))).toBe("bad_option");
    expect(code(() => decoder.decodeWindows(input, 16, "mmio" as "full", () => undefined))).toBe("bad_option");
  });

  it("ip must be a 64-bit address; a safe non-negative Number is accepted", () => {
    for (const ip of [2n ** 70n, 2n ** 64n, -1n, -1, 0.5, NaN, 2 ** 53, "0" as unknown as bigint, null as unknown as bigint]) {
      expect(code(() => decoder.decode(hex("90"), ip as bigint)), String(ip)).toBe("bad_input");
      expect(code(() => decoder.iterate(hex("90"), ip as bigint)), String(ip)).toBe("bad_input");
    }
    expect(decoder.decode(hex("90"), 0x1000 as unknown as bigint).ip).toBe(0x1000n);
    expect(decoder.decode(hex("90"), 2n ** 64n - 1n).ip).toBe(2n ** 64n - 1n);
  });

  it("iterate wraps the address at 2^64 as the CPU's RIP does", () => {
    const ips = [...decoder.iterate(hex("90 90 90"), 2n ** 64n - 2n)].map((i) => i.ip);
    expect(ips).toEqual([2n ** 64n - 2n, 2n ** 64n - 1n, 0n]);
  });

  it("bytes that are not a Uint8Array are a typed bad_input", () => {
    for (const bytes of [[0x90], "90", null, undefined, 42, new Uint16Array(2), {}] as unknown as Uint8Array[]) {
      expect(code(() => decoder.decode(bytes)), String(bytes)).toBe("bad_input");
      expect(code(() => decoder.lengthOf(bytes)), String(bytes)).toBe("bad_input");
      expect(code(() => decoder.iterate(bytes)), String(bytes)).toBe("bad_input");
      expect(code(() => decoder.batch(bytes, {}, () => undefined)), String(bytes)).toBe("bad_input");
      expect(code(() => decoder.decodeWindows(bytes, 1, "length", () => undefined)), String(bytes)).toBe("bad_input");
    }
  });

  it("bad ranges, options and callbacks are typed", () => {
    const b = hex("90 90");
    const bad = [[[0, 3]], [[-1, 1]], [[1, 0]], [[0, 0.5]], [null], [[0]], "x", [[0, NaN]], [["0", "1"]]] as unknown as [number, number][][];
    for (const ranges of bad) expect(code(() => decoder.batch(b, { ranges }, () => undefined)), JSON.stringify(ranges)).toMatch(/^bad_(range|option)$/);
    expect(code(() => decoder.batch(b, null as unknown as object, () => undefined))).toBe("bad_option");
    expect(code(() => decoder.batch(b, {}, null as unknown as () => void))).toBe("bad_option");
    expect(code(() => decoder.decodeWindows(b, 1, "length", 5 as unknown as () => void))).toBe("bad_option");
    for (const stride of [0, -1, 3, 0.5, NaN]) expect(code(() => decoder.decodeWindows(b, stride, "length", () => undefined))).toBe("bad_range");
  });

  it("a 4 GiB input is a typed too_large, and nothing changes", () => {
    let huge: Uint8Array;
    try {
      huge = new Uint8Array(2 ** 32);
    } catch {
      return; // this host cannot even create it
    }
    const want = records(decoder, input, "mmio");
    expect(code(() => decoder.batch(huge, {}, () => undefined))).toBe("too_large");
    expect(code(() => decoder.decodeWindows(huge, 16, "length", () => undefined))).toBe("too_large");
    expect(same(records(decoder, input, "mmio"), want)).toBe(true);
  });
});
