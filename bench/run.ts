// npm run bench [-- --quick] [-- --only decode|ve-path] [-- --cost ve=1500,tdvmcall=8000,...]
// Runs every suite (or one): decode throughput, #VE paths, scale, cost model. Each suite writes JSON (and an
// HTML chart) into bench/results/ and a table to stdout.
import os from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { runDecodeBench } from "./decode.bench.js";
import { runVePathBench } from "./ve-path.bench.js";
import { runScale, printScale, bigTdCost, type ScaleSeries } from "./scale.js";
import { parseCosts, printCostModel } from "./cost-model.js";
import { runBootReplayBench } from "./boot-replay.bench.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const costSpec = args.includes("--cost") ? args[args.indexOf("--cost") + 1] : undefined;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;

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

console.log(`ve-mmio bench${quick ? " (quick)" : ""}: ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const costs = parseCosts(costSpec);
if (only !== undefined && only !== "decode" && only !== "ve-path") throw new Error(`--only takes decode or ve-path, not ${only}`);
if (only === undefined || only === "decode") await runDecodeBench(quick);
if (only === undefined) console.log("");
if (only === undefined || only === "ve-path") await runVePathBench(quick);
if (only === undefined) {
  console.log("");
  const replay = await runBootReplayBench(quick, costs);
  console.log("\nscale");
  const bigMb = await bigTdCost(); // first, before the other scale runs leave garbage behind
  const series = await runScale(quick);
  printScale(series);
  console.log(`\n  a 2^52-byte TD with 10,000 devices: ${bigMb.toFixed(1)} MB of heap and buffers (bound: 50 MB)`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/scale.json", JSON.stringify({ series, bigTdMb: bigMb }, null, 2));
  writeFileSync("bench/results/scale.html", scaleChart(series));
  writeFileSync("bench/results/boot-replay.json", JSON.stringify(replay, null, 2));
  printCostModel(costs);
}
