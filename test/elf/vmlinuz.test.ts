import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  bzImagePayload,
  findCompressedPayloads,
  findMagic,
  formatAt,
  PAYLOAD_MAGICS,
  searchPayloadMagics,
} from "../../src/elf/vmlinuz.js";

const XZ = PAYLOAD_MAGICS.xz;
const ZSTD = PAYLOAD_MAGICS.zstd;
const GZIP = PAYLOAD_MAGICS.gzip;

function put(buf: Uint8Array, at: number, bytes: ArrayLike<number>): void {
  buf.set(Array.from(bytes), at);
}

function putU32(buf: Uint8Array, at: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset).setUint32(at, v, true);
}

/**
 * A minimal bzImage: boot-protocol header (`HdrS`, version 2.15) whose
 * payload fields point at `payload` (followed by the 4-byte size trailer the
 * kernel build appends for xz/zstd), and decoy magics elsewhere.
 */
function fakeBzImage(payload: Uint8Array, opts: { setupSects?: number; trailer?: boolean; decoys?: boolean } = {}) {
  const setupSects = opts.setupSects ?? 3;
  const pmStart = ((setupSects || 4) + 1) * 512;
  const payloadOffset = 0x123;
  const trailer = opts.trailer ?? true;
  const total = payload.length + (trailer ? 4 : 0);
  const image = new Uint8Array(pmStart + payloadOffset + total + 64);
  image[0x1f1] = setupSects;
  put(image, 0x202, [0x48, 0x64, 0x72, 0x53]);
  image[0x206] = 0x0f;
  image[0x207] = 0x02;
  putU32(image, 0x248, payloadOffset);
  putU32(image, 0x24c, total);
  const at = pmStart + payloadOffset;
  put(image, at, payload);
  if (trailer) putU32(image, at + payload.length, 0x1234_5678);
  if (opts.decoys ?? true) {
    put(image, 0x400, GZIP); // in the setup code
    put(image, at + total + 8, ZSTD); // after the payload
  }
  return { image, at, total };
}

describe("magic search", () => {
  it("finds every occurrence, including overlapping and at the very end", () => {
    const buf = new Uint8Array(32);
    put(buf, 0, ZSTD);
    put(buf, 10, ZSTD);
    put(buf, 28, ZSTD);
    expect(findMagic(buf, ZSTD)).toEqual([0, 10, 28]);
    expect(findMagic(buf.subarray(0, 31), ZSTD)).toEqual([0, 10]);
    expect(findMagic(new Uint8Array([0xaa, 0xaa, 0xab]), [0xaa, 0xab])).toEqual([1]);
    expect(findMagic(buf, [])).toEqual([]);
  });

  it("identifies the format at an offset", () => {
    const buf = new Uint8Array(16);
    put(buf, 2, XZ);
    expect(formatAt(buf, 2)).toBe("xz");
    expect(formatAt(buf, 3)).toBeUndefined();
    expect(formatAt(buf, 14)).toBeUndefined();
  });

  it("lists xz and zstd hits in file order, then gzip as a fallback", () => {
    const buf = new Uint8Array(256);
    put(buf, 10, GZIP);
    put(buf, 50, ZSTD);
    put(buf, 100, XZ);
    put(buf, 200, GZIP);
    expect(searchPayloadMagics(buf).map((c) => [c.format, c.offset])).toEqual([
      ["zstd", 50],
      ["xz", 100],
      ["gzip", 10],
      ["gzip", 200],
    ]);
  });

  it("finds nothing in a buffer without magics", () => {
    expect(findCompressedPayloads(new Uint8Array(4096))).toEqual([]);
  });
});

describe("bzImage setup header", () => {
  it("locates the payload exactly, without the size trailer", () => {
    const payload = new Uint8Array(100);
    put(payload, 0, ZSTD);
    const { image, at } = fakeBzImage(payload);
    expect(bzImagePayload(image)).toEqual({
      format: "zstd",
      offset: at,
      source: "setup_header",
      length: 100,
      uncompressedSize: 0x1234_5678,
    });
  });

  it("reads setup_sects = 0 as 4", () => {
    const payload = new Uint8Array(40);
    put(payload, 0, XZ);
    const { image, at } = fakeBzImage(payload, { setupSects: 0 });
    expect(at).toBe(5 * 512 + 0x123);
    expect(bzImagePayload(image)?.offset).toBe(at);
  });

  it("ranks the header's payload first and drops its duplicate from the search", () => {
    const payload = new Uint8Array(64);
    put(payload, 0, XZ);
    const { image, at } = fakeBzImage(payload);
    const found = findCompressedPayloads(image);
    expect(found.map((c) => [c.format, c.source])).toEqual([
      ["xz", "setup_header"],
      ["zstd", "magic_search"],
      ["gzip", "magic_search"],
    ]);
    expect(found.filter((c) => c.offset === at)).toHaveLength(1);
  });

  it("falls back to the search when the header is missing or unusable", () => {
    const payload = new Uint8Array(64);
    put(payload, 0, XZ);
    const { image, at } = fakeBzImage(payload, { decoys: false });
    const noMagic = image.slice();
    noMagic[0x202] = 0;
    expect(bzImagePayload(noMagic)).toBeUndefined();
    expect(findCompressedPayloads(noMagic)).toEqual([{ format: "xz", offset: at, source: "magic_search" }]);
    const oldProtocol = image.slice();
    oldProtocol[0x206] = 0x04;
    expect(bzImagePayload(oldProtocol)).toBeUndefined();
    const pastEnd = image.slice();
    putU32(pastEnd, 0x24c, image.length);
    expect(bzImagePayload(pastEnd)).toBeUndefined();
    expect(bzImagePayload(image.subarray(0, 0x200))).toBeUndefined();
  });

  it("gives a gzip payload that zlib decompresses back to the kernel", () => {
    const kernel = new TextEncoder().encode("\x7fELF pretend kernel ".repeat(50));
    const gz = gzipSync(kernel);
    const { image } = fakeBzImage(gz, { trailer: false });
    const c = bzImagePayload(image)!;
    expect(c.format).toBe("gzip");
    expect(c.length).toBe(gz.length);
    expect(c.uncompressedSize).toBe(kernel.length);
    const out = gunzipSync(image.subarray(c.offset, c.offset + c.length!));
    expect(new Uint8Array(out)).toEqual(kernel);
  });
});
