// Every opcode in every map and encoding the kernel's decoder knows, as 15-byte windows for the
// kernel-oracle comparison: legacy (one-byte, 0F, 0F 38, 0F 3A under each last-prefix class and
// operand size), REX2 (M0 0/1, W 0/1), VEX2, VEX3 (maps 0-8, 16, 31, W, pp), EVEX (every map, W,
// pp, z), each with every ModRM.reg, a memory form that reaches the longest displacement and a
// register form, and the emulate prefix. Proves tables/kernel-attrs.ts and kernel-insn.ts (whether the kernel
// decodes, and its length) where the random windows would take too long to reach every row.
import { WINDOW_BYTES } from "./kernel-windows.js";

/** Last-prefix classes before a legacy or REX2 opcode: none, 66, F3, F2, a later one winning, a
 * segment override last (no variant selected), 67, REX.W. */
const LEGACY_PREFIXES: readonly number[][] = [[], [0x66], [0xf3], [0xf2], [0x66, 0xf3], [0xf3, 0x66], [0xf2, 0x66], [0x66, 0x2e], [0x67], [0x48], [0x66, 0x48]];
const REX2_PREFIXES: readonly number[][] = [[], [0x66], [0xf3], [0xf2], [0x66, 0x2e]];

/** VEX3 maps: the ones the kernel knows (1-3, 7) and their neighbours, then a few of the rest (all
 * refused the same way: no table). */
const VEX3_MAPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 31];

/** ModRM choices per ModRM.reg: SIB with a 32-bit displacement (the longest form), register form. */
function modrms(reg: number): number[][] {
  return [[0x04 | (reg << 3), 0x25, 0x11, 0x22, 0x33, 0x44], [0xc0 | (reg << 3)]];
}

/** Windows (WINDOW_BYTES each, register file 0) of every form; `labels[i]` names window i. */
export function kernelOpcodeForms(): { windows: Uint8Array; labels: string[] } {
  const rows: number[][] = [];
  const labels: string[] = [];
  const h2 = (n: number) => n.toString(16).padStart(2, "0");
  const add = (label: string, lead: number[], op: number) => {
    for (let reg = 0; reg < 8; reg++) {
      for (const m of modrms(reg)) {
        rows.push([...lead, op, ...m]);
        labels.push(`${label} ${h2(op)} /${reg}${m[0] >= 0xc0 ? "r" : "m"}`);
      }
    }
  };
  for (let op = 0; op < 256; op++) {
    for (const pfx of LEGACY_PREFIXES) {
      const p = pfx.map(h2).join(" ") || "-";
      add(`legacy [${p}]`, pfx, op);
      add(`0f [${p}]`, [...pfx, 0x0f], op);
      add(`0f38 [${p}]`, [...pfx, 0x0f, 0x38], op);
      add(`0f3a [${p}]`, [...pfx, 0x0f, 0x3a], op);
    }
    for (const pfx of REX2_PREFIXES) {
      for (const payload of [0x00, 0x08, 0x80, 0x88]) add(`rex2.${h2(payload)} [${pfx.map(h2).join(" ") || "-"}]`, [...pfx, 0xd5, payload], op);
    }
    for (let pp = 0; pp < 4; pp++) {
      add(`vex2 pp${pp}`, [0xc5, 0xf8 | pp], op);
      for (const m of VEX3_MAPS) for (const w of [0, 0x80]) add(`vex3 m${m} W${w >> 7} pp${pp}`, [0xc4, 0xe0 | m, w | 0x78 | pp], op);
      for (let m = 0; m < 8; m++) {
        for (const w of [0, 0x80]) for (const z of [0, 0x80]) add(`evex m${m} W${w >> 7} z${z >> 7} pp${pp}`, [0x62, 0xf0 | m, w | 0x7c | pp, z | 0x08], op);
      }
    }
    add("emulate", [0x0f, 0x0b, 0x6b, 0x76, 0x6d], op);
  }
  const windows = new Uint8Array(rows.length * WINDOW_BYTES);
  rows.forEach((r, i) => {
    const w = windows.subarray(i * WINDOW_BYTES, i * WINDOW_BYTES + 15);
    // Filler after the form: immediates (and further bytes) are 0x90..; the window stays 15 bytes.
    for (let k = 0; k < 15; k++) w[k] = k < r.length ? r[k] : 0x90 + k;
  });
  return { windows, labels };
}
