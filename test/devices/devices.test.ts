// Device models: IOAPIC indirection, MSI-X table and PBA, AHCI HBA registers; and an IOAPIC
// read through the whole #VE path (IOREGSEL write, then IOWIN read), as native_io_apic_read does.
import { describe, it, expect } from "vitest";
import { IoApic, IOREGSEL, IOWIN, IOAPIC_EOI } from "../../src/devices/ioapic.js";
import { MsixTable } from "../../src/devices/msix.js";
import { AhciHba, HBA, PORT, GHC_AE, GHC_HR, GHC_IE, CMD_ST, CMD_FRE, CMD_CR, CMD_FR } from "../../src/devices/ahci.js";
import { Td } from "../../src/machine/td.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { DeviceBus } from "../../src/host/bus.js";
import { decoder, hex } from "../support/decoder.js";

describe("register block", () => {
  it("keeps the last traceLimit accesses oldest first, with 64-bit values, and reads all-ones outside", () => {
    const r = new RegisterBlock("r", 16, 3);
    r.write(0, 8, 0xfedcba9876543210n);
    r.write(8, 1, 0x1ffn); // the bus cuts values; the block stores the low byte
    expect(r.read(0, 8)).toBe(0xfedcba9876543210n);
    expect(r.read(8, 2)).toBe(0xffn);
    expect(r.accesses).toBe(4);
    expect(r.trace).toEqual([
      { op: "write", offset: 8, size: 1, value: 0x1ffn },
      { op: "read", offset: 0, size: 8, value: 0xfedcba9876543210n },
      { op: "read", offset: 8, size: 2, value: 0xffn },
    ]);
    expect(r.read(14, 4)).toBe(0xffffffffn);
    expect(r.peek(16, 1)).toBe(0xffn);
    expect(new RegisterBlock("quiet", 8, 0).trace).toEqual([]);
  });

  it("answers the bus's word path and its BigInt path alike", () => {
    const bus = new DeviceBus();
    const r = new RegisterBlock("r", 16);
    bus.attach(0x1000n, 16, r);
    bus.write(0x1004n, 4, 0x1_2345_6789n);
    expect(r.peek(4, 4)).toBe(0x23456789n);
    const out = new Uint32Array(2);
    bus.readWords(Uint32Array.of(0x1004, 0), 2, out, 0);
    expect(Array.from(out)).toEqual([0x6789, 0]);
    // The word write cuts the value to the access size before the device sees it.
    bus.writeWords(Uint32Array.of(0x1008, 0), 2, Uint32Array.of(0xfedc_ba98, 0x7654_3210), 0);
    expect(r.peek(8, 8)).toBe(0xba98n);
    expect(r.trace.at(-1)).toEqual({ op: "write", offset: 8, size: 2, value: 0xba98n });
    expect(bus.read(0x2000n, 8)).toBe(0xffffffffffffffffn);
    expect(bus.unclaimedReads).toBe(1);
  });
});

describe("word-path reads", () => {
  it("AHCI and MSI-X answer readWords exactly as read", () => {
    const devices = [new AhciHba("ahci", 2), new MsixTable("msix", 8, 0x800)];
    const out = new Uint32Array(2);
    for (const dev of devices) {
      for (const offset of [0x0, 0x4, 0xc, 0x10, 0x118, 0x124, 0x12c, 0x800, 0x3c]) {
        for (const size of [1, 2, 4, 8] as const) {
          dev.readWords!(offset, size, out, 0);
          expect((BigInt(out[1]) << 32n) | BigInt(out[0]), `${dev.name} ${offset}/${size}`).toBe(dev.read(offset, size));
        }
      }
    }
  });
});

describe("IOAPIC", () => {
  it("IOREGSEL selects, IOWIN reads and writes; version and 24 entries; RO bits of an RTE keep their value", () => {
    const io = new IoApic();
    io.write(IOREGSEL, 4, 0x01n);
    expect(io.read(IOWIN, 4)).toBe(0x170020n);
    io.write(IOREGSEL, 4, 0x10n);
    expect(io.read(IOWIN, 4)).toBe(0x10000n); // masked at reset
    io.redirection[0] |= 1n << 14n; // remote IRR set by "hardware"
    io.write(IOWIN, 4, 0x00000030n | (1n << 12n));
    expect(io.redirection[0]).toBe(0x30n | (1n << 14n));
    io.write(IOREGSEL, 4, 0x11n);
    io.write(IOWIN, 4, 0xff000000n);
    expect(io.redirection[0] >> 32n).toBe(0xff000000n);
    io.write(IOAPIC_EOI, 4, 0x30n);
    expect(io.redirection[0] & (1n << 14n)).toBe(0n);
  });
});

