// The command line as a user runs it: bin/ve-mmio.js on the built dist/ (npm test builds first).
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

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
