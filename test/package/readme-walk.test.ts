// Walks README.md's shell commands in order, as written, the way a new user meets them: the quick
// start in a fresh copy of this tree (its tracked and new files, no node_modules, no build), the
// install steps into a fresh project, then the command line there. Placeholder files the commands
// name (code.bin, vmlinux, System.map, drivers/ata/libahci.ko, module.ko) are put in that project
// from the kernel cache. A command runs unless a listed reason says why it cannot here (printed in
// its test name); a README command this file does not know fails the walk, so they cannot drift.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { findCachedKernel, type KernelPaths } from "../../scripts/lib/kernel-cache.mjs";
import { ROOT, commands, codeBlocks, readme, type Command } from "./readme.js";
import { sh, ok, type Ran } from "./run.js";

type Where = "clone" | "project";

interface Step {
  where: Where;
  /** Why the command cannot run here, or null. */
  skip: string | null;
  /** The command line to run (README's, with /path/to/ made concrete). */
  line: string;
  check: (r: Ran) => void;
}

const kernel: KernelPaths | null = findCachedKernel();
const modules = kernel ? path.join(kernel.modulesDecompressedDir, "drivers/ata/libahci.ko") : null;
const noKernel = "no cached kernel (npm run kernel:fetch -- --dbg): CI fetches one";

/** Files the commands name, and where they come from. */
function placeholderSkip(line: string): string | null {
  if (/\/lib\/modules\/\$\(uname -r\)\/kernel/.test(line)) {
    const dir = execFileSync("bash", ["-c", "echo /lib/modules/$(uname -r)/kernel"], { encoding: "utf8" }).trim();
    if (!existsSync(dir)) return `this machine has no ${dir} (a container): the same scan runs on the cached kernel's modules above`;
  }
  if (/\b(vmlinux|System\.map|libahci\.ko|module\.ko)\b/.test(line) || /^npx ve-mmio scan\b/.test(line)) {
    if (!kernel) return noKernel;
    if (/System\.map/.test(line) && !kernel.systemMap) return "the cached kernel has no System.map (fetch with --dbg)";
    if (/^npx ve-mmio scan\b/.test(line) && !kernel.vmlinuxDebug) return "it follows `kernel:fetch -- --dbg`, and the cached kernel has no -dbg package";
    if (/libahci\.ko|module\.ko/.test(line) && !(modules && existsSync(modules))) return "the cached kernel's drivers/ata modules are not decompressed";
  }
  return null;
}

const succeeded = (r: Ran) => {
  expect(r.status, r.stderr).toBe(0);
};
const printed = (pattern: RegExp) => (r: Ran) => {
  succeeded(r);
  expect(r.stdout).toMatch(pattern);
};

/** The ```json block README gives right after the emulate command: its exact output. */
function emulateOutput(): unknown {
  const blocks = codeBlocks(readme());
  const i = blocks.findIndex((b) => b.lang === "sh" && b.code.includes("npx ve-mmio emulate"));
  return JSON.parse(blocks[i + 1].code);
}

let clone = "";
let project = "";

