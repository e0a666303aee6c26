// The readl the #VE path is measured on: `mov eax, [rdi+0x10]` at a kernel RIP, reading a
// register block behind a shared GPA. Shared by the round-trip bench and the zero-allocation test,
// so both time and check the same round trip.
import { Td } from "../src/machine/td.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import type { VeInfo } from "../src/guest/memory.js";
import type { VeDecoder } from "../src/decoder/engine.js";

export const READL_RIP = 0xffffffff81000000n;
export const READL_VA = 0xffffc90000001000n;
export const READL_GPA = 0xfe000000n;
/** What the device answers; readl zero-extends it into RAX. */
export const READL_VALUE = 0x12345678n;
/** RIP bits 31:0, for resetting RIP without a BigInt. */
export const READL_RIP_LO = Number(READL_RIP & 0xffffffffn);

/** A finalized TD with the readl mapped, its vCPU (RDI at the device) and the #VE it raises. */
export function readlTd(decoder: VeDecoder, decodeCache: boolean) {
  return accessTd(decoder, decodeCache, [0x8b, 0x47, 0x10], READL_VALUE, 0n);
}

/**
 * The same TD with another instruction at READL_RIP touching [rdi+0x10] (e.g. a writel or a
 * readq): the register block holds `deviceValue` there and RAX `rax`.
 */
export function accessTd(decoder: VeDecoder, decodeCache: boolean, instruction: readonly number[], deviceValue: bigint, rax: bigint) {
  const td = new Td(decoder, { decodeCache });
  const code = new Uint8Array(4096);
  code.set(instruction);
  td.addPrivateRegion(0x100000n, code);
  td.finalize();
  td.mapPrivate(READL_RIP, 0x100000n, 4096);
  const device = new RegisterBlock("regs", 4096);
  device.poke(0x10, 8, deviceValue);
  td.mapMmio(READL_VA, READL_GPA, 4096, device);
  const vcpu = td.createVcpu();
  vcpu.set("rdi", READL_VA);
  vcpu.set("rax", rax);
  vcpu.rip = READL_RIP;
  const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: READL_VA + 0x10n, gpa: (READL_GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 };
  return { td, vcpu, ve, device };
}
