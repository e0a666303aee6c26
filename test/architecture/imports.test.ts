// The import lines of the library (README "Layout"): every file under src/ and examples/ is parsed
// with TypeScript's own pre-processor and its imports are checked against the rules below. The
// checker is also run on a small planted graph, so a rule that stopped firing would fail here.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Files that may use Node: the CLI, the Node WASM loader, the kernel cache, the object-file reader (decompression) and the object loader of
 * the scan (they read files and run tools). Everything else in src/ is the browser-safe core.
 */
const NODE_ONLY = [/^src\/cli\//, /^src\/node\.ts$/, /^src\/harvest\//, /^src\/decoder\/node\.ts$/, /^src\/elf\/kernel-cache\.ts$/, /^src\/elf\/object-file\.ts$/, /^src\/scan\/objects\.ts$/];

/** Which folders of src/ a folder may import from (its own folder is always allowed). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // The two worlds meet only at the TDVMCALL frame.
  guest: ["tdvmcall", "decoder", "words.ts"],
  host: ["tdvmcall", "decoder", "words.ts"],
  devices: ["host", "tdvmcall", "words.ts"],
  tdvmcall: ["words.ts"],
  decoder: ["words.ts"],
  // The machine room wires guest, host and devices together.
  machine: ["guest", "host", "devices", "tdvmcall", "decoder", "words.ts"],
};

type Graph = Map<string, string[]>;

/** Every .ts file under `dir` (relative to the repository, "/" separators). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(path.join(ROOT, d))) {
      const rel = `${d}/${name}`;
      if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
      else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/** File -> its import specifiers, resolved to repository paths for relative ones. */
function importGraph(files: string[]): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
    graph.set(file, info.importedFiles.map(({ fileName }) =>
      fileName.startsWith(".") ? path.posix.join(path.posix.dirname(file), fileName).replace(/\.js$/, ".ts") : fileName));
  }
  return graph;
}

/** "guest", "host", ... for src/<folder>/..., the file name for files directly in src/. */
const folderOf = (file: string): string | null => {
  const m = /^src\/([^/]+)(\/)?/.exec(file);
  return m ? m[1] : null;
};
const isNodeOnly = (file: string) => NODE_ONLY.some((re) => re.test(file));
const isNodeModule = (spec: string) => spec.startsWith("node:") || builtinModules.includes(spec);

/** Every import that crosses a forbidden line, as "from -> to: rule". */
function violations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, specs] of graph) {
    for (const to of specs) {
      const fromFolder = folderOf(from), toFolder = folderOf(to);
      if (from.startsWith("src/")) {
        if (toFolder === "cli" && fromFolder !== "cli") out.push(`${from} -> ${to}: the library never imports the CLI`);
        const allowed = fromFolder ? MAY_IMPORT[fromFolder] : undefined;
        if (allowed && toFolder && toFolder !== fromFolder && !allowed.includes(toFolder)) {
          out.push(`${from} -> ${to}: ${fromFolder}/ may import only ${allowed.join(", ")}`);
        }
        if (!isNodeOnly(from) && (isNodeModule(to) || (to.startsWith("src/") && isNodeOnly(to)))) {
          out.push(`${from} -> ${to}: the browser-safe core uses no Node module`);
        }
      }
      // Examples embed the library as a user would: through the package root (and Node's loader).
      if (from.startsWith("examples/") && to.startsWith("src/") && to !== "src/index.ts" && to !== "src/decoder/node.ts") {
        out.push(`${from} -> ${to}: examples import the package root (src/index.ts) only`);
      }
    }
  }
  return out;
}

/** Import cycles among the graph's files (Tarjan's strongly connected components of size > 1). */
function cycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter); low.set(v, counter); counter++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("import lines", () => {
  const files = [...tsFiles("src"), ...tsFiles("examples")];
  const graph = importGraph(files);

  it("reads the whole library", () => {
    for (const folder of ["guest", "host", "tdvmcall", "machine", "decoder", "devices", "cli"]) {
      expect(files.some((f) => f.startsWith(`src/${folder}/`)), folder).toBe(true);
    }
    // Every relative import resolves to a file that exists (the graph is the real one).
    for (const specs of graph.values()) for (const s of specs) if (s.startsWith("src/")) expect(files, s).toContain(s);
  });

  it("crosses no forbidden line", () => {
    expect(violations(graph)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the checker fires on planted violations", () => {
    const planted: Graph = new Map([
      ["src/guest/a.ts", ["src/host/host.ts", "src/guest/b.ts"]],
      ["src/guest/b.ts", ["src/guest/a.ts", "src/machine/td.ts"]],
      ["src/host/host.ts", ["src/guest/vcpu.ts", "src/tdvmcall/abi.ts"]],
      ["src/decoder/engine.ts", ["node:fs", "src/cli/main.ts", "src/decoder/node.ts"]],
      ["src/tdvmcall/abi.ts", ["fs"]],
      ["src/cli/main.ts", ["node:fs", "src/machine/td.ts"]],
      ["examples/x.ts", ["src/machine/td.ts", "src/index.ts"]],
    ]);
    const v = violations(planted);
    expect(v.filter((x) => x.startsWith("src/guest/a.ts -> src/host/"))).toHaveLength(1);
    expect(v.filter((x) => x.startsWith("src/guest/b.ts -> src/machine/"))).toHaveLength(1);
    expect(v.filter((x) => x.startsWith("src/host/host.ts -> src/guest/"))).toHaveLength(1);
    expect(v.filter((x) => x.startsWith("src/decoder/engine.ts"))).toHaveLength(5); // node:fs; cli (the CLI line, the folder line, a Node-only file); node.ts
    expect(v.filter((x) => x.startsWith("src/tdvmcall/abi.ts -> fs"))).toHaveLength(1);
    expect(v.filter((x) => x.startsWith("src/cli/"))).toEqual([]);
    expect(v.filter((x) => x.startsWith("examples/x.ts"))).toHaveLength(1);
    expect(cycles(planted)).toEqual([["src/guest/a.ts", "src/guest/b.ts"]]);
  });
});
