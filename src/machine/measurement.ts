// The TD's build-time measurement (MRTD) as the TDX module extends it while initial private memory
// is added: a 128-byte "MEM.PAGE.ADD" block with the GPA per page and, for measured pages, per
// 256-byte chunk a "MR.EXTEND" block with the GPA followed by the chunk. A model of the procedure,
// not a value to compare with real hardware.
import { Sha384 } from "./sha384.js";
import { toHex } from "../decoder/names.js";

export class Measurement {
  private readonly hash = new Sha384();

  /** Extends the measurement with one added page; `contents` (4096 bytes) when it is measured too. */
  addPage(gpa: bigint, contents: Uint8Array | null): void {
    this.extend("MEM.PAGE.ADD", gpa);
    if (contents) for (let c = 0; c < 4096; c += 256) this.extend("MR.EXTEND", gpa + BigInt(c), contents.subarray(c, c + 256));
  }

  /** The SHA-384 so far, as hex. */
  get hex(): string {
    return toHex(this.hash.digest());
  }

  private extend(label: string, gpa: bigint, data?: Uint8Array): void {
    const header = new Uint8Array(128);
    header.set(new TextEncoder().encode(label));
    new DataView(header.buffer).setBigUint64(16, gpa, true);
    this.hash.update(header);
    if (data) this.hash.update(data);
  }
}
