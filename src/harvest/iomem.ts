// The boot's /proc/iomem and PCI MSI-X tables: which device a guest-physical address belongs to.
// Pure: parses the guest's dump text.

/** One /proc/iomem line: its range, name and nesting depth (two spaces per level). */
export interface IomemEntry {
  readonly start: bigint;
  readonly end: bigint; // inclusive, as /proc/iomem prints it
  readonly name: string;
  readonly depth: number;
  /** The names of the enclosing entries, outermost first, then this one. */
  readonly path: readonly string[];
}

/** An MSI-X table or PBA found in a PCI device's config space. */
export interface MsixRegion {
  readonly pci: string;
  readonly kind: "table" | "pba";
  readonly start: bigint;
  readonly end: bigint; // exclusive
}

export class IomemError extends Error {
  override readonly name = "IomemError";
}

const LINE = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.*)$/;

export function parseIomem(text: string): IomemEntry[] {
  const out: IomemEntry[] = [];
  const stack: IomemEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const m = LINE.exec(line);
    if (!m) throw new IomemError(`not a /proc/iomem line: ${JSON.stringify(line.slice(0, 80))}`);
    const depth = m[1].length / 2;
    const start = BigInt("0x" + m[2]);
    const end = BigInt("0x" + m[3]);
    if (start === 0n && end === 0n && out.length > 3) throw new IomemError("/proc/iomem was read without privileges (all ranges 0)");
    while (stack.length > depth) stack.pop();
    const entry: IomemEntry = { start, end, name: m[4], depth, path: [...stack.map((e) => e.name), m[4]] };
    stack.push(entry);
    out.push(entry);
  }
  return out;
}

/**
 * MSI-X regions from a PCI device's `resource` file (one "start end flags" line per BAR) and its
 * first 256 config bytes: the capability list is walked for ID 0x11 (MSI-X), whose table and PBA
 * are given as a BAR index and offset.
 */
export function msixRegions(pci: string, resource: string, config: Uint8Array): MsixRegion[] {
  if (config.length < 64) return [];
  const bars = resource.split("\n").filter((l) => l.trim()).map((l) => BigInt(l.trim().split(/\s+/)[0]));
  const status = config[6] | (config[7] << 8);
  if ((status & 0x10) === 0) return []; // no capability list
  const seen = new Set<number>();
  for (let ptr = config[0x34] & 0xfc; ptr >= 0x40 && ptr + 12 <= config.length && !seen.has(ptr); ptr = config[ptr + 1] & 0xfc) {
    seen.add(ptr);
    if (config[ptr] !== 0x11) continue;
    const view = new DataView(config.buffer, config.byteOffset, config.length);
    const entries = (view.getUint16(ptr + 2, true) & 0x7ff) + 1;
    const table = view.getUint32(ptr + 4, true);
    const pba = view.getUint32(ptr + 8, true);
    const at = (reg: number) => (bars[reg & 7] ?? 0n) + BigInt(reg & ~7);
    if ((bars[table & 7] ?? 0n) === 0n) return [];
    return [
      { pci, kind: "table", start: at(table), end: at(table) + BigInt(entries * 16) },
      { pci, kind: "pba", start: at(pba), end: at(pba) + BigInt(Math.ceil(entries / 64) * 8) },
    ];
  }
  return [];
}

/** A device class as the summary counts it, and the region that says so. */
export interface Attribution {
  readonly device: string;
  readonly region: string;
}

/** Device classes by the iomem names Linux gives them. First match wins, deepest entry first. */
const CLASSES: readonly [RegExp, string][] = [
  [/^ahci$/, "AHCI"],
  [/^HPET|^PNP0103/, "HPET"],
  [/^IOAPIC/, "IOAPIC"],
  [/^Local APIC/, "LAPIC"],
  [/^PCI MMCONFIG|^PCI ECAM/, "ECAM"],
  [/^virtio/, "virtio"],
  [/iTCO|^lpc_ich|^INTC|Chipset|RCBA/, "iTCO"],
];

const LAPIC_BASE = 0xfee00000n;

/** Which device a GPA belongs to: MSI-X regions first (they sit inside a BAR), then iomem. */
export function attribute(gpa: bigint, iomem: readonly IomemEntry[], msix: readonly MsixRegion[]): Attribution {
  for (const r of msix) {
    if (gpa >= r.start && gpa < r.end) return { device: r.kind === "table" ? "MSI-X" : "MSI-X PBA", region: `${r.pci} MSI-X ${r.kind}` };
  }
  let best: IomemEntry | null = null;
  for (const e of iomem) if (gpa >= e.start && gpa <= e.end && (best === null || e.depth >= best.depth)) best = e;
  // The xAPIC page is not a resource Linux lists: its architectural default base.
  if (best === null && gpa >= LAPIC_BASE && gpa < LAPIC_BASE + 0x1000n) return { device: "LAPIC", region: "xAPIC page (IA32_APIC_BASE default)" };
  if (best === null) return { device: "unassigned", region: "" };
  for (const name of [...best.path].reverse()) {
    for (const [re, device] of CLASSES) if (re.test(name)) return { device, region: best.path.join(" / ") };
  }
  return { device: best.name, region: best.path.join(" / ") };
}
