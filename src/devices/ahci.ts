// An AHCI host bus adapter: generic host control registers and per-port registers, with the
// behaviour the kernel's ahci_* paths rely on (HBA reset, AHCI enable, RW1C status registers,
// command list / FIS receive engines reflected in PxCMD.CR / PxCMD.FR). (AHCI 1.3.1, section 3.)
import type { MmioDevice } from "../host/bus.js";
import { RegisterBlock } from "./register-block.js";

export const HBA = { CAP: 0x00, GHC: 0x04, IS: 0x08, PI: 0x0c, VS: 0x10, CCC_CTL: 0x14, CCC_PORTS: 0x18, EM_LOC: 0x1c, EM_CTL: 0x20, CAP2: 0x24, BOHC: 0x28 } as const;
export const PORT = { CLB: 0x00, CLBU: 0x04, FB: 0x08, FBU: 0x0c, IS: 0x10, IE: 0x14, CMD: 0x18, TFD: 0x20, SIG: 0x24, SSTS: 0x28, SCTL: 0x2c, SERR: 0x30, SACT: 0x34, CI: 0x38, SNTF: 0x3c } as const;
export const GHC_HR = 1n, GHC_IE = 2n, GHC_AE = 1n << 31n;
export const CMD_ST = 1n, CMD_FRE = 1n << 4n, CMD_FR = 1n << 14n, CMD_CR = 1n << 15n;

const PORT_BASE = 0x100;
const PORT_SIZE = 0x80;
const READ_ONLY_HBA = new Set<number>([HBA.CAP, HBA.PI, HBA.VS, HBA.CAP2]);
const RW1C_PORT = new Set<number>([PORT.IS, PORT.SERR]);
const READ_ONLY_PORT = new Set<number>([PORT.TFD, PORT.SIG, PORT.SSTS]);

/** An AHCI host bus adapter's register file (generic host control and ports). */
export class AhciHba implements MmioDevice {
  readonly regs: RegisterBlock;

  constructor(readonly name: string, readonly ports: number) {
    this.regs = new RegisterBlock(name, PORT_BASE + ports * PORT_SIZE);
    this.reset();
  }

  /** HBA reset: capabilities, ports implemented, version; every port idle with a device present. */
  reset(): void {
    this.regs.bytes.fill(0);
    this.regs.poke(HBA.CAP, 4, BigInt(this.ports - 1) | (1n << 30n) | (1n << 18n)); // NP, SNCQ, SAM (AHCI only)
    this.regs.poke(HBA.GHC, 4, GHC_AE);
    this.regs.poke(HBA.PI, 4, (1n << BigInt(this.ports)) - 1n);
    this.regs.poke(HBA.VS, 4, 0x00010301n);
    for (let p = 0; p < this.ports; p++) {
      const base = PORT_BASE + p * PORT_SIZE;
      this.regs.poke(base + PORT.TFD, 4, 0x50n);      // DRDY | DSC
      this.regs.poke(base + PORT.SIG, 4, 0x101n);     // ATA device
      this.regs.poke(base + PORT.SSTS, 4, 0x123n);    // DET=3 (present), SPD=2, IPM=1 (active)
    }
  }

  read(offset: number, size: 1 | 2 | 4 | 8): bigint {
    return this.regs.read(offset, size);
  }

  /** Reads have no side effects here: the register block answers the bus's word path directly. */
  readWords(offset: number, size: 1 | 2 | 4 | 8, out: Uint32Array, at: number): void {
    this.regs.readWords(offset, size, out, at);
  }

  write(offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    const reg = offset & ~3;
    if (offset < PORT_BASE) return this.writeHba(reg, size, value);
    const port = Math.floor((offset - PORT_BASE) / PORT_SIZE);
    if (port >= this.ports) return;
    this.writePort(PORT_BASE + port * PORT_SIZE, offset - PORT_BASE - port * PORT_SIZE, size, value);
  }

  private writeHba(reg: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    if (READ_ONLY_HBA.has(reg)) return;
    if (reg === HBA.IS) { this.regs.poke(reg, 4, this.regs.peek(reg, 4) & ~value); return; } // RW1C
    if (reg === HBA.GHC) {
      if (value & GHC_HR) { this.reset(); return; }                                        // HR self-clears
      this.regs.write(reg, 4, (value & (GHC_IE | GHC_AE)) | GHC_AE);                         // AHCI-only HBA: AE stays set
      return;
    }
    this.regs.write(reg, size, value);
  }

  private writePort(base: number, reg: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    const at = base + reg;
    if (READ_ONLY_PORT.has(reg)) return;
    if (RW1C_PORT.has(reg)) { this.regs.write(at, 4, this.regs.peek(at, 4) & ~value); return; }
    if (reg === PORT.CMD) {
      // The engines follow their enables: CR reflects ST, FR reflects FRE.
      let cmd = value & ~(CMD_CR | CMD_FR);
      if (value & CMD_ST) cmd |= CMD_CR;
      if (value & CMD_FRE) cmd |= CMD_FR;
      this.regs.write(at, 4, cmd);
      return;
    }
    this.regs.write(at, size, value);
  }
}
