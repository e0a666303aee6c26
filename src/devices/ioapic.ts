// An I/O APIC: indirect access through IOREGSEL (offset 0x00) and IOWIN (0x10), 24 redirection
// entries, and the version-0x20 EOI register (0x40). (Intel 82093AA datasheet.)
import type { MmioDevice } from "../host/bus.js";
import { AccessRing } from "./access-ring.js";
import { lowWord } from "../words.js";

/** One traced IOWIN access: the register IOREGSEL selected and the 32-bit value. */
export interface IoApicAccess { op: "read" | "write"; register: number; value: bigint }

export const IOREGSEL = 0x00;
export const IOWIN = 0x10;
export const IOAPIC_EOI = 0x40;
const ENTRIES = 24;
const DELIVERY_STATUS = 1n << 12n;
const REMOTE_IRR = 1n << 14n;

/** An I/O APIC: IOREGSEL/IOWIN indirect registers and the redirection table. */
export class IoApic implements MmioDevice {
  select = 0;
  id = 0n;
  /** Redirection table: 64-bit entries, masked (bit 16) at reset. */
  readonly redirection: bigint[] = Array.from({ length: ENTRIES }, () => 1n << 16n);
  /** IOWIN accesses: the last `traceLimit` (a bounded ring, at most 16 bytes per entry). */
  private readonly ring: AccessRing;

  /** The traced value as the ring takes it (bits 31:0; IOWIN registers are 32-bit). */
  private readonly tracedValue = new Uint32Array(2);

  constructor(readonly name = "ioapic", readonly traceLimit = 1024) {
    this.ring = new AccessRing(traceLimit);
  }

  /** Traces an IOWIN access to the selected register. */
  private traced(write: boolean, value: bigint): void {
    this.tracedValue[0] = lowWord(value);
    this.ring.record(write, this.select, 4, this.tracedValue, 0);
  }

  /** The last `traceLimit` IOWIN accesses, oldest first, with the register IOREGSEL selected. */
  get trace(): IoApicAccess[] {
    return this.ring.entries().map((e) => ({ op: e.op, register: e.where, value: e.value }));
  }

  /** How many IOWIN accesses were traced in all. */
  get accesses(): number {
    return this.ring.count;
  }

  /** Bytes the trace holds now (at most 16 x traceLimit). */
  get traceBytes(): number {
    return this.ring.bytes;
  }

  /** The register IOWIN reaches for `index` (IOREGSEL), or null for a hole. */
  private readRegister(index: number): bigint {
    if (index === 0x00) return this.id;
    if (index === 0x01) return BigInt(((ENTRIES - 1) << 16) | 0x20); // max entry 23, version 0x20
    if (index === 0x02) return this.id;                                // arbitration ID
    const entry = (index - 0x10) >> 1;
    if (index >= 0x10 && entry < ENTRIES) {
      const v = this.redirection[entry];
      return (index & 1) ? v >> 32n : v & 0xffffffffn;
    }
    return 0n;
  }

  private writeRegister(index: number, value: bigint): void {
    if (index === 0x00) { this.id = value & 0x0f000000n; return; }
    const entry = (index - 0x10) >> 1;
    if (index < 0x10 || entry >= ENTRIES) return;
    const old = this.redirection[entry];
    const readOnly = DELIVERY_STATUS | REMOTE_IRR;
    this.redirection[entry] = (index & 1)
      ? (old & 0xffffffffn) | ((value & 0xffffffffn) << 32n)
      : (old & ~0xffffffffn) | (value & 0xffffffffn & ~readOnly) | (old & readOnly);
  }

  read(offset: number, size: 1 | 2 | 4 | 8): bigint {
    let value = 0xffffffffn;
    if (offset === IOREGSEL) value = BigInt(this.select);
    else if (offset === IOWIN) {
      value = this.readRegister(this.select);
      this.traced(false, value);
    }
    return BigInt.asUintN(size * 8, value);
  }

  /** Registers are 32-bit; the bus has already cut `value` to the access size. */
  write(offset: number, _size: 1 | 2 | 4 | 8, value: bigint): void {
    if (offset === IOREGSEL) this.select = Number(value & 0xffn);
    else if (offset === IOWIN) {
      this.traced(true, value);
      this.writeRegister(this.select, value);
    } else if (offset === IOAPIC_EOI) {
      const vector = value & 0xffn;
      for (let i = 0; i < ENTRIES; i++) if ((this.redirection[i] & 0xffn) === vector) this.redirection[i] &= ~REMOTE_IRR;
    }
  }
}
