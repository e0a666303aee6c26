// A trace listener that throws (issue 10, item 7): it cannot break delivery. The #VE stays
// complete and consistent, the other listeners still get the event, and the delivering call then
// reports the failure as a TdError ("listener_failed") carrying the outcome.
import { describe, it, expect } from "vitest";
import { tinyTd, RIP, MMIO_VA, MMIO_GPA } from "../support/td.js";
import { TdError } from "../../src/machine/td.js";
import type { VeTraceEvent } from "../../src/machine/trace.js";

type Made = ReturnType<typeof tinyTd>;
const ve = (td: Made["td"]) => ({ exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 as const });

/** A TD with a recording listener, a throwing one (first `throws` events), and another recorder. */
function traced(throws = Infinity, thrown: unknown = new Error("listener bug")) {
  const m = tinyTd("8B 07");
  m.device.poke(0, 4, 0x11223344n);
  const before: VeTraceEvent[] = [], after: VeTraceEvent[] = [];
  let n = 0;
  m.td.onVe((e) => before.push(e));
  m.td.onVe(() => { if (n++ < throws) throw thrown; });
  m.td.onVe((e) => after.push(e));
  return { ...m, before, after };
}

function caught(f: () => unknown): TdError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(TdError); return e as TdError; }
  throw new Error("did not throw");
}

describe("a throwing trace listener (item 7)", () => {
  it("deliver: the #VE is complete, every listener saw it, and a typed error carries the outcome", () => {
    const { td, vcpu, before, after } = traced();
    const e = caught(() => td.deliver(vcpu, ve(td)));
    expect(e.code).toBe("listener_failed");
    expect((e.cause as Error).message).toBe("listener bug");
    expect(e.outcome).toMatchObject({ outcome: "handled", length: 2, regs: { rax: 0x11223344n, rip: RIP + 2n } });
    // The state equals an untraced TD's after the same #VE.
    const plain = tinyTd("8B 07");
    plain.device.poke(0, 4, 0x11223344n);
    plain.td.deliver(plain.vcpu, ve(plain.td));
    expect(vcpu.snapshot()).toEqual(plain.vcpu.snapshot());
    expect([td.veDelivered, td.listenerFailures, before.length, after.length]).toEqual([1, 1, 1, 1]);
    expect(after[0]).toBe(before[0]);
  });

  it("deliverFast, runMmioInstruction and deliverPortIo report it the same way", () => {
    const { td, vcpu, after } = traced();
    const fast = caught(() => td.deliverFast(vcpu, ve(td)));
    expect(fast.outcome).toMatchObject({ handled: true, length: 2 });
    expect(vcpu.rip).toBe(RIP + 2n);

    vcpu.rip = RIP;
    const run = caught(() => td.runMmioInstruction(vcpu));
    expect(run.outcome).toMatchObject({ outcome: "handled", ve: { gla: MMIO_VA } });
    expect(vcpu.rip).toBe(RIP + 2n);

    vcpu.rip = RIP;
    const pio = caught(() => td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: (0x3f8n << 16n) | 8n, instrLen: 1 }));
    expect(pio.outcome).toMatchObject({ outcome: "handled" });
    expect(vcpu.rip).toBe(RIP + 1n);
    expect([td.veDelivered, td.listenerFailures, after.length]).toEqual([3, 3, 3]);
  });

  it("a fault is reported unchanged (nothing applied), and the next #VE runs normally once the listener stops throwing", () => {
    const { td, vcpu, after } = traced(1, "not an Error");
    vcpu.set("rax", 7n);
    const e = caught(() => td.deliver(vcpu, { ...ve(td), gpa: MMIO_GPA })); // private GPA: the handler panics
    expect(e.outcome).toMatchObject({ outcome: "fault", step: "private_gpa" });
    expect([e.message, e.cause]).toEqual(["a trace listener threw after the #VE completed: not an Error", "not an Error"]);
    expect([vcpu.rip, vcpu.get("rax")]).toEqual([RIP, 7n]);
    expect(td.deliver(vcpu, ve(td))).toMatchObject({ outcome: "handled" });
    expect([td.veDelivered, td.listenerFailures, after.length]).toEqual([2, 1, 2]);
  });
});

it("several throwing listeners: every one is called, the cause is an AggregateError of their errors", () => {
  const { td, vcpu } = tinyTd("8B 07");
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) td.onVe(() => { seen.push(i); throw new Error(`listener ${i}`); });
  const e = caught(() => td.deliver(vcpu, ve(td)));
  expect(seen).toEqual([0, 1, 2]);
  expect(e.cause).toBeInstanceOf(AggregateError);
  expect((e.cause as AggregateError).errors.map((x: Error) => x.message)).toEqual(["listener 0", "listener 1", "listener 2"]);
  expect([e.outcome && "outcome" in e.outcome && e.outcome.outcome, vcpu.rip, td.listenerFailures]).toEqual(["handled", RIP + 2n, 3]);
});
