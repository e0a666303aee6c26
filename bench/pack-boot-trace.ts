// node dist/bench/pack-boot-trace.js HARVEST_DIR OUT.json.gz: packs a `ve-mmio harvest` output
// folder into the boot-replay suite's data file.
import { writeFileSync } from "node:fs";
import { readHarvest } from "../src/harvest/harvest.js";
import { packBootTrace } from "./boot-trace.js";

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  process.stderr.write("usage: node dist/bench/pack-boot-trace.js HARVEST_DIR OUT.json.gz\n");
  process.exit(2);
}
const h = readHarvest(dir);
const packed = packBootTrace(h.summary, h.sites, h.trace);
writeFileSync(out, packed);
process.stdout.write(`${out}: ${h.sites.length} sites, ${h.trace.length} accesses, ${(packed.length / 1024).toFixed(1)} KiB\n`);
