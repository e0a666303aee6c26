// The fast paths' MMIO triage (assembly/fastlen.ts mmioTriage: register forms of MOV-family
// opcodes settled from the bytes) against the general decoder and classification: every ModRM of
// every MOV-family opcode, with and without each REX, byte for byte with the fast tables on and off.
import { describe, it, expect } from "vitest";
import { createHash } from "node:crypto";
import { decoder } from "../support/decoder.js";
import type { BatchMode } from "../../src/decoder/engine.js";

const OPCODES: [map: number, op: number][] = [
  [0, 0x88], [0, 0x89], [0, 0x8a], [0, 0x8b], [0, 0xc6], [0, 0xc7], [0, 0x63],
  [1, 0xb6], [1, 0xb7], [1, 0xbe], [1, 0xbf], [1, 0x0b],
];
const SLOT = 20;

/** One range per encoding: [REX] [0F] opcode ModRM, then a tail (SIB/displacement bytes, or "kv" after UD2). */
function encodings(): Uint8Array {
  const out: number[] = [];
  for (const rex of [-1, ...Array.from({ length: 16 }, (_, i) => 0x40 + i)]) {
    for (const [map, op] of OPCODES) {
      for (let modrm = 0; modrm < 256; modrm++) {
        for (const tail of [[0x25, 0x05], [0x6b, 0x76]]) {
          const b = [...(rex >= 0 ? [rex] : []), ...(map ? [0x0f] : []), op, modrm, ...tail];
          while (b.length < SLOT) b.push(0x11 * (b.length % 15));
          out.push(...b);
        }
      }
    }
  }
  return Uint8Array.from(out);
}

function digest(bytes: Uint8Array, mode: BatchMode, fast: boolean): string {
  const ranges = Array.from({ length: bytes.length / SLOT }, (_, i): [number, number] => [i * SLOT, (i + 1) * SLOT]);
  const h = createHash("sha256");
  decoder.setFastTables(fast);
  try {
    const s = decoder.batch(bytes, { ranges, mode }, (c) => { h.update(c.records); h.update(c.full); });
    return `${JSON.stringify(s)} ${h.digest("hex")}`;
  } finally {
    decoder.setFastTables(true);
  }
}

describe("MMIO triage of MOV-family opcodes", () => {
  const bytes = encodings();
  for (const mode of ["classify", "mmio", "full"] as const) {
    it(`every ModRM and REX, mode ${mode}: the same records with the fast tables on and off`, () => {
      expect(digest(bytes, mode, true)).toBe(digest(bytes, mode, false));
    });
  }
});
