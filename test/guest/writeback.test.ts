// SPEC §8 worked examples: exact register values before and after, in both handler modes, through
// the whole path (fetch, decode, TDVMCALL, host validation, device, write-back).
import { describe, it, expect } from "vitest";
import { tinyTd, MMIO_GPA, RIP } from "../support/td.js";

interface Row {
  n: number; bytes: string; before: Record<string, bigint>; value?: bigint;
  linux: Record<string, bigint>; arch: Record<string, bigint>; device?: { linux: bigint; arch: bigint; size: number };
}

const F64 = 0xffffffffffffffffn;
const rows: Row[] = [
  { n: 1, bytes: "8B 07", before: { rax: F64 }, value: 0x12345678n, linux: { rax: 0x12345678n }, arch: { rax: 0x12345678n } },
  { n: 2, bytes: "66 8B 07", before: { rax: F64 }, value: 0xabcdn, linux: { rax: 0xffffffffffffabcdn }, arch: { rax: 0xffffffffffffabcdn } },
  { n: 3, bytes: "8A 07", before: { rax: 0x1111111111111111n }, value: 0x7fn, linux: { rax: 0x111111111111117fn }, arch: { rax: 0x111111111111117fn } },
  { n: 4, bytes: "48 8B 07", before: { rax: 0n }, value: 0x0123456789abcdefn, linux: { rax: 0x0123456789abcdefn }, arch: { rax: 0x0123456789abcdefn } },
  { n: 5, bytes: "0F B6 07", before: { rax: F64 }, value: 0x80n, linux: { rax: 0xffffffff00000080n }, arch: { rax: 0x80n } },
  { n: 6, bytes: "48 0F B6 07", before: { rax: F64 }, value: 0x80n, linux: { rax: 0x80n }, arch: { rax: 0x80n } },
  { n: 7, bytes: "66 0F B6 07", before: { rax: F64 }, value: 0x80n, linux: { rax: 0xffffffffffff0080n }, arch: { rax: 0xffffffffffff0080n } },
  { n: 8, bytes: "0F B7 07", before: { rax: F64 }, value: 0xbeefn, linux: { rax: 0xffffffff0000beefn }, arch: { rax: 0xbeefn } },
  { n: 9, bytes: "0F BE 07", before: { rax: 0x123456789abcdef0n }, value: 0x80n, linux: { rax: 0x12345678ffffff80n }, arch: { rax: 0xffffff80n } },
  { n: 10, bytes: "48 0F BF 07", before: { rax: 0n }, value: 0x8000n, linux: { rax: 0xffffffffffff8000n }, arch: { rax: 0xffffffffffff8000n } },
  { n: 11, bytes: "48 0F BE 07", before: { rax: F64 }, value: 0x7fn, linux: { rax: 0x7fn }, arch: { rax: 0x7fn } },
  { n: 12, bytes: "66 0F BF 07", before: { rax: 0xaaaaaaaaaaaaaaaan }, value: 0x8001n, linux: { rax: 0xaaaaaaaaaaaa8001n }, arch: { rax: 0xaaaaaaaaaaaa8001n } },
  { n: 13, bytes: "8A 27", before: { rax: 0x1111111111111111n, rsp: 0xffffc90000013e58n }, value: 0x42n,
    linux: { rax: 0x1111111111111111n, rsp: 0xffffc90000013e42n }, arch: { rax: 0x1111111111114211n, rsp: 0xffffc90000013e58n } },
  { n: 14, bytes: "40 8A 27", before: { rsp: 0xffffc90000013e58n }, value: 0x42n, linux: { rsp: 0xffffc90000013e42n }, arch: { rsp: 0xffffc90000013e42n } },
  { n: 15, bytes: "44 8A 27", before: { r12: F64 }, value: 0n, linux: { r12: 0xffffffffffffff00n }, arch: { r12: 0xffffffffffffff00n } },
  { n: 16, bytes: "88 27", before: { rax: 0xab00n, rsp: 0xffffc90000013e58n }, linux: {}, arch: {}, device: { linux: 0x58n, arch: 0xabn, size: 1 } },
  { n: 17, bytes: "89 07", before: { rax: 0xdeadbeefcafef00dn }, linux: {}, arch: {}, device: { linux: 0xcafef00dn, arch: 0xcafef00dn, size: 4 } },
  { n: 18, bytes: "C6 07 80", before: {}, linux: {}, arch: {}, device: { linux: 0x80n, arch: 0x80n, size: 1 } },
];

describe("SPEC §8 worked examples through the whole #VE path", () => {
  for (const mode of ["linux", "arch"] as const) {
    for (const row of rows) {
      it(`${mode} #${row.n}: ${row.bytes}`, () => {
        const { td, vcpu, device } = tinyTd(row.bytes, { mode });
        for (const [r, v] of Object.entries(row.before)) vcpu.set(r as "rax", v);
        if (row.value !== undefined) device.poke(0, 8, row.value);
        const len = row.bytes.split(" ").length;
        const run = td.runMmioInstruction(vcpu);
        expect(run.outcome).toBe("handled");
        if (run.outcome !== "handled") return;
        for (const [r, v] of Object.entries(row[mode])) expect(vcpu.get(r as "rax"), r).toBe(v);
        expect(vcpu.get("rdi")).toBe(0xffffc90000001000n);
        expect(vcpu.rip).toBe(RIP + BigInt(len));
        const call = run.tdvmcalls[0].request;
        expect([call.rax, call.rcx, call.r10, call.r11, call.r14]).toEqual([0n, 0xffccn, 0n, 48n, MMIO_GPA | (1n << 47n)]);
        if (row.device) {
          expect(call.r13).toBe(1n);
          expect(call.r12).toBe(BigInt(row.device.size));
          expect(device.peek(0, row.device.size as 1)).toBe(row.device[mode]);
          if (row.n === 18) expect(call.r15).toBe(0xffffffffffffff80n); // WRITE_IMM: sign-extended imm
        } else {
          expect([call.r13, call.r15]).toEqual([0n, 0n]);
        }
      });
    }
  }
});
