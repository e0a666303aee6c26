// Modeled guest time: the events a simulated run counts (#VE deliveries, TDVMCALL round trips,
// instruction decodes, device accesses) times a per-event cost. The defaults are ESTIMATES chosen
// for illustration (see README "Cost model"): override them with --cost name=ns,... to model a
// measured machine.

export interface EventCounts { ve: number; tdvmcall: number; decode: number; device: number }
export type CostTable = Record<keyof EventCounts, number>;

/** Per-event costs in ns. Every value is an estimate, not a measurement (README says why). */
export const DEFAULT_COSTS: CostTable = {
  ve: 1500,       // #VE delivery + TDG.VP.VEINFO.GET + return (estimate)
  tdvmcall: 8000, // TDG.VP.VMCALL -> TDX module -> KVM -> userspace device model and back (estimate)
  decode: 300,    // kernel insn_decode + insn_decode_mmio in the guest (estimate)
  device: 200,    // device model work per access (estimate)
};

export function parseCosts(spec: string | undefined): CostTable {
  const costs = { ...DEFAULT_COSTS };
  for (const part of (spec ?? "").split(",").filter(Boolean)) {
    const [k, v] = part.split("=");
    if (!(k in costs) || !Number.isFinite(Number(v))) throw new Error(`--cost wants name=ns with a name of ${Object.keys(costs).join(", ")}`);
    costs[k as keyof CostTable] = Number(v);
  }
  return costs;
}

export function modeledNs(counts: EventCounts, costs: CostTable): number {
  return counts.ve * costs.ve + counts.tdvmcall * costs.tdvmcall + counts.decode * costs.decode + counts.device * costs.device;
}

/** Per-access event counts of the four paths of the #VE suite. */
export const PATH_EVENTS: Record<string, EventCounts> = {
  "full #VE path (decode every time)": { ve: 1, tdvmcall: 1, decode: 1, device: 1 },
  "full #VE path (decode cached)": { ve: 1, tdvmcall: 1, decode: 0, device: 1 },
  "paravirt direct TDVMCALL": { ve: 0, tdvmcall: 1, decode: 0, device: 1 },
};

export function printCostModel(costs: CostTable): void {
  console.log(`\n  cost model (ns per event, estimates): ${Object.entries(costs).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const full = modeledNs(PATH_EVENTS["full #VE path (decode every time)"], costs);
  for (const [name, counts] of Object.entries(PATH_EVENTS)) {
    const ns = modeledNs(counts, costs);
    console.log(`    ${name.padEnd(36)} ${ns.toFixed(0).padStart(7)} ns per access (${(full / ns).toFixed(2)}x of the full path's speed)`);
  }
}
