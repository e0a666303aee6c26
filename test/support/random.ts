// Seeded generators of instruction-shaped byte windows for differential tests.
import { prng } from "../../src/verify/kernel-windows.js";

/** The kernel-window generator's mulberry32, as floats in [0, 1); deterministic per seed. */
export function rng(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}

const LEGACY_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];

/**
 * Writes `count` windows of `stride` bytes: random prefix sets, REX, every encoding family
 * (one-byte, 0F, 0F38, 0F3A, 3DNow!, VEX2/VEX3, EVEX, XOP), then random ModRM/SIB/disp/imm bytes.
 * One window in eight is fully random bytes.
 */
export function structuredWindows(count: number, stride: number, seed: number): Uint8Array {
  const r = rng(seed);
  const byte = () => (r() * 256) | 0;
  const buf = new Uint8Array(count * stride);
  for (let w = 0; w < count; w++) {
    const at = w * stride;
    for (let i = 0; i < stride; i++) buf[at + i] = byte();
    if (r() < 0.125) continue;
    let p = at;
    const nPrefixes = r() < 0.5 ? 0 : (r() * 5) | 0;
    for (let i = 0; i < nPrefixes; i++) buf[p++] = LEGACY_PREFIXES[(r() * LEGACY_PREFIXES.length) | 0];
    if (r() < 0.4) buf[p++] = 0x40 | (byte() & 15);
    const family = r();
    if (family < 0.35) {
      buf[p++] = byte();
    } else if (family < 0.55) {
      buf[p++] = 0x0f; buf[p++] = byte();
    } else if (family < 0.62) {
      buf[p++] = 0x0f; buf[p++] = 0x38; buf[p++] = byte();
    } else if (family < 0.67) {
      buf[p++] = 0x0f; buf[p++] = 0x3a; buf[p++] = byte();
    } else if (family < 0.69) {
      buf[p++] = 0x0f; buf[p++] = 0x0f;
    } else if (family < 0.76) {
      buf[p++] = 0xc5;
    } else if (family < 0.85) {
      buf[p++] = 0xc4; buf[p++] = (byte() & 0xe0) | (1 + ((r() * 3) | 0));
    } else if (family < 0.96) {
      buf[p++] = 0x62; buf[p++] = (byte() & 0xf0) | [1, 2, 3, 5, 6][(r() * 5) | 0]; buf[p++] = byte() | 4;
    } else {
      buf[p++] = 0x8f; buf[p++] = (byte() & 0xe0) | (8 + ((r() * 3) | 0));
    }
  }
  return buf;
}

/** Every opcode of a legacy map x every ModRM x a set of prefixes, one window each. */
export function exhaustiveLegacyWindows(stride: number): { buf: Uint8Array; label: (i: number) => string } {
  const prefixSets = [[], [0x66], [0xf3], [0xf2], [0xf0], [0x48], [0x44], [0x67], [0x66, 0xf3], [0xf3, 0x66], [0x41]];
  const maps = [[], [0x0f], [0x0f, 0x38], [0x0f, 0x3a]];
  const skip0 = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x0f, 0xc4, 0xc5, 0x62, 0x8f]);
  const tail = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x10];
  const windows: number[][] = [];
  for (const pf of prefixSets) for (const esc of maps) for (let op = 0; op < 256; op++) {
    if (esc.length === 0 && (skip0.has(op) || (op >= 0x40 && op <= 0x4f))) continue;
    if (esc.length === 1 && (op === 0x0f || op === 0x38 || op === 0x3a)) continue;
    for (let modrm = 0; modrm < 256; modrm++) windows.push([...pf, ...esc, op, modrm]);
  }
  const buf = new Uint8Array(windows.length * stride);
  windows.forEach((w, i) => { buf.set(tail, i * stride); buf.set(w, i * stride); });
  const label = (i: number) => windows[i].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return { buf, label };
}

/**
 * Every opcode of every VEX (C4 maps 1-3, C5), EVEX (maps 1, 2, 3, 5, 6) and XOP (maps 8-10) map
 * under every pp, L and W, with register, memory, SIB and displacement ModRM forms, vvvv used and
 * unused, and (EVEX) broadcast/rounding, zeroing and opmask variations. One window each.
 */
export function exhaustiveVexWindows(stride: number): { buf: Uint8Array; label: (i: number) => string } {
  const modrms = [[0xc1], [0x00], [0x44, 0x8d, 0x10], [0x95, 0x40, 0x01, 0x00, 0x00], [0xd8]];
  const evexModrms = [[0xc1], [0x47, 0x02], [0x04, 0x4d]];
  const tail = [0x5a, 0xa5, 0x3c, 0xc3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc];
  const windows: number[][] = [];
  for (const map of [1, 2, 3, 8, 9, 10]) {
    const escape = map >= 8 ? 0x8f : 0xc4;
    for (let op = 0; op < 256; op++) for (let pp = 0; pp < 4; pp++) for (let l = 0; l < 2; l++)
      for (let w = 0; w < 2; w++) for (const vvvv of [15, 2]) for (const m of modrms) {
        windows.push([escape, 0xe0 | map, (w << 7) | (vvvv << 3) | (l << 2) | pp, op, ...m]);
        if (map === 1 && w === 0) windows.push([0xc5, 0x80 | (vvvv << 3) | (l << 2) | pp, op, ...m]);
      }
  }
  for (const map of [1, 2, 3, 5, 6]) {
    for (let op = 0; op < 256; op++) for (let pp = 0; pp < 4; pp++) for (let ll = 0; ll < 4; ll++)
      for (let w = 0; w < 2; w++) for (const vvvv of [15, 2]) for (const m of evexModrms)
        for (const [z, b, aaa] of [[0, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1]]) {
          windows.push([0x62, 0xf0 | map, (w << 7) | (vvvv << 3) | 4 | pp, (z << 7) | (ll << 5) | (b << 4) | 8 | aaa, op, ...m]);
        }
  }
  const buf = new Uint8Array(windows.length * stride);
  windows.forEach((w, i) => { buf.set(tail, i * stride); buf.set(w, i * stride); });
  const label = (i: number) => windows[i].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return { buf, label };
}
