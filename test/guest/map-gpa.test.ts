// MapGPA (SPEC §11): host validation, 2 MiB chunks, the guest's retry protocol and data loss.
import { describe, it, expect } from "vitest";
import { Td } from "../../src/machine/td.js";
import { Host } from "../../src/host/host.js";
import { mapGpa } from "../../src/guest/map-gpa.js";
import { STATUS, mapGpaRequest } from "../../src/tdvmcall/abi.js";
import { decoder } from "../support/decoder.js";

const SHARED = 1n << 47n;

describe("host MapGPA validation", () => {
  const host = (answers: ("ok" | "retry" | "invalid")[] = []) => {
    const exits: { gpa: bigint; pages: number; toShared: boolean }[] = [];
    const h = new Host({ gpaw: 48, mapGpa: (e) => { exits.push(e); return answers.shift() ?? "ok"; } });
    return { h, exits };
  };
  it("without the userspace opt-in it is SUBFUNC_UNSUPPORTED", () => {
    expect(new Host({ gpaw: 48 }).handle(mapGpaRequest(0x1000n, 0x1000n)).r10).toBe(STATUS.SUBFUNC_UNSUPPORTED);
  });
  it("refuses size 0, ranges beyond GPAW and ends that differ in the shared bit; alignment is ALIGN_ERROR", () => {
    const { h } = host();
    expect(h.handle(mapGpaRequest(0x1000n, 0n))).toEqual({ r10: STATUS.INVALID_OPERAND, r11: 0x1000n });
    expect(h.handle(mapGpaRequest((1n << 48n) - 0x1000n, 0x2000n)).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.handle(mapGpaRequest(SHARED - 0x1000n, 0x2000n)).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.handle(mapGpaRequest(0x1800n, 0x1000n))).toEqual({ r10: STATUS.ALIGN_ERROR, r11: 0x1800n });
    expect(h.handle(mapGpaRequest(0x1000n, 0x800n)).r10).toBe(STATUS.ALIGN_ERROR);
  });
  it("hands userspace 2 MiB chunks without the shared bit; RETRY resumes at the next unprocessed GPA", () => {
    const { h, exits } = host(["ok", "retry"]);
    const r = h.handle(mapGpaRequest(SHARED | 0x100000n, 0x500000n));
    expect(r).toEqual({ r10: STATUS.RETRY, r11: SHARED | 0x300000n });
    expect(exits).toEqual([
      { gpa: 0x100000n, pages: 512, toShared: true, type: "mapGpa" },
      { gpa: 0x300000n, pages: 512, toShared: true, type: "mapGpa" },
    ]);
  });
});

describe("guest MapGPA retry protocol", () => {
  it("resumes at R11 inside the range until done", () => {
    const answers = [{ r10: STATUS.RETRY, r11: 0x3000n }, { r10: STATUS.RETRY, r11: 0x5000n }, { r10: 0n, r11: 0n }];
    const seen: bigint[] = [];
    const r = mapGpa((req) => { seen.push(req.r12); return answers.shift()!; }, SHARED, 0x1000n, 0x8000n, false);
    expect(r).toEqual({ ok: true, calls: 3, reason: null });
    expect(seen).toEqual([0x1000n, 0x3000n, 0x5000n]);
  });
  it("fails on three no-progress retries in a row, on R11 outside the range, and on any other status", () => {
    const stuck = mapGpa(() => ({ r10: STATUS.RETRY, r11: 0x1000n }), SHARED, 0x1000n, 0x8000n, false);
    expect(stuck).toEqual({ ok: false, calls: 3, reason: "no progress after 3 retries" });
    expect(mapGpa(() => ({ r10: STATUS.RETRY, r11: 0x9000n }), SHARED, 0x1000n, 0x8000n, false).ok).toBe(false);
    expect(mapGpa(() => ({ r10: STATUS.INVALID_OPERAND, r11: 0n }), SHARED, 0x1000n, 0x8000n, false).ok).toBe(false);
  });
  it("to-shared requests carry the shared bit in both ends", () => {
    const reqs: bigint[] = [];
    mapGpa((req) => { reqs.push(req.r12, req.r13); return { r10: 0n, r11: 0n }; }, SHARED, 0x1000n, 0x3000n, true);
    expect(reqs).toEqual([SHARED | 0x1000n, 0x2000n]);
  });
});

describe("conversion loses data", () => {
  it("private -> shared -> private: the page reads as zero after accept", () => {
    const td = new Td(decoder, { mapGpa: true });
    td.addPrivateRegion(0x10000n, Uint8Array.of(1, 2, 3, 4));
    td.finalize();
    expect(Array.from(td.memory.read(0x10000n, 4))).toEqual([1, 2, 3, 4]);
    expect(td.convert(0x10000n, 4096, true).ok).toBe(true);
    expect(td.memory.kindOf(0x10000n)).toBe("shared");
    td.memory.write(0x10000n | SHARED, Uint8Array.of(9, 9));
    expect(td.convert(0x10000n, 4096, false).ok).toBe(true);
    expect(Array.from(td.memory.read(0x10000n, 4))).toEqual([0, 0, 0, 0]);
  });
  it("a host that retries forever without progress makes the conversion fail and changes nothing", () => {
    const td = new Td(decoder, { mapGpa: true, mapGpaAnswer: () => "retry" });
    td.addPrivateRegion(0x10000n, Uint8Array.of(7));
    td.finalize();
    expect(td.convert(0x10000n, 4096, true)).toMatchObject({ ok: false, calls: 3 });
    expect(td.memory.kindOf(0x10000n)).toBe("private");
    expect(td.memory.read(0x10000n, 1)[0]).toBe(7);
  });
});
