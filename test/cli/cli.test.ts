// The command line as a user runs it: bin/ve-mmio.js on the built dist/ (npm test builds first).
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { buildFixtures } from "../elf/fixtures.js";

const bin = fileURLToPath(new URL("../../bin/ve-mmio.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("ve-mmio decode", () => {
  it("prints one human line with the disassembly and our reading", () => {
    const r = run("decode", "8b", "87", "00", "03", "00", "00");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/8b 87 00 03 00 00\s+mov eax,\[rdi\+300h\]\s+read 4 bytes -> eax from \[rdi\+0x300\]/);
  });

  it("--json gives the documented record; --jsonl one object per instruction", () => {
    const one = JSON.parse(run("decode", "--json", "--hex", "8a27").stdout);
    expect(one).toEqual({
      addr: "0x0", len: 2, bytes: "8a27", valid: true, fn: null,
      mmio: { kind: "read", size: 1, reg: "ah", imm: null, extendTo: null, mem: { base: "rdi", index: null, scale: 1, disp: "0x0", seg: null, rip: false } },
      linux: { kind: "read", size: 1, reg: "spl", imm: null, extendTo: null, mem: { base: "rdi", index: null, scale: 1, disp: "0x0", seg: null, rip: false } },
      diverges: ["high_byte_register"],
    });
    const lines = run("decode", "--jsonl", "--ip", "0x1000", "--hex", "a4 06 c6 07 80").stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.addr, l.len, l.valid])).toEqual([["0x1000", 1, true], ["0x1001", 1, false], ["0x1002", 3, true]]);
    expect(lines[0].linux).toEqual({ rejected: "movs" });
    expect(lines[2].mmio).toMatchObject({ kind: "write_imm", imm: "0xffffffffffffff80" });
  });

  it("bad input is one line on stderr and a non-zero exit", () => {
    for (const args of [["decode", "8b", "8"], ["decode", "--bogus"], ["decode", "--file", "/nonexistent"], ["decode", "--elf", "/etc/hostname"], ["decode"]]) {
      const r = run(...args);
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^ve-mmio: /);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });
});

describe("ve-mmio emulate", () => {
  it("--json: a read through the whole path", () => {
    const r = run("emulate", "--bytes", "8b 47 10", "--reg", "rdi=0xffffc90000001000", "--read-value", "0x12345678", "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      outcome: "handled", error: null, step: null, detail: null, length: 3,
      tdvmcall: { r10: "0x0", r11: "0x30", r12: "0x4", r13: "0x0", r14: "0x8000fe000010", r15: "0x0" },
      exit: { type: "mmio", gpa: "0xfe000010", size: 4, isWrite: false, data: "0x12345678" },
      regs: { rax: "0x12345678" }, rip: "0xffffffff81000003",
    });
  });

  it("a string move: refused by the kernel, one element per #VE in arch mode (RDI gets a page of memory)", () => {
    const base = ["emulate", "--bytes", "f3 a4", "--reg", "rsi=0xffffc90000001010", "--reg", "rdi=0xffff888000001000", "--reg", "rcx=3", "--read-value", "0x5a", "--json"];
    expect(JSON.parse(run(...base).stdout)).toMatchObject({ outcome: "fault", error: "EINVAL", step: "movs" });
    expect(JSON.parse(run(...base, "--mode", "arch").stdout)).toEqual({
      outcome: "handled", error: null, step: null, detail: null, length: 0,
      tdvmcall: { r10: "0x0", r11: "0x30", r12: "0x1", r13: "0x0", r14: "0x8000fe000010", r15: "0x0" },
      exit: { type: "mmio", gpa: "0xfe000010", size: 1, isWrite: false, data: "0x5a" },
      regs: { rcx: "0x2", rsi: "0xffffc90000001011", rdi: "0xffff888000001001" }, rip: "0xffffffff81000000",
    });
  });

  it("Q1 in linux mode vs arch mode, a host error, a shared code page", () => {
    const base = ["emulate", "--bytes", "8a 27", "--reg", "rdi=0xffffc90000001000", "--reg", "rsp=0xffffc90000013e58", "--reg", "rax=0x1111", "--read-value", "0x42", "--json"];
    expect(JSON.parse(run(...base).stdout).regs).toEqual({ rsp: "0xffffc90000013e42" });
    expect(JSON.parse(run(...base, "--mode", "arch").stdout).regs).toEqual({ rax: "0x4211" });
    expect(JSON.parse(run(...base, "--host-status", "0x8000000000000000").stdout)).toMatchObject({ outcome: "fault", error: "EIO", step: "tdvmcall", regs: {}, rip: "0xffffffff81000000" });
    expect(JSON.parse(run(...base, "--code-shared").stdout)).toMatchObject({ outcome: "fault", error: "PF" });
  });

  it("rejects bad options with one line", () => {
    const r = run("emulate", "--bytes", "8b 07", "--mode", "bsd");
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("ve-mmio: --mode must be one of linux, arch");
  });
});

