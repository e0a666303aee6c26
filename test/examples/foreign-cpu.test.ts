// The foreign CPU model of examples/ takes its #VEs through ve-mmio: the registers it owns are
// written in place (the same array, no copy), its memory map is used for the fetch, and the
// device on the host sees the accesses.
import { describe, it, expect } from "vitest";
import { runToyCpu, ToyCpu } from "../../examples/foreign-cpu.js";
import { SLOT } from "../../src/index.js";
import { decoder } from "../support/decoder.js";

describe("examples/foreign-cpu", () => {
  it("handles every #VE on the simulator's own registers and memory", () => {
    const { cpu, device, results } = runToyCpu(decoder);
    expect(results).toEqual([
      { handled: true, error: null, length: 3 },
      { handled: true, error: null, length: 3 },
      { handled: true, error: null, length: 4 },
    ]);
    expect(cpu.reg(0)).toBe(0xcafef00dn);          // mov eax, [rdi+0x10]: zero-extended into RAX
    expect(device.peek(0x14, 4)).toBe(0x12345678n); // mov [rdi+0x14], ebx
    expect(cpu.reg(1)).toBe(0x7fn);                  // movzx ecx, byte [rdi+0x18]
    expect(cpu.reg(SLOT.RIP)).toBe(0xffffffff81000000n + 10n);
  });

  it("writes the embedder's register array in place", () => {
    const cpu = new ToyCpu();
    const words = cpu.words;
    const asSlots = new BigUint64Array(words.buffer); // the simulator's own second view of its registers
    runToyCpu(decoder, cpu);
    expect(cpu.words).toBe(words);
    expect(asSlots[0]).toBe(0xcafef00dn);
    expect(asSlots[SLOT.RIP]).toBe(0xffffffff8100000an);
  });
});
