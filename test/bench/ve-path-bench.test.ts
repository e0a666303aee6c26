// The #VE path bench as `npm run bench` runs it (one group, quick): it must run and print the
// issue 12 ratios in all three forms; and the paired median it prints is the median over rounds
// of the two cases' samples from the same round. (The figures themselves are the bench's, not a
// test's: a timed test on a shared machine cannot fail honestly.)
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pairedRatio } from "../../bench/best-of.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("#VE path bench", () => {
  it("pairs each round's samples: the median of a/b over rounds, not the ratio of minima", () => {
    // Round 2 is a slow stretch for both; the minima (1 and 2) would pair round 1's a with round 3's b.
    const samples = new Map([["a", [3, 30, 1]], ["b", [2, 20, 2]]]);
    expect(pairedRatio(samples, "a", "b")).toBe(1.5); // ratios 1.5, 1.5, 0.5
    expect(pairedRatio(new Map([["a", [4]], ["b", [2]]]), "a", "b")).toBe(2);
  });

  it("runs the cache-on group and prints best-of-N, the paired median and benny's mean against the direct call on the same TD", () => {
    const r = spawnSync(process.execPath, ["--expose-gc", "dist/bench/run.js", "--only", "ve-path", "--quick", "--group", "on"], { cwd: root, encoding: "utf8", timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/#VE path bench, group "on": .+ x\d+, node v/);
    expect(r.stdout).toMatch(/deliverFast, decode cache on\s+\d+ ns .*\| +\d+ ns/);
    expect(r.stdout).toMatch(/direct TDVMCALL \(paravirt, no decode\)\s+\d+ ns/);
    expect(r.stdout).toMatch(/deliverFast, decode cache on \/ direct TDVMCALL: [\d.]+x best-of-N, [\d.]+x median of paired samples, [\d.]+x benny mean \(target <= 1\.5x\)/);
  }, 300_000);
});
