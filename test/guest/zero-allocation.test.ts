// The README says a `deliverFast` round trip allocates nothing, decode cache on or off. Allocation cannot be read
// directly from JS, but its consequence can: a synchronous loop that allocates even 16 bytes per
// #VE fills V8's young generation within a few hundred thousand round trips and forces minor GCs
// (scavenges), which Node reports as `gc` performance entries. So: warm up, then count scavenges
// over two million round trips; an allocation-free path causes none.
import { describe, expect, it } from "vitest";
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { loadDecoder } from "../../src/decoder/node.js";
import { Td } from "../../src/machine/td.js";
import { SLOT } from "../../src/guest/vcpu.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import type { VeInfo } from "../../src/guest/memory.js";

const RIP = 0xffffffff81000000n;
const VA = 0xffffc90000001000n;
const GPA = 0xfe000000n;
const ROUND_TRIPS = 2_000_000;

/** A TD with one readl site (`mov eax, [rdi+0x10]`) behind a register block, and its #VE. */
async function readlTd(decodeCache: boolean) {
  const td = new Td(await loadDecoder(), { decodeCache });
  const code = new Uint8Array(4096);
  code.set([0x8b, 0x47, 0x10]);
  td.addPrivateRegion(0x100000n, code);
  td.finalize();
  td.mapPrivate(RIP, 0x100000n, 4096);
  const device = new RegisterBlock("regs", 4096);
  device.poke(0x10, 4, 0x12345678n);
  td.mapMmio(VA, GPA, 4096, device);
  const vcpu = td.createVcpu();
  vcpu.set("rdi", VA);
  vcpu.rip = RIP;
  const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: VA + 0x10n, gpa: (GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 };
  const ripLo = Number(RIP & 0xffffffffn);
  const run = (n: number): number => {
    let handled = 0;
    for (let i = 0; i < n; i++) {
      vcpu.words[2 * SLOT.RIP] = ripLo;
      if (td.deliverFast(vcpu, ve).handled) handled++;
    }
    return handled;
  };
  return { run, vcpu };
}

/** Minor GCs (scavenges) reported while `work` runs; entries arrive asynchronously, so wait a tick. */
async function scavengesDuring(work: () => void): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  work();
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  // detail.kind 1 is NODE_PERFORMANCE_GC_MINOR (a scavenge).
  return seen.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === 1).length;
}

describe("deliverFast allocates nothing per #VE", () => {
  for (const cache of [true, false]) {
    it(`${ROUND_TRIPS.toLocaleString("en")} readl round trips, decode cache ${cache ? "on" : "off"}, cause no minor GC`, async () => {
      const { run, vcpu } = await readlTd(cache);
      expect(run(200_000)).toBe(200_000); // warm-up: compile, fill the cache
      let handled = 0;
      const scavenges = await scavengesDuring(() => { handled = run(ROUND_TRIPS); });
      expect(handled).toBe(ROUND_TRIPS);
      expect(vcpu.get("rax")).toBe(0x12345678n);
      expect(scavenges).toBe(0);
    });
  }

  it("the check can fail: the same loop allocating 16 bytes per round trip is seen", async () => {
    const { run } = await readlTd(true);
    run(200_000);
    const kept: number[][] = [];
    const scavenges = await scavengesDuring(() => {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        run(1);
        kept[i & 1] = [i];
      }
    });
    expect(kept.length).toBe(2);
    expect(scavenges).toBeGreaterThan(0);
  });
});
