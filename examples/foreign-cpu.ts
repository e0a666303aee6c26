// A foreign CPU model embedding ve-mmio: the simulator owns its register file and its memory map;
// ve-mmio's #VE handler reads and writes them in place through the VeCpu and VeMemory interfaces,
// and its TDVMCALLs go to a host (here ve-mmio's own, with a register-block device).
// Run: npm run build && node dist/examples/foreign-cpu.js
import { VeEngine, Host, RegisterBlock, SLOT, type VeCpu, type VeMemory, type VeInfo, type Translation, type VeDecoder } from "../src/index.js";
import { loadDecoder } from "../src/decoder/node.js";

const TEXT_VA = 0xffffffff81000000n; // kernel text, mapped onto RAM at GPA 0
const MMIO_VA = 0xffffc90000000000n; // an ioremap()ed device page
const MMIO_GPA = 0xfe000000n;
const SHARED = 1n << 47n; // GPAW 48

/** The simulator: registers in ve-mmio's word layout (SLOT), 64 KiB of RAM and one MMIO page. */
export class ToyCpu implements VeCpu, VeMemory {
  readonly words = new Uint32Array(40);
  cpl = 0;
  readonly ram = new Uint8Array(0x10000);

  reg(n: number): bigint { return (BigInt(this.words[2 * n + 1]) << 32n) | BigInt(this.words[2 * n]); }
  setReg(n: number, v: bigint): void { this.words[2 * n] = Number(v & 0xffffffffn); this.words[2 * n + 1] = Number(v >> 32n); }

  // ---- VeMemory: this simulator's MMU and memory ----
  translate(va: bigint, _access: "read" | "write", cpl: number): Translation {
    if (cpl !== 3 && va >= TEXT_VA && va < TEXT_VA + BigInt(this.ram.length)) return { gpa: va - TEXT_VA };
    if (cpl !== 3 && va >= MMIO_VA && va < MMIO_VA + 0x1000n) return { gpa: (va - MMIO_VA + MMIO_GPA) | SHARED };
    return { pageFault: cpl === 3 ? 4 : 0 };
  }
  fetchCode(ripLo: number, ripHi: number, cpl: number, out: Uint8Array, max: number): number {
    const rip = (BigInt(ripHi) << 32n) | BigInt(ripLo);
    let n = 0;
    for (; n < max; n++) {
      const t = this.translate(rip + BigInt(n), "read", cpl);
      if ("pageFault" in t || this.isMmio(t.gpa)) break; // code is never fetched from shared memory
      out[n] = this.ram[Number(t.gpa)];
    }
    return n;
  }
  isMmio(gpa: bigint): boolean { return (gpa & SHARED) !== 0n; }
  read(gpa: bigint, len: number): Uint8Array | null {
    return this.isMmio(gpa) || gpa + BigInt(len) > BigInt(this.ram.length) ? null : this.ram.slice(Number(gpa), Number(gpa) + len);
  }
  write(gpa: bigint, bytes: Uint8Array): boolean {
    if (this.read(gpa, bytes.length) === null) return false;
    this.ram.set(bytes, Number(gpa));
    return true;
  }

  /** The #VE the TDX module reports when this CPU's access at `gla` reaches MMIO. */
  veFor(gla: bigint, isWrite: boolean): VeInfo {
    const t = this.translate(gla, isWrite ? "write" : "read", this.cpl);
    if ("pageFault" in t) throw new Error(`#PF at 0x${gla.toString(16)}`);
    return { exitReason: 48, exitQualification: (isWrite ? 2n : 1n) | 0x80n, gla, gpa: t.gpa, instrLen: 0 };
  }
}

/** A driver's register accesses: mov eax,[rdi+0x10]; mov [rdi+0x14],ebx; movzx ecx,byte [rdi+0x18]. */
const PROGRAM = [
  { bytes: [0x8b, 0x47, 0x10], disp: 0x10n, isWrite: false },
  { bytes: [0x89, 0x5f, 0x14], disp: 0x14n, isWrite: true },
  { bytes: [0x0f, 0xb6, 0x4f, 0x18], disp: 0x18n, isWrite: false },
];

/** Runs the program on a ToyCpu, one #VE per instruction; returns the CPU, the device and the results. */
export function runToyCpu(decoder: VeDecoder, cpu = new ToyCpu()) {
  const device = new RegisterBlock("toy-device", 0x1000);
  device.poke(0x10, 4, 0xcafef00dn);
  device.poke(0x18, 1, 0x7fn);
  const host = new Host({ gpaw: 48 });
  host.bus.attach(MMIO_GPA, 0x1000, device);
  const engine = new VeEngine({ decoder, memory: cpu, tdvmcall: host, gpaw: 48, mode: "linux" });

  let at = 0;
  for (const insn of PROGRAM) { cpu.ram.set(insn.bytes, at); at += insn.bytes.length; }
  cpu.setReg(SLOT.RIP, TEXT_VA);
  cpu.setReg(7, MMIO_VA); // RDI: the device's base
  cpu.setReg(3, 0x12345678n); // RBX: the value to write
  const results = PROGRAM.map((insn) => {
    const r = engine.handle(cpu, cpu.veFor(cpu.reg(7) + insn.disp, insn.isWrite));
    return { handled: r.handled, error: r.error, length: r.length };
  });
  return { cpu, device, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { cpu, device, results } = runToyCpu(await loadDecoder());
  console.log(results);
  console.log(`rax=0x${cpu.reg(0).toString(16)} rcx=0x${cpu.reg(1).toString(16)} rip=0x${cpu.reg(SLOT.RIP).toString(16)} device[0x14]=0x${device.peek(0x14, 4).toString(16)}`);
}
