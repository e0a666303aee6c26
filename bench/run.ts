// npm run bench [-- --quick] [-- --only decode|ve-path|boot-replay|scale [--group G]] [-- --cost ve=1500,...]
// Runs every suite (or one): decode throughput, #VE paths, boot replay, scale and cost model. Each suite writes
// JSON (and an HTML chart) into bench/results/ and a table to stdout.
//
// Without --only, each suite runs in a process of its own, and the #VE path suite one per group of cases
// (ve-path.bench.ts says why): a suite that grows a WebAssembly memory (the decode suite's batch() over a
// kernel, iced-x86's first decode) detaches an ArrayBuffer, which makes V8 check every typed-array access in
// that process from then on, and would slow the suites after it.
import os from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdirSync, writeFileSync } from "node:fs";
import { runDecodeBench } from "./decode.bench.js";
import { runVePathGroup, GROUPS, type VePathGroup } from "./ve-path.bench.js";
import { runScale, printScale, bigTdCost, type ScaleSeries } from "./scale.js";
import { parseCosts, printCostModel } from "./cost-model.js";
import { runBootReplayBench } from "./boot-replay.bench.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const costSpec = args.includes("--cost") ? args[args.indexOf("--cost") + 1] : undefined;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const group = args.includes("--group") ? args[args.indexOf("--group") + 1] : undefined;

/** A self-contained HTML page with one log-log line chart per scale dimension (inline SVG). */
function scaleChart(series: ScaleSeries[]): string {
  const charts = series.map((s) => {
    const xs = s.points.map((p) => Math.log10(p.x)), ys = s.points.map((p) => p.y);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)], y1 = Math.max(...ys) * 1.1 || 1;
    const px = (x: number) => 50 + ((x - x0) / (x1 - x0 || 1)) * 400, py = (y: number) => 230 - (y / y1) * 200;
    const line = s.points.map((p, i) => `${i ? "L" : "M"}${px(xs[i]).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
    const dots = s.points.map((p, i) => `<circle cx="${px(xs[i]).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3"/><text x="${px(xs[i]).toFixed(1)}" y="250" font-size="10" text-anchor="middle">${p.x}</text><text x="${px(xs[i]).toFixed(1)}" y="${(py(p.y) - 6).toFixed(1)}" font-size="10" text-anchor="middle">${p.y.toFixed(1)}</text>`).join("");
    return `<figure><figcaption>${s.dimension}: ${s.yLabel} by ${s.xLabel}</figcaption><svg width="500" height="270"><path d="${line}" fill="none" stroke="steelblue" stroke-width="2"/>${dots}</svg></figure>`;
  });
  return `<!doctype html><meta charset="utf-8"><title>ve-mmio scale</title><body style="font-family:sans-serif">${charts.join("")}</body>`;
}

const SUITES = ["decode", "ve-path", "boot-replay", "scale"] as const;
type Suite = (typeof SUITES)[number];

/** Runs one suite in this process. */
async function runSuite(suite: Suite): Promise<void> {
  const costs = parseCosts(costSpec);
  switch (suite) {
    case "decode": return runDecodeBench(quick);
    case "ve-path": {
      if (group === undefined) { for (const g of Object.keys(GROUPS)) inChild([...args, "--group", g], `the #VE path group ${g}`); return; }
      if (!Object.hasOwn(GROUPS, group)) throw new Error(`--group takes ${Object.keys(GROUPS).join(", ")}, not ${group}`);
      return runVePathGroup(group as VePathGroup, quick);
    }
    case "boot-replay": {
      const replay = await runBootReplayBench(quick, costs);
      mkdirSync("bench/results", { recursive: true });
      writeFileSync("bench/results/boot-replay.json", JSON.stringify(replay, null, 2));
      return;
    }
    case "scale": {
      console.log("scale");
      const bigMb = await bigTdCost(); // first, before the other scale runs leave garbage behind
      const series = await runScale(quick);
      printScale(series);
      console.log(`\n  a 2^52-byte TD with 10,000 devices: ${bigMb.toFixed(1)} MB of heap and buffers (bound: 50 MB)`);
      mkdirSync("bench/results", { recursive: true });
      writeFileSync("bench/results/scale.json", JSON.stringify({ series, bigTdMb: bigMb }, null, 2));
      writeFileSync("bench/results/scale.html", scaleChart(series));
      printCostModel(costs);
    }
  }
}

/** Runs this script again with `extra` arguments, in a process of its own (see the file comment). */
function inChild(extra: string[], what: string): void {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...extra], { stdio: "inherit" });
  if (child.status !== 0) throw new Error(`${what} failed (exit status ${child.status ?? child.signal})`);
}

if (only !== undefined) {
  if (!(SUITES as readonly string[]).includes(only)) throw new Error(`--only takes ${SUITES.join(", ")}, not ${only}`);
  await runSuite(only as Suite);
} else {
  console.log(`ve-mmio bench${quick ? " (quick)" : ""}: ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  parseCosts(costSpec); // a bad --cost fails before any suite runs
  for (const suite of SUITES) {
    console.log("");
    inChild([...args, "--only", suite], `the ${suite} suite`);
  }
}
