// Compressed modules (.ko.xz, .ko.zst) read through the libraries, never the xz/zstd programs, with
// a bound on the output: a decompression bomb is one line and exit 2, before any large allocation.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readObjectFile, xzDeclaredSize, ObjectFileError } from "../../src/elf/object-file.js";
import { buildFixtures, type Fixtures } from "./fixtures.js";

const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
let fx: Fixtures;
let dir = "";

beforeAll(() => {
  fx = buildFixtures();
  dir = mkdtempSync(path.join(tmpdir(), "ve-mmio-objfile-"));
});

// Fixtures are made with the xz and zstd programs (as Debian makes its modules: xz with a CRC64
// check), the code under test never runs them.
const zstd = (input: string, output: string) => execFileSync("zstd", ["-q", "-f", "-o", output, input]);
const xzFile = (input: string, output: string) => execFileSync("sh", ["-c", `xz -c -0 --check=crc64 < '${input}' > '${output}'`]);

describe("reading compressed objects", () => {
  it("xz and zstd modules decompress to the same bytes as the plain file", async () => {
    const plain = new Uint8Array(readFileSync(fx.object));
    xzFile(fx.object, path.join(dir, "m.ko.xz"));
    zstd(fx.object, path.join(dir, "m.ko.zst"));
    expect(await readObjectFile(path.join(dir, "m.ko.xz"))).toEqual(plain);
    expect(await readObjectFile(path.join(dir, "m.ko.zst"))).toEqual(plain);
    expect(await readObjectFile(fx.object)).toEqual(plain);
  });

  it("decode --elf takes .ko.xz and .ko.zst as scan does, with the same output as the plain object", () => {
    const plain = spawnSync(process.execPath, [bin, "decode", "--elf", fx.object, "--jsonl"], { encoding: "utf8" });
    expect(plain.status).toBe(0);
    for (const name of ["m.ko.xz", "m.ko.zst"]) {
      const r = spawnSync(process.execPath, [bin, "decode", "--elf", path.join(dir, name), "--jsonl"], { encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
      expect(r.stderr, name).toBe("");
      expect(r.stdout, name).toBe(plain.stdout);
    }
  });

  it("an xz bomb (the index declares 300 MiB) is refused before decompressing: one line, exit 2, small RSS", async () => {
    const bomb = path.join(dir, "bomb.ko.xz");
    execFileSync("sh", ["-c", `head -c ${300 << 20} /dev/zero | xz -c -0 > '${bomb}'`]);
    expect(xzDeclaredSize(new Uint8Array(readFileSync(bomb)))).toBe(300 << 20);
    await expect(readObjectFile(bomb)).rejects.toThrow(ObjectFileError);
    for (const cmd of [["decode", "--elf", bomb], ["scan", "--elf", bomb]]) {
      const r = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, bin, ...cmd], { encoding: "utf8" });
      const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("Command exited"));
      const [message, rssKb] = lines;
      expect(lines).toHaveLength(2);
      expect(message).toMatch(/^ve-mmio: .*bomb\.ko\.xz: decompresses to 300 MiB, over the 256 MiB bound$/);
      expect(r.status).toBe(2);
      expect(Number(rssKb) * 1024).toBeLessThan(200 << 20);
    }
  });

  it("a zstd bomb is refused by its declared size, and one without a declared size by the running count", async () => {
    const big = path.join(dir, "zero.bin");
    execFileSync("sh", ["-c", `head -c ${300 << 20} /dev/zero > '${big}'`]);
    const declared = path.join(dir, "bomb.ko.zst");
    zstd(big, declared);
    await expect(readObjectFile(declared)).rejects.toThrow(/declares 300 MiB, over the 256 MiB bound/);
    const streamed = path.join(dir, "stream.ko.zst");
    execFileSync("sh", ["-c", `cat '${big}' | zstd -q -c > '${streamed}'`]);
    await expect(readObjectFile(streamed)).rejects.toThrow(/over the 256 MiB bound/);
  });

  it("damaged compressed files are one line naming the file, exit 2", () => {
    const good = new Uint8Array(readFileSync(path.join(dir, "m.ko.xz")));
    const cases: [string, Uint8Array][] = [
      ["cut.ko.xz", good.subarray(0, good.length >> 1)],
      ["flip.ko.xz", Uint8Array.from(good, (b, i) => (i === good.length >> 1 ? b ^ 0xff : b))],
      ["cut.ko.zst", new Uint8Array(readFileSync(path.join(dir, "m.ko.zst"))).subarray(0, 40)],
      ["magic.ko.xz", Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)],
    ];
    for (const [name, bytes] of cases) {
      writeFileSync(path.join(dir, name), bytes);
      const r = spawnSync(process.execPath, [bin, "decode", "--elf", path.join(dir, name)], { encoding: "utf8" });
      expect(r.status, name).toBe(2);
      expect(r.stderr, name).toMatch(new RegExp(`^ve-mmio: .*${name.replace(/\./g, "\\.")}: [^\\n]+\\n$`));
    }
  });

  it("scan's gzip'ed symbol files (a harvest's kallsyms.txt.gz) are bounded: a bomb or non-gzip bytes are one line and exit 2", () => {
    const bomb = path.join(dir, "bomb.map.gz");
    execFileSync("sh", ["-c", `head -c ${80 << 20} /dev/zero | gzip -1 > '${bomb}'`]);
    const notGzip = path.join(dir, "plain.map.gz");
    writeFileSync(notGzip, "ffffffff81000000 T _text\n");
    for (const [file, message] of [[bomb, /bomb\.map\.gz: decompresses to more than the 64 MiB bound$/], [notGzip, /plain\.map\.gz: not gzip data/]] as const) {
      const r = spawnSync(process.execPath, [bin, "scan", "--elf", fx.execStripped, "--symbols", file], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
  });
});
