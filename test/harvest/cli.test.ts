// `ve-mmio harvest` refuses bad input with one line and exit status 2, before booting anything.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const CLI = path.resolve(import.meta.dirname, "../../bin/ve-mmio.js");
const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });

describe("ve-mmio harvest: bad input", () => {
  it("names the Debian package of a missing tool", () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), "ve-mmio-nobin-"));
    symlinkSync("/bin/sh", path.join(bin, "sh")); // a shell, and nothing else
    const r = run(["harvest", "--out", path.join(bin, "out")], { ...process.env, PATH: bin });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("[harvest]"))).toEqual([
      "ve-mmio: qemu-system-x86_64 not found: install the Debian package qemu-system-x86 (apt-get install -y qemu-system-x86)",
    ]);
  });

  it("rejects an unknown device, a bad timeout, a missing System.map", () => {
    for (const [args, message] of [
      [["--devices", "floppy"], /unknown device "floppy"/],
      [["--timeout", "soon"], /--timeout wants seconds/],
      [["--system-map", "/nonexistent/System.map"], /--system-map .*no such file/],
      [["--system-map", CLI], /is not "ADDRESS TYPE NAME/],
      [["--kernel", "5.4"], /--kernel must be 6\.12 or 6\.1, not 5\.4/],
    ] as const) {
      const r = run(["harvest", ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("[harvest]"))).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("scan --sites-from wants a harvest's sites.jsonl", () => {
    const r = run(["scan", "--sites-from", CLI]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not JSON \(give a harvest's sites\.jsonl\)/);
  });
});
