// Whether the Linux kernel's insn_decode() (64-bit mode, the 15-byte window handle_mmio() copies)
// decodes an instruction at all, and with what length: the step before insn_decode_mmio(). Used
// only to say why the kernel refuses an instruction linux.ts found not to be one of its MMIO
// opcodes ("insn_decode" when this fails, "not_mmio" when it decodes), so no hot path runs it.
//
// The steps are the kernel decoder's (SPEC sections 4 and 17): emulate prefix, legacy prefixes (the
// last one selects opcode variants), REX or REX2, VEX/EVEX, opcode and escapes, ModRM and groups,
// SIB, displacement, immediates; any byte needed past the window, an encoding its tables refuse, or
// a far pointer with a 64-bit operand fails. Opcode attributes: tables/kernel-attrs.ts.
import { MAX_INSN_LEN } from "./decoder";
import { profileRex2 } from "./profile";
import {
  kernelPrimary, kernelEscape, kernelAvx, kernelAvxGroupRow, kernelGroupImm, kernelLegacyGroup,
  KI_MODRM, KI_IMM_MASK, KI_IB, KI_IW, KI_ID, KI_PTR, KI_IZ, KI_IV, KI_SECOND_IB, KI_MOFFS,
  KI_FORCE64, KI_ESC_SHIFT, KI_ESC_MASK, KI_GROUP, KI_VEX_OK, KI_MUST_VEX, KI_EVEX_ONLY, KI_SCALABLE,
} from "./tables/kernel-attrs";

let p: usize = 0;
let lim: usize = 0;

/** Bytes still in the window from p. */
@inline function left(): usize {
  return lim - p;
}

