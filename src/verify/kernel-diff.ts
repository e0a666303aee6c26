// Differential comparison of the `linux` reading with the kernel's compiled decoder (the oracle:
// scripts/lib/kernel-oracle.ts runs it). For each window the oracle reports what handle_mmio()'s
// calls gave; we compare, in the order the handler acts: decodes or not, MMIO type, size, register
// slot, length, immediate, opnd_bytes, address, page split and outcome. Both our paths are checked:
// the #VE plan (decodePlan) and the full record (decode/batch), which must agree with each other.
import type { VeDecoder } from "../decoder/engine.js";
import type { KernelProfile } from "../decoder/profile.js";
import { VePlan, REJECT } from "../decoder/plan.js";
import { FULL_SIZE, R, LFLAG, REG_NONE, REG_RIP } from "../decoder/layout.js";
import { REGFILE_WORDS, WINDOW_BYTES } from "./kernel-windows.js";

/** Oracle output record layout (test/oracle/driver.c struct record). */
export const ORACLE_RECORD = 32;
const O = { DECODED: 0, LENGTH: 1, MMIO: 2, SIZE: 3, SLOT: 4, OUTCOME: 5, OPND: 6, VADDR: 8, IMM: 16, SPLIT: 25 } as const;
/** The driver's outcome codes. */
export const OUTCOME = { emulated: 0, decode_failed: 1, not_mmio: 2, bad_register: 3, page_split: 4, movs: 5 } as const;
const OUTCOME_NAMES = ["emulated", "decode_failed", "not_mmio", "bad_register", "page_split", "movs"];
/** enum insn_mmio_type (kernel order) → our kind numbers (KIND_NAMES). */
const KERNEL_TO_KIND = [0, 2, 3, 1, 4, 5, 6];
const SLOT_NONE = 0xff;

export interface DiffTally {
  windows: number;
  /** Windows the kernel emulates (outcome emulated). */
  emulated: number;
  /** Mismatch count per class (a window counts once per class it shows). */
  classes: Map<string, number>;
  /** A few examples per class: window hex, what the kernel did, what we did. */
  examples: Map<string, string[]>;
  /** Windows with any mismatch. */
  mismatched: number;
}

export function newTally(): DiffTally {
  return { windows: 0, emulated: 0, classes: new Map(), examples: new Map(), mismatched: 0 };
}

const M64 = (1n << 64n) - 1n;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

/** The address insn_get_addr_ref() computes, from our plan's address operand. */
export function planAddress(p: VePlan, regs: BigUint64Array, r: number): bigint {
  if (p.addressInvalid) return M64;
  const reg = (n: number) => regs[r + n];
  let eff: bigint;
  if (p.registerForm) eff = p.base < 16 ? reg(p.base) : 0n;
  else {
    eff = BigInt(p.dispLo | 0);
    if (p.base === REG_RIP) eff += reg(16) + BigInt(p.length);
    else if (p.base < 16) eff += reg(p.base);
    if (p.index < 16) eff += reg(p.index) * BigInt(p.scale);
  }
  eff = p.addressSize === 4 ? eff & 0xffffffffn : eff & M64;
  if (p.seg === 5) eff += reg(17);
  else if (p.seg === 6) eff += reg(18);
  return eff & M64;
}

/** Our outcome for a plan: the handler's steps with a kernel-space gla. */
function planOutcome(p: VePlan, vaddr: bigint): number {
  switch (p.verdict) {
    case REJECT.decode_failed: return OUTCOME.decode_failed;
    case REJECT.not_mmio: return OUTCOME.not_mmio;
    case REJECT.bad_register: return OUTCOME.bad_register;
  }
  if (vaddr >> 12n !== ((vaddr + BigInt(p.size) - 1n) & M64) >> 12n) return OUTCOME.page_split;
  return p.verdict === REJECT.movs ? OUTCOME.movs : OUTCOME.emulated;
}

/**
 * Compares our `linux` reading (profile `profile`) of every window with the oracle's records and
 * adds to `tally`. `windows` holds WINDOW_BYTES per window, `files` the register files.
 */
