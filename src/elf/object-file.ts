// Node-only: reads an object file (vmlinux, .ko, .o) from disk, decompressing an xz or zstd file
// (.ko.xz, .ko.zst: recognised by magic number, whatever the name) with a bound on the output, so a
// small hostile file cannot make us allocate gigabytes. Decompression uses maintained libraries,
// never the xz/zstd programs: xz-decompress (xz-embedded in WASM, streaming: it checks the CRC and
// stops at the bound; @napi-rs/lzma 1.4, the last for Node 20, leaks each output buffer) and fzstd.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Decompress } from "fzstd";

// xz-decompress is CommonJS whose one export Node's ESM loader cannot see by name.
const { XzReadableStream } = createRequire(import.meta.url)("xz-decompress") as typeof import("xz-decompress");

/** Largest decompressed object accepted (Debian's largest module is ~30 MiB uncompressed). */
export const MAX_DECOMPRESSED = 256 * 1024 * 1024;

/** Why a file could not be read or decompressed; the message is one line naming the file. */
export class ObjectFileError extends Error {
  override readonly name = "ObjectFileError";
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const startsWith = (b: Uint8Array, magic: number[]) => b.length >= magic.length && magic.every((m, i) => b[i] === m);
const MIB = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;

/** The file's bytes, decompressed when it is xz or zstd. */
export async function readObjectFile(file: string, limit = MAX_DECOMPRESSED): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ObjectFileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    if (startsWith(bytes, XZ_MAGIC)) return await unxz(bytes, limit);
    if (startsWith(bytes, ZSTD_MAGIC)) return unzstd(bytes, limit);
    return bytes;
  } catch (e) {
    throw new ObjectFileError(`${file}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Reads an xz variable-length integer at `at`; returns [value, next offset]. */
function vli(b: Uint8Array, at: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0, mul = 1; i < 9; i++, mul *= 128) {
    if (at >= end) break;
    const byte = b[at++];
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [value, at];
  }
  throw new Error("not a valid xz file (bad index)");
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;

/**
 * The uncompressed size the xz file declares: the sum over its streams' indexes (read from the
 * end, as xz --list does). The decompressor checks the index against the data.
 */
export function xzDeclaredSize(b: Uint8Array): number {
  let end = b.length;
  let total = 0;
  while (end > 0) {
    while (end >= 4 && u32(b, end - 4) === 0) end -= 4; // stream padding
    if (end < 24 || b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) throw new Error("not a valid xz file (no stream footer)");
    const indexSize = (u32(b, end - 8) + 1) * 4;
    const indexStart = end - 12 - indexSize;
    if (indexStart < 12 || b[indexStart] !== 0) throw new Error("not a valid xz file (bad index)");
    let [records, at] = vli(b, indexStart + 1, end - 12);
    let blocks = 0;
    for (; records > 0; records--) {
      let unpadded: number, size: number;
      [unpadded, at] = vli(b, at, end - 12);
      [size, at] = vli(b, at, end - 12);
      blocks += Math.ceil(unpadded / 4) * 4;
      total += size;
    }
    end = indexStart - blocks - 12;
    if (end < 0 || !startsWith(b.subarray(end), XZ_MAGIC)) throw new Error("not a valid xz file (bad index)");
  }
  return total;
}

/** Decompresses xz data, refusing before it starts if the index declares too much, and as it goes if the data does. */
async function unxz(b: Uint8Array, limit: number): Promise<Uint8Array> {
  const declared = xzDeclaredSize(b);
  if (declared > limit) throw new Error(`decompresses to ${MIB(declared)}, over the ${MIB(limit)} bound`);
  const reader = new XzReadableStream(new Blob([b as Uint8Array<ArrayBuffer>]).stream()).getReader();
  const out = new Uint8Array(declared);
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > declared) throw new Error(`xz data gives more than the ${declared} bytes its index says`);
      out.set(value, at);
      at += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw new Error(/^xz data/.test((e as Error).message) ? (e as Error).message : `not a valid xz file (${(e as Error).message})`);
  }
  if (at !== declared) throw new Error(`xz data gives ${at} bytes, its index says ${declared}`);
  return out;
}

/** Window and content size from a zstd frame header, so a huge declared window is refused before allocating it. */
function zstdFrameNeeds(b: Uint8Array): number {
  if (b.length < 6) throw new Error("truncated zstd frame header");
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  let at = 5;
  let window = 0;
  if (!single) {
    const wd = b[at++];
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  at += [0, 1, 2, 4][fhd & 3];
  const fcsBytes = [single, 2, 4, 8][fhd >> 6];
  let content = 0;
  for (let i = 0; i < fcsBytes; i++) content += (b[at + i] ?? 0) * 2 ** (8 * i);
  if (fcsBytes === 2) content += 256;
  return Math.max(window, content);
}

function unzstd(b: Uint8Array, limit: number): Uint8Array {
  const needs = zstdFrameNeeds(b);
  if (needs > limit) throw new Error(`zstd frame declares ${MIB(needs)}, over the ${MIB(limit)} bound`);
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new Decompress((data) => {
    total += data.length;
    if (total > limit) throw new Error(`decompresses to over the ${MIB(limit)} bound`);
    parts.push(data.slice());
  });
  for (let at = 0; at < b.length; at += 1 << 20) stream.push(b.subarray(at, at + (1 << 20)), at + (1 << 20) >= b.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
