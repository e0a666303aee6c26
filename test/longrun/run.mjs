// The long run (issue 10): N #VEs through every device model (AHCI, IOAPIC, MSI-X, a plain register
// block) with a trace listener attached, on the built package (dist/). Run it with
// `node --expose-gc test/longrun/run.mjs [N]`: it prints one JSON line with the heap after warm-up
// and at the end (both after a full GC), the peak RSS and the rate. longrun.test.ts checks them.
import { Td, IoApic, MsixTable, AhciHba, RegisterBlock } from "../../dist/src/index.js";
import { loadDecoder } from "../../dist/src/decoder/node.js";

const total = Number(process.argv[2] ?? 1e7);
const warmUp = Math.min(1e6, Math.floor(total / 10));
const gc = globalThis.gc;
if (!gc) throw new Error("run with node --expose-gc");

const decoder = await loadDecoder();
const td = new Td(decoder, { decodeCache: true });
const SHARED = 1n << 47n;
const CODE_GPA = 0x100000n;
const RIP = 0xffffffff81000000n;
// The instructions, each at its own offset: write [rdi] with esi, read [rdi+0x10], read [rdi+8] (64-bit).
const code = new Uint8Array(4096);
code.set([0x89, 0x37], 0x00);             // mov [rdi], esi
code.set([0x8b, 0x47, 0x10], 0x10);       // mov eax, [rdi+0x10]
code.set([0x48, 0x8b, 0x47, 0x08], 0x20); // mov rax, [rdi+8]
code.set([0x8b, 0x07], 0x30);             // mov eax, [rdi]
td.addPrivateRegion(CODE_GPA, code);
td.finalize();
td.mapPrivate(RIP, CODE_GPA, 4096);

const ioapic = new IoApic("ioapic");
const msix = new MsixTable("msix", 32, 0x800);
const ahci = new AhciHba("ahci", 4);
const regs = new RegisterBlock("regs", 4096);
const devices = [
  { device: ioapic, va: 0xffffc90000010000n, gpa: 0xfec00000n },
  { device: msix, va: 0xffffc90000020000n, gpa: 0xfeb00000n },
  { device: ahci, va: 0xffffc90000030000n, gpa: 0xfea00000n },
  { device: regs, va: 0xffffc90000040000n, gpa: 0xfe900000n },
];
for (const d of devices) td.mapMmio(d.va, d.gpa, 4096, d.device);

// One step = an instruction offset, the device, the register offset the access reaches, read or write.
const step = (at, d, offset, write, rsi = 0n) => ({
  rip: RIP + BigInt(at), rdi: d.va + BigInt(at === 0x10 ? offset - 0x10 : at === 0x20 ? offset - 8 : offset), rsi,
  ve: { exitReason: 48, exitQualification: (write ? 2n : 1n) | 0x80n, gla: d.va + BigInt(offset), gpa: (d.gpa | SHARED) + BigInt(offset), instrLen: 0 },
});
const [io, mx, hba, rb] = devices;
const steps = [
  step(0x00, io, 0x00, true, 0x10n),  // IOREGSEL = redirection entry 0 low
  step(0x10, io, 0x10, false),        // IOWIN read
  step(0x00, io, 0x10, true, 0x1234n),// IOWIN write
  step(0x00, mx, 0x0c, true, 0n),     // unmask vector 0
  step(0x20, mx, 0x00, false),        // vector 0 address (64-bit)
  step(0x10, mx, 0x800, false),       // PBA
  step(0x00, hba, 0x118, true, 0x11n),// PxCMD: ST | FRE
  step(0x30, hba, 0x118, false),      // PxCMD back (CR | FR)
  step(0x00, rb, 0x40, true, 0xabcn),
  step(0x20, rb, 0x40, false),
];

let events = 0, handled = 0;
td.onVe((event) => { events++; if (event.outcome === "handled") handled++; });

const vcpu = td.createVcpu();
const run = (from, to) => {
  for (let i = from; i < to; i++) {
    const s = steps[i % steps.length];
    vcpu.rip = s.rip;
    vcpu.set("rdi", s.rdi);
    vcpu.set("rsi", s.rsi);
    td.deliverFast(vcpu, s.ve);
  }
};
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

const t0 = performance.now();
run(0, warmUp);
const heapWarm = heap();
const samples = [];
const slice = Math.ceil((total - warmUp) / 8);
for (let from = warmUp; from < total; from += slice) {
  run(from, Math.min(total, from + slice));
  samples.push(heap());
}
const seconds = (performance.now() - t0) / 1000;
const heapEnd = samples[samples.length - 1];
console.log(JSON.stringify({
  total, warmUp, events, handled, seconds,
  nsPerVe: Math.round((seconds * 1e9) / total),
  heapWarm, heapEnd, heapMax: Math.max(...samples), samples,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  traceBytes: { ioapic: ioapic.traceBytes, msixTable: msix.table.traceBytes, msixPba: msix.pba.traceBytes, ahci: ahci.regs.traceBytes, regs: regs.traceBytes },
  accesses: { ioapic: ioapic.accesses, msix: msix.table.accesses + msix.pba.accesses, ahci: ahci.regs.accesses, regs: regs.accesses },
  veDelivered: td.veDelivered,
}));