export function compareWithKernel(
  decoder: VeDecoder, profile: KernelProfile, windows: Uint8Array, files: BigUint64Array, oracle: Uint8Array, tally: DiffTally,
): void {
  const n = windows.length / WINDOW_BYTES;
  const plan = new VePlan();
  const od = new DataView(oracle.buffer, oracle.byteOffset, oracle.byteLength);
  // The full-record path over the same windows (15 bytes each, one range per window).
  const packed = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) packed.set(windows.subarray(i * WINDOW_BYTES, i * WINDOW_BYTES + 15), i * 16);
  let full = new Uint8Array(0);
  decoder.decodeWindows(packed, 16, "full", (v) => { full = v.slice(); }, profile);
  // Windows are 16 bytes apart but the kernel sees 15: the 16th is outside its window.
  const fv = new DataView(full.buffer);
  const win = decoder.fetchWindow;
  for (let i = 0; i < n; i++) {
    const bytes = windows.subarray(i * WINDOW_BYTES, i * WINDOW_BYTES + 15);
    win.set(bytes);
    decoder.decodePlan(15, plan, profile);
    const o = i * ORACLE_RECORD;
    const r = windows[i * WINDOW_BYTES + 15] * REGFILE_WORDS;
    const kOutcome = oracle[o + O.OUTCOME];
    const kDecoded = oracle[o + O.DECODED] === 1;
    const kKind = KERNEL_TO_KIND[oracle[o + O.MMIO]] ?? 255;
    const kSize = oracle[o + O.SIZE];
    const kSlot = oracle[o + O.SLOT];
    const kLen = oracle[o + O.LENGTH];
    const reachesAddress = kOutcome === OUTCOME.emulated || kOutcome === OUTCOME.page_split || kOutcome === OUTCOME.movs;
    const ourAddress = planAddress(plan, files, r);
    const ourOutcome = planOutcome(plan, ourAddress);
    const bad: string[] = [];
    const ourDecoded = plan.verdict !== REJECT.decode_failed;
    if (kOutcome === OUTCOME.emulated || ourOutcome === OUTCOME.emulated) {
      if ((kOutcome === OUTCOME.emulated) !== (ourOutcome === OUTCOME.emulated)) bad.push("outcome");
    } else if (kOutcome !== ourOutcome) bad.push(kDecoded !== ourDecoded ? "detail:decodes" : "detail:outcome");
    // A refused non-MMIO instruction still has the kernel decoder's length (its JSON `length`).
    if (kOutcome === OUTCOME.not_mmio && ourOutcome === OUTCOME.not_mmio && plan.length !== kLen) bad.push("detail:length");
    if (kDecoded && ourDecoded && kKind !== 0) {
      if (plan.kind !== kKind) bad.push("kind");
      if (plan.size !== kSize) bad.push("size");
      const ourSlot = plan.reg < 0 ? SLOT_NONE : plan.reg;
      if (kOutcome !== OUTCOME.bad_register && ourSlot !== kSlot) bad.push("slot");
      if (plan.length !== kLen) bad.push("length");
      if (kKind === 3 /* write_imm */) {
        const imm = (BigInt(plan.immHi) << 32n) | BigInt(plan.immLo);
        if (imm !== od.getBigUint64(o + O.IMM, true)) bad.push("imm");
      }
      if ((kKind === 4 || kKind === 5) && plan.extendTo !== oracle[o + O.OPND]) bad.push("opnd_bytes");
      if (reachesAddress && ourOutcome !== OUTCOME.bad_register && ourAddress !== od.getBigUint64(o + O.VADDR, true)) bad.push("address");
    }
    // The full record must say what the plan says.
    const f = i * FULL_SIZE;
    const rec = {
      kind: full[f + R.L_KIND], size: full[f + R.L_SIZE], reg: full[f + R.L_REG], reject: full[f + R.L_REJECT],
      len: full[f + R.L_LEN], imm: fv.getBigUint64(f + R.L_IMM, true),
    };
    const planKind = plan.verdict === REJECT.none || plan.verdict === REJECT.movs ? plan.kind : 0;
    if (rec.reject !== plan.verdict) bad.push("record:verdict");
    else if (rec.kind !== planKind || (planKind !== 0 && (rec.size !== plan.size || rec.reg !== (plan.reg < 0 ? REG_NONE : plan.reg)))) bad.push("record:access");
    else if ((planKind !== 0 || plan.verdict === REJECT.not_mmio) && rec.len !== plan.length) bad.push("record:length");
    else if (planKind === 3 && rec.imm !== ((BigInt(plan.immHi) << 32n) | BigInt(plan.immLo))) bad.push("record:imm");
    else if (planKind !== 0 && (full[f + R.L_FLAGS] & LFLAG.ADDR_INVALID) !== (plan.addressInvalid ? LFLAG.ADDR_INVALID : 0)) bad.push("record:address");

    tally.windows++;
    if (kOutcome === OUTCOME.emulated) tally.emulated++;
    if (bad.length === 0) continue;
    tally.mismatched++;
    for (const c of bad) {
      tally.classes.set(c, (tally.classes.get(c) ?? 0) + 1);
      const ex = tally.examples.get(c) ?? [];
      if (ex.length < 4) {
        const kernel = `${OUTCOME_NAMES[kOutcome]} n=${kLen} kind=${kKind} size=${kSize} slot=${kSlot} addr=${od.getBigUint64(o + O.VADDR, true).toString(16)}`;
        const ours = `${OUTCOME_NAMES[ourOutcome]} n=${plan.length} kind=${plan.kind} size=${plan.size} slot=${plan.reg} addr=${ourAddress.toString(16)} record=${rec.reject}/${rec.kind}/${rec.len}`;
        ex.push(`${hex(bytes)}  kernel: ${kernel}  ours: ${ours}`);
        tally.examples.set(c, ex);
      }
    }
  }
}

/** Human summary, one line per class with examples. */
export function formatTally(tally: DiffTally): string {
  const lines = [`windows ${tally.windows}, kernel emulates ${tally.emulated}, windows with a mismatch ${tally.mismatched}`];
  for (const [c, k] of [...tally.classes].sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${c}: ${k}`);
    for (const e of tally.examples.get(c) ?? []) lines.push(`      ${e}`);
  }
  return lines.join("\n");
}
