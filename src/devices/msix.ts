// A PCI MSI-X table (16 bytes per vector: address low/high, data, vector control with the mask
// bit) and its Pending Bit Array (read-only, one bit per vector). (PCI Local Bus spec 3.0, 6.8.2.)
import type { MmioDevice } from "../host/bus.js";
import { RegisterBlock } from "./register-block.js";

export const MSIX_ENTRY_SIZE = 16;
export const MSIX_VECTOR_CTRL = 12;
export const MSIX_MASK = 1n;

/** An MSI-X table and its pending-bit array. */
export class MsixTable implements MmioDevice {
  readonly table: RegisterBlock;
  readonly pba: RegisterBlock;

  /** The table sits at offset 0, the PBA at `pbaOffset` (both in this device's range). */
  constructor(readonly name: string, readonly vectors: number, readonly pbaOffset: number) {
    if (pbaOffset < vectors * MSIX_ENTRY_SIZE) throw new Error("the PBA overlaps the table");
    this.table = new RegisterBlock(`${name}.table`, vectors * MSIX_ENTRY_SIZE);
    this.pba = new RegisterBlock(`${name}.pba`, Math.ceil(vectors / 64) * 8);
    for (let v = 0; v < vectors; v++) this.table.poke(v * MSIX_ENTRY_SIZE + MSIX_VECTOR_CTRL, 4, MSIX_MASK); // masked at reset
  }

  masked(vector: number): boolean {
    return (this.table.peek(vector * MSIX_ENTRY_SIZE + MSIX_VECTOR_CTRL, 4) & MSIX_MASK) !== 0n;
  }

  /** The device raises `vector`: delivered unless masked, else its pending bit is set. */
  raise(vector: number): { address: bigint; data: bigint } | null {
    if (this.masked(vector)) {
      const word = Math.floor(vector / 64) * 8;
      this.pba.poke(word, 8, this.pba.peek(word, 8) | (1n << BigInt(vector % 64)));
      return null;
    }
    const at = vector * MSIX_ENTRY_SIZE;
    return { address: this.table.peek(at, 8), data: this.table.peek(at + 8, 4) };
  }

  read(offset: number, size: 1 | 2 | 4 | 8): bigint {
    return offset >= this.pbaOffset ? this.pba.read(offset - this.pbaOffset, size) : this.table.read(offset, size);
  }

  readWords(offset: number, size: 1 | 2 | 4 | 8, out: Uint32Array, at: number): void {
    if (offset >= this.pbaOffset) this.pba.readWords(offset - this.pbaOffset, size, out, at);
    else this.table.readWords(offset, size, out, at);
  }

  write(offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    if (offset >= this.pbaOffset) return; // the PBA is read-only
    this.table.write(offset, size, value);
  }
}
