// The package root is the public API: every name it exports carries a doc comment, and none of
// the internals (record offsets, readers, the fetcher, the hash) leaks into it.
import { describe, it, expect } from "vitest";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "../..");

function exportsOf(file: string): { name: string; documented: boolean }[] {
  const program = ts.createProgram([path.join(ROOT, file)], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, file))!;
  const module = checker.getSymbolAtLocation(source)!;
  return checker.getExportsOfModule(module).map((sym) => {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    return { name: sym.getName(), documented: target.getDocumentationComment(checker).length > 0 };
  });
}

describe("public API (src/index.ts)", () => {
  const names = exportsOf("src/index.ts");

  it("is small enough to hold in one's head", () => {
    expect(names.length).toBeGreaterThan(40);
    expect(names.length).toBeLessThanOrEqual(85); // 112 before the API was narrowed (issue 8)
  });

  it("documents every name it exports", () => {
    expect(names.filter((n) => !n.documented).map((n) => n.name)).toEqual([]);
  });

  it("keeps the internals out", () => {
    const exported = new Set(names.map((n) => n.name));
    for (const internal of ["readRecord", "RECORD_OFFSETS", "CodeFetcher", "Sha384", "describeVe", "handleMmioVe", "InsnView", "KIND", "toHex"]) {
      expect(exported.has(internal), internal).toBe(false);
    }
  });
});
