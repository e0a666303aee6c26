// iced-x86 as the reference: decodes the same windows and reads the MOV-family access the way our
// `arch` classifier reports it, from iced's own operand model.
import { Decoder, Instruction, Mnemonic, OpKind, Register, MemorySizeExt, Code } from "iced-x86";

export interface RefAccess {
  kind: string;
  size: number;
  reg: string | null;
  imm: bigint | null;
  base: string | null;
  index: string | null;
  scale: number;
  /** Displacement as iced reports it (RIP-relative: the absolute target with ip = 0). */
  dispU64: bigint;
}

export interface RefResult {
  valid: boolean;
  length: number;
  code: number;
  access: RefAccess | null;
}

const regName = (r: Register): string | null => (r === Register.None ? null : Register[r].toLowerCase());

/** The MOV-family memory access iced sees in `ins`, in our arch vocabulary. */
export function refAccess(ins: Instruction): RefAccess | null {
  const m = ins.mnemonic;
  const memOp = ins.op0Kind === OpKind.Memory ? 0 : ins.op1Kind === OpKind.Memory ? 1 : -1;
  if (memOp < 0) {
    if (m === Mnemonic.Movsb || m === Mnemonic.Movsw || m === Mnemonic.Movsd || m === Mnemonic.Movsq) {
      const dest = ins.op0Kind;
      if (dest !== OpKind.MemoryESRDI && dest !== OpKind.MemoryESEDI && dest !== OpKind.MemoryESDI) return null; // SSE MOVSD: not a string move
      const size = { [Mnemonic.Movsb]: 1, [Mnemonic.Movsw]: 2, [Mnemonic.Movsd]: 4, [Mnemonic.Movsq]: 8 }[m] ?? 0;
      return { kind: "movs", size, reg: null, imm: null, base: "rsi", index: null, scale: 1, dispU64: 0n };
    }
    return null;
  }
  let kind: string;
  let reg: string | null = null;
  let imm: bigint | null = null;
  if (m === Mnemonic.Mov) {
    if (ins.code === Code.Mov_rm16_Sreg || ins.code === Code.Mov_r32m16_Sreg || ins.code === Code.Mov_r64m16_Sreg
      || ins.code === Code.Mov_Sreg_rm16 || ins.code === Code.Mov_Sreg_r32m16 || ins.code === Code.Mov_Sreg_r64m16) return null;
    if (memOp === 1) { kind = "read"; reg = regName(ins.op0Register); }
    else if (ins.op1Kind === OpKind.Register) { kind = "write"; reg = regName(ins.op1Register); }
    else { kind = "write_imm"; imm = ins.immediate(1); }
  } else if (m === Mnemonic.Movzx) { kind = "read_zero_extend"; reg = regName(ins.op0Register); }
  else if (m === Mnemonic.Movsx) { kind = "read_sign_extend"; reg = regName(ins.op0Register); }
  else if (m === Mnemonic.Movsxd) {
    reg = regName(ins.op0Register);
    kind = ins.code === Code.Movsxd_r64_rm32 ? "read_sign_extend" : "read";
  } else return null;
  const base = ins.memoryBase === Register.RIP ? "rip" : regName(ins.memoryBase);
  return {
    kind, size: MemorySizeExt.size(ins.memorySize), reg, imm, base, index: regName(ins.memoryIndex),
    scale: ins.memoryIndexScale, dispU64: ins.memoryDisplacementU64,
  };
}

/** iced's reading of one decoded instruction. */
export function refOf(ins: Instruction): RefResult {
  const valid = !ins.isInvalid;
  return { valid, length: ins.length, code: ins.code, access: valid ? refAccess(ins) : null };
}

/** Decodes the first instruction of every `stride`-byte window of `buf`. */
export function icedWindows(buf: Uint8Array, stride: number, withAccess: (i: number) => boolean): RefResult[] {
  const dec = new Decoder(64, buf, 0);
  const ins = new Instruction();
  const out: RefResult[] = [];
  const n = buf.length / stride;
  try {
    for (let i = 0; i < n; i++) {
      dec.position = i * stride;
      dec.ip = 0n;
      dec.decodeOut(ins);
      out.push({ valid: !ins.isInvalid, length: ins.length, code: ins.code, access: withAccess(i) && !ins.isInvalid ? refAccess(ins) : null });
    }
  } finally {
    dec.free();
    ins.free();
  }
  return out;
}

