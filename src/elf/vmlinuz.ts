/**
 * Locating the compressed kernel inside a bzImage (`vmlinuz`).
 *
 * A bzImage is real-mode setup code followed by a small decompressor and the
 * compressed `vmlinux` ("payload"). This module finds where the payload
 * starts and which format it is in; decompressing it is the caller's job
 * (Node's zlib for gzip, `xz -dc` / `zstd -dc` for the others).
 *
 * Two methods, best first:
 * 1. the boot-protocol setup header (`HdrS`, version ≥ 2.08) states the
 *    payload's exact offset and length;
 * 2. a search for the xz / zstd magic numbers (gzip as a last resort, as its
 *    3-byte magic gives more false hits).
 *
 * Pure: no Node API, works in a browser.
 */

/** Compression formats this module recognises. */
export type PayloadFormat = "xz" | "zstd" | "gzip";

/** A possible start of the compressed kernel. */
export interface PayloadCandidate {
  readonly format: PayloadFormat;
  /** Offset of the magic number in the image. */
  readonly offset: number;
  /** How it was found. */
  readonly source: "setup_header" | "magic_search";
  /**
   * Only for `setup_header` candidates: the length of the compressed stream
   * proper, without the kernel's trailing 4-byte size field for xz/zstd
   * (`zstd` refuses that trailer; gzip's own trailer is kept).
   */
  readonly length?: number;
  /** Only for `setup_header` candidates: the decompressed size the kernel build recorded. */
  readonly uncompressedSize?: number;
}

/** Magic numbers, by format. */
export const PAYLOAD_MAGICS: Readonly<Record<PayloadFormat, readonly number[]>> = {
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
  gzip: [0x1f, 0x8b, 0x08],
};

/** True when `magic` occurs in `data` at `offset`. */
function matchesAt(data: Uint8Array, offset: number, magic: readonly number[]): boolean {
  if (offset < 0 || offset + magic.length > data.length) return false;
  return magic.every((b, i) => data[offset + i] === b);
}

/** The format whose magic number starts at `offset`, if any. */
export function formatAt(data: Uint8Array, offset: number): PayloadFormat | undefined {
  return (Object.keys(PAYLOAD_MAGICS) as PayloadFormat[]).find((f) => matchesAt(data, offset, PAYLOAD_MAGICS[f]));
}

/** Every offset where `magic` occurs in `data`, in increasing order. */
export function findMagic(data: Uint8Array, magic: readonly number[]): number[] {
  const hits: number[] = [];
  const first = magic[0];
  if (first === undefined) return hits;
  for (let i = data.indexOf(first); i >= 0 && i + magic.length <= data.length; i = data.indexOf(first, i + 1)) {
    if (matchesAt(data, i, magic)) hits.push(i);
  }
  return hits;
}

function u16(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8);
}

function u32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

/** Setup-header field offsets (Documentation/arch/x86/boot.rst). */
const SETUP_SECTS = 0x1f1;
const HEADER_MAGIC = 0x202; // "HdrS"
const BOOT_VERSION = 0x206;
const PAYLOAD_OFFSET = 0x248;
const PAYLOAD_LENGTH = 0x24c;
const HDRS = [0x48, 0x64, 0x72, 0x53];

/**
 * The payload as stated by the bzImage setup header, or `undefined` when the
 * image has no usable header (not a bzImage, boot protocol < 2.08, fields
 * out of bounds, or an unrecognised compression format).
 */
export function bzImagePayload(image: Uint8Array): PayloadCandidate | undefined {
  if (image.length < PAYLOAD_LENGTH + 4 || !matchesAt(image, HEADER_MAGIC, HDRS)) return undefined;
  if (u16(image, BOOT_VERSION) < 0x0208) return undefined;
  const setupSectors = image[SETUP_SECTS] || 4; // 0 means 4, for old images
  const protectedModeStart = (setupSectors + 1) * 512;
  const offset = protectedModeStart + u32(image, PAYLOAD_OFFSET);
  const total = u32(image, PAYLOAD_LENGTH);
  if (total < 8 || offset + total > image.length) return undefined;
  const format = formatAt(image, offset);
  if (format === undefined) return undefined;
  // The build appends the decompressed size as a little-endian u32 (gzip's own ISIZE trailer is the same field).
  const uncompressedSize = u32(image, offset + total - 4);
  const length = format === "gzip" ? total : total - 4;
  return { format, offset, source: "setup_header", length, uncompressedSize };
}

/**
 * Candidates found by searching for magic numbers: every xz and zstd hit in
 * file order, then the gzip hits (fallback).
 */
export function searchPayloadMagics(image: Uint8Array): PayloadCandidate[] {
  const hits = (format: PayloadFormat): PayloadCandidate[] =>
    findMagic(image, PAYLOAD_MAGICS[format]).map((offset) => ({ format, offset, source: "magic_search" as const }));
  const primary = [...hits("xz"), ...hits("zstd")].sort((a, b) => a.offset - b.offset);
  return [...primary, ...hits("gzip")];
}

/**
 * Every plausible start of the compressed kernel in a bzImage, best first:
 * the setup header's payload (if any), then the magic-search hits (xz and
 * zstd before gzip), without duplicates. Callers try them in order until one
 * decompresses to an ELF file.
 */
export function findCompressedPayloads(image: Uint8Array): PayloadCandidate[] {
  const header = bzImagePayload(image);
  const searched = searchPayloadMagics(image);
  if (header === undefined) return searched;
  return [header, ...searched.filter((c) => c.offset !== header.offset)];
}
