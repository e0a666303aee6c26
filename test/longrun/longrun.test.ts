// The long run (issue 10): 10^7 #VEs through every device model with a trace listener attached
// must keep the heap flat. It runs in a child `node --expose-gc` (a full GC before each heap
// reading, and RSS that is the run's alone) on the built package; `npm test` builds first.
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./run.mjs", import.meta.url));
const built = fileURLToPath(new URL("../../dist/src/index.js", import.meta.url));
const TOTAL = 10_000_000;
/** The README's bound: heap growth after warm-up, measured after a full GC. */
const HEAP_GROWTH_BOUND = 4 << 20;
const RSS_BOUND = 256 << 20;

describe("long run", () => {
  it(`takes ${TOTAL.toLocaleString("en")} traced #VEs through AHCI, IOAPIC, MSI-X and a register block with a flat heap`, () => {
    expect(existsSync(built), "dist/ is missing: run `npm run build` (npm test does)").toBe(true);
    const out = execFileSync(process.execPath, ["--expose-gc", script, String(TOTAL)], { encoding: "utf8", maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    console.log(`long run: ${r.total} #VEs in ${r.seconds.toFixed(1)} s (${r.nsPerVe} ns each, traced); heap after warm-up ${(r.heapWarm / 2 ** 20).toFixed(2)} MB, at the end ${(r.heapEnd / 2 ** 20).toFixed(2)} MB, max ${(r.heapMax / 2 ** 20).toFixed(2)} MB; peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
    expect(r.events).toBe(TOTAL);
    expect(r.handled).toBe(TOTAL);
    expect(r.veDelivered).toBe(TOTAL);
    // Every device was reached, and every trace is at its ring bound (1024 entries x 16 bytes).
    for (const n of Object.values(r.accesses) as number[]) expect(n).toBeGreaterThanOrEqual(TOTAL / 10);
    for (const bytes of Object.values(r.traceBytes) as number[]) expect(bytes).toBe(1024 * 16);
    expect(r.heapMax - r.heapWarm).toBeLessThan(HEAP_GROWTH_BOUND);
    expect(r.heapEnd - r.heapWarm).toBeLessThan(HEAP_GROWTH_BOUND);
    expect(r.peakRssBytes).toBeLessThan(RSS_BOUND);
  }, 600_000);
});
