// Issue 10 item 21: a memory operand's registers are named at the width the address is computed
// with (eax/eip under 67h), in decode() records and in the CLI's JSON, as iced-x86 names them.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { decoder, hex } from "../support/decoder.js";
import { rng } from "../support/random.js";
import { icedWindows } from "../../src/verify/iced.js";
import { readRecord } from "../../src/decoder/record.js";
import { FULL_SIZE } from "../../src/decoder/layout.js";

const STRIDE = 16;
/** MOV-family opcodes with a ModRM memory operand (one or two bytes) and their immediate size. */
const OPCODES: [number[], number][] = [
  [[0x88], 0], [[0x89], 0], [[0x8a], 0], [[0x8b], 0], [[0xc6], 1], [[0xc7], 4], [[0x63], 0],
  [[0x0f, 0xb6], 0], [[0x0f, 0xb7], 0], [[0x0f, 0xbe], 0], [[0x0f, 0xbf], 0],
];

/** `count` MOV-family windows: 67h in half of them, random 66h/REX/segment, ModRM with mod != 3, SIB, disp. */
function movWindows(count: number, seed: number): Uint8Array {
  const r = rng(seed);
  const byte = () => (r() * 256) | 0;
  const buf = new Uint8Array(count * STRIDE);
  for (let w = 0; w < count; w++) {
    let p = w * STRIDE;
    for (let i = 0; i < STRIDE; i++) buf[p + i] = byte();
    const prefixes = [r() < 0.5 ? 0x67 : -1, r() < 0.2 ? 0x66 : -1, r() < 0.15 ? [0x64, 0x65, 0x2e][(r() * 3) | 0] : -1].filter((b) => b >= 0);
    prefixes.sort(() => r() - 0.5);
    for (const b of prefixes) buf[p++] = b;
    if (r() < 0.6) buf[p++] = 0x40 | (byte() & 15);
    const [op] = OPCODES[(r() * OPCODES.length) | 0];
    for (const b of op) buf[p++] = b;
    buf[p] = ((r() * 3) | 0) << 6 | (byte() & 0x3f); // mod 0-2: a memory operand
  }
  return buf;
}

describe("address registers at the address width (item 21)", () => {
  it("[ebp-1] and [rbx+ecx*4] under 67h name 32-bit registers; without 67h 64-bit ones", () => {
    const a = decoder.decode(hex("67 8B 45 FF"));
    expect(a.mem).toMatchObject({ base: "ebp", index: null, disp: -1n });
    expect(a.arch?.mem).toMatchObject({ base: "ebp" });
    expect(a.linux.emulated && a.linux.access.mem).toMatchObject({ base: "ebp" });
    expect(decoder.decode(hex("67 41 8B 04 8B")).mem).toMatchObject({ base: "r11d", index: "ecx", scale: 4 });
    expect(decoder.decode(hex("67 8B 05 10 00 00 00")).mem).toMatchObject({ base: "eip", rip: true });
    expect(decoder.decode(hex("67 A4")).arch?.mem).toMatchObject({ base: "esi" });
    expect(decoder.decode(hex("8B 45 FF")).mem).toMatchObject({ base: "rbp" });
    expect(decoder.decode(hex("8B 05 10 00 00 00")).mem).toMatchObject({ base: "rip", rip: true });
  });

  const seed = Number(process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);
  it(`agrees with iced-x86 on every base and index name of 250,000 random MOV-family records (seed ${seed})`, () => {
    const n = 250_000;
    const buf = movWindows(n, seed);
    let full = new Uint8Array(0);
    decoder.decodeWindows(buf, STRIDE, "full", (v) => { full = v.slice(); });
    const view = new DataView(full.buffer);
    const ref = icedWindows(buf, STRIDE, () => true);
    let compared = 0, under67 = 0;
    const bad: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = ref[i].access;
      if (!r || r.kind === "movs" || full[i * FULL_SIZE + 5] !== 0) continue;
      const insn = readRecord(view, buf.subarray(i * STRIDE, (i + 1) * STRIDE), 0n, i * FULL_SIZE);
      if (!insn.mem || insn.length !== ref[i].length) continue;
      compared++;
      if (insn.addressSize === 4) under67++;
      for (const mem of [insn.mem, insn.arch?.mem]) {
        if (mem && (mem.base !== r.base || mem.index !== r.index) && bad.length < 10) {
          bad.push(`${Buffer.from(insn.bytes).toString("hex")}: ${mem.base},${mem.index} vs iced ${r.base},${r.index}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(200_000);
    expect(under67).toBeGreaterThan(80_000);
  });

  it("the CLI's JSON names them the same way", () => {
    const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
    const out = spawnSync(process.execPath, [bin, "decode", "--json", "--hex", "678b448dff"], { encoding: "utf8" });
    expect(out.status).toBe(0);
    const json = JSON.stringify(JSON.parse(out.stdout));
    expect(json).toContain('"base":"ebp","index":"ecx"');
    expect(json).not.toMatch(/"rbp"|"rcx"/);
  });
});
