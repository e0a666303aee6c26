// A tiny TD for #VE tests: code in a private page at RIP, one device page mapped at MMIO_VA.
import { Td, type TdConfig } from "../../src/machine/td.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { decoder, hex } from "./decoder.js";

export const RIP = 0xffffffff81000000n;
export const CODE_GPA = 0x100000n;
export const MMIO_VA = 0xffffc90000001000n;
export const MMIO_GPA = 0xfee00000n;

export function tinyTd(code: string, config: TdConfig = {}) {
  return tinyTdWith(code, config);
}

/** The same TD with real 4- or 5-level page tables in guest memory. */
export function pagedTd(code: string, levels: 4 | 5, config: TdConfig = {}) {
  return tinyTdWith(code, { ...config, gpaw: levels === 5 ? 52 : 48, paging: { levels, poolGpa: 0x800000n, poolPages: 32 } });
}

function tinyTdWith(code: string, config: TdConfig) {
  const td = new Td(decoder, config);
  const bytes = new Uint8Array(4096);
  bytes.set(hex(code));
  td.addPrivateRegion(CODE_GPA, bytes);
  td.finalize();
  td.mapPrivate(RIP, CODE_GPA, 4096);
  const device = new RegisterBlock("regs", 4096);
  td.mapMmio(MMIO_VA, MMIO_GPA, 4096, device);
  const vcpu = td.createVcpu();
  vcpu.rip = RIP;
  vcpu.set("rdi", MMIO_VA);
  return { td, vcpu, device };
}
