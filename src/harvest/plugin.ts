// Node-only: the mmio-trace TCG plugin (harvest-plugin/), compiled with gcc on first use and
// cached by the hash of its sources.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HarvestError, requireTool } from "./tools.js";

/** harvest-plugin/ at the package root (this file runs from dist/src/harvest/). */
export const PLUGIN_SOURCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../harvest-plugin");
const SOURCES = ["mmio-trace.c", "plugin-api.h"];

/** The path of the built plugin, building it into `cacheDir` if this source version has none. */
export function buildPlugin(cacheDir: string): string {
  const hash = createHash("sha256");
  for (const f of SOURCES) hash.update(readFileSync(path.join(PLUGIN_SOURCE_DIR, f)));
  const out = path.join(cacheDir, `mmio-trace-${hash.digest("hex").slice(0, 16)}.so`);
  if (existsSync(out)) return out;
  const gcc = requireTool("gcc");
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const r = spawnSync(gcc, ["-O2", "-Wall", "-shared", "-fPIC", "-fvisibility=hidden", "-o", tmp, path.join(PLUGIN_SOURCE_DIR, "mmio-trace.c")], { encoding: "utf8" });
  if (r.status !== 0) throw new HarvestError("missing_tool", `gcc could not build the plugin: ${(r.stderr ?? "").trim().split("\n")[0]}`);
  renameSync(tmp, out);
  return out;
}