describe("MSI-X", () => {
  it("vectors start masked; a masked vector sets its pending bit; the PBA is read-only", () => {
    const m = new MsixTable("nic", 4, 0x800);
    expect(m.raise(2)).toBeNull();
    expect(m.read(0x800, 8)).toBe(0b100n);
    m.write(0x800, 8, 0n);
    expect(m.read(0x800, 8)).toBe(0b100n);
    m.write(2 * 16, 4, 0xfee00000n);
    m.write(2 * 16 + 8, 4, 0x41n);
    m.write(2 * 16 + 12, 4, 0n);
    expect(m.raise(2)).toEqual({ address: 0xfee00000n, data: 0x41n });
  });
});

describe("AHCI HBA", () => {
  it("AE stays set, HR resets and self-clears, IS/PxIS are write-1-to-clear, PxCMD engines follow ST/FRE", () => {
    const h = new AhciHba("ahci", 2);
    expect(h.read(HBA.PI, 4)).toBe(0b11n);
    h.write(HBA.GHC, 4, GHC_IE);
    expect(h.read(HBA.GHC, 4)).toBe(GHC_AE | GHC_IE);
    h.regs.poke(HBA.IS, 4, 0b11n);
    h.write(HBA.IS, 4, 0b01n);
    expect(h.read(HBA.IS, 4)).toBe(0b10n);
    const p1 = 0x100 + 0x80;
    h.write(p1 + PORT.CMD, 4, CMD_ST | CMD_FRE);
    expect(h.read(p1 + PORT.CMD, 4)).toBe(CMD_ST | CMD_FRE | CMD_CR | CMD_FR);
    h.write(p1 + PORT.CMD, 4, 0n);
    expect(h.read(p1 + PORT.CMD, 4)).toBe(0n);
    expect(h.read(p1 + PORT.SSTS, 4) & 0xfn).toBe(3n);
    h.write(HBA.GHC, 4, GHC_HR);
    expect(h.read(HBA.GHC, 4)).toBe(GHC_AE);
  });
});

describe("an IOAPIC read through the #VE path", () => {
  it("writes IOREGSEL (mov [rdi], esi) then reads IOWIN (mov eax, [rdi+0x10])", () => {
    const td = new Td(decoder);
    const code = new Uint8Array(4096);
    code.set(hex("89 37 8B 47 10"));
    td.addPrivateRegion(0x100000n, code);
    td.finalize();
    td.mapPrivate(0xffffffff81000000n, 0x100000n, 4096);
    const io = new IoApic();
    td.mapMmio(0xffffc90000010000n, 0xfec00000n, 4096, io);
    const vcpu = td.createVcpu();
    vcpu.rip = 0xffffffff81000000n;
    vcpu.set("rdi", 0xffffc90000010000n);
    vcpu.set("rsi", 0x01n);
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled", length: 2 });
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled", length: 3 });
    expect(vcpu.get("rax")).toBe(0x170020n);
    expect(io.trace).toEqual([{ op: "read", register: 1, value: 0x170020n }]);
  });
});

describe("bounded device traces (issue 10 item 13)", () => {
  it("the IOAPIC keeps its last traceLimit IOWIN accesses in a ring of at most 16 bytes each", () => {
    const io = new IoApic("io", 4);
    for (let i = 0; i < 100_000; i++) {
      io.write(IOREGSEL, 4, BigInt(0x10 + (i % 48)));
      io.write(IOWIN, 4, BigInt(i));
      io.read(IOWIN, 4);
    }
    expect(io.accesses).toBe(200_000);
    expect(io.traceBytes).toBe(4 * 16);
    const last = 99_999;
    const reg = 0x10 + (last % 48);
    expect(io.trace).toEqual([
      { op: "write", register: 0x10 + ((last - 1) % 48), value: BigInt(last - 1) },
      { op: "read", register: 0x10 + ((last - 1) % 48), value: BigInt(last - 1) },
      { op: "write", register: reg, value: BigInt(last) },
      { op: "read", register: reg, value: BigInt(last) },
    ]);
    expect(new IoApic().traceBytes).toBe(0); // grows only as accesses come
  });

  it("every device's trace stays within 16 x traceLimit bytes however many accesses come", () => {
    const io = new IoApic();
    const msix = new MsixTable("msix", 8, 0x800);
    const ahci = new AhciHba("ahci", 2);
    for (let i = 0; i < 50_000; i++) {
      io.write(IOWIN, 4, 1n);
      msix.write((i % 8) * 16, 4, BigInt(i));
      msix.read(0x800, 8);
      ahci.write(0x100 + PORT.CLB, 4, BigInt(i));
    }
    expect(io.traceBytes).toBe(1024 * 16);
    expect(msix.table.traceBytes).toBe(1024 * 16);
    expect(msix.pba.traceBytes).toBe(1024 * 16);
    expect(ahci.regs.traceBytes).toBe(1024 * 16);
    expect(msix.table.accesses).toBe(50_000);
    expect(() => new IoApic("io", -1)).toThrow(RangeError);
  });
});
