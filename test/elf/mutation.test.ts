// ELF mutation suite: real ELFs built here with gcc (the corpus' driver code as objects with DWARF,
// a module made like a .ko with `ld -r`, the ELF fixtures' executable, PIE and stripped files), with
// bytes flipped at random and in the structures a reader trusts (header, section headers, symbol
// entries, relocations, DWARF), run through `decode --elf` and `scan --elf`. Every case must end
// in exit 0 or 2 with at most one stderr line and no stack trace, in bounded time; memory is checked
// on real child processes. Seeded: VE_MMIO_SEED=<n> repeats a run; the seed is printed.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { parseElf64, SHT_SYMTAB } from "../../src/elf/elf64.js";
import { rng } from "../support/random.js";
import { buildFixtures } from "./fixtures.js";

const SEED = Number(process.env.VE_MMIO_SEED ?? (Date.now() % 2 ** 31));
const CASES_PER_FILE = Number(process.env.VE_MMIO_ELF_CASES ?? 150);
const CASE_MS = 10_000;
const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
const corpus = fileURLToPath(new URL("../../corpus/c/", import.meta.url));

let dir = "";
const originals: { name: string; bytes: Uint8Array }[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-mutate-"));
  for (const c of ["drv_storage.c", "drv_irq_pci.c"]) {
    const o = path.join(dir, c.replace(/\.c$/, ".o"));
    execFileSync("gcc", ["-O2", "-g", "-gdwarf-5", "-c", "-I", corpus, "-o", o, path.join(corpus, c)]);
  }
  execFileSync("ld", ["-r", "-o", path.join(dir, "drv.ko"), path.join(dir, "drv_storage.o"), path.join(dir, "drv_irq_pci.o")]);
  const fx = buildFixtures();
  for (const [name, file] of [["clones.o", fx.object], ["prog", fx.exec], ["prog-pie", fx.pie]] as const) copyFileSync(file, path.join(dir, name));
  for (const name of ["drv_storage.o", "drv.ko", "clones.o", "prog", "prog-pie"]) originals.push({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) });
  fx.cleanup();
});

/** Byte ranges a reader trusts most: header, section header table, symbol entries, relocations, DWARF. */
function hotRanges(bytes: Uint8Array): [number, number][] {
  const elf = parseElf64(bytes);
  const ranges: [number, number][] = [[0, 64], [elf.header.shoff, elf.header.shoff + elf.header.shnum * 64]];
  for (const s of elf.sections) {
    if (s.type === SHT_SYMTAB || s.type === 4 || s.name.startsWith(".debug_info") || s.name.startsWith(".debug_abbrev") || s.name === ".debug_str_offsets") {
      ranges.push([s.offset, s.offset + s.size]);
    }
  }
  return ranges.filter(([a, b]) => b > a);
}

/** One mutant: 1-8 bytes set at random, half the time inside a hot range. */
function mutate(bytes: Uint8Array, hot: [number, number][], r: () => number): Uint8Array {
  const copy = bytes.slice();
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const [a, b] = r() < 0.5 ? hot[Math.floor(r() * hot.length)] : [0, bytes.length];
    const at = a + Math.floor(r() * (b - a));
    copy[at] = r() < 0.5 ? copy[at] ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
  }
  return copy;
}

/** Runs the CLI in this process with its output discarded; returns exit code, stderr and time. */
async function runCli(argv: string[]) {
  let stderr = "";
  const t0 = performance.now();
  const code = await main(argv, {
    stdout: { write: (_chunk: string, done: (e?: Error | null) => void) => { done(); return true; } },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stderr, ms: performance.now() - t0 };
}

describe(`ELF mutation suite (seed ${SEED})`, () => {
  it("byte-flipped ELFs through decode --elf and scan --elf: exit 0 or 2, one stderr line, no stack trace", async () => {
    console.log(`ELF mutation suite: seed ${SEED} (VE_MMIO_SEED=${SEED} repeats it)`);
    const r = rng(SEED);
    const tally = { cases: 0, exit0: 0, exit2: 0 };
    const failures: string[] = [];
    for (const { name, bytes } of originals) {
      const hot = hotRanges(bytes);
      for (let i = 0; i < CASES_PER_FILE; i++) {
        const file = path.join(dir, `m-${name}`);
        writeFileSync(file, mutate(bytes, hot, r));
        const command = i % 2 === 0
          ? ["decode", "--elf", file, "--jsonl"]
          : ["scan", "--elf", file, "--sites", "ahci_scr_read,drv_storage_reset,checked_sum,no_such_site"];
        const run = await runCli(command);
        tally.cases++;
        if (run.code === 0) tally.exit0++;
        if (run.code === 2) tally.exit2++;
        const lines = run.stderr.split("\n").filter(Boolean);
        const bad = (run.code !== 0 && run.code !== 2) || lines.length > 1 || (run.code === 2 && lines.length !== 1)
          || /\bat .*[.:]\d+|internal error|RangeError|TypeError/.test(run.stderr) || run.ms > CASE_MS;
        if (bad) {
          const keep = path.join(dir, `failure-${tally.cases}-${name}`);
          copyFileSync(file, keep);
          failures.push(`${command[0]} ${name} case ${i}: exit ${run.code} in ${run.ms.toFixed(0)} ms: ${run.stderr.trim().slice(0, 200)} (kept as ${keep})`);
        }
      }
    }
    console.log(`ELF mutation suite: ${tally.cases} cases, ${tally.exit0} exit 0, ${tally.exit2} exit 2, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 600_000);

  it("the same as real child processes: bounded time and memory, stderr one line", () => {
    const r = rng(SEED ^ 0x5a5a5a5a);
    let peak = 0;
    for (const { name, bytes } of originals) {
      for (const cmd of ["decode", "scan"]) {
        const file = path.join(dir, `p-${name}`);
        writeFileSync(file, mutate(bytes, hotRanges(bytes), r));
        const res = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, bin, cmd, "--elf", file], { encoding: "utf8", timeout: 60_000 });
        const lines = res.stderr.trim().split("\n").filter((l) => !l.startsWith("Command exited"));
        const rssKb = Number(lines.pop());
        peak = Math.max(peak, rssKb);
        expect([0, 2], `${cmd} ${name}: ${res.stderr}`).toContain(res.status);
        expect(lines.length, `${cmd} ${name}: ${res.stderr}`).toBeLessThanOrEqual(1);
        expect(res.stderr).not.toMatch(/\bat .*\.js:\d+/);
        expect(rssKb * 1024).toBeLessThan(300 << 20);
      }
    }
    console.log(`ELF mutation suite (child processes): peak RSS ${(peak / 1024).toFixed(0)} MB`);
  }, 600_000);
});
