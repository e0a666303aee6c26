// The built-in corpus (data/corpus.json, made by scripts/gen-corpus.mjs from corpus/c/*.c). It ships
// in the package, so it is found relative to this module, never the working directory.
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "./inputs.js";

export interface CorpusFunction { file: string; flags: string; name: string; hex: string }
export interface Corpus { gcc: string; functions: CorpusFunction[] }

/** Loads the corpus from the package root (from src/cli under tsx/vitest, or from dist/src/cli). */
export function loadCorpus(): Corpus {
  for (const rel of ["../../data/corpus.json", "../../../data/corpus.json"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as Corpus;
  }
  throw new InputError("built-in corpus data/corpus.json is missing from the package (npm run corpus)");
}