function isLegacyPrefix(b: u32): bool {
  return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65
    || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/**
 * Where the last failing kernelInsnLength() stopped: the bytes the decoder had consumed when it
 * failed (the kernel's next_byte; a field that does not fit in the window is not consumed).
 */
export let kernelInsnStop: u32 = 0;

@inline function fail(start: usize): u32 {
  kernelInsnStop = <u32>(p - start);
  return 0;
}

/**
 * The kernel decoder's length of the instruction at `start` (at most 15 bytes, and not past
 * `end`), or 0 when insn_decode() fails.
 */
export function kernelInsnLength(start: usize, end: usize): u32 {
  p = start;
  lim = end - start > MAX_INSN_LEN ? start + MAX_INSN_LEN : end;

  // Xen/KVM emulate prefix: UD2 + "xen" / "kvm", taken only when all 5 bytes are in the window.
  if (left() >= 5 && load<u8>(p) == 0x0f && load<u8>(p, 1) == 0x0b) {
    const a = <u32>load<u8>(p, 2), b = <u32>load<u8>(p, 3), c = <u32>load<u8>(p, 4);
    if ((a == 0x78 && b == 0x65 && c == 0x6e) || (a == 0x6b && b == 0x76 && c == 0x6d)) p += 5;
  }

  // Legacy prefixes: up to 4 distinct ones (a repeat is skipped, a 5th distinct one is the opcode);
  // 66 and 67 set the sizes; the last prefix byte selects opcode variants.
  let opnd: u32 = 4;
  let addr: u32 = 8;
  let distinct: u32 = 0;
  let slots: u32 = 0;
  let last: u32 = 0;
  for (;;) {
    if (left() == 0) return fail(start);
    const b = <u32>load<u8>(p);
    if (!isLegacyPrefix(b)) break;
    let dup = false;
    for (let i: u32 = 0; i < distinct; i++) if (((slots >> (i * 8)) & 0xff) == b) dup = true;
    if (!dup) {
      if (distinct == 4) break;
      slots |= b << (distinct * 8);
      distinct++;
      if (b == 0x66) opnd = 2;
      else if (b == 0x67) addr = 4;
    }
    last = b;
    p++;
  }
  let lp: u32 = last == 0x66 ? 1 : last == 0xf3 ? 2 : last == 0xf2 ? 3 : 0;

  // REX, or REX2 (6.10+, which skips VEX).
  let rex2 = false;
  let rex2Map1 = false;
  let b = <u32>load<u8>(p);
  if (b >= 0x40 && b <= 0x4f) {
    if (b & 8) opnd = 8;
    p++;
  } else if (b == 0xd5 && profileRex2) {
    if (left() < 2) return fail(start);
    const payload = <u32>load<u8>(p, 1);
    if (payload & 8) opnd = 8;
    rex2 = true;
    rex2Map1 = (payload & 0x80) != 0;
    p += 2;
  }

  // VEX / EVEX: C4, C5, 62 always start one in 64-bit mode.
  let avx = false;
  let evex = false;
  let vexMap: u32 = 0;
  let vexW = false;
  if (!rex2) {
    if (left() == 0) return fail(start);
    b = <u32>load<u8>(p);
    if (b == 0xc5) {
      if (left() < 2) return fail(start);
      lp = <u32>load<u8>(p, 1) & 3;
      vexMap = 1;
      p += 2;
      avx = true;
    } else if (b == 0xc4) {
      if (left() < 3) return fail(start);
      vexMap = <u32>load<u8>(p, 1) & 0x1f;
      const p2 = <u32>load<u8>(p, 2);
      lp = p2 & 3;
      vexW = (p2 & 0x80) != 0;
      if (vexW) opnd = 8;
      p += 3;
      avx = true;
    } else if (b == 0x62) {
      if (left() < 4) return fail(start);
      vexMap = <u32>load<u8>(p, 1) & 7;
      const p1 = <u32>load<u8>(p, 2);
      lp = p1 & 3;
      vexW = (p1 & 0x80) != 0;
      if (<u32>load<u8>(p, 3) & 0x80) opnd = 8; // the kernel tests P2 bit 7 (z), not W (section 17.2)
      p += 4;
      avx = true;
      evex = true;
    }
  }

  // Opcode.
  if (left() == 0) return fail(start);
  let op = <u32>load<u8>(p++);
  let map: u32 = 0;
  let attr: u32;
  if (avx) {
    attr = kernelAvx(vexMap, op, lp);
    if ((attr & KI_SCALABLE) != 0 && !vexW && lp == 1) opnd = 2;
    if (((attr & KI_EVEX_ONLY) != 0 && !evex) || ((attr & KI_VEX_OK) == 0 && (attr & KI_GROUP) == 0)) return fail(start);
  } else if (rex2) {
    map = rex2Map1 ? 1 : 0;
    attr = rex2Map1 ? kernelEscape(1, op, lp) : kernelPrimary(op);
  } else {
    attr = kernelPrimary(op);
    while ((attr & KI_ESC_MASK) != 0) {
      map = (attr & KI_ESC_MASK) >> KI_ESC_SHIFT;
      if (left() == 0) return fail(start);
      op = <u32>load<u8>(p++);
      attr = kernelEscape(map, op, lp);
    }
    if (attr & KI_MUST_VEX) return fail(start);
  }

  // ModRM (a group's row may add an immediate, and must accept a VEX/EVEX encoding), SIB, disp.
  if (attr & KI_MODRM) {
    if (left() == 0) return fail(start);
    const modrm = <u32>load<u8>(p++);
    const reg = (modrm >> 3) & 7;
    if (avx) {
      if ((attr & KI_GROUP) != 0) {
        if (!kernelAvxGroupRow(vexMap, op, lp, reg)) return fail(start);
        if (vexMap == 4) attr |= kernelGroupImm(0, op, reg, 0); // APX group 3: TEST Ib/Iz
      }
    } else if (kernelLegacyGroup(map, op)) {
      attr |= kernelGroupImm(map, op, reg, lp);
    }
    const mod = modrm >> 6, rm = modrm & 7;
    if (mod != 3) {
      let disp: u32 = mod == 1 ? 1 : mod == 2 ? 4 : rm == 5 ? 4 : 0;
      if (rm == 4) {
        if (left() == 0) return fail(start);
        const sib = <u32>load<u8>(p++);
        if (mod == 0 && (sib & 7) == 5) disp = 4;
      }
      if (left() < <usize>disp) return fail(start);
      p += disp;
    }
  }
  if (attr & KI_FORCE64) opnd = 8;

  // Immediates.
  let imm: u32 = 0;
  if (attr & KI_MOFFS) imm = addr;
  else {
    switch (attr & KI_IMM_MASK) {
      case KI_IB: imm = 1; break;
      case KI_IW: imm = 2; break;
      case KI_ID: imm = 4; break;
      case KI_PTR: if (opnd == 8) return fail(start); imm = opnd + 2; break;
      case KI_IZ: imm = opnd == 2 ? 2 : 4; break;
      case KI_IV: imm = opnd; break;
    }
    if (attr & KI_SECOND_IB) imm += 1;
  }
  if (left() < <usize>imm) return fail(start);
  p += imm;
  return <u32>(p - start);
}
