// Differential comparison of our decoder with iced-x86 over fixed-size windows: validity, length,
// and for the MOV family the access size, register, memory operand and immediate.
import type { VeDecoder } from "../decoder/engine.js";
import { icedWindows, type RefResult } from "./iced.js";
import { FULL_SIZE, R } from "../decoder/layout.js";
import { readRecord, type DecodedInsn } from "../decoder/record.js";

/** Window size: one more than the longest instruction, so no window's decode depends on the next. */
export const STRIDE = 16;

/** iced names R8L..R15L what Intel calls R8B..R15B. */
const normReg = (r: string | null) => (r ? r.replace(/^(r\d+)l$/, "$1b") : null);

export function accessMismatch(ours: DecodedInsn, ref: RefResult): string | null {
  const a = ours.arch;
  const b = ref.access;
  if (!a && !b) return null;
  if (!a || !b) return `arch ${a?.kind ?? "none"} vs iced ${b?.kind ?? "none"}`;
  if (a.kind !== b.kind || a.size !== b.size) return `${a.kind}/${a.size} vs ${b.kind}/${b.size}`;
  if (a.kind === "movs") return null;
  if (normReg(a.reg) !== normReg(b.reg)) return `reg ${a.reg} vs ${b.reg}`;
  if (a.imm !== null && BigInt.asUintN(a.size * 8, a.imm) !== BigInt.asUintN(a.size * 8, b.imm ?? 0n)) return `imm ${a.imm} vs ${b.imm}`;
  const m = a.mem!;
  const width = ours.addressSize === 4 ? 32 : 64;
  // Our records name address registers at the address width, as iced does (ebp and eip under 67h).
  if (m.base !== b.base) return `base ${m.base} vs ${b.base}`;
  if (m.index !== b.index) return `index ${m.index} vs ${b.index}`;
  if (m.index && m.scale !== b.scale) return `scale ${m.scale} vs ${b.scale}`;
  const disp = m.rip ? m.disp + BigInt(ours.length) : m.disp;
  if (BigInt.asUintN(width, disp) !== BigInt.asUintN(width, b.dispU64)) return `disp ${disp} vs ${b.dispU64}`;
  return null;
}

/**
 * Why our decode of one instruction disagrees with iced-x86's, or null when it agrees: validity,
 * then length, then (for MOV-family accesses in either decoder) the access itself. `ours` is
 * only built when the access has to be compared.
 */
export function disagreement(valid: boolean, length: number, archMmio: boolean, ours: () => DecodedInsn, ref: RefResult): string | null {
  if (valid !== ref.valid) return valid ? "ours valid, iced invalid" : "ours invalid, iced valid";
  if (!valid) return null;
  if (length !== ref.length) return `length ${length} vs ${ref.length}`;
  return archMmio || ref.access ? accessMismatch(ours(), ref) : null;
}

export interface Tally { windows: number; valid: number; movFamily: number; mismatches: string[] }

/** Decodes every window with both decoders and collects disagreements. */
export function compareWindows(decoder: VeDecoder, buf: Uint8Array, label: (i: number) => string): Tally {
  const tally: Tally = { windows: buf.length / STRIDE, valid: 0, movFamily: 0, mismatches: [] };
  let kinds: Uint8Array = new Uint8Array(0);
  let records: Uint8Array = new Uint8Array(0);
  decoder.decodeWindows(buf, STRIDE, "full", (view) => { records = view.slice(); });
  kinds = new Uint8Array(tally.windows);
  for (let i = 0; i < tally.windows; i++) kinds[i] = records[i * FULL_SIZE + R.A_KIND];
  const ref = icedWindows(buf, STRIDE, () => true);
  const view = new DataView(records.buffer);
  for (let i = 0; i < tally.windows; i++) {
    const status = records[i * FULL_SIZE + R.STATUS];
    const length = records[i * FULL_SIZE + R.LEN];
    const valid = status === 0;
    const r = ref[i];
    if (valid && r.valid && length === r.length && (kinds[i] !== 0 || r.access)) tally.movFamily++;
    const why = disagreement(valid, length, kinds[i] !== 0,
      () => readRecord(view, buf.subarray(i * STRIDE, i * STRIDE + STRIDE), 0n, i * FULL_SIZE), r);
    if (valid) tally.valid++;
    if (why && tally.mismatches.length < 20) tally.mismatches.push(`${label(i)}: ${why}`);
    else if (why) tally.mismatches.push("");
  }
  return tally;
}

