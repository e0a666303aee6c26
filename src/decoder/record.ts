// Turns a full decoder record (assembly/record.ts) into the typed, documented result object.
import { R, FLAG, LFLAG, PREFIX, REG_NONE, REG_RIP } from "./layout.js";
import {
  STATUS_NAMES, ENCODING_NAMES, KIND_NAMES, REJECT_NAMES, SEGMENT_NAMES, registerName, addressRegisterName,
  divergencesOf, type Status, type Encoding, type MmioKind, type LinuxRejection, type Segment,
  type Gpr64, type Gpr32, type AddressRegister, type DivergenceInfo,
} from "./names.js";

/**
 * A memory operand: base + index*scale + disp (+ segment base for FS/GS). Registers are named at
 * the address width: rax/rip normally, eax/eip under the 67h prefix (the CPU adds their low 32
 * bits and truncates the address to 32 bits).
 */
export interface MemOperand {
  base: AddressRegister | null;
  index: Gpr64 | Gpr32 | null;
  scale: 1 | 2 | 4 | 8;
  /** Signed displacement (for moffs: the absolute address). */
  disp: bigint;
  /** Segment override in effect (FS/GS add their base; others are ignored in 64-bit mode). */
  seg: Segment | null;
  rip: boolean;
}

/** One MMIO access as a reader (the CPU or the kernel) understands the instruction. */
export interface MmioAccess {
  kind: MmioKind;
  /** Bytes transferred on the bus. */
  size: 1 | 2 | 4 | 8;
  /** Register written (reads) or read (writes), named at the access or destination width. */
  reg: string | null;
  /** Register number 0-15 (RAX..R15) of `reg`; for the kernel, the saved-register slot. */
  regNumber: number | null;
  /** WRITE_IMM value as sent to the device (sign-extended to 64 bits). */
  imm: bigint | null;
  /** MOVZX/MOVSX/MOVSXD: destination width in bytes. */
  extendTo: number | null;
  mem: MemOperand | null;
}

/** The kernel's verdict: emulated (with the access it performs) or rejected. */
export type LinuxReading =
  | {
    emulated: true; access: MmioAccess; length: number; addressInvalid: boolean; registerForm: boolean;
    /** The kernel's addr_bytes: 4 under 67h (the address is truncated to 32 bits), else 8. */
    addressSize: number;
  }
  | { emulated: false; rejected: LinuxRejection; length: number };

/** One instruction as the CPU decodes it (`arch`) and as the Linux #VE handler reads it (`linux`), with where the two diverge. */
export interface DecodedInsn {
  /** Offset of the instruction in the input it was decoded from. */
  offset: number;
  /** Address of the instruction (bytes[0] of the decode window). */
  ip: bigint;
  length: number;
  valid: boolean;
  status: Status;
  bytes: Uint8Array;
  encoding: Encoding;
  /** 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A; VEX/EVEX/XOP: their map number. */
  map: number;
  opcode: number;
  prefixes: {
    lock: boolean; rep: boolean; repne: boolean; operandSize: boolean; addressSize: boolean;
    segment: Segment | null; rex: number | null;
  };
  operandSize: number;
  addressSize: number;
  modrm: { mod: number; reg: number; rm: number } | null;
  sib: { scale: number; index: number; base: number } | null;
  /** ModRM.reg with its REX/VEX extension, when there is a ModRM. */
  regOperand: number | null;
  /** The reg operand is AH/CH/DH/BH. */
  highByteReg: boolean;
  mem: MemOperand | null;
  immSize: number;
  imm: bigint | null;
  /** What the CPU does if this instruction touches MMIO; null if it is no MOV-family memory access. */
  arch: MmioAccess | null;
  linux: LinuxReading;
  divergences: DivergenceInfo[];
}

/** Base register `n` of an `addressSize`-byte address (REG_RIP: rip/eip), null for none. */
function baseReg(n: number, addressSize: number): AddressRegister | null {
  return n > REG_RIP ? null : addressRegisterName(n, addressSize);
}

/** Index register `n` of an `addressSize`-byte address, null for none. */
function indexReg(n: number, addressSize: number): Gpr64 | Gpr32 | null {
  return n >= 16 ? null : (addressRegisterName(n, addressSize) as Gpr64 | Gpr32);
}

function size(n: number): 1 | 2 | 4 | 8 {
  return (n === 1 || n === 2 || n === 4 || n === 8 ? n : 8) as 1 | 2 | 4 | 8;
}

/**
 * Reads one full record at byte `at` of `v`. `window` holds the instruction's bytes (the decode
 * window); `ip` is its address.
 */
