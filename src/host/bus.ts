// The host's MMIO bus: device models claim GPA ranges (shared bit already stripped). An access
// nobody claims reads all-ones and drops writes, as an unclaimed MMIO region does; both counted.

/** A device model: registers addressed by byte offset from its base. */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: 1 | 2 | 4 | 8): bigint;
  write(offset: number, size: 1 | 2 | 4 | 8, value: bigint): void;
}

interface Claim { base: bigint; end: bigint; device: MmioDevice }

export class DeviceBus {
  private readonly claims: Claim[] = [];
  unclaimedReads = 0;
  unclaimedWrites = 0;

  /** Claims [base, base + size) for `device`; overlapping claims are refused. */
  attach(base: bigint, size: number, device: MmioDevice): void {
    const end = base + BigInt(size);
    for (const c of this.claims) {
      if (base < c.end && c.base < end) throw new Error(`${device.name} overlaps ${c.device.name}`);
    }
    this.claims.push({ base, end, device });
    this.claims.sort((a, b) => (a.base < b.base ? -1 : 1));
  }

  /** The device whose range holds gpa, by binary search. */
  find(gpa: bigint): Claim | null {
    let lo = 0, hi = this.claims.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.claims[mid];
      if (gpa < c.base) hi = mid - 1;
      else if (gpa >= c.end) lo = mid + 1;
      else return c;
    }
    return null;
  }

  read(gpa: bigint, size: 1 | 2 | 4 | 8): bigint {
    const c = this.find(gpa);
    if (!c) {
      this.unclaimedReads++;
      return BigInt.asUintN(size * 8, -1n);
    }
    return BigInt.asUintN(size * 8, c.device.read(Number(gpa - c.base), size));
  }

  write(gpa: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    const c = this.find(gpa);
    if (!c) { this.unclaimedWrites++; return; }
    c.device.write(Number(gpa - c.base), size, BigInt.asUintN(size * 8, value));
  }

  get deviceCount(): number {
    return this.claims.length;
  }
}