describe("ve-mmio demo and survey", () => {
  it("demo (npm start) runs corpus MOV sites through a TD with devices and prints totals", () => {
    const r = run("demo");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ve-mmio demo TD: GPAW 48, ahci@0xfebf0000/);
    expect(r.stdout).toMatch(/outcomes\s+handled: \d+/);
    expect(r.stdout).toMatch(/EINVAL classify/); // MOVSXD is refused by the kernel
    expect(r.stdout).toMatch(/throughput\s+[\d.]+ k instructions\/s/);
    expect(r.stdout).toMatch(/#VE handler\s+[\d.]+ M #VEs\/s through Td\.deliverFast/);
  });
  it("survey decodes the corpus in one batch and counts divergences", () => {
    const r = run("survey");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/instructions decoded\s+8727 \(0 invalid\)/);
    expect(r.stdout).toMatch(/high_byte_register \d+/);
  });
});

describe("bad input is refused, never silently read another way (issue 10 item 18)", () => {
  const refused: [string[], RegExp][] = [
    [["decode", "8b", "--hex", "07"], /^give one input, not bytes and --hex$/],
    [["decode", "--hex", "8b870003000088", "27"], /^give one input, not bytes and --hex$/],
    [["decode", "--hex", "8b0X07"], /^not hex: "8b0X07"$/],
    [["decode", "--hex", "8b 0x"], /^not hex: "0x"$/],
    [["decode", "--ip", "0x10000000000000000", "90"], /^--ip must be in \[0, 2\^64\)/],
    [["decode", "--ip", "", "90"], /^--ip is not a number/],
    [["decode", "--json", "--jsonl", "90"], /^option '--json' cannot be used with option '--jsonl'$/],
    [["decode", "--start", "1", "90"], /^--start applies only to --file$/],
    [["decode", "--end", "1", "--hex", "90"], /^--end applies only to --file$/],
    [["decode", "--section", ".text", "90"], /^--section applies only to --elf$/],
    [["emulate", "--bytes", "8b 07", "--rip", "0x1ffffffffffffffff"], /^--rip must be in \[0, 2\^64\)/],
    [["emulate", "--bytes", "8b 07", "--reg", "rdi=0x10000000000000000"], /^--reg rdi must be in \[0, 2\^64\)/],
    [["emulate", "--bytes", "8b 07", "--host-status", "0x10000000000000000"], /^--host-status must be in \[0, 2\^64\)/],
    [["scan", "--elf", "/etc/hostname", "--sites", ","], /^--sites "," names no function$/],
    [["scan", "--elf", "/etc/hostname", "--sites", "a b"], /^--sites: "a b" is not a function name$/],
    [["scan", "--json", "--md"], /^option '--json' cannot be used with option '--md'$/],
    [["scan", "--elf", "/etc/hostname", "--debug-info", "/nonexistent"], /^--debug-info \/nonexistent: no such file$/],
    [["decode", "--bogus"], /^unknown option '--bogus'/],
    [["frobnicate"], /^unknown command 'frobnicate'/],
  ];
  for (const [args, message] of refused) {
    it(args.join(" "), () => {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.stderr.replace(/^ve-mmio: /, "").trim()).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }
});

describe("emulate --gpa and the step values (issue 10 item 20)", () => {
  const read = ["emulate", "--bytes", "8b 47 10", "--reg", "rdi=0xffffc90000001000", "--read-value", "0x12345678", "--json"];
  it("a page-aligned --gpa puts --read-value at the accessed address's page offset", () => {
    const j = JSON.parse(run(...read, "--gpa", "0xfd000000").stdout);
    expect(j).toMatchObject({ outcome: "handled", regs: { rax: "0x12345678" }, exit: { gpa: "0xfd000010", data: "0x12345678" } });
  });
  it("--gpa naming the byte itself, and with the shared bit set as the TDVMCALL shows it", () => {
    expect(JSON.parse(run(...read, "--gpa", "0xfd000010").stdout)).toMatchObject({ regs: { rax: "0x12345678" }, exit: { gpa: "0xfd000010" } });
    const shared = JSON.parse(run(...read, "--gpa", "0x8000fd000010").stdout);
    expect(shared).toMatchObject({ outcome: "handled", regs: { rax: "0x12345678" }, tdvmcall: { r14: "0x8000fd000010" } });
    const r = run(...read, "--gpa", "0xfd000020");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("ve-mmio: --gpa 0xfd000020 has page offset 0x20, but the access is at page offset 0x10\n");
    expect(run(...read, "--gpa", "0x1000000000000").status).toBe(2); // beyond GPAW 48
  });
  it("--code-shared --json gives a documented step (fetch) and the page fault in detail", () => {
    const j = JSON.parse(run(...read, "--code-shared").stdout);
    expect(j).toMatchObject({ outcome: "fault", error: "PF", step: "fetch", detail: expect.stringMatching(/^page fault at 0xffffffff81000000, error code 0x/) });
    const steps = ["private_gpa", "user_mode", "fetch", "decode", "classify", "register", "gla_check", "page_split", "movs", "tdvmcall", "movs_operand", "access", null];
    for (const extra of [[], ["--user"], ["--code-shared"], ["--host-status", "1"]]) {
      expect(steps, extra.join(" ")).toContain(JSON.parse(run(...read, ...extra).stdout).step);
    }
    expect(JSON.parse(run("emulate", "--bytes", "90", "--json").stdout)).toMatchObject({ outcome: "no_ve", step: null, detail: "not a MOV-family memory access" });
  });
});

describe("the command line a kernel engineer expects (issue 11)", () => {
  it("bare invocation prints help with examples; every command has examples; --version", () => {
    const bare = run();
    expect(bare.status).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: ve-mmio \[options\] \[command\]/);
    expect(bare.stdout).toContain("Examples:\n  $ ve-mmio decode 8b 87 00 03 00 00");
    for (const cmd of ["decode", "emulate", "scan", "demo", "survey"]) {
      const h = run(cmd, "--help");
      expect(h.status, cmd).toBe(0);
      expect(h.stdout, cmd).toMatch(/\nExamples:\n {2}\$ (ve-mmio|npm) /);
      expect(h.stdout, cmd).not.toContain("(default: [])");
      expect(h.stdout.split("\n").every((l) => l.length <= 100), cmd).toBe(true);
    }
    const v = run("--version");
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
  });

  it("no colour into a pipe; colour on a terminal unless NO_COLOR is set", async () => {
    expect(run("decode", "8a", "27").stdout).not.toMatch(/\x1b\[/);
    const { colourEnabled } = await import("../../src/cli/style.js");
    expect(colourEnabled({}, true)).toBe(true);
    expect(colourEnabled({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colourEnabled({}, false)).toBe(false);
    expect(colourEnabled({ TERM: "dumb" }, true)).toBe(false);
  });

  it("survey prints its own name", () => {
    expect(run("survey").stdout).toMatch(/^ve-mmio survey: \d+ functions of gcc output/);
  });

  it("decode: function names are header lines and the address column is sized to the data, so rows align", () => {
    const fx = buildFixtures();
    try {
      const r = run("decode", "--elf", fx.exec);
      expect(r.status).toBe(0);
      const rows = r.stdout.split("\n").filter((l) => /^ *0x[0-9a-f]+  [0-9a-f]{2}( |$)/.test(l));
      expect(rows.length).toBeGreaterThan(20);
      const bytesColumn = new Set(rows.map((l) => l.search(/0x[0-9a-f]+  \S/) + l.match(/0x[0-9a-f]+/)![0].length + 2));
      expect(bytesColumn.size).toBe(1);
      expect(r.stdout).toMatch(/\n0x[0-9a-f]+ <checked_sum>:\n/);
      expect(rows[0]).toMatch(/^0x4[0-9a-f]{5}  /); // 0x40xxxx: 8 columns, not 18
    } finally {
      fx.cleanup();
    }
  });
});