/** What each README command means here: where it runs and what it must print. */
function stepFor(c: Command): Step | null {
  const cmd = c.command;
  const step = (where: Where, check: (r: Ran) => void, skip: string | null = null, line = cmd): Step => ({ where, skip, line, check });
  if (cmd === "npm install && npm start") return step("clone", printed(/#VE delivered \d+/));
  if (cmd === "npm test") return step("clone", succeeded, "this is the suite running the walk (it would run itself)");
  if (cmd === "npm pack") return step("clone", printed(/^ve-mmio-[\d.]+\.tgz$/m));
  const install = /^npm install \/path\/to\/(\S+\.tgz)$/.exec(cmd);
  if (install) return { ...step("project", succeeded), line: `npm install ${path.join("$CLONE", install[1])}` };
  if (cmd === "npm install iced-x86") return step("project", succeeded);
  if (cmd === "npx ve-mmio demo") return step("project", printed(/#VE delivered \d+/));
  if (cmd.startsWith("npm run kernel:fetch")) {
    // Offline only when the kernel it picks is cached with its debug package: else ~1 GB.
    const skip = !kernel ? noKernel : !kernel.vmlinuxDebug ? "the cached kernel lacks its -dbg package (a ~1 GB download)" : null;
    return step("clone", printed(/"vmlinuxDebug": "\//), skip);
  }
  if (cmd.startsWith("npx ve-mmio emulate")) {
    return step("project", (r) => {
      succeeded(r);
      expect(JSON.parse(r.stdout)).toEqual(emulateOutput());
    });
  }
  if (cmd === "npx ve-mmio scan") {
    return step("project", (r) => {
      succeeded(r); // exit 1 would mean an iced-x86 disagreement
      for (const site of ["ahci_scr_read", "mask_ioapic_irq", "ioread32", "pci_mmcfg_read"]) expect(r.stdout).toContain(site);
      expect(r.stdout).toMatch(/update_no_reboot_bit_mem.*iTCO_wdt/); // the watchdog group is fetched
    }, placeholderSkip(cmd));
  }
  if (/^npx ve-mmio decode --elf vmlinux\b/.test(cmd)) {
    // A whole vmlinux is 7.1 M instructions, one line each (minutes): it must start printing them
    // within 30 s, and is stopped there.
    return {
      ...step("project", (r) => {
        expect([0, 124], r.stderr).toContain(r.status);
        expect(r.stdout.split("\n").filter((l) => /^\s*0x[0-9a-f]+\s.*\s[0-9a-f]{2}\s/.test(l)).length).toBeGreaterThan(100);
      }, placeholderSkip(cmd)),
      line: `set -o pipefail; timeout 30 ${cmd} | head -c 1000000`,
    };
  }
  if (cmd.startsWith("npx ve-mmio decode") || cmd.startsWith("npx ve-mmio scan")) {
    return step("project", printed(/\S/), placeholderSkip(cmd));
  }
  return null;
}

const walk = commands().map((c) => ({ c, step: stepFor(c) }));

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-walk-"));
  clone = path.join(dir, "ve-mmio");
  project = path.join(dir, "project");
  // A fresh copy of this tree as a clone would have it (tracked and new files, nothing ignored).
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\0").filter((f) => f && existsSync(path.join(ROOT, f)));
  for (const f of files) cpSync(path.join(ROOT, f), path.join(clone, f), { recursive: true });
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "my-project", private: true, type: "module" }));
  // The files the command-line examples name.
  const corpus = JSON.parse(readFileSync(path.join(ROOT, "data/corpus.json"), "utf8")) as { functions: { hex: string }[] };
  writeFileSync(path.join(project, "code.bin"), Buffer.from(corpus.functions.map((f) => f.hex).join("").slice(0, 2048), "hex"));
  if (kernel) {
    symlinkSync(kernel.vmlinux, path.join(project, "vmlinux")); // stripped, as vmlinuz gives it
    if (kernel.systemMap) symlinkSync(kernel.systemMap, path.join(project, "System.map"));
    if (modules && existsSync(modules)) {
      mkdirSync(path.join(project, "drivers/ata"), { recursive: true });
      symlinkSync(modules, path.join(project, "drivers/ata/libahci.ko"));
      symlinkSync(modules, path.join(project, "module.ko"));
    }
  }
}, 60_000);

afterAll(() => {
  if (clone) rmSync(path.dirname(clone), { recursive: true, force: true });
});

describe("README's commands, in order, on a fresh copy", () => {
  test("every command README shows is one this walk knows", () => {
    expect(walk.filter((w) => w.step === null).map((w) => `README.md:${w.c.line} ${w.c.command}`)).toEqual([]);
  });

  for (const { c, step } of walk) {
    if (!step) continue;
    const name = `README.md:${c.line} ${c.command}${step.skip ? ` (skipped: ${step.skip})` : ""}`;
    test.skipIf(step.skip !== null)(name, () => {
      const cwd = step.where === "clone" ? clone : project;
      const r = sh(step.line.replace("$CLONE", clone), cwd, 600_000);
      step.check(r);
    }, 600_000);
  }
});

