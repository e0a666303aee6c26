// Shared helpers for tests: one decoder instance and hex parsing.
import { loadDecoder } from "../../src/decoder/node.js";
import type { VeDecoder } from "../../src/decoder/engine.js";

export const decoder: VeDecoder = await loadDecoder();

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}
