// Node-only convenience: loads the release WASM that `npm run build:wasm` writes to build/.
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VeDecoder } from "./engine.js";

/** Candidate locations of build/release.wasm: from src/decoder (tsx/vitest) and dist/src/decoder. */
function wasmPath(): string {
  for (const rel of ["../../build/release.wasm", "../../../build/release.wasm"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("build/release.wasm not found: run `npm run build:wasm` first");
}

let shared: Promise<VeDecoder> | null = null;

/** A decoder backed by the package's release build (one shared instance per process). */
export function loadDecoder(): Promise<VeDecoder> {
  shared ??= readFile(wasmPath()).then((bytes) => VeDecoder.create(bytes));
  return shared;
}

/** A fresh, unshared decoder instance. */
export async function newDecoder(): Promise<VeDecoder> {
  return VeDecoder.create(await readFile(wasmPath()));
}
