// Arch mode's page-crossing access: what the CPU does when a MOV-family access crosses a page
// boundary and one side is MMIO. The CPU splits it into its per-page parts; here each MMIO part
// becomes TDVMCALLs of 1, 2, 4 or 8 bytes (a 3-byte part is 2 + 1), each memory part a guest
// memory access, and the parts are assembled into the value (a read) or cut from it (a write).
// Every part is located before anything is done, memory is written only after every MMIO write
// succeeded, and registers change only once all parts are done: a failure changes nothing.
// The Linux handler never does this (it refuses with page_split). A rare path: it allocates.
import { Vcpu } from "./vcpu.js";
import type { VeCpu, VeMemory } from "./cpu.js";
import type { VePlan } from "../decoder/plan.js";
import { KIND } from "../decoder/layout.js";
import { FRAME, type TdvmcallFrame, type FrameHost, type TdvmcallRegs, type TdvmcallResult } from "../tdvmcall/abi.js";
import { archWriteBackWords, registerOperandWords } from "./writeback.js";
import { lowWord, highWord } from "../words.js";
import type { StringMove } from "./string-move.js";

const M64 = (1n << 64n) - 1n;

/** One page's part of the access: `len` bytes at `gpa`, `at` bytes into the value. */
interface Part { va: bigint; gpa: bigint; len: number; at: number; mmio: boolean }

/** The TDVMCALL sizes an MMIO part of `len` bytes is made of, lowest address first. */
export function mmioChunks(len: number): number[] {
  const out: number[] = [];
  for (let left = len; left > 0;) {
    const n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    out.push(n);
    left -= n;
  }
  return out;
}

/**
 * The access at linear `va` (which crosses a page) of the instruction `p`, register `slot` its
 * source or destination, emulated part by part with TDVMCALLs in `frame`.
 */
export function emulateSplitAccess(cpu: VeCpu, p: VePlan, slot: number, va: bigint, memory: VeMemory, host: FrameHost, frame: TdvmcallFrame): StringMove {
  const calls: { request: TdvmcallRegs; result: TdvmcallResult }[] = [];
  const fail = (error: "EFAULT" | "EINVAL" | "EIO", detail: string): StringMove => ({ ok: false, error, detail, calls });
  const isWrite = p.kind === KIND.write || p.kind === KIND.write_imm;
  const access = isWrite ? "write" : "read";
  const size = p.size;
  const first = 4096 - Number(va & 0xfffn);
  const parts: Part[] = [];
  for (const [at, len] of [[0, first], [first, size - first]]) {
    const partVa = (va + BigInt(at)) & M64;
    const t = memory.translate(partVa, access, cpu.cpl);
    if ("pageFault" in t) return fail("EFAULT", `#PF (error code 0x${t.pageFault.toString(16)}) on the part of the access at 0x${partVa.toString(16)}`);
    const mmio = memory.isMmio(t.gpa);
    if (!mmio && memory.read(t.gpa, len) === null) return fail("EFAULT", `the part of the access at 0x${partVa.toString(16)} is not guest memory`);
    parts.push({ va: partVa, gpa: t.gpa, len, at, mmio });
  }
  if (!parts.some((part) => part.mmio)) return fail("EINVAL", "neither page of the access is MMIO");

  const vcpu = Vcpu.over(cpu);
  const before = vcpu.snapshot();
  const bytes = new Uint8Array(8);
  const words = new Uint32Array(2);
  /** One TDVMCALL of `n` bytes at `gpa` (a write sends bytes[at..at+n)); a read lands in bytes[at..]. */
  const call = (gpa: bigint, n: number, at: number): boolean => {
    let lo = 0, hi = 0;
    if (isWrite) for (let i = n - 1; i >= 0; i--) { if (i >= 4) hi = (hi * 256 + bytes[at + i]) >>> 0; else lo = (lo * 256 + bytes[at + i]) >>> 0; }
    frame.mmio(n, isWrite, lowWord(gpa), highWord(gpa), lo, hi);
    host.handleFrame(frame);
    calls.push({ request: frame.request(), result: frame.result() });
    if (!frame.succeeded) return false;
    if (!isWrite) {
      const vlo = frame.lo(FRAME.DATA), vhi = frame.hi(FRAME.DATA);
      for (let i = 0; i < n; i++) bytes[at + i] = i < 4 ? (vlo >>> (8 * i)) & 0xff : (vhi >>> (8 * (i - 4))) & 0xff;
    }
    return true;
  };
  const mmioParts = (): string | null => {
    for (const part of parts) {
      if (!part.mmio) continue;
      let offset = 0;
      for (const n of mmioChunks(part.len)) {
        if (!call(part.gpa + BigInt(offset), n, part.at + offset)) {
          return `host status 0x${frame.result().r10.toString(16)} on the ${n}-byte ${access} at GPA 0x${(part.gpa + BigInt(offset)).toString(16)}`;
        }
        offset += n;
      }
    }
    return null;
  };

  if (isWrite) {
    if (p.kind === KIND.write_imm) { words[0] = p.immLo; words[1] = p.immHi; }
    else registerOperandWords(cpu.words, 2 * slot, size, p.highByte, words);
    for (let i = 0; i < size; i++) bytes[i] = i < 4 ? (words[0] >>> (8 * i)) & 0xff : (words[1] >>> (8 * (i - 4))) & 0xff;
    const failed = mmioParts();
    if (failed !== null) return fail("EIO", failed);
    for (const part of parts) if (!part.mmio) memory.write(part.gpa, bytes.slice(part.at, part.at + part.len)); // after every MMIO write succeeded
  } else {
    const failed = mmioParts();
    if (failed !== null) return fail("EIO", failed);
    for (const part of parts) if (!part.mmio) bytes.set(memory.read(part.gpa, part.len)!, part.at);
    if (slot >= 0) {
      const view = new DataView(bytes.buffer);
      const value = Uint32Array.of(view.getUint32(0, true), view.getUint32(4, true));
      archWriteBackWords(cpu.words, 2 * slot, p.kind, size, p.extendTo, p.highByte, value, 0);
    }
  }
  vcpu.rip += BigInt(p.length);
  return { ok: true, length: p.length, calls, before };
}
