// SHA-384 and the TD's build-time measurement.
import { describe, it, expect } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { Sha384 } from "../../src/machine/sha384.js";
import { Td } from "../../src/machine/td.js";
import { decoder } from "../support/decoder.js";

describe("SHA-384", () => {
  it("matches node:crypto for empty, short, block-boundary and long inputs, incrementally", () => {
    for (const len of [0, 3, 111, 112, 127, 128, 129, 1000, 10000]) {
      const data = randomBytes(len);
      const ours = new Sha384();
      ours.update(data.subarray(0, len >> 1)).update(data.subarray(len >> 1));
      expect(Buffer.from(ours.digest()).toString("hex"), `len ${len}`).toBe(createHash("sha384").update(data).digest("hex"));
    }
    expect(Buffer.from(new Sha384().update(new TextEncoder().encode("abc")).digest()).toString("hex"))
      .toBe("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  });
});

describe("TD measurement", () => {
  const build = (bytes: Uint8Array, measure: boolean) => {
    const td = new Td(decoder);
    td.addPrivateRegion(0x100000n, bytes, { measure });
    return td;
  };
  it("depends on the GPAs always and on the contents only when measured", () => {
    const a = Uint8Array.of(1, 2, 3), b = Uint8Array.of(1, 2, 4);
    expect(build(a, false).measurement).toBe(build(b, false).measurement);
    expect(build(a, true).measurement).not.toBe(build(b, true).measurement);
    const moved = new Td(decoder);
    moved.addPrivateRegion(0x200000n, a);
    expect(moved.measurement).not.toBe(build(a, false).measurement);
  });
  it("is frozen by finalize (adding regions is refused)", () => {
    const td = build(Uint8Array.of(1), true);
    const m = td.measurement;
    td.finalize();
    expect(() => td.addPrivateRegion(0x300000n, 4096)).toThrow(/created TD/);
    expect(td.measurement).toBe(m);
  });
});
