/**
 * Test fixtures for the ELF reader: small C programs compiled with gcc into a
 * temporary folder at test time, and parsers for `readelf` output used as the
 * reference the reader is checked against.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Functions with compiler clones: `checked_sum` has an unlikely path that
 * calls a cold function, which GCC -O2 splits into `checked_sum.cold` (in
 * `.text.unlikely.checked_sum` with -ffunction-sections); `scale` always gets
 * the same constant, so it becomes `scale.constprop.0`.
 */
const CLONES_C = `
extern void fail(const char *msg, long a, long b, long c) __attribute__((cold));
extern long sink(long);

long checked_sum(const long *v, long n) {
  long s = 0;
  for (long i = 0; i < n; i++) {
    if (v[i] < 0) {
      fail("negative element", i, v[i], s);
      s += sink(i) * sink(v[i]);
      continue;
    }
    s += v[i];
  }
  return s;
}

static __attribute__((noinline)) long scale(long x, long k, long unused) {
  for (long i = 0; i < k; i++) x = sink(x) ^ (x << 1);
  return x;
}

long use_scale(long a, long b) { return scale(a, 7, 0) + scale(b, 7, 0); }

void empty_fn(void) {}
`;

const SUPPORT_C = `
long checked_sum(const long *v, long n);
long use_scale(long a, long b);
long sink(long x) { return x + 1; }
void fail(const char *msg, long a, long b, long c) { (void)msg; (void)a; (void)b; (void)c; }
int main(void) { static const long v[3] = {1, 2, 3}; return (int)checked_sum(v, 3) + (int)use_scale(1, 2); }
`;

/** Paths of the compiled fixtures. */
export interface Fixtures {
  dir: string;
  /** ET_REL, -O2 -ffunction-sections, with `checked_sum.cold` and `scale.constprop.0`. */
  object: string;
  /** ET_EXEC (-no-pie). */
  exec: string;
  /** ET_EXEC, stripped (no .symtab). */
  execStripped: string;
  /** ET_DYN (PIE). */
  pie: string;
  /** ET_DYN shared object, stripped: only .dynsym is left. */
  sharedStripped: string;
  cleanup(): void;
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** Compiles every fixture into a fresh temporary folder. */
export function buildFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), "ve-mmio-elf-"));
  writeFileSync(join(dir, "clones.c"), CLONES_C);
  writeFileSync(join(dir, "support.c"), SUPPORT_C);
  run("gcc", ["-O2", "-ffunction-sections", "-c", "clones.c", "-o", "clones.o"], dir);
  run("gcc", ["-O2", "-no-pie", "clones.c", "support.c", "-o", "prog"], dir);
  run("gcc", ["-O2", "-fPIE", "-pie", "clones.c", "support.c", "-o", "prog-pie"], dir);
  run("gcc", ["-O2", "-fPIC", "-shared", "clones.c", "-o", "libclones.so"], dir);
  run("strip", ["-o", "prog-stripped", "prog"], dir);
  run("strip", ["-o", "libclones-stripped.so", "libclones.so"], dir);
  return {
    dir,
    object: join(dir, "clones.o"),
    exec: join(dir, "prog"),
    execStripped: join(dir, "prog-stripped"),
    pie: join(dir, "prog-pie"),
    sharedStripped: join(dir, "libclones-stripped.so"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Reads a file into a fresh Uint8Array. */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** One row of `readelf -SW`. */
export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: bigint;
  offset: number;
  size: number;
}

/** Parses `readelf -SW FILE` (the null section at index 0 is skipped). */
export function readelfSections(path: string): ReadelfSection[] {
  const out = run("readelf", ["-SW", path], ".");
  const rows: ReadelfSection[] = [];
  const re = /^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s/;
  for (const line of out.split("\n")) {
    const m = re.exec(line);
    if (m === null || m[1] === "0") continue;
    rows.push({
      index: Number(m[1]),
      name: m[2]!,
      type: m[3]!,
      addr: BigInt("0x" + m[4]),
      offset: parseInt(m[5]!, 16),
      size: parseInt(m[6]!, 16),
    });
  }
  return rows;
}

/** One symbol row of `readelf -sW`. */
export interface ReadelfSymbol {
  value: bigint;
  size: number;
  type: string;
  bind: string;
  ndx: string;
  name: string;
}

/** Parses the symbol table called `table` (".symtab" or ".dynsym") from `readelf -sW FILE`. */
export function readelfSymbols(path: string, table: ".symtab" | ".dynsym"): ReadelfSymbol[] {
  const out = run("readelf", ["-sW", path], ".");
  const rows: ReadelfSymbol[] = [];
  let inTable = false;
  const re = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(\S*)/;
  for (const line of out.split("\n")) {
    if (line.startsWith("Symbol table")) {
      inTable = line.includes(`'${table}'`);
      continue;
    }
    const m = inTable ? re.exec(line) : null;
    if (m === null) continue;
    rows.push({
      value: BigInt("0x" + m[1]),
      size: Number(m[2]),
      type: m[3]!,
      bind: m[4]!,
      ndx: m[6]!,
      name: m[7]!.replace(/@.*$/, ""),
    });
  }
  return rows;
}

/** Output of `nm -n FILE`: the System.map format. */
export function nmSortedMap(path: string): string {
  return run("nm", ["-n", path], ".");
}

/** The raw contents of one section, extracted by objcopy (an independent reference for section/function bytes). */
export function objcopySection(path: string, section: string, dir: string): Uint8Array {
  const out = join(dir, `section-${section.replace(/[^A-Za-z0-9_]/g, "_")}.bin`);
  run("objcopy", ["-O", "binary", `--only-section=${section}`, path, out], dir);
  return readBytes(out);
}
