// Output as pipelines see it: every command writes with backpressure, stops at once when the
// reader goes away, reports a full disk in one line, and `--json` is a valid document written as
// it goes. Memory: decode keeps one 1 MiB chunk of a --file input and 64 KiB of output, so peak
// RSS stays under the README's bound (200 MB) on a generated 100 MB input.
import { describe, it, expect, beforeAll } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, openSync, closeSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
/** The README's stated bound on decode's peak RSS, whatever the input size. */
const RSS_BOUND = 200 * 1024 * 1024;

/** `mov word [rax+rax+0x12345678], 0x1234` with six 66h prefixes: 15 bytes, a full MMIO record each. */
const INSN = Buffer.from("666666666666c78400785634123412", "hex");
let dir = "";
const file = (name: string, bytes: number) => {
  const p = path.join(dir, name);
  const count = Math.floor(bytes / INSN.length);
  const chunk = Buffer.concat(Array.from({ length: Math.min(count, 1 << 16) }, () => INSN));
  const fd = openSync(p, "w");
  for (let left = count; left > 0; left -= 1 << 16) writeFileSync(fd, left >= 1 << 16 ? chunk : chunk.subarray(0, left * INSN.length));
  closeSync(fd);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-stream-"));
});

/** Starts the CLI, reads stdout until `enough` says stop, closes the pipe; resolves with what happened. */
function readThenClose(args: string[], enough: (received: number, text: string) => boolean) {
  return new Promise<{ status: number | null; stderr: string; received: number; msToExit: number; hwm: number | null; first: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "", received = 0, first = "", closedAt = 0, hwm: number | null = null;
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d: Buffer) => {
      if (closedAt) return;
      received += d.length;
      if (first.length < 4096) first += d.toString();
      if (enough(received, first)) {
        hwm = peakRss(child.pid!);
        closedAt = performance.now();
        child.stdout.destroy(); // the reader goes away, as `| head` does
      }
    });
    child.on("exit", (status) => resolve({ status, stderr, received, msToExit: performance.now() - closedAt, hwm, first }));
  });
}

/** The child's peak resident set (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

describe("streaming output", () => {
  it("| head -1: the reader going away stops every output format at once, silently, exit 0", async () => {
    const input = file("20m.bin", 20 << 20);
    for (const format of [[], ["--jsonl"], ["--json"]]) {
      const r = await readThenClose(["decode", "--file", input, ...format], (_, text) => text.includes("\n"));
      expect(r.stderr, format.join()).toBe("");
      expect(r.status, format.join()).toBe(0);
      expect(r.msToExit, format.join()).toBeLessThan(5000); // not the minutes decoding 20 MB takes
    }
  });

  it("a slow reader gets everything: the writer waits for it (no ENOBUFS, no loss)", async () => {
    const input = file("512k.bin", 512 << 10);
    const child = spawn(process.execPath, [bin, "decode", "--file", input, "--jsonl"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    const chunks: Buffer[] = [];
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d: Buffer) => {
      chunks.push(d);
      if (chunks.length % 10 === 1) { child.stdout.pause(); setTimeout(() => child.stdout.resume(), 200); } // a reader slower than the decoder
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const lines = Buffer.concat(chunks).toString().trim().split("\n");
    expect(lines).toHaveLength(Math.floor((512 << 10) / 15));
    expect(JSON.parse(lines[lines.length - 1]).addr).toBe("0x" + ((Math.floor((512 << 10) / 15) - 1) * 15).toString(16));
  });

  it("> /dev/full: one line on stderr, exit 2, for a long output and a short one", () => {
    const input = file("1m.bin", 1 << 20);
    for (const args of [["decode", "--file", input, "--jsonl"], ["decode", "90"], ["--help"], ["emulate", "--bytes", "8b 07", "--json"]]) {
      const full = openSync("/dev/full", "w");
      const r = spawnSync(process.execPath, [bin, ...args], { stdio: ["ignore", full, "pipe"], encoding: "utf8" });
      closeSync(full);
      expect(r.stderr, args.join(" ")).toBe("ve-mmio: cannot write output: ENOSPC\n");
      expect(r.status, args.join(" ")).toBe(2);
    }
  });

  it("--json is one valid document: an array written record by record, a lone record as itself, [] for none", () => {
    const input = file("60k.bin", 60000);
    const r = spawnSync(process.execPath, [bin, "decode", "--file", input, "--json"], { encoding: "utf8", maxBuffer: 1 << 30 });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toHaveLength(4000);
    expect(doc[3999]).toMatchObject({ addr: "0xea51", len: 15, mmio: { kind: "write_imm", size: 2, imm: "0x1234" } });
    expect(JSON.parse(spawnSync(process.execPath, [bin, "decode", "--json", "90"], { encoding: "utf8" }).stdout)).toMatchObject({ addr: "0x0", bytes: "90" });
    const empty = path.join(dir, "empty.bin");
    writeFileSync(empty, "");
    expect(JSON.parse(spawnSync(process.execPath, [bin, "decode", "--file", empty, "--json"], { encoding: "utf8" }).stdout)).toEqual([]);
  });

  it("a --file decode crosses chunk boundaries exactly as one buffer would (instructions spanning 1 MiB)", () => {
    // 1 MiB + 7 bytes of the 15-byte instruction: records must continue seamlessly across the chunk edge.
    const input = file("edge.bin", (1 << 20) + 30);
    const r = spawnSync(process.execPath, [bin, "decode", "--file", input, "--jsonl", "--ip", "0x1000"], { encoding: "utf8", maxBuffer: 1 << 30 });
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBe(Math.floor(((1 << 20) + 30) / 15));
    expect(lines.every((l: { len: number; addr: string }, i: number) => l.len === 15 && BigInt(l.addr) === 0x1000n + BigInt(i * 15))).toBe(true);
  });

  it(`--json on a generated 100 MB input streams from the start with peak RSS under ${RSS_BOUND >> 20} MB`, async () => {
    const input = file("100m.bin", 100 << 20);
    // 40 MB of JSON is ~2 % of this input's document: the old code held the whole document (and
    // read the whole file first), so it wrote nothing before the end and grew past 1 GB.
    const r = await readThenClose(["decode", "--file", input, "--json"], (received) => received >= 40 << 20);
    expect(r.received).toBeGreaterThanOrEqual(40 << 20);
    expect(r.first.startsWith("[\n  {\n")).toBe(true);
    console.log(`decode --file (100 MB) --json: peak RSS ${(r.hwm! / 2 ** 20).toFixed(0)} MB after ${(r.received / 2 ** 20).toFixed(0)} MB of output`);
    expect(r.hwm!).toBeLessThan(RSS_BOUND);
    expect(r.status).toBe(0);
  }, 600_000);
});
