// The package as people install and use it: `npm pack`, the tarball installed into a fresh
// project, and there README's library examples run as written (Node: .mjs; the browser one
// bundled with esbuild and run in headless Chromium), type-checked as strict TypeScript, and the
// `ve-mmio` command run. `npm test` builds first, so the tarball holds this tree's build.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { ROOT, examples } from "./readme.js";
import { run, ok } from "./run.js";
import { chromiumPath, harness, runInChromium } from "./browser.js";

const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const chromium = chromiumPath();

interface PackedFile { path: string; size: number }
interface Packed { filename: string; size: number; unpackedSize: number; files: PackedFile[] }

let dir: string;
let project: string;
let packed: Packed;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-consumer-"));
  packed = (JSON.parse(ok(run("npm", ["pack", "--json", "--pack-destination", dir], ROOT), "npm pack").stdout) as Packed[])[0];
  project = path.join(dir, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(dir, packed.filename)], project, 170_000), "npm install <tarball>");
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package in a fresh project", () => {
  test("the tarball holds what users run, and nothing that points outside it", () => {
    const files = packed.files.map((f) => f.path);
    console.log(`tarball: ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked, ${files.length} files`);
    for (const f of ["LICENSE", "README.md", "package.json", "bin/ve-mmio.js", "build/release.wasm", "data/corpus.json",
      "dist/src/index.js", "dist/src/index.d.ts", "dist/src/node.js", "dist/src/node.d.ts", "dist/src/internal.js",
      "dist/src/internal.d.ts", "dist/src/cli/main.js",
      // harvest builds its QEMU plugin from source with gcc on first use
      "harvest-plugin/mmio-trace.c", "harvest-plugin/plugin-api.h"]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => !/^(bin|dist\/src|build|data|harvest-plugin)\/|^(LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
    // No source maps: they would point at sources the package does not ship.
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    const installed = path.join(project, "node_modules/ve-mmio");
    expect(files.filter((f) => f.endsWith(".js") && readFileSync(path.join(installed, f), "utf8").includes("sourceMappingURL"))).toEqual([]);
    expect(readFileSync(path.join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License/);
  });

  test("installs no iced-x86: the core has no dependencies, the CLI's decode and scan ask for it", () => {
    expect(existsSync(path.join(project, "node_modules/iced-x86"))).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(project, "node_modules/ve-mmio/package.json"), "utf8")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("iced-x86");
    expect(pkg.peerDependenciesMeta["iced-x86"]).toEqual({ optional: true });
    for (const args of [["decode", "8b", "07"], ["scan", "--elf", "vmlinux"]]) {
      const r = run("npx", ["ve-mmio", ...args], project);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([`ve-mmio: ${args[0]} needs iced-x86 (an optional peer dependency): npm install iced-x86`]);
    }
  });

  test("every subpath of the exports map resolves under Node", () => {
    const script = `const core = await import("ve-mmio"), node = await import("ve-mmio/node"), internal = await import("ve-mmio/internal");
console.log(typeof core.VeDecoder, typeof node.loadDecoder, node.Td === core.Td, typeof internal.readRecord, import.meta.resolve("ve-mmio/wasm").endsWith("/build/release.wasm"));`;
    const r = ok(run("node", ["--input-type=module", "-e", script], project), "imports");
    expect(r.stdout).toBe("function function true function true\n");
  });

  test("npx ve-mmio demo and survey run from the installed package (the corpus ships in it)", () => {
    const demo = ok(run("npx", ["ve-mmio", "demo"], project), "npx ve-mmio demo");
    expect(demo.stdout).toMatch(/#VE delivered \d+/);
    const survey = ok(run("npx", ["ve-mmio", "survey"], project), "npx ve-mmio survey");
    expect(survey.stdout).toMatch(/\d+ functions/);
  });

  const nodeExamples = examples().filter((e) => e.where === "node");

  test("README has Node and browser examples, each with its output", () => {
    expect(nodeExamples.length).toBeGreaterThanOrEqual(2);
    expect(examples().filter((e) => e.where === "browser")).toHaveLength(1);
    for (const e of examples()) expect(e.output, `README.md:${e.line} has no output block`).not.toBeNull();
  });

  test.each(nodeExamples.map((e) => [e.line, e] as const))("README.md:%i runs as .mjs and prints what README says", (line, e) => {
    const file = path.join(project, `readme-${line}.mjs`);
    writeFileSync(file, e.code);
    const r = ok(run("node", [file], project), `README.md:${line}`);
    expect(r.stdout).toBe(e.output);
  });

  test("README's examples type-check as strict TypeScript against the installed types", () => {
    const check = path.join(project, "typecheck");
    mkdirSync(check, { recursive: true });
    for (const e of examples()) writeFileSync(path.join(check, `readme-${e.line}.mts`), e.code);
    writeFileSync(path.join(check, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"], types: [], skipLibCheck: false, skipDefaultLibCheck: true, noUnusedLocals: true,
      },
      include: ["*.mts"],
    }));
    const r = run("node", [TSC, "-p", check], project);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("npx ve-mmio decode works once iced-x86 is installed", () => {
    ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "iced-x86"], project, 120_000), "npm install iced-x86");
    const r = ok(run("npx", ["ve-mmio", "decode", "8b", "07"], project), "npx ve-mmio decode 8b 07");
    expect(r.stdout).toMatch(/^\s*0x0\s+8b 07\s+mov eax,\[rdi\]\s+read 4 bytes -> eax from \[rdi\]/);
  });

  test.skipIf(chromium === null)("README's browser example: the core bundled by esbuild, in headless Chromium", async () => {
    const [example] = examples().filter((e) => e.where === "browser");
    writeFileSync(path.join(project, "browser-example.mjs"), example.code);
    writeFileSync(path.join(project, "browser-harness.mjs"), harness("./browser-example.mjs"));
    const out = await build({
      entryPoints: [path.join(project, "browser-harness.mjs")], absWorkingDir: project, bundle: true,
      format: "esm", platform: "browser", target: "es2022", write: false, metafile: true, logLevel: "silent",
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith("node:") || i.includes("iced-x86"))).toEqual([]);
    const bundle = out.outputFiles[0].contents;
    console.log(`browser bundle: ${(bundle.length / 1024).toFixed(1)} kB from ${inputs.length} modules`);
    // The WASM file as a bundler or server finds it: through the package's "./wasm" export.
    const wasm = readFileSync(createRequire(path.join(project, "package.json")).resolve("ve-mmio/wasm"));
    const files = new Map<string, [string, Uint8Array | string]>([
      ["/index.html", ["text/html", `<!doctype html><script type="module" src="app.js"></script>`]],
      ["/app.js", ["text/javascript", bundle]],
      ["/release.wasm", ["application/wasm", wasm]],
    ]);
    const page = await runInChromium(chromium!, files, path.join(dir, "chromium-profile"));
    expect(page.error).toBeNull();
    expect(page.lines.join("\n") + "\n").toBe(example.output);
  }, 90_000);
});

if (chromium === null) console.warn("test/package: no chromium installed, the browser example is skipped (.ci/run installs it)");
