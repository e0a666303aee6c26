// Issue 10 item 14, the host side: an override, handler or device that answers something that is
// not a TDVMCALL answer (a Number R10, no R11, a bigint outside 64 bits, a string status) or
// throws is a TdError "host_failed", and the #VE is not applied: no register write-back, RIP
// where it was, no device byte or trace entry, no host call counted, no trace event; the next
// good #VE answers as on a fresh TD.
import { describe, it, expect } from "vitest";
import { Td, TdError, type TdConfig } from "../../src/machine/td.js";
import type { VeTraceEvent } from "../../src/machine/trace.js";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";
import { mmioReadRequest } from "../../src/tdvmcall/abi.js";
import { Host, HostError } from "../../src/host/host.js";

const ve = (td: Td) => ({ exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 as const });

class Planted extends Error {}

/** Override answers that are not answers (and one that throws). */
const BAD_ANSWERS: [string, () => unknown][] = [
  ["a Number r10", () => ({ r10: 0, r11: 0x1234n })],
  ["no r11", () => ({ r10: 0n })],
  ["r11 = 2^64", () => ({ r10: 0n, r11: 1n << 64n })],
  ["r10 = -1n", () => ({ r10: -1n, r11: 0n })],
  ["a string status", () => ({ r10: "0", r11: 0n })],
  ["a Number data", () => ({ r10: 0n, r11: 0x1234 })],
  ["null", () => null],
  ["a bigint", () => 0n],
  ["throws", () => { throw new Planted("override bug"); }],
];

function caught(f: () => unknown): TdError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(TdError); return e as TdError; }
  throw new Error("did not throw");
}

/** What a failed call must leave as it was. */
function state(m: ReturnType<typeof tinyTd>, events: VeTraceEvent[]) {
  return {
    vcpu: m.vcpu.snapshot(), device: Array.from(m.device.bytes.subarray(0, 16)), trace: m.device.trace,
    accesses: m.device.accesses, calls: m.td.host.calls, last: m.td.host.last, ves: m.td.veDelivered, events: events.length,
  };
}

describe("a host override that does not answer (item 14)", () => {
  for (const mode of ["linux", "arch"] as const) {
    for (const code of ["8B 07", "89 07"]) { // a read (write-back) and a write (device change)
      it(`${mode} ${code}: every bad answer is a TdError host_failed and changes nothing`, () => {
        for (const [name, answer] of BAD_ANSWERS) {
          let armed = false;
          const config: TdConfig = { mode, decodeCache: true, host: { override: () => (armed ? answer() : undefined) as never } };
          const m = tinyTd(code, config);
          const events: VeTraceEvent[] = [];
          m.td.onVe((e) => events.push(e));
          m.device.poke(0, 4, 0x11223344n);
          m.vcpu.set("rax", 0xaaaan);
          m.td.deliver(m.vcpu, ve(m.td)); // one good #VE first: the host has a last call, the cache an entry
          m.vcpu.rip = RIP;
          m.vcpu.set("rax", 0x5555n);
          const before = state(m, events);
          armed = true;
          for (const call of [() => m.td.deliver(m.vcpu, ve(m.td)), () => m.td.deliverFast(m.vcpu, ve(m.td)), () => m.td.runMmioInstruction(m.vcpu)]) {
            const e = caught(call);
            expect(e.code, name).toBe("host_failed");
            expect(e.message, name).toMatch(/override/);
            if (name === "throws") expect(e.cause, name).toBeInstanceOf(Planted);
            expect(state(m, events), name).toEqual(before);
          }
          // The TD is usable and answers as a fresh one.
          armed = false;
          const fresh = tinyTd(code, { mode });
          fresh.device.poke(0, 4, 0x11223344n);
          fresh.vcpu.restore(m.vcpu.snapshot());
          const got = m.td.deliver(m.vcpu, ve(m.td)), want = fresh.td.deliver(fresh.vcpu, ve(fresh.td));
          expect({ ...got, ve: null }, name).toEqual({ ...want, ve: null });
          expect(m.vcpu.snapshot(), name).toEqual(fresh.vcpu.snapshot());
          expect(m.device.bytes.subarray(0, 16), name).toEqual(fresh.device.bytes.subarray(0, 16));
        }
      });
    }
  }

  it("a device whose read() answers a Number, or throws, is host_failed too; its trace and the vCPU are unchanged", () => {
    for (const read of [() => 5, () => undefined, () => { throw new Planted("device bug"); }]) {
      const m = tinyTd("8B 07");
      const far = 0xffffc90000100000n;
      m.td.mapMmio(far, 0xfd000000n, 4096, { name: "bad", read: read as never, write: () => {} });
      m.vcpu.set("rdi", far);
      const before = m.vcpu.snapshot();
      const e = caught(() => m.td.deliverFast(m.vcpu, { ...ve(m.td), gla: far, gpa: 0xfd000000n | m.td.memory.sharedBit }));
      expect(e.code).toBe("host_failed");
      expect(e.message).toMatch(/device bad|threw/);
      expect(m.vcpu.snapshot()).toEqual(before);
      expect([m.td.veDelivered, m.td.host.calls]).toEqual([0, 0]);
    }
  });

  it("port I/O and MapGPA handlers: a bad answer or a throw is host_failed, RAX, RIP and memory unchanged", () => {
    for (const pio of [() => 1, () => "x", () => { throw new Planted("pio"); }]) {
      const m = tinyTd("90", { host: { pio: pio as never } });
      m.vcpu.set("rax", 0x77n);
      const before = m.vcpu.snapshot();
      const e = caught(() => m.td.deliverPortIo(m.vcpu, { exitReason: 30, exitQualification: (0x3f8n << 16n) | 8n, instrLen: 1 }));
      expect(e.code).toBe("host_failed");
      expect(m.vcpu.snapshot()).toEqual(before);
      expect(m.td.veDelivered).toBe(0);
    }
    for (const answer of [() => "yes", () => 0, () => { throw new Planted("mapgpa"); }]) {
      const td = new Td(tinyTd("90").td.decoder, { mapGpa: true, mapGpaAnswer: answer as never });
      td.addPrivateRegion(0x10000n, Uint8Array.of(7));
      td.finalize();
      expect(caught(() => td.convert(0x10000n, 4096, true)).code).toBe("host_failed");
      expect([td.memory.kindOf(0x10000n), td.memory.read(0x10000n, 1)[0], td.host.calls]).toEqual(["private", 7, 0]);
    }
  });

  it("the Host alone throws a HostError and leaves its frame's answer, calls and last call as they were", () => {
    const host = new Host({ gpaw: 48, override: () => ({ r10: 0, r11: 0n }) as never });
    const e = (() => { try { host.handle(mmioReadRequest(4, 0x800000000000n)); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(HostError);
    expect((e as HostError).code).toBe("bad_answer");
    expect([host.calls, host.last]).toEqual([0, null]);
  });
});
