// The README says a `deliverFast` round trip allocates nothing, decode cache on or off. Allocation cannot be read
// directly from JS, but its consequence can: a synchronous loop that allocates even 16 bytes per
// #VE fills V8's young generation within a few hundred thousand round trips and forces minor GCs
// (scavenges), which Node reports as `gc` performance entries. So: warm up, then count scavenges
// over two million round trips; an allocation-free path causes none. Under load V8 may still be
// compiling the optimized code in the background, and the unoptimized code boxes numbers, so a
// pass is a scavenge-free attempt among a few: an allocating path scavenges in every attempt.
import { describe, expect, it } from "vitest";
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { loadDecoder } from "../../src/decoder/node.js";
import { SLOT } from "../../src/guest/vcpu.js";
import { readlTd, READL_RIP_LO, READL_VALUE } from "../../bench/readl-td.js";

const ROUND_TRIPS = 2_000_000;

/** The round-trip bench's readl TD and a loop of `n` deliverFast round trips on it. */
async function readlLoop(decodeCache: boolean) {
  const { td, vcpu, ve } = readlTd(await loadDecoder(), decodeCache);
  const run = (n: number): number => {
    let handled = 0;
    for (let i = 0; i < n; i++) {
      vcpu.words[2 * SLOT.RIP] = READL_RIP_LO;
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

/** The fewest scavenges seen over up to `attempts` runs of `work`, stopping at the first with none. */
async function fewestScavenges(work: () => void, attempts = 5): Promise<number> {
  let fewest = Infinity;
  for (let i = 0; i < attempts && fewest > 0; i++) fewest = Math.min(fewest, await scavengesDuring(work));
  return fewest;
}

describe("deliverFast allocates nothing per #VE", () => {
  for (const cache of [true, false]) {
    it(`${ROUND_TRIPS.toLocaleString("en")} readl round trips, decode cache ${cache ? "on" : "off"}, cause no minor GC`, async () => {
      const { run, vcpu } = await readlLoop(cache);
      expect(run(200_000)).toBe(200_000); // warm-up: compile, fill the cache
      let handled = 0;
      const scavenges = await fewestScavenges(() => { handled = run(ROUND_TRIPS); });
      expect(handled).toBe(ROUND_TRIPS);
      expect(vcpu.get("rax")).toBe(READL_VALUE);
      expect(scavenges).toBe(0);
    });
  }

  it("the check can fail: the same loop allocating 16 bytes per round trip is seen in every attempt (two)", async () => {
    const { run } = await readlLoop(true);
    run(200_000);
    const kept: number[][] = [];
    const scavenges = await fewestScavenges(() => {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        run(1);
        kept[i & 1] = [i];
      }
    }, 2);
    expect(kept.length).toBe(2);
    expect(scavenges).toBeGreaterThan(0);
  });
});
