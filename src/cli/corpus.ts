// The built-in corpus (test/data/corpus.json, made by scripts/gen-corpus.mjs from corpus/c/*.c).
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "./inputs.js";

export interface CorpusFunction { file: string; flags: string; name: string; hex: string }
export interface Corpus { gcc: string; functions: CorpusFunction[] }

/** Loads the corpus from the package (works from src/ under tsx/vitest and from dist/). */
export function loadCorpus(): Corpus {
  for (const rel of ["../../test/data/corpus.json", "../../../test/data/corpus.json"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as Corpus;
  }
  throw new InputError("built-in corpus test/data/corpus.json is missing (npm run corpus)");
}