export function readRecord(v: DataView, window: Uint8Array, ip: bigint, at = 0): DecodedInsn {
  const u8 = (o: number) => v.getUint8(at + o);
  const length = u8(R.LEN);
  const status = STATUS_NAMES[u8(R.STATUS)] ?? "invalid";
  const flags = u8(R.FLAGS);
  const prefixes = v.getUint16(at + R.PREFIXES, true);
  const rex = prefixes & PREFIX.REX ? u8(R.REX) : null;
  const modrmByte = u8(R.MODRM);
  const sibByte = u8(R.SIB);
  const seg = SEGMENT_NAMES[u8(R.SEG)] ?? null;
  const hasMem = (flags & FLAG.MEM) !== 0;
  const base = u8(R.MEM_BASE);
  const addressSize = u8(R.ADDRSIZE);
  const mem: MemOperand | null = hasMem
    ? {
      base: baseReg(base, addressSize),
      index: indexReg(u8(R.MEM_INDEX), addressSize),
      scale: size(u8(R.MEM_SCALE)) as 1 | 2 | 4 | 8,
      disp: v.getBigInt64(at + R.DISP, true),
      seg,
      rip: base === REG_RIP,
    }
    : null;
  const immSize = u8(R.IMM_SIZE);
  const highByte = (flags & FLAG.HIGH_BYTE) !== 0;
  const regOperand = u8(R.REG) === REG_NONE ? null : u8(R.REG);

  const aKind = KIND_NAMES[u8(R.A_KIND)] ?? null;
  let arch: MmioAccess | null = null;
  if (aKind) {
    const aSize = size(u8(R.A_SIZE));
    const aReg = u8(R.A_REG);
    const extendTo = u8(R.A_EXTEND) || null;
    arch = {
      kind: aKind,
      size: aSize,
      reg: aReg === REG_NONE || aKind === "movs" ? null : registerName(aReg, extendTo ?? aSize, highByte),
      regNumber: aReg === REG_NONE || aKind === "movs" ? null : aReg,
      imm: aKind === "write_imm" ? v.getBigInt64(at + R.IMM, true) : null,
      extendTo,
      mem: aKind === "movs" ? { base: baseReg(6, addressSize), index: null, scale: 1, disp: 0n, seg, rip: false } : mem, // [rsi]/[esi]
    };
  }

  const divergences = divergencesOf(v.getUint32(at + R.DIVERGENCE, true));
  return {
    offset: 0,
    ip,
    length,
    valid: status === "ok",
    status,
    bytes: window.subarray(0, Math.max(1, Math.min(length, window.length))),
    encoding: ENCODING_NAMES[u8(R.ENC)] ?? "legacy",
    map: u8(R.MAP),
    opcode: u8(R.OPCODE),
    prefixes: {
      lock: (prefixes & PREFIX.LOCK) !== 0,
      rep: (prefixes & PREFIX.REP) !== 0,
      repne: (prefixes & PREFIX.REPNE) !== 0,
      operandSize: (prefixes & PREFIX.OPSIZE) !== 0,
      addressSize: (prefixes & PREFIX.ADSIZE) !== 0,
      segment: seg,
      rex,
    },
    operandSize: u8(R.OPSIZE),
    addressSize: u8(R.ADDRSIZE),
    modrm: flags & FLAG.MODRM ? { mod: modrmByte >> 6, reg: (modrmByte >> 3) & 7, rm: modrmByte & 7 } : null,
    sib: flags & FLAG.SIB ? { scale: 1 << (sibByte >> 6), index: (sibByte >> 3) & 7, base: sibByte & 7 } : null,
    regOperand,
    highByteReg: highByte,
    mem,
    immSize,
    imm: immSize ? v.getBigInt64(at + R.IMM, true) : null,
    arch,
    linux: readLinux(v, at),
    divergences,
  };
}

function readLinux(v: DataView, at: number): LinuxReading {
  const u8 = (o: number) => v.getUint8(at + o);
  const length = u8(R.L_LEN);
  const reject = REJECT_NAMES[u8(R.L_REJECT)] ?? null;
  const kind = KIND_NAMES[u8(R.L_KIND)] ?? null;
  if (reject || !kind) return { emulated: false, rejected: reject ?? "not_mmio", length };
  const lflags = u8(R.L_FLAGS);
  const base = u8(R.L_BASE);
  const lSize = size(u8(R.L_SIZE));
  const reg = u8(R.L_REG);
  const extendTo = u8(R.L_EXTEND) || null;
  const segNo = u8(R.L_SEG);
  const addressSize = u8(R.L_ADDRSIZE);
  return {
    emulated: true,
    length,
    addressInvalid: (lflags & LFLAG.ADDR_INVALID) !== 0,
    registerForm: (lflags & LFLAG.REG_FORM) !== 0,
    addressSize,
    access: {
      kind,
      size: lSize,
      // Q1: the kernel has no high-byte case: register 4-7 at byte size is SPL..DIL.
      reg: reg === REG_NONE ? null : registerName(reg, extendTo ?? lSize),
      regNumber: reg === REG_NONE ? null : reg,
      imm: kind === "write_imm" ? v.getBigInt64(at + R.L_IMM, true) : null,
      extendTo,
      mem: {
        base: baseReg(base, addressSize),
        index: indexReg(u8(R.L_INDEX), addressSize),
        scale: size(u8(R.L_SCALE)) as 1 | 2 | 4 | 8,
        disp: v.getBigInt64(at + R.L_DISP, true),
        seg: SEGMENT_NAMES[segNo] ?? null,
        rip: base === REG_RIP,
      },
    },
  };
}
